from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from partners.services import issue_partner_token


class Command(BaseCommand):
    help = (
        "Create an API token for a partner system (and the partner, linked to an actor, if it "
        "does not exist yet). The key is printed once and never stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("partner_name")
        parser.add_argument("--actor", help="Acronym (or name) of the partner's actor, e.g. ECOWAS")
        parser.add_argument("--scopes", default="read", help="read, write or read,write")
        parser.add_argument("--label", default="", help="What the token is for")
        parser.add_argument("--expires-days", type=int, help="Expire after this many days")

    def handle(self, *args, partner_name, actor, scopes, label, expires_days, **options):
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            token, key, created = issue_partner_token(
                partner_name, actor=actor, scopes=scopes, label=label, expires_at=expires_at
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        partner = token.partner
        if created:
            self.stderr.write(f"Created partner {partner.name} (actor: {partner.actor}).")
        self.stderr.write(
            f"Token {token.prefix} for {partner.name}, scopes {token.scope_list}"
            + (f", expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "")
            + ". Keep the key now: it is not stored and cannot be shown again."
        )
        self.stdout.write(key)
