"""Create or refresh a demo login for one role and print how to sign in.

In the alerts app because a desk officer's login comes with desk assignments (the regions whose
alert e-mails they receive) and partner staff with a partner organisation: both below this layer.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from cases.choices import Region
from cases.roles import DESK_OFFICER, REVIEWER

from ...models import DeskAssignment
from ...services.onboarding import (
    Role,
    find_partner,
    parse_regions,
    person_onboard,
    seeded_regions,
)

DEFAULT_USERNAME = "desk"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Create (or update) a demo login for a role and print the login URL, username and "
        "password: a desk officer (default; assigned the regions of the situations recorded, or "
        "--region, so alert e-mails reach them), a reviewer, or a partner organisation's staff "
        "member (--partner). Without --password a new password is generated on each run; running "
        "it again never adds a second user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=Role.DESK,
            help="desk (default): desk officer; reviewer: review team; partner: partner staff",
        )
        parser.add_argument(
            "--username", help=f"Default: the role's name ({', '.join(Role.values)})"
        )
        parser.add_argument("--password", help="Use this password instead of generating one")
        parser.add_argument(
            "--region",
            action="append",
            default=[],
            help="A desk officer's region (repeat, or separate by commas: "
            f"{','.join(Region.values)}); default: the regions of the situations recorded",
        )
        parser.add_argument(
            "--partner",
            help="Partner staff's organisation: a partner's name, or an actor's acronym or name "
            "(e.g. ECOWAS; the partner is created for it if none exists)",
        )
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"Where the tracker is served, for the printed login URL (default {DEFAULT_BASE_URL})",
        )

    def handle(self, *args, role: str, username: str | None, password: str | None, **options):
        role = Role(role)
        username = username or (DEFAULT_USERNAME if role == Role.DESK else role.value)
        password = password or secrets.token_urlsafe(12)
        for group in (DESK_OFFICER, REVIEWER):
            if not Group.objects.filter(name=group).exists():
                raise CommandError(
                    f'the group "{group}" does not exist: run "manage.py migrate" first'
                )
        if options["region"] and role != Role.DESK:
            raise CommandError("--region is for a desk officer (--role desk)")
        if options["partner"] and role != Role.PARTNER:
            raise CommandError("--partner is for partner staff (--role partner)")
        if role == Role.PARTNER and not options["partner"]:
            raise CommandError("--role partner needs --partner NAME (e.g. --partner ECOWAS)")
        try:
            regions = parse_regions(options["region"])
            if role == Role.DESK and not regions:
                held = DeskAssignment.objects.filter(user__username=username)
                regions = sorted(
                    {*seeded_regions(), *held.values_list("region", flat=True)},
                    key=Region.values.index,
                )
            # One transaction: a refused password leaves no partner organisation made for it.
            with transaction.atomic():
                partner = find_partner(options["partner"]) if role == Role.PARTNER else None
                _user, created = person_onboard(
                    username=username,
                    password=password,
                    role=role,
                    regions=regions,
                    partner=partner,
                    first_name=f"Demo {role.label.lower()}",
                )
        except ValidationError as error:
            raise CommandError(_one_line(error)) from None

        if role == Role.DESK:
            login_url = options["base_url"].rstrip("/") + reverse("admin:login")
            who = f"group {DESK_OFFICER}"
        else:
            login_url = options["base_url"].rstrip("/") + reverse("dashboards:login")
            who = f"group {REVIEWER}" if role == Role.REVIEWER else f"partner staff of {partner}"
        lines = [
            f"Demo login ({'created' if created else 'updated'}, {who}):",
            f"  URL:      {login_url}",
            f"  Username: {username}",
            f"  Password: {password}",
        ]
        if role == Role.DESK:
            names = ", ".join(str(Region(r).label) for r in regions)
            lines.append(
                f"  Alert e-mails for: {names}"
                if names
                else "  Alert e-mails for: no region (no situation yet; give --region)"
            )
        self.stdout.write("\n".join(lines) + "\n")


def _one_line(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        prefix = "password refused: " if field == "password" else f"{field}: "
        return prefix + " ".join(messages)
    return " ".join(error.messages)
