"""How the OpenAPI schema describes partner-token authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .views import MAX_BATCH


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


def describe_nested_field_errors(result: dict, generator, request, public) -> dict:
    """An error's ``fields`` holds a list of messages per field, and, for a field that is itself
    a list or an object (a situation's ``countries``, an engagement's ``partners``), the messages
    of each item by its index or name, as deep as the body goes (``api.errors.validation_fields``)."""
    schemas = result.get("components", {}).get("schemas", {})
    body = schemas.get("ErrorBody")
    if body is None:
        return result
    nested = "#/components/schemas/FieldErrors"
    schemas["FieldErrors"] = {
        "type": "object",
        "description": "Messages per field: a list, or the messages of each item or key of a "
        "field holding several",
        "additionalProperties": {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"anyOf": [{"type": "string"}, {"$ref": nested}, {"type": "array"}]},
                },
                {"$ref": nested},
            ]
        },
    }
    body["properties"]["fields"] = {"$ref": nested}
    return result


# PostgreSQL stores no NUL character, and DRF's text fields refuse one with a 400.
NO_NUL = "^[^\\u0000]*$"
# DRF trims a text field before checking it is not blank (Python's ``str.strip``: its white space,
# spelt out, as ECMA-262's ``\\s`` differs): a required text needs one other character.
_SPACE = (
    "\\u0000\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NOT_BLANK = f"^[^\\u0000]*[^{_SPACE}][^\\u0000]*$"


def forbid_nul_in_request_text(result: dict, generator, request, public) -> dict:
    """Every free-text field of a request body says it takes no NUL character (``\\u0000``)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            if (
                field.get("type") in ("string", ["string", "null"])
                and not field.get("readOnly")
                and not {"format", "enum", "pattern", "$ref"} & set(field)
            ):
                field["pattern"] = NOT_BLANK if field.get("minLength", 0) >= 1 else NO_NUL
    return result


def forbid_nul_in_search(result: dict, generator, request, public) -> dict:
    """A list's ``search`` text takes no NUL character either (the server refuses it, 400)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and parameter.get("name") == "search"
                    and schema.get("type") == "string"
                    and "pattern" not in schema
                ):
                    schema["pattern"] = NO_NUL
    return result


def bound_batches(result: dict, generator, request, public) -> dict:
    """A batch holds 1 to ``MAX_BATCH`` records (the server refuses an empty or larger one),
    each id at most once (a JSON schema cannot say it of one property: said in words)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in list(schemas.items()):
        if name == "BatchDeleteRequest":
            component["required"] = ["id", "delete"]
        records = component.get("properties", {}).get("records")
        item = (records or {}).get("items", {}).get("$ref", "").rsplit("/", 1)[-1]
        if name.endswith("BatchRequest") and item.endswith("BatchItemRequest"):
            # A record to write or a delete, said in place (every request component is an
            # object refusing unknown fields): anyOf, as a delete may also read as a record of
            # a type whose every field is optional, and is a delete all the same.
            records["items"] = {"anyOf": schemas.pop(item)["oneOf"]}
        if name.endswith("BatchRequest") and records is not None:
            records.update(
                minItems=1,
                maxItems=MAX_BATCH,
                description=f"1 to {MAX_BATCH} records, written all or nothing; a record's `id` "
                "at most once in a batch",
            )
    return result


def link_records(result: dict, generator, request, public) -> dict:
    """OpenAPI links, for clients and stateful testing: a record created (POST, PUT) or read
    (GET) leads to the operations on it by its ``id``, a write's precondition taken from the
    answer's ``ETag``; a list's first row leads to the same operations."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        detail = paths.get(f"{path}{{id}}/")
        if detail is None:
            continue
        # The operations on one record: its detail path and those under it (an alert's
        # acknowledge), each with whether it takes If-Match.
        targets = {}
        for below in (p for p in paths if p.startswith(f"{path}{{id}}/")):
            for method, operation in paths[below].items():
                if method in ("get", "put", "patch", "delete", "post"):
                    headers = {
                        p.get("name")
                        for p in operation.get("parameters", [])
                        if p.get("in") == "header"
                    }
                    targets[operation["operationId"]] = "If-Match" in headers

        def links(source: str, targets: dict = targets) -> dict:
            found = {}
            for operation_id, if_match in targets.items():
                parameters = {"path.id": f"$response.body#{source}"}
                if if_match and source == "/id":
                    parameters["header.If-Match"] = "$response.header.ETag"
                found[operation_id] = {"operationId": operation_id, "parameters": parameters}
            return found

        sources = [
            (operations.get("post"), ("201", "200"), "/id"),
            (operations.get("get"), ("200",), "/results/0/id"),
        ]
        sources += [
            (detail.get(method), ("200", "201"), "/id") for method in ("get", "put", "patch")
        ]
        for operation, statuses, source in sources:
            if operation is None:
                continue
            for code in statuses:
                response = operation.get("responses", {}).get(code)
                if response is None or "content" not in response:
                    continue
                if source.startswith("/results/") and "Paginated" not in str(response["content"]):
                    continue  # a list sent whole (the six elements), not a page of rows
                response["links"] = links(source)
    return result
