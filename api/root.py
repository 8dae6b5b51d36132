"""``GET /api/v1/``: the API's resources and where each is, for a person or a client exploring it.

Public, as the schema and the docs are: it names the collections, never a record.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# Beside the resources: the change feed, who you are, the schema and its docs.
OTHER_ENDPOINTS = ("changes", "me", "schema", "docs")


def api_root_view(registry: list[tuple[str, type, str]]):
    """The root view for the router's ``registry`` (prefix, viewset, basename)."""
    urls = {prefix: f"api:{basename}-list" for prefix, _viewset, basename in registry}
    body = inline_serializer(
        name="ApiRoot",
        fields={
            "resources": inline_serializer(
                name="ApiRootResources",
                fields={prefix: serializers.URLField() for prefix in urls},
                help_text="Each collection's URL, by its name",
            ),
            **{name: serializers.URLField() for name in OTHER_ENDPOINTS},
        },
    )

    class ApiRootView(APIView):
        """The API's resources, each with its URL; the change feed, ``me``, the schema and its
        interactive docs."""

        # Public like the schema: no token needed (and none refused), no request counted.
        authentication_classes = []
        permission_classes = [AllowAny]
        throttle_classes = []

        @extend_schema(summary="The API's resources", responses={200: body}, auth=[])
        def get(self, request, *args, **kwargs):
            return Response(
                {
                    "resources": {
                        prefix: reverse(name, request=request) for prefix, name in urls.items()
                    },
                    **{name: reverse(f"api:{name}", request=request) for name in OTHER_ENDPOINTS},
                }
            )

    return ApiRootView.as_view()
