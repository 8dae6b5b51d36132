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


def forbid_unknown_request_fields(result: dict, generator, request, public) -> dict:
    """Every request body says ``additionalProperties: false``: the server refuses an unknown
    field with a 400 (``api.serializers.StrictMixin``, the batch's ``{"records": …}``), so a
    generated client should not send one."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
