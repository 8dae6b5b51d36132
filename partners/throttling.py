"""Per-token request rate: a partner system that floods the API gets 429 with Retry-After."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import PartnerPrincipal


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per partner token, per person, or per address for the anonymous."""

    scope = "api"

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATE", None)

    def allow_request(self, request, view) -> bool:
        # Read the rate at each request so deployments and tests can change it.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = request.user
        if isinstance(user, PartnerPrincipal):
            ident = f"token-{user.token.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
