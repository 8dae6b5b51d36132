"""Login throttling (django-axes): every login form — the admin's, the dashboards' — counts the
failures per username and address in PostgreSQL and refuses the account from that address, even
with the right password, for a cool-off once the limit is reached (settings ``AXES_*``)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check, first among the backends. A login always comes with its request; only code
    calling ``authenticate()`` itself (a shell, the test client's ``login()``) comes without
    one, with no address to count: it is passed on to the next backend instead of refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address_behind_proxy(request) -> str | None:
    """Behind a TLS proxy (``BEHIND_TLS_PROXY``) every request comes from the proxy: the client's
    address is the last one the proxy appended to ``X-Forwarded-For`` (earlier ones are the
    client's to write, so never trusted)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    return addresses[-1] if addresses else request.META.get("REMOTE_ADDR")
