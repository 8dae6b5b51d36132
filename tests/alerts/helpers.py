"""Small helpers shared by the alerts tests."""

from __future__ import annotations

import datetime as dt
import socket

from django.utils import timezone


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
