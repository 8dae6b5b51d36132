"""Retries on 429 and 503 honour Retry-After, a bounded number of times: against a tiny stub
server that answers as scripted (nothing here touches the database), then against the tracker's
own throttle on a live server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from django.test import override_settings

from tracker_client import ServiceUnavailable, Throttled, TrackerClient

OK = (200, {}, b'{"next": null, "results": [{"id": "a", "version": 1}]}')


class Stub:
    """An HTTP server on a loopback port answering each request with the next scripted answer
    (status, headers, body); the requests it saw are kept in ``seen``."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.seen: list[tuple[str, str]] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                stub.seen.append((self.command, self.path))
                status, headers, body = stub.script.pop(0)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.stop()


def error(status: int, code: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    body = f'{{"error": {{"code": "{code}", "message": "Wait."}}}}'.encode()
    return status, headers, body


def test_a_429_then_a_503_are_waited_out_as_retry_after_says(stub):
    stub.script = [error(429, "throttled", **{"Retry-After": "7"}), error(503, "unavailable",
                   **{"Retry-After": "2"}), OK]  # fmt: skip
    waits: list[float] = []
    client = TrackerClient(stub.url, token="key", sleep=waits.append)

    assert client.get("situations", "a") == {"next": None, "results": [{"id": "a", "version": 1}]}

    assert waits == [7.0, 2.0]
    assert stub.seen == [("GET", "/api/v1/situations/a/")] * 3


def test_a_refused_batch_is_sent_again_and_written_once(stub):
    stub.script = [
        error(429, "throttled", **{"Retry-After": "1"}),
        (200, {}, b'{"results": [{"index": 0, "id": "a", "status": "created", "version": 1}]}'),
    ]
    waits: list[float] = []
    client = TrackerClient(stub.url, token="key", sleep=waits.append)

    assert client.batch("actors", [{"id": "a", "name": "A"}])[0]["status"] == "created"
    assert waits == [1.0] and stub.seen == [("POST", "/api/v1/actors/batch/")] * 2


def test_retries_stop_after_max_attempts_with_a_backoff_when_no_retry_after_is_given(stub):
    stub.script = [error(503, "unavailable")] * 3
    waits: list[float] = []
    client = TrackerClient(stub.url, token="key", sleep=waits.append, max_attempts=3, backoff=0.5)

    with pytest.raises(ServiceUnavailable) as unavailable:
        client.get("situations", "a")

    assert unavailable.value.status == 503 and unavailable.value.code == "unavailable"
    assert waits == [0.5, 1.0] and len(stub.seen) == 3


def test_a_wait_longer_than_max_wait_is_not_waited_for(stub):
    stub.script = [error(429, "throttled", **{"Retry-After": "3600"})]
    waits: list[float] = []
    client = TrackerClient(stub.url, token="key", sleep=waits.append, max_wait=60)

    with pytest.raises(Throttled) as throttled:
        client.get("situations", "a")

    assert throttled.value.retry_after == 3600 and waits == [] and len(stub.seen) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_trackers_own_throttle_is_honoured(connect):
    waits: list[float] = []
    client = connect(scopes=("read",), sleep=waits.append, max_attempts=3, max_wait=86400)
    with override_settings(API_THROTTLE_RATE="2/day"):
        client.me()
        client.me()
        with pytest.raises(Throttled) as throttled:
            client.me()
    # Asked to wait until the day's window ends, twice, then told.
    assert len(waits) == 2 and all(0 < wait <= 86400 for wait in waits)
    assert throttled.value.code == "throttled"
    assert abs(throttled.value.retry_after - waits[-1]) <= 1
