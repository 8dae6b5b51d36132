"""``GET /api/v1/export/stix/`` and ``GET /api/v1/situations/<id>/stix/``: STIX 2.1 bundles of
what the caller may see (``api.stix`` says how records map to STIX objects)."""

from __future__ import annotations

import uuid

import django_filters as filters
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView

from cases.models import Situation

from . import stix
from .filters import OffsetCheckedIsoDateTimeFilter, situation_filters
from .parameters import KnownParametersMixin
from .permissions import ApiPermission
from .views import ERRORS, UUID_RE, ClearanceMixin

STIX_ID = r"^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# The bundle as the schema describes it: STIX 2.1's own JSON schemas say the rest, and the tests
# check every bundle with OASIS's validator (stix2-validator).
BUNDLE_SCHEMA = {
    "type": "object",
    "description": "A STIX 2.1 bundle: TLP 2.0 marking definitions, then one `grouping` per "
    "situation, a `note` per warning sign, a `course-of-action` per engagement, an `identity` "
    "per actor named, `location`s and `relationship`s, each marked with its TLP 2.0 level.",
    "properties": {
        "type": {"type": "string", "enum": ["bundle"]},
        "id": {"type": "string", "pattern": STIX_ID},
        "objects": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "spec_version": {"type": "string", "enum": ["2.1"]},
                    "id": {"type": "string", "pattern": STIX_ID},
                    "created": {"type": "string", "format": "date-time"},
                    "object_marking_refs": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["type", "spec_version", "id", "created"],
            },
        },
    },
    "required": ["type", "id", "objects"],
}
BUNDLE_RESPONSES = {
    (200, stix.MEDIA_TYPE): OpenApiResponse(BUNDLE_SCHEMA, description="A STIX 2.1 bundle"),
    **ERRORS,
}


def _changed_after(queryset, name, value):
    return queryset if value is None else stix.changed_since(queryset, value)


class StixExportFilter(filters.FilterSet):
    """The situations a bundle holds (with their signs, engagements and the actors they name)."""

    situation = filters.UUIDFilter(field_name="pk", label="One situation, by its id")
    changed_after = OffsetCheckedIsoDateTimeFilter(
        method=_changed_after,
        label="Situations where anything exported changed at or after (ISO 8601): the "
        "situation, a warning sign, an engagement, a partner role or an actor they name; each "
        "exported whole",
    )

    class Meta:
        model = Situation
        fields: list[str] = []


for _name, _filter in situation_filters("").items():
    StixExportFilter.base_filters[_name] = _filter


class StixBundleMixin(KnownParametersMixin, ClearanceMixin):
    permission_classes = [ApiPermission]

    def known_parameters(self) -> set[str]:
        return set(self.filterset_class.base_filters) if self.filterset_class else set()

    def perform_content_negotiation(self, request, force=False):
        # A STIX client asks for ``application/stix+json``: the bundle is sent as that; an error
        # is the API's JSON error whatever was asked (never a 406).
        return super().perform_content_negotiation(request, force=True)

    def bundle_response(self, situations) -> HttpResponse:
        return HttpResponse(stix.build_bundle(situations), content_type=stix.MEDIA_TYPE)


class StixExportView(StixBundleMixin, GenericAPIView):
    """Everything you may see as one STIX 2.1 bundle, for MISP, OpenCTI or any STIX 2.1 tool.

    Situations are `grouping`s, warning signs `note`s on them, engagements `course-of-action`s,
    actors `identity`s, with `relationship`s between them; every object is marked with the
    TLP 2.0 marking definition of its sharing level (OASIS's fixed ids). Ids are stable from one
    export to the next (a record's STIX id ends with its own id). Filter as the situations list
    does; `changed_after` keeps the situations where anything exported changed since."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = StixExportFilter
    queryset = Situation.objects.all()

    @extend_schema(
        summary="Export as a STIX 2.1 bundle",
        filters=True,
        responses=BUNDLE_RESPONSES,
    )
    def get(self, request, *args, **kwargs):
        self.reject_unknown_parameters()
        situations = stix.export_situations(self.clearance, self.filter_queryset(self.queryset))
        return self.bundle_response(situations)


class SituationStixView(StixBundleMixin, GenericAPIView):
    """One situation as a STIX 2.1 bundle: its `grouping`, its warning signs, engagements, the
    actors they name and the relationships between them, each with its TLP 2.0 marking."""

    filterset_class = None
    queryset = Situation.objects.all()

    @extend_schema(
        summary="One situation as a STIX 2.1 bundle",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH),
        ],
        responses=BUNDLE_RESPONSES,
    )
    def get(self, request, pk=None, *args, **kwargs):
        self.reject_unknown_parameters()
        situations = stix.export_situations(self.clearance, self.queryset.filter(pk=uuid.UUID(pk)))
        if not situations.exists():
            raise exceptions.NotFound()
        return self.bundle_response(situations)


SITUATION_STIX_PATH = rf"^situations/(?P<pk>{UUID_RE})/stix/$"
