"""Create or refresh the demo desk-officer login and print how to sign in."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from cases.roles import DESK_OFFICER

DEFAULT_USERNAME = "desk"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Create (or update) a demo desk-officer user and print the login URL, username and "
        "password. Without --password a new password is generated on each run; running it again "
        "never adds a second user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument("--password", help="Use this password instead of generating one")
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"Where the tracker is served, for the printed login URL (default {DEFAULT_BASE_URL})",
        )

    def handle(self, *args, username: str, password: str | None, base_url: str, **options) -> None:
        user_model = get_user_model()
        password = password or secrets.token_urlsafe(12)
        try:
            desk_officers = Group.objects.get(name=DESK_OFFICER)
        except Group.DoesNotExist:
            raise CommandError(
                f'the group "{DESK_OFFICER}" does not exist: run "manage.py migrate" first'
            ) from None

        with transaction.atomic():
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "first_name": "Demo desk officer"},
            )
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(f"password refused: {' '.join(error.messages)}") from None
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(desk_officers)

        login_url = base_url.rstrip("/") + reverse("admin:login")
        self.stdout.write(
            f"Demo login ({'created' if created else 'updated'}, group {DESK_OFFICER}):\n"
            f"  URL:      {login_url}\n"
            f"  Username: {username}\n"
            f"  Password: {password}\n"
        )
