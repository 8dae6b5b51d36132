"""The clearance of a person logged in by session: staff, a member of a partner organisation,
or anyone else. Partner systems' tokens are cleared in ``partners.authentication``."""

from __future__ import annotations

import uuid

from cases.sharing import Clearance

from .models import PartnerMember


def clearance_for_user(user) -> Clearance:
    """Clearance of a logged-in person: staff see everything; a member of an active partner
    organisation is cleared as its actor; anyone else sees CLEAR and GREEN."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Clearance.public()
    if user.is_staff or user.is_superuser:
        return Clearance.internal()
    return Clearance.for_actors(partner_actor_ids(user))


def partner_actor_ids(user) -> list[uuid.UUID]:
    """The actor of the active partner organisation ``user`` belongs to (none or one).

    Read once per user object, i.e. once per request: pages call the clearance several times.
    """
    cached = getattr(user, "_partner_actor_ids", None)
    if cached is None:
        cached = list(
            PartnerMember.objects.filter(user_id=user.pk, partner__is_active=True).values_list(
                "partner__actor_id", flat=True
            )
        )
        user._partner_actor_ids = cached
    return cached
