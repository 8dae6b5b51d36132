"""``Authorization: Token <key>`` for partner systems, checked against the stored hash."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from cases.sharing import Clearance

from .clearance import clearance_for_user
from .models import PartnerToken

LAST_USED_RESOLUTION = timedelta(minutes=5)


class PartnerPrincipal:
    """``request.user`` of a request made with a partner token (not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token: PartnerToken) -> None:
        self.token = token
        self.partner = token.partner

    def __str__(self) -> str:
        return f"partner {self.partner.name}"

    def has_perm(self, perm: str, obj=None) -> bool:
        return False

    def get_username(self) -> str:
        return f"partner:{self.partner.name}"


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: give one key.")
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        prefix = PartnerToken.prefix_of(key)
        token = (
            PartnerToken.objects.select_related("partner").filter(prefix=prefix).first()
            if prefix
            else None
        )
        if token is None or not token.matches(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.is_usable:
            raise exceptions.AuthenticationFailed("Token expired, revoked or partner inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return PartnerPrincipal(token), token

    def authenticate_header(self, request) -> str:
        return self.keyword


def partner_of(request):
    """The partner behind a token request, or None for people."""
    user = getattr(request, "user", None)
    return user.partner if isinstance(user, PartnerPrincipal) else None


def clearance_for_request(request) -> Clearance:
    partner = partner_of(request)
    if partner is not None:
        return Clearance.for_actors([partner.actor_id])
    return clearance_for_user(request.user)
