"""The baseline the API list is measured against: the same 50 rows a partner sees on
``/api/v1/situations/`` (same clearance, same order), read with ``values()`` and sent with
``JsonResponse`` — the most direct way Django can serve them."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from api.pagination import DEFAULT_LIMIT
from api.resources import SITUATIONS
from cases.models import Situation
from cases.sharing import Clearance, restrict_to_clearance
from partners.models import PartnerToken


def situations_baseline(request: HttpRequest) -> JsonResponse:
    # The token is checked as the API checks it (prefix lookup, hash compare): same work, same rows.
    key = request.headers.get("Authorization", "").removeprefix("Token ").strip()
    prefix = PartnerToken.prefix_of(key)
    token = (
        PartnerToken.objects.select_related("partner").filter(prefix=prefix).first()
        if prefix
        else None
    )
    if token is None or not token.matches(key):
        return JsonResponse({"detail": "Invalid token."}, status=401)
    clearance = Clearance.for_actors([token.partner.actor_id])
    rows = restrict_to_clearance(Situation.objects.all(), clearance).order_by("-updated_at", "-id")
    return JsonResponse({"results": list(rows.values(*SITUATIONS.shape.paths())[:DEFAULT_LIMIT])})
