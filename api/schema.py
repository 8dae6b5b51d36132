"""How the OpenAPI schema describes partner-token authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a partner token from `create_partner_token` or the "
            "admin. Scopes: read (GET), write (POST, PUT, PATCH, DELETE, batch).",
        }
