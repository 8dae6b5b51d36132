"""Answers given before a request reaches the API's views, in the API's one error shape."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body

API_PREFIX = "/api/"


class RequestTooLargeMiddleware:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` sent to the API answers a JSON 413 at once,
    before anything reads it (Django would refuse it later with a text 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return JsonResponse(
                    error_body(
                        "request_too_large",
                        f"The body is {length:,} bytes; the limit is {limit:,}.",
                        limit=limit,
                    ),
                    status=413,
                )
        return self.get_response(request)
