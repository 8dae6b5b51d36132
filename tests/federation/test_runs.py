"""A sync run: cursor, lock, errors; the admin's write-only token and settle actions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_celery_beat.models import PeriodicTask

from cases.models import Situation
from federation.models import SyncConflict, SyncSource
from federation.services import SyncError, due_sources, run_sync
from tests import factories
from tracker import jobs, jobspec
from tracker.celery import app as celery_app

from . import bodies
from .bodies import upsert


class Feed:
    """A remote feed given as pages of plain entries."""

    def __init__(self, pages, fail_at=None):
        self.pages_ = pages
        self.fail_at = fail_at
        self.asked: list[str] = []

    def pages(self, since):
        self.asked.append(since)
        start = int(since)
        for number, page in enumerate(self.pages_[start:], start=start):
            if number == self.fail_at:
                raise SyncError("http://remote.example/ could not be read: 503")
            yield page, str(number + 1)


@pytest.fixture
def source(db):
    return SyncSource.objects.create(url="http://remote.example/", token="t")


def test_a_run_stores_its_cursor_and_the_next_one_continues_from_it(source):
    first, second = bodies.situation(), bodies.situation()
    feed = Feed([[upsert("situation", first)], [upsert("situation", second)]])

    run_sync(source, feed)
    run_sync(source, feed)

    assert feed.asked == ["0", "2"]
    assert source.cursor == "2" and source.last_run_at is not None
    assert Situation.objects.filter(pk__in=[first["id"], second["id"]]).count() == 2


def test_a_failed_run_writes_nothing_and_keeps_the_cursor(source):
    feed = Feed([[upsert("situation", bodies.situation())], []], fail_at=1)

    with pytest.raises(SyncError):
        run_sync(source, feed)

    source.refresh_from_db()
    assert source.cursor == "" and "could not be read" in source.last_error
    assert not Situation.objects.exists()


def test_sources_are_due_when_their_interval_has_passed(source):
    assert due_sources() == [source]
    run_sync(source, Feed([]))
    assert due_sources() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_apply_each_entry_once():
    source = SyncSource.objects.create(url="http://remote.example/", token="t")
    sit = bodies.situation()
    feed = Feed([[upsert("situation", sit)]])
    outcomes, errors = [], []

    def run():
        try:
            outcomes.append(str(run_sync(SyncSource.objects.get(pk=source.pk), feed)))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    # The second waited for the first's lock, then found nothing after its cursor.
    assert sorted(o.split(",")[0] for o in outcomes) == ["0 created", "1 created"]
    assert Situation.objects.get(pk=sit["id"]).version == 1


def test_the_admin_never_shows_the_token_and_keeps_it_when_left_empty(source, client):
    source.token = "ewt_secret_token_value"
    source.save()
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = f"/admin/federation/syncsource/{source.pk}/change/"

    page = client.get(url)
    assert page.status_code == 200 and b"ewt_secret_token_value" not in page.content

    answer = client.post(
        url, {"url": source.url, "token": "", "interval": "00:05:00", "is_active": "on"}
    )
    assert answer.status_code == 302
    source.refresh_from_db()
    assert source.token == "ewt_secret_token_value"


def test_a_desk_officer_settles_a_conflict_in_the_admin(source, client):
    sit = bodies.situation(summary="agreed")
    run_sync(source, Feed([[upsert("situation", sit)]]))
    Situation.objects.filter(pk=sit["id"]).update(summary="ours")  # changed here
    run_sync(source, Feed([[], [upsert("situation", {**sit, "summary": "theirs"}, 2)]]))
    conflict = SyncConflict.objects.get()
    desk = factories.DeskOfficerFactory(is_staff=True)
    client.force_login(desk)

    page = client.get(f"/admin/federation/syncconflict/{conflict.pk}/change/")
    assert page.status_code == 200 and b"theirs" in page.content and b"ours" in page.content
    answer = client.post(
        "/admin/federation/syncconflict/",
        {"action": "take_theirs", "_selected_action": [conflict.pk]},
    )

    assert answer.status_code == 302
    assert Situation.objects.get(pk=sit["id"]).summary == "theirs"
    assert SyncConflict.objects.get().status == "took-remote"


def test_the_periodic_pull_is_scheduled_every_minute_on_the_periodic_queue(db):
    task = PeriodicTask.objects.get(task=jobs.SYNC_SOURCES)
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")
    assert jobs.SYNC_SOURCES in celery_app.tasks
    assert jobspec.JOBS[jobs.SYNC_SOURCES][0] == jobspec.PERIODIC_QUEUE
