from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from feed.log import assign_positions
from feed.models import Change
from tests.factories import DeskOfficerFactory, PartnerFactory, partner_token
from tracker_client import FEED_TYPES, SessionAuth, TrackerClient


@pytest.fixture
def connect(live_server) -> Iterator[Callable[..., TrackerClient]]:
    """``connect(partner=None, scopes=("read", "write"))``: a client of the live server holding a
    new token of ``partner`` (a new partner if None); ``connect(key=…)`` for a given key."""
    made: list[TrackerClient] = []

    def make(partner=None, scopes=("read", "write"), *, key: str | None = None, **options):
        if key is None:
            _, key = partner_token(partner or PartnerFactory(), scopes)
        client = TrackerClient(live_server.url, token=key, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def desk(live_server) -> Iterator[TrackerClient]:
    """An administrator's session (sees, changes and deletes everything), as a person's script
    would use it: the session and CSRF cookies of a login."""
    browser = Client()
    browser.force_login(DeskOfficerFactory(is_superuser=True))
    session_id = browser.cookies["sessionid"].value
    client = TrackerClient(live_server.url, auth=SessionAuth(session_id, get_random_string(32)))
    yield client
    client.close()


def served(client: TrackerClient) -> dict[tuple[str, str], dict]:
    """Every record of a feed type the client may read now, as the list endpoints give it."""
    return {
        (type_, row["id"]): row
        for type_, resource in FEED_TYPES.items()
        for row in client.list(resource, limit=1000)
    }


def wait_for_feed(timeout: float = 240.0) -> None:
    """Wait until every committed change has its feed position, so a sync sees them all.

    A change is positioned once no older transaction can still commit before it — on the whole
    PostgreSQL server, not only this database (``feed.log``). In CI the server is the tests'
    own and this returns at once; on a server shared with other test runs, one of their open
    transactions holds the horizon back until it ends.
    """
    deadline = time.monotonic() + timeout
    while True:
        assign_positions()
        if not Change.objects.filter(position__isnull=True).exists():
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"feed changes still unpositioned after {timeout:.0f} s: a transaction "
                "elsewhere on the PostgreSQL server holds the horizon back"
            )
        time.sleep(0.25)
