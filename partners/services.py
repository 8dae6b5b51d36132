"""Partner and token management shared by the admin and the ``create_partner_token`` command."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import Actor

from .choices import Scope
from .models import Partner, PartnerToken


def parse_scopes(text: str | list[str]) -> list[str]:
    scopes = [s.strip() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        raise ValidationError(
            f"scopes must be a comma-separated subset of {','.join(Scope.values)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    return sorted(set(scopes))


def find_actor(acronym_or_name: str) -> Actor:
    matches = list(Actor.objects.filter(acronym__iexact=acronym_or_name)[:2]) or list(
        Actor.objects.filter(name__iexact=acronym_or_name)[:2]
    )
    if len(matches) != 1:
        raise ValidationError(
            f"no single actor has the acronym or name {acronym_or_name!r}"
            + (" (several do)" if matches else "")
        )
    return matches[0]


@transaction.atomic
def issue_partner_token(
    partner_name: str,
    *,
    actor: str | None = None,
    scopes: str | list[str] = "read",
    label: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[PartnerToken, str, bool]:
    """A new token for the partner (created if needed); returns (token, key, partner_created)."""
    scope_list = parse_scopes(scopes)
    partner = Partner.objects.filter(name=partner_name).first()
    created = False
    if partner is None:
        if not actor:
            raise ValidationError(
                f"partner {partner_name!r} does not exist: give --actor ACRONYM to create it"
            )
        partner = Partner.objects.create(name=partner_name, actor=find_actor(actor))
        created = True
    elif actor and find_actor(actor).pk != partner.actor_id:
        raise ValidationError(
            f"partner {partner_name!r} is linked to {partner.actor}, not to {actor!r}"
        )
    token, key = PartnerToken.issue(partner, scope_list, label=label, expires_at=expires_at)
    return token, key, created
