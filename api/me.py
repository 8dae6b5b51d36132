"""``GET /api/v1/me/``: who the API takes the caller for and what it may see (issue 14)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import LISTED_SHARING_LEVELS, OPEN_SHARING_LEVELS, SharingLevel
from cases.models import Actor
from partners.authentication import clearance_for_request, partner_of

from .views import ERRORS


def _levels(clearance) -> list[dict]:
    """Each TLP level with what the caller sees of it: all, those listing it, or none."""
    rows = []
    for level in SharingLevel:
        if clearance.unrestricted or level in OPEN_SHARING_LEVELS:
            sees = "all"
        elif level in LISTED_SHARING_LEVELS and clearance.actor_ids:
            sees = "listed"
        else:
            sees = "none"
        rows.append({"level": level.value, "sees": sees})
    return rows


def _organisation(actor_ids) -> dict | None:
    actor = Actor.objects.filter(pk__in=list(actor_ids)).first()
    if actor is None:
        return None
    return {"actor": str(actor.pk), "name": actor.name, "acronym": actor.acronym}


ME = inline_serializer(
    name="Me",
    fields={
        "kind": serializers.ChoiceField(choices=["partner-system", "staff", "person"]),
        "name": serializers.CharField(),
        "organisation": inline_serializer(
            name="MeOrganisation",
            fields={
                "actor": serializers.UUIDField(),
                "name": serializers.CharField(),
                "acronym": serializers.CharField(),
            },
            allow_null=True,
        ),
        "scopes": serializers.ListField(child=serializers.CharField()),
        "expires_at": serializers.DateTimeField(allow_null=True),
        "sharing": serializers.ListField(
            child=inline_serializer(
                name="MeSharingLevel",
                fields={
                    "level": serializers.ChoiceField(choices=SharingLevel.values),
                    "sees": serializers.ChoiceField(choices=["all", "listed", "none"]),
                },
            )
        ),
    },
)


class MeView(APIView):
    """Your own access: the organisation you act for, your token's scopes and expiry, and what
    you see at each Traffic Light Protocol level (``listed``: the records whose sharing list
    names your organisation)."""

    # Any valid token or login, whatever its scopes: a write-only token may ask too.
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Who you are to this API", responses={200: ME, **ERRORS})
    def get(self, request, *args, **kwargs):
        clearance = clearance_for_request(request)
        partner = partner_of(request)
        if partner is not None:
            token = request.user.token
            body = {
                "kind": "partner-system",
                "name": partner.name,
                "organisation": _organisation([partner.actor_id]),
                "scopes": list(token.scopes),
                "expires_at": token.expires_at,
            }
        else:
            user = request.user
            body = {
                "kind": "staff" if clearance.unrestricted else "person",
                "name": user.get_username(),
                "organisation": _organisation(clearance.actor_ids),
                "scopes": ["read", "write"]
                if user.has_perm("cases.change_situation")
                else ["read"],
                "expires_at": None,
            }
        body["sharing"] = _levels(clearance)
        return Response(body)
