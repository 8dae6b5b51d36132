"""A live tracker's change feed, read with ``tracker_client`` (``federation.services.FeedReader``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from tracker_client import TrackerClient
from tracker_client.errors import AuthenticationFailed, PermissionDenied, TrackerError

from .apply import Entry
from .services import SyncError

PAGE_SIZE = 1000


class RemoteFeed:
    """The feed of the tracker at ``url``, read with ``token``."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0, **client_options):
        self.url, self.token = url, token
        self.options = {"timeout": timeout, **client_options}

    def pages(self, since: str) -> Iterator[tuple[list[Entry], str]]:
        try:
            with TrackerClient(self.url, token=self.token, **self.options) as api:
                for page in api.changes(since=since, limit=PAGE_SIZE):
                    entries = [
                        Entry(
                            type=str(change.type),
                            id=uuid.UUID(str(change.id)),
                            op=str(change.op),
                            version=int(change.version),
                            data=change.data,
                        )
                        for change in page.changes
                    ]
                    yield entries, str(page.cursor)
        except (AuthenticationFailed, PermissionDenied) as error:
            raise SyncError(f"{self.url} refused the token: {_line(error)}") from error
        except TrackerError as error:
            raise SyncError(f"{self.url} could not be read: {_line(error)}") from error

    def check(self) -> None:
        """Raise ``SyncError`` unless the token reads the tracker (one request)."""
        try:
            with TrackerClient(self.url, token=self.token, **self.options) as api:
                api.me()
        except (AuthenticationFailed, PermissionDenied) as error:
            raise SyncError(f"{self.url} refused the token: {_line(error)}") from error
        except TrackerError as error:
            raise SyncError(f"{self.url} could not be read: {_line(error)}") from error


def _line(error: Exception) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__
