"""The first run's ordering (issue 16): beat starts the recompute and the rule evaluation at the
same moment on a database never recomputed. How many alerts does the first evaluation open?

    DATABASE_URL=… python -m bench.first_run --scale medium

Runs on the same data set, each from an empty store (intervals, unanswered signs, alerts): the
reference (recompute, then evaluate, one after the other); the scheduled evaluation as it was (the
rules alone), reaching the store before the recompute committed, then started beside it (whether
it loses the race depends on timing); and the scheduled job as it is
(``alerts.tasks.evaluate_alert_rules``: it recomputes what it reads first), started beside the
recompute. Like the benchmark, it needs a database of its own and empties its tables.
"""

from __future__ import annotations

import argparse
import os
import threading
import time


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # Measured on this machine, as start_tracker runs it: plain http on loopback, the test
    # client's host among the loopback names (DEBUG is off unless set).
    os.environ.setdefault("TRACKER_LOCAL_HTTP", "true")
    # Development settings, as every earlier run was measured (static files from the apps).
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    django.setup()


def _empty_store() -> None:
    from django.db import connection

    from alerts.models import (
        Alert,
        AlertEvent,
        DeliveryAttempt,
        IntervalFigure,
        IntervalSummary,
        MeasureSettings,
        Notification,
        SituationInterval,
        TargetFigure,
        UnansweredWarning,
    )

    tables = [
        model._meta.db_table
        for model in (
            DeliveryAttempt,
            Notification,
            AlertEvent,
            Alert,
            UnansweredWarning,
            SituationInterval,
            IntervalSummary,
            IntervalFigure,
            TargetFigure,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    MeasureSettings.objects.filter(pk=1).update(intervals_computed_at=None)


def _together(first, second) -> float:
    """Run both at the same moment in two threads (two workers); seconds until both ended."""
    from django.db import connections

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_run", description=__doc__)
    parser.add_argument("--scale", default="small", help="tiny, small, medium or large")
    options = parser.parse_args(argv)
    _setup()
    from alerts import services, tasks
    from alerts.choices import ACTIVE_STATUSES
    from alerts.models import Alert

    from .generate import ensure_dataset
    from .scales import SCALES

    ensure_dataset(SCALES[options.scale])

    def active() -> int:
        return Alert.objects.filter(status__in=ACTIVE_STATUSES).count()

    rows = []
    _empty_store()
    started = time.monotonic()
    services.recompute_intervals()
    services.evaluate_rules()
    rows.append(("reference: recompute, then evaluate", active(), time.monotonic() - started))

    _empty_store()
    started = time.monotonic()
    services.evaluate_rules()
    rows.append(("before, rules ahead of the recompute", active(), time.monotonic() - started))

    _empty_store()
    seconds = _together(tasks.recompute_intervals, lambda: services.evaluate_rules())
    rows.append(("before, rules beside the recompute (a race)", active(), seconds))

    _empty_store()
    seconds = _together(tasks.recompute_intervals, tasks.evaluate_alert_rules)
    rows.append(("after: the scheduled job beside the recompute", active(), seconds))

    print(f"first run on {options.scale}: open alerts after the first evaluation")
    for label, count, seconds in rows:
        print(f"  {label:<50} {count:>8,} alerts  {seconds:6.1f} s")
    return 0 if rows[-1][1] == rows[0][1] else 1


if __name__ == "__main__":
    raise SystemExit(main())
