"""Reads of intervals and alerts go through the one visibility rule; the command prints them."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from alerts import selectors
from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import Severity, SharingLevel
from cases.sharing import Clearance
from tests.factories import ActorFactory, SituationFactory, WarningIndicatorFactory

from .helpers import days_ago

pytestmark = pytest.mark.django_db


def critical(sharing, shared_with=()):
    situation = SituationFactory(sharing=sharing, shared_with=list(shared_with))
    WarningIndicatorFactory(
        situation=situation, severity=Severity.CRITICAL, observed_on=days_ago(9)
    )
    return situation


def test_partners_read_intervals_and_alerts_only_on_situations_they_may_see():
    partner = ActorFactory()
    green = critical(SharingLevel.GREEN)
    amber_listed = critical(SharingLevel.AMBER, [partner])
    amber_other = critical(SharingLevel.AMBER)
    red = critical(SharingLevel.RED, [partner])
    recompute_intervals()
    evaluate_rules()
    clearance = Clearance.for_actors([partner.pk])
    seen = {row.situation_id for row in selectors.situation_intervals(clearance)}
    assert seen == {green.pk, amber_listed.pk}
    assert {a.situation_id for a in selectors.alerts(clearance)} == {green.pk, amber_listed.pk}
    assert {r.situation_id for r in selectors.warning_intervals(clearance)} == seen
    assert {r.situation_id for r in selectors.unanswered_warnings(clearance)} == seen
    internal = {row.situation_id for row in selectors.situation_intervals(Clearance.internal())}
    assert internal == {green.pk, amber_listed.pk, amber_other.pk, red.pk}
    public = {a.situation_id for a in selectors.alerts(Clearance.public(), active_only=True)}
    assert public == {green.pk}


def test_an_open_warning_signs_wait_is_read_to_the_day_asked():
    critical(SharingLevel.GREEN)
    recompute_intervals()
    row = selectors.warning_intervals(Clearance.internal(), today=days_ago(-1)).get()
    assert row.is_open and row.days_max is None
    assert (row.wait_min, row.wait_max) == (10, 10)
    stored = selectors.unanswered_warnings(Clearance.internal()).get()
    assert stored.days_open(days_ago(0) + dt.timedelta(days=1)) == (10, 10)


def test_refresh_alerts_recomputes_evaluates_and_prints_the_picture():
    situation = critical(SharingLevel.AMBER)
    out = StringIO()
    call_command("refresh_alerts", stdout=out)
    text = out.getvalue()
    assert text.startswith("Intervals: full run, 1 situation and 1 warning-sign rows changed.")
    assert f"- {situation.title}: open: 9 days so far | first warning" in text
    # The alert names its sign (one alert per sign, issue 13).
    assert "No action 7 days after a critical warning: Warning sign “" in text
    assert "(critical severity) has had no action for 9 days (threshold 7)." in text
