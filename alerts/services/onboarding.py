"""Giving a person a role: a desk officer (with the regions whose alert e-mails they receive), a
reviewer, or a partner organisation's staff member. The ``create_demo_login`` command and the
admin's user form (for the *User manager* group) both call ``person_assign_role``.

What each role is:

| role | staff (admin) | group | also |
| --- | --- | --- | --- |
| desk | yes | Desk officer | desk assignments: the regions whose alerts they are e-mailed |
| reviewer | yes (read-only) | Reviewer | – |
| partner | no | – | a member of one partner organisation, cleared as it |
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from cases.choices import Region
from cases.models import Situation
from cases.roles import DESK_OFFICER, REVIEWER
from partners.models import Partner, PartnerMember
from partners.services import find_actor

from ..models import DeskAssignment


class Role(models.TextChoices):
    DESK = "desk", "Desk officer"
    REVIEWER = "reviewer", "Reviewer"
    PARTNER = "partner", "Partner staff"


# The group each role is; a role's person belongs to its group and to no other role's.
ROLE_GROUPS = {Role.DESK: DESK_OFFICER, Role.REVIEWER: REVIEWER}


def role_of(user) -> Role | None:
    """The role ``user`` holds (desk before reviewer when both), or None."""
    names = set(user.groups.values_list("name", flat=True))
    for role, group in ROLE_GROUPS.items():
        if group in names:
            return role
    if PartnerMember.objects.filter(user=user).exists():
        return Role.PARTNER
    return None


def seeded_regions() -> list[str]:
    """The regions of the situations recorded, in the order of the choices."""
    present = set(Situation.objects.values_list("region", flat=True).distinct())
    return [region for region in Region.values if region in present]


def parse_regions(values: Iterable[str]) -> list[str]:
    """Region codes or names (``africa``, ``Asia``; comma-separated or one by one), checked."""
    by_word = {code: code for code in Region.values} | {
        str(label).casefold(): code for code, label in Region.choices
    }
    regions, unknown = [], []
    for value in values:
        for word in (w.strip() for w in value.split(",")):
            if not word:
                continue
            code = by_word.get(word.casefold())
            if code is None:
                unknown.append(word)
            elif code not in regions:
                regions.append(code)
    if unknown:
        raise ValidationError(
            f"unknown region {', '.join(unknown)}: give one of {', '.join(Region.values)}"
        )
    return regions


def find_partner(name_or_actor: str) -> Partner:
    """The partner organisation of that name, or, when none, a new one for the actor of that
    acronym or name (e.g. ``ECOWAS``), as ``create_partner_token --actor`` makes it."""
    partner = Partner.objects.filter(name__iexact=name_or_actor).first()
    if partner is not None:
        return partner
    try:
        actor = find_actor(name_or_actor)
    except ValidationError:
        raise ValidationError(
            f"no partner organisation or actor is called {name_or_actor!r}: see the admin's "
            "Partner systems, or the actors' acronyms"
        ) from None
    partner = Partner.objects.filter(actor=actor).order_by("name").first()
    return partner or Partner.objects.create(name=actor.name, actor=actor)


def validate_role(role: str | None, regions: Iterable[str], partner: Partner | None) -> None:
    """Refuse what ``role`` cannot hold (a ValidationError naming the field)."""
    errors = {}
    if role != Role.DESK and list(regions):
        errors["regions"] = "Only a desk officer is assigned regions."
    if role == Role.PARTNER and partner is None:
        errors["partner"] = "Partner staff belong to a partner organisation."
    if role != Role.PARTNER and partner is not None:
        errors["partner"] = "Only partner staff belong to a partner organisation."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_assign_role(
    user,
    *,
    role: str | None,
    regions: Iterable[str] = (),
    partner: Partner | None = None,
) -> None:
    """Make the saved ``user`` hold ``role`` (None: no role) and only it: its group (the other role's removed),
    staff or not, its desk assignments (exactly a desk officer's ``regions``; none for another
    role) and its partner organisation (``partner``, required for partner staff).
    Groups that are not roles (e.g. *User manager*) are left as they are."""
    role = Role(role) if role else None
    regions = list(regions)
    validate_role(role, regions, partner)

    role_groups = {name: Group.objects.get(name=name) for name in ROLE_GROUPS.values()}
    user.groups.remove(*[g for name, g in role_groups.items() if name != ROLE_GROUPS.get(role)])
    if role in ROLE_GROUPS:
        user.groups.add(role_groups[ROLE_GROUPS[role]])
    # Partner staff work on the dashboards only; a person with no role keeps what they had.
    staff = user.is_staff if role is None else (role != Role.PARTNER or user.is_superuser)
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])

    wanted = set(regions) if role == Role.DESK else set()
    for assignment in DeskAssignment.objects.filter(user=user).exclude(region__in=wanted):
        assignment.delete()  # one by one: each deletion is kept in the history
    held = set(DeskAssignment.objects.filter(user=user).values_list("region", flat=True))
    for region in regions:
        if region not in held:
            DeskAssignment.objects.create(user=user, region=region)

    membership = PartnerMember.objects.filter(user=user).first()
    if role == Role.PARTNER:
        if membership is None:
            PartnerMember.objects.create(user=user, partner=partner)
        elif membership.partner_id != partner.pk:
            membership.partner = partner
            membership.save()
    elif membership is not None:
        membership.delete()


@transaction.atomic
def person_onboard(
    *,
    username: str,
    password: str,
    role: str,
    regions: Iterable[str] = (),
    partner: Partner | None = None,
    first_name: str = "",
) -> tuple[object, bool]:
    """Create (or update) the login ``username`` with ``password`` and give it ``role``;
    returns (user, created). Nothing is written when the password or the role is refused."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "first_name": first_name},
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.is_active = True
    user.set_password(password)
    user.save()
    person_assign_role(user, role=role, regions=regions, partner=partner)
    return user, created
