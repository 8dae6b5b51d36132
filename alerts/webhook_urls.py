"""Where a partner's webhooks may point: a public http(s) address, not this machine or a private
network (a subscription would otherwise let its author make the tracker call internal services)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def validate_webhook_url(url: str) -> None:
    """Refuse a URL that is not http(s), or whose host is a loopback, private, link-local or
    otherwise non-public address or a local name — unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``
    (on in development and tests, off by default in production). Names are checked as written;
    the address a name resolves to at delivery is checked there (issue 16)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Use an http:// or https:// address.", code="invalid")
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = parts.hostname.rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost") or host.endswith(".local"):
        raise ValidationError("Webhooks go to a public address, not a local name.", code="local")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address.is_global:
        raise ValidationError(
            "Webhooks go to a public address, not a loopback, private or link-local one.",
            code="private",
        )
