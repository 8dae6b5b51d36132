"""Issue 13, item 2 on the read side: an unanswered sign's wait is measured to the stop of its
situation's clock (closed or de-escalated at a status date, or measured as of a report's issue
date), not to today — the same bounds as the situation's stored interval, and the stop is named at
its precision."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts import selectors
from alerts.models import SituationInterval, UnansweredWarning
from alerts.services import recompute_intervals
from cases import services
from cases.choices import DatePrecision, Severity, SituationStatus
from cases.sharing import Clearance
from tests.factories import DocumentFactory, SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 12, 2)
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


def sign(situation, on, precision=DAY):
    return WarningIndicatorFactory(
        situation=situation, observed_on=on, observed_precision=precision, severity=Severity.HIGH
    )


def stopped(status_on, precision, status=SituationStatus.DE_ESCALATED):
    situation = SituationFactory()
    situation.status, situation.status_on, situation.status_precision = (
        status,
        status_on,
        precision,
    )
    services.save_situation(situation)
    return situation


@pytest.mark.parametrize(
    ("status_on", "precision", "waits", "named"),
    [
        # June 2010 to 10 July 2010: 10 to 39 days.
        (D(2010, 7, 10), DAY, (10, 39), "10 July 2010"),
        # June 2010 to September 2010 (either end any day of its month): 63 to 121 days.
        (D(2010, 9, 1), MONTH, (63, 121), "September 2010"),
        # June 2010 to 2010: from 0 days to the last day of 2010.
        (D(2010, 1, 1), YEAR, (0, 213), "2010"),
    ],
)
def test_an_unanswered_signs_wait_is_measured_to_the_stop_at_its_precision(
    status_on, precision, waits, named
):
    situation = stopped(status_on, precision)
    warning = sign(situation, D(2010, 6, 1), MONTH)
    recompute_intervals(today=TODAY)
    interval = SituationInterval.objects.get(situation=situation)
    stored = UnansweredWarning.objects.select_related("situation__interval").get(indicator=warning)

    # The sign is the situation's first warning: its wait is the stored open interval.
    assert (interval.days_min, interval.days_max) == waits
    assert stored.days_open(TODAY) == waits  # was to today: some 6,000 days
    assert stored.days_open(TODAY, interval=interval) == waits
    assert interval.stopped_display == named
    assert stored.interval_display.endswith(f"(clock stopped {named})")
    assert "so far" not in stored.interval_display

    (read,) = selectors.warning_intervals(Clearance.internal(), today=TODAY)
    assert read.is_open and (read.wait_min, read.wait_max) == waits


def test_a_wait_is_measured_to_the_report_a_situation_is_seeded_from():
    report = DocumentFactory(symbol="S/2011/552", issued_on=D(2011, 8, 26))
    situation = SituationFactory(as_of=report)
    warning = sign(situation, D(2011, 1, 1), YEAR)
    recompute_intervals(today=TODAY)
    stored = UnansweredWarning.objects.get(indicator=warning)
    # 2011 to 26 August 2011: 0 (a day of 2011 after it) to 237 days.
    assert stored.days_open(TODAY) == (0, 237)
    assert stored.interval_display == "open: 0–237 days (clock stopped 26 August 2011)"
    (read,) = selectors.warning_intervals(Clearance.internal(), today=TODAY)
    assert (read.wait_min, read.wait_max, read.stopped_on) == (0, 237, D(2011, 8, 26))


def test_a_running_clock_and_a_stop_without_a_date_measure_to_today():
    running = SituationFactory()
    undated_stop = SituationFactory(status=SituationStatus.CLOSED)
    for situation in (running, undated_stop):
        sign(situation, D(2026, 11, 22))
    recompute_intervals(today=TODAY)
    for stored in UnansweredWarning.objects.all():
        assert stored.days_open(TODAY) == (10, 10)
        assert "clock stopped" not in stored.interval_display
    reads = selectors.warning_intervals(Clearance.internal(), today=TODAY)
    assert {(r.wait_min, r.wait_max) for r in reads} == {(10, 10)}


def test_a_later_sign_after_the_stop_waits_no_time():
    # Logged after the situation closed: measured to the stop, never a negative wait.
    situation = stopped(D(2010, 7, 10), DAY, SituationStatus.CLOSED)
    warning = sign(situation, D(2010, 8, 1))
    recompute_intervals(today=TODAY)
    assert UnansweredWarning.objects.get(indicator=warning).days_open(TODAY) == (0, 0)
