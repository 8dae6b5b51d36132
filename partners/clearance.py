"""The clearance of a person logged in by session: staff, a member of a partner organisation,
or anyone else. Partner systems' tokens are cleared in ``partners.authentication``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext

from cases.roles import DESK_OFFICER, REVIEWER, ROLES, USER_MANAGER
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


@dataclass(frozen=True)
class Person:
    """Who a logged-in person is to the tracker, as the site's header says it."""

    role: str
    clearance: str
    organisation: str = ""


def describe_person(user) -> Person | None:
    """The role(s) and the clearance of ``user`` in words (None for an anonymous visitor).

    One query: the names of the user's groups and their active partner organisation."""
    if user is None or not user.is_authenticated:
        return None
    memberships = PartnerMember.objects.filter(user_id=OuterRef("pk"), partner__is_active=True)
    actor_label = Coalesce(NullIf("partner__actor__acronym", Value("")), "partner__actor__name")
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            group_names=ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")),
            organisation=Subquery(memberships.values("partner__name")[:1]),
            cleared_as=Subquery(memberships.annotate(label=actor_label).values("label")[:1]),
        )
        .get()
    )
    if user.is_superuser:
        roles = [gettext("Administrator")]
    else:
        # The groups' names are the roles' English names; the header shows them translated.
        roles = [gettext(role) for role in ROLES if role in row["group_names"]]
    if row["organisation"]:
        roles.append(gettext("Partner staff"))
    clearance = clearance_for_user(user)
    if clearance.unrestricted:
        cleared = gettext("All levels")
    elif clearance.actor_ids and row["cleared_as"]:
        cleared = gettext("Cleared as %(actor)s") % {"actor": row["cleared_as"]}
    else:
        cleared = "TLP:CLEAR and GREEN"
    return Person(
        role=", ".join(roles) or gettext("No role"),
        clearance=cleared,
        organisation=row["organisation"] or "",
    )


def works_in_admin_only(user) -> bool:
    """A user manager with no working role of the cases: people are managed in the admin."""
    names = set(user.groups.values_list("name", flat=True))
    return USER_MANAGER in names and not names & {DESK_OFFICER, REVIEWER}
