"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>." + body`` with the subscription's secret.

A receiver recomputes the signature from the raw body and the ``X-Tracker-Timestamp`` header,
compares in constant time, and refuses timestamps too far from its own clock (a replayed request
carries an old timestamp, and changing it breaks the signature).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"
DELIVERY_HEADER = "X-Tracker-Delivery"
EVENT_HEADER = "X-Tracker-Event"
SCHEME = "sha256"
DEFAULT_TOLERANCE = 300  # seconds


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header: ``sha256=<hex digest>``."""
    message = str(int(timestamp)).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True if ``signature`` signs ``timestamp`` + ``body`` and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature or "")
