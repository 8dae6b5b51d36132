"""One JSON shape for every API error: ``{"error": {"code", "message", "fields"?, …}}``."""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed: If-Match does not name its current version."
    default_code = "precondition_failed"

    def __init__(self, current_version: int | None):
        super().__init__()
        self.current_version = current_version


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record is still referred to by other records."
    default_code = "conflict"


class ApiError(exceptions.APIException):
    """An error with its own machine-readable code (and optional per-field messages)."""

    def __init__(self, status_code: int, code: str, message: str, **extra):
        self.status_code = status_code
        super().__init__(message, code)
        self.error_code = code
        self.extra = extra


def _flatten(detail) -> dict[str, list[str]] | list[str] | str:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def validation_fields(detail) -> dict:
    flat = _flatten(detail)
    if isinstance(flat, dict):
        return flat
    return {"non_field_errors": flat if isinstance(flat, list) else [flat]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    extra: dict = {}
    if isinstance(exc, ApiError):
        code = exc.error_code
        extra.update(exc.extra)
        message = str(exc.detail)
    elif isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        message = "The request is not valid; see fields."
        extra["fields"] = validation_fields(exc.detail)
    else:
        code = CODES.get(type(exc)) or getattr(exc, "default_code", "error")
        message = str(exc.detail) if not isinstance(exc.detail, dict | list) else code
    if isinstance(exc, PreconditionFailed):
        extra["current_version"] = exc.current_version
    if isinstance(exc, exceptions.Throttled):
        extra["retry_after"] = math.ceil(exc.wait) if exc.wait is not None else None
    response.data = error_body(code, message, **extra)
    if isinstance(exc, exceptions.NotFound):
        response.data = not_found_body()
    return response


def not_found_body() -> dict:
    """Identical for a missing record, a forbidden one and an unknown URL."""
    return error_body("not_found", "Not found.")


@csrf_exempt  # it changes nothing: an unknown URL is the JSON 404 for every method
def not_found_view(request, *args, **kwargs):
    return JsonResponse(not_found_body(), status=404)


__all__ = ["ApiError", "Conflict", "PreconditionFailed", "Response", "exception_handler"]
