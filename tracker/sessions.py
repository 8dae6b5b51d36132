"""Sessions end after the idle time set in the admin (``AccountSettings``, default 8 hours).

A logged-in session carries its own expiry (``set_expiry``): the idle time, set at the login
(Django's ``user_logged_in``) and renewed by activity. The renewal is written at most once a
minute per session rather than at every request (so a page costs no session write nor query), and
reads the setting then: a change applies to every session at its next renewal. Without a request for the idle time, PostgreSQL's row has expired and the next
request is anonymous.
"""

from __future__ import annotations

import time

from django.contrib.auth import SESSION_KEY

from .models import AccountSettings

RENEWED_AT = "_idle_renewed_at"
RENEW_EVERY_SECONDS = 60


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """At a login (connected to ``user_logged_in`` in ``TrackerConfig.ready``)."""
    if getattr(request, "session", None) is not None:
        _renew(request.session, time.time())


def _renew(session, now: float) -> None:
    session.set_expiry(AccountSettings.load().session_idle_seconds)
    session[RENEWED_AT] = now


class SessionIdleTimeoutMiddleware:
    """After the view: renew a logged-in session's idle expiry, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return response
        now = time.time()
        if now - session.get(RENEWED_AT, 0) >= RENEW_EVERY_SECONDS:
            _renew(session, now)
        return response
