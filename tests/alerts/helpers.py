"""Small helpers shared by the alerts tests."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from alerts import signing


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes (for work done by a worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class Receiver:
    """A partner system: a real HTTP server on 127.0.0.1 that checks every signature."""

    def __init__(self, secret: str, status: int = 204):
        self.secret = secret
        self.status = status
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = signing.verify(
                    receiver.secret,
                    self.headers[signing.TIMESTAMP_HEADER],
                    body,
                    self.headers[signing.SIGNATURE_HEADER],
                )
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "valid": valid}
                )
                self.send_response(receiver.status if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/early-warning"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
