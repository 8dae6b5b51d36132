"""Writers on other threads, for tests of what a reader sees while transactions commit out of order.

Each thread has its own database connection (closed when it ends), so these need
``django_db(transaction=True)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, transaction


class HeldTransaction:
    """Runs ``body`` in a transaction on another thread and keeps it open, uncommitted, until
    ``commit()``: an older transaction that a younger one will overtake."""

    def __init__(self, body: Callable[[], object]) -> None:
        self.body = body
        self.written, self.release, self.done = (threading.Event() for _ in range(3))
        self.errors: list[Exception] = []

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.body()
                self.written.set()
                assert self.release.wait(20)
        except Exception as error:  # reported by the main thread
            self.errors.append(error)
        finally:
            connection.close()
            self.done.set()

    def start(self) -> None:
        threading.Thread(target=self._run).start()
        assert self.written.wait(30), self.errors

    def commit(self) -> None:
        self.release.set()
        assert self.done.wait(20)
        assert not self.errors


def commit_on_another_thread(body: Callable[[], object]) -> None:
    """Runs ``body`` in a transaction of its own on another thread and waits for it to commit."""

    def run() -> None:
        try:
            with transaction.atomic():
                body()
        finally:
            connection.close()

    writer = threading.Thread(target=run)
    writer.start()
    writer.join(20)
