"""A resolved alert speaks in the past tense (issue 15: a resolved alert still read "has had no
action for 40 days")."""

from __future__ import annotations

import pytest

from alerts.choices import AlertStatus, RuleKind
from alerts.services import resolve
from tests.factories import AlertFactory, AlertRuleFactory, DeskOfficerFactory

from .test_notifications import raise_critical_alert

pytestmark = pytest.mark.django_db


def test_an_open_sign_alert_is_in_the_present_and_a_resolved_one_in_the_past():
    alert, _ = raise_critical_alert()
    assert "has had no action for 9 days (threshold 7)." in alert.message
    resolve([alert], DeskOfficerFactory(), "Envoy dispatched")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert "has had" not in alert.message
    assert "had no action for 9 days (threshold 7)." in alert.message


@pytest.mark.parametrize(
    ("kind", "present", "past"),
    [
        (RuleKind.NO_ACTION, "has had no action for 20 days", "had no action for 20 days"),
        (RuleKind.STALE, "Not updated for 20 days", "Was not updated for 20 days"),
    ],
)
def test_every_kind_of_alert_speaks_in_the_past_once_resolved(kind, present, past):
    severity = {"min_severity": None} if kind == RuleKind.STALE else {}
    alert = AlertFactory(rule=AlertRuleFactory(kind=kind, **severity))
    assert present in alert.message
    alert.status = AlertStatus.RESOLVED
    assert past in alert.message and present not in alert.message


def test_the_dashboards_show_a_resolved_alert_in_the_past(client):
    alert, _ = raise_critical_alert()
    desk = DeskOfficerFactory()
    resolve([alert], desk)
    client.force_login(desk)
    page = client.get(f"/dashboard/situations/{alert.situation.slug}/").content.decode()
    assert "had no action for 9 days" in page and "has had no action" not in page
