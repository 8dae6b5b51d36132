"""Where a partner's webhooks may point: a public http(s) address, not this machine or a private
network (a subscription would otherwise let its author make the tracker call internal services)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def validate_webhook_url(url: str) -> None:
    """Refuse a URL that is not http(s), or whose host is a loopback, private, link-local or
    otherwise non-public address or a local name — unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``
    (on in development and tests, off by default in production). Names are checked as written;
    the addresses a name resolves to are checked at each delivery (``vetted_address``)."""
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


def vetted_address(url: str) -> tuple[str | None, str | None]:
    """Where a delivery to ``url`` connects: ``(address, None)``, the one address it must use, or
    ``(None, refusal)``. The addresses the host resolves to now must all be public (a name saved
    as public may resolve to 127.0.0.1 or a private network; a URL saved before the rule may name
    one), and the connection then goes to the address checked, not to a second lookup that a
    name's owner could answer differently (DNS rebinding). ``(None, None)`` with
    ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``: the connection resolves the name itself."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return None, None
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return None, "Refused: the webhook URL names no host."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        return None, f"{host} does not resolve ({error})."
    addresses = [ipaddress.ip_address(address[0].split("%", 1)[0]) for *_, address in found]
    for ip in addresses:
        if not ip.is_global:
            return None, (
                f"Refused: {host} resolves to {ip}, not a public address "
                f"(WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)."
            )
    if not addresses:
        return None, f"{host} does not resolve."
    return str(addresses[0]), None
