"""``/api/v1/alerts/``: alerts on the situations a caller may see, and acknowledging them.

Alerts inherit their situation's sharing level (read through ``cases.sharing``); acknowledging
goes through the alerts app's lifecycle service, as the admin's bulk action does. An alert's ``id``
is its public UUID (the integer key stays internal); its ``version`` grows with every change, and
acknowledging honours ``If-Match`` like every other write.
"""

from __future__ import annotations

import datetime as dt
import uuid

import django_filters as filters
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts.choices import AlertStatus, RuleKind
from alerts.models import Alert
from alerts.services.lifecycle import acknowledge
from cases import choices
from cases.models import WarningIndicator
from cases.sharing import restrict_to_clearance
from partners.authentication import partner_of

from .errors import ApiError, PreconditionFailed
from .filters import OffsetCheckedIsoDateTimeFilter, situation_filters
from .pagination import KeysetPagination
from .parameters import KnownParametersMixin
from .permissions import ApiPermission
from .resources import ALERT, ALERT_SIGN
from .serializers import ErrorSerializer, StrictMixin
from .views import (
    ERRORS,
    IF_MATCH,
    IF_NONE_MATCH_READ,
    LIST_PARAMETERS,
    NOT_MODIFIED,
    UUID_RE,
    ClearanceMixin,
    _matches,
    _paged,
    etag,
    ordering_parameter,
    precondition_tags,
)

ALERT_ORDERING = {"opened_at": dt.datetime, "level": int}
DEFAULT_ALERT_ORDERING = "-opened_at"


class AlertSignSerializer(serializers.ModelSerializer):
    """The warning sign a "no action" or threshold-moment alert is about (one alert per sign)."""

    class Meta:
        model = WarningIndicator
        fields = ALERT_SIGN.names
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    """An alert raised by the alerts job (read-only but for acknowledging)."""

    situation = serializers.UUIDField()
    engagement = serializers.UUIDField(allow_null=True)
    follow_up = serializers.UUIDField(allow_null=True)
    id = serializers.UUIDField(source="uuid", read_only=True)
    rule = serializers.IntegerField()
    rule_kind = serializers.ChoiceField(choices=RuleKind.choices)
    rule_name = serializers.CharField()
    indicator = AlertSignSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = ALERT.names
        read_only_fields = ALERT.read_only


class AcknowledgeSerializer(StrictMixin, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class _AlertFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    level = filters.TypedMultipleChoiceFilter(choices=choices.Severity.choices, coerce=int)
    rule_kind = filters.MultipleChoiceFilter(field_name="rule__kind", choices=RuleKind.choices)
    situation = filters.UUIDFilter(field_name="situation_id")
    indicator = filters.UUIDFilter(
        field_name="indicator_id", help_text="The alert of this warning sign (one alert per sign)"
    )
    opened_after = OffsetCheckedIsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = OffsetCheckedIsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Alert
        fields: list[str] = []


AlertFilter = type(
    "AlertFilter",
    (_AlertFilter,),
    {
        **{
            ("situation_status" if name == "status" else name): f
            for name, f in situation_filters("situation").items()
        },
        "Meta": _AlertFilter.Meta,
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="Alerts on the situations shared with you",
        parameters=[
            *LIST_PARAMETERS,
            ordering_parameter(ALERT_ORDERING, DEFAULT_ALERT_ORDERING),
        ],
        responses={200: _paged(AlertSerializer), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One alert",
        parameters=[IF_NONE_MATCH_READ],
        responses={200: AlertSerializer, 304: NOT_MODIFIED, **ERRORS},
    ),
    acknowledge=extend_schema(
        summary="Acknowledge an open alert (say what is being done)",
        request=AcknowledgeSerializer,
        parameters=[IF_MATCH],
        responses={
            200: AlertSerializer,
            409: ERRORS[400],
            412: OpenApiResponse(ErrorSerializer, description="Stale (current version given)"),
            **ERRORS,
        },
    ),
)
class AlertViewSet(KnownParametersMixin, ClearanceMixin, viewsets.GenericViewSet):
    permission_classes = [ApiPermission]
    serializer_class = AlertSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AlertFilter
    lookup_value_regex = UUID_RE
    write_model = Alert
    write_actions = {"acknowledge": ("change",)}
    ordering_fields = ALERT_ORDERING

    def get_queryset(self):
        return restrict_to_clearance(Alert.objects.all(), self.clearance, "situation")

    def list(self, request, *args, **kwargs):
        self.reject_unknown_parameters()
        queryset = self.filter_queryset(self.get_queryset())
        ordering = request.query_params.get("ordering") or DEFAULT_ALERT_ORDERING
        if ordering.lstrip("-") not in self.ordering_fields:
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={"ordering": [f"One of {', '.join(sorted(self.ordering_fields))}."]},
            )
        pager = KeysetPagination(request, ordering, self.ordering_fields, id_field="uuid")
        return pager.response(ALERT.rows(pager.paginate(queryset)))

    def _row(self, pk) -> dict:
        rows = ALERT.rows(self.get_queryset().filter(uuid=uuid.UUID(pk)))
        if not rows:
            raise exceptions.NotFound()
        return rows[0]

    def retrieve(self, request, pk=None, *args, **kwargs):
        row = self._row(pk)
        headers = {"ETag": etag(row["version"])}
        if_none_match = precondition_tags(request, "If-None-Match")
        if if_none_match and _matches(if_none_match, row["version"]):
            return Response(status=304, headers=headers)
        return Response(row, headers=headers)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None, *args, **kwargs):
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = body.validated_data["comment"]
        partner = partner_of(request)
        with transaction.atomic():
            alert = (
                self.get_queryset()
                .select_for_update(of=("self",))
                .filter(uuid=uuid.UUID(pk))
                .first()
            )
            if alert is None:
                raise exceptions.NotFound()
            header = precondition_tags(request, "If-Match")
            if header is not None and not _matches(header, alert.version):
                raise PreconditionFailed(alert.version)
            if alert.status != AlertStatus.OPEN:
                raise ApiError(409, "not_open", f"The alert is {alert.status}, not open.")
            if partner is not None:
                comment = f"[{partner.name}] {comment}".strip()
            acknowledge([alert], None if partner else request.user, comment)
        row = self._row(pk)
        return Response(row, headers={"ETag": etag(row["version"])})
