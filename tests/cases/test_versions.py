"""A record's version counts every save once, even when two saves of one row overlap."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from cases.models import Situation
from tests.factories import SituationFactory


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_saves_of_one_row_write_two_versions():
    """B reads the row while A's save is not committed yet (both hold version 1 in memory); B's
    save waits for A's lock and then counts on from A's version instead of writing 2 again."""
    pk = SituationFactory(summary="Initial").pk
    a_saved, release, b_read = threading.Event(), threading.Event(), threading.Event()
    versions: dict[str, int] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                record = Situation.objects.get(pk=pk)
                record.summary = "Changed by A"
                record.save()
                versions["a"] = record.version
                a_saved.set()
                assert release.wait(20)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            record = Situation.objects.get(pk=pk)  # A has not committed: version 1
            versions["b_read"] = record.version
            b_read.set()
            record.summary = "Changed by B"
            record.save()  # not through a service: the model itself must count right
            versions["b"] = record.version
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    assert a_saved.wait(20)
    b = threading.Thread(target=second)
    b.start()
    assert b_read.wait(20)
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting_on_a_lock(), "B's save should wait for A's row lock"
    release.set()
    a.join(20)
    b.join(20)

    assert not errors, errors
    assert versions == {"a": 2, "b_read": 1, "b": 3}
    stored = Situation.objects.get(pk=pk)
    assert (stored.version, stored.summary) == (3, "Changed by B")
    assert sorted(Situation.history.filter(id=pk).values_list("version", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_a_stale_instance_counts_on_from_the_stored_version():
    record = SituationFactory()
    stale = Situation.objects.get(pk=record.pk)
    record.summary = "First"
    record.save()
    stale.summary = "Second"
    stale.save()
    assert (record.version, stale.version) == (2, 3)
    assert Situation.objects.get(pk=record.pk).version == 3
    # update_fields saves count too.
    stale.summary = "Third"
    stale.save(update_fields=["summary"])
    assert Situation.objects.get(pk=record.pk).version == stale.version == 4
