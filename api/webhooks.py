"""``/api/v1/webhooks/``: a partner system manages its own webhook subscriptions (issue 14).

A partner sees and changes only its organisation's active subscriptions; desk officers (staff) see
all. The signing secret is shown once, when the subscription is created or its secret rotated.
DELETE unsubscribes: the subscription is kept, inactive, with its deliveries' history, and leaves
the API (a desk officer may switch it on again in the admin).

A delivery that kept failing for the whole retry window (24 hours by default) is a dead letter:
each subscription tells how many it holds (``dead_letters``), and ``POST …/replay/`` sends them
again, in the order they were raised, each with a fresh window (issue 16).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerts.choices import DeliveryStatus
from alerts.models import WebhookSubscription
from alerts.services import configuration, replay_dead_letters
from alerts.webhook_urls import validate_webhook_url
from partners.authentication import partner_of

from .permissions import ApiPermission
from .serializers import StrictMixin
from .views import ERRORS


class WebhookSerializer(StrictMixin, serializers.ModelSerializer):
    # 253: a host name's longest (RFC 1035), so a URL the schema allows is never refused for its
    # host's length alone; a partner's endpoint fits.
    url = serializers.URLField(max_length=253)
    dead_letters = serializers.SerializerMethodField(
        help_text="Deliveries that failed for the whole retry window; POST …/replay/ sends "
        "them again"
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "created_at", "dead_letters"]
        read_only_fields = ["id", "created_at", "dead_letters"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_dead_letters(self, subscription: WebhookSubscription) -> int:
        return subscription.notifications.filter(status=DeliveryStatus.FAILED).count()

    def validate_url(self, value: str) -> str:
        try:
            validate_webhook_url(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class ReplaySerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="Dead letters queued again, in order")


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: keep it now")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSerializer.Meta.read_only_fields, "secret"]


@extend_schema_view(
    list=extend_schema(
        summary="Your webhook subscriptions",
        responses={200: WebhookSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One of your webhook subscriptions", responses={200: WebhookSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Subscribe a URL to your alerts (the signing secret is shown once)",
        responses={201: WebhookWithSecretSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Rename or move a subscription",
        responses={200: WebhookSerializer, **ERRORS},
    ),
    destroy=extend_schema(
        summary="Unsubscribe (kept, inactive, with its deliveries' history)",
        responses={204: None, **ERRORS},
    ),
    rotate_secret=extend_schema(
        summary="A new signing secret (shown once)",
        request=None,
        responses={200: WebhookWithSecretSerializer, **ERRORS},
    ),
    replay=extend_schema(
        summary="Send the dead letters again (in order, each with a fresh retry window)",
        request=None,
        responses={202: ReplaySerializer, **ERRORS},
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ApiPermission]
    serializer_class = WebhookSerializer
    write_model = WebhookSubscription
    write_actions = {"rotate_secret": ("change",), "replay": ("change",)}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = None

    def get_queryset(self):
        partner = partner_of(self.request)
        rows = WebhookSubscription.objects.filter(is_active=True).order_by("created_at", "pk")
        if partner is not None:
            return rows.filter(actor_id=partner.actor_id)
        if self.request.user.is_staff:
            return rows
        return rows.none()

    def _by(self):
        return None if partner_of(self.request) else self.request.user

    def _reason(self) -> str:
        partner = partner_of(self.request)
        return f"API: partner {partner.name}" if partner else "API"

    def _partner_or_refuse(self):
        partner = partner_of(self.request)
        if partner is None:
            raise exceptions.PermissionDenied(
                "Desk officers manage subscriptions in the admin; this endpoint is a partner's own."
            )
        return partner

    def create(self, request, *args, **kwargs):
        partner = self._partner_or_refuse()
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = configuration.save_webhook_subscription(
            WebhookSubscription(actor_id=partner.actor_id, **serializer.validated_data),
            reason=self._reason(),
        )
        return Response(
            WebhookWithSecretSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        self._partner_or_refuse()
        subscription = self.get_object()
        serializer = WebhookSerializer(subscription, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(subscription, name, value)
        configuration.save_webhook_subscription(subscription, by=self._by(), reason=self._reason())
        return Response(WebhookSerializer(subscription).data)

    def destroy(self, request, *args, **kwargs):
        self._partner_or_refuse()
        configuration.unsubscribe_webhook(self.get_object(), by=self._by(), reason=self._reason())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        self._partner_or_refuse()
        subscription = configuration.rotate_webhook_secret(
            self.get_object(), by=self._by(), reason=self._reason()
        )
        return Response(WebhookWithSecretSerializer(subscription).data)

    @action(detail=True, methods=["post"])
    def replay(self, request, *args, **kwargs):
        self._partner_or_refuse()
        replayed = replay_dead_letters(self.get_object())
        return Response({"replayed": replayed}, status=status.HTTP_202_ACCEPTED)
