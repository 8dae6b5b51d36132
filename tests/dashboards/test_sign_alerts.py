"""The alerts queue and the situation page name each alert's warning sign (one alert per sign,
issue 13) with links to the sign's admin page and the situation, and show an escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.choices import RuleKind
from alerts.models import Alert, AlertRule
from alerts.services import evaluate_rules, recompute_intervals, save_alert_rule
from cases.choices import DatePrecision, Severity
from tests.factories import SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db


def refresh(now: dt.datetime) -> None:
    recompute_intervals(today=timezone.localdate(now))
    evaluate_rules(now=now)


def test_the_queue_and_the_situation_page_name_the_sign_and_show_its_escalation(client, staff):
    save_alert_rule(
        AlertRule(
            name="No action 21 days after a high warning",
            kind=RuleKind.NO_ACTION,
            min_severity=Severity.HIGH,
            days=21,
            level=Severity.CRITICAL,
        )
    )
    situation = SituationFactory(title="Kyrgyzstan: inter-ethnic violence", slug="kyrgyzstan")
    observed = timezone.localdate() - dt.timedelta(days=15)
    sign = WarningIndicatorFactory(
        situation=situation,
        severity=Severity.HIGH,
        observed_on=observed,
        observed_precision=DatePrecision.DAY,
        description="Clashes in Osh.",
    )
    now = timezone.now()
    refresh(now)
    refresh(now + dt.timedelta(days=7))  # 22 days: the alert escalates to critical
    alert = Alert.objects.get()
    client.force_login(staff)

    day = f"{observed.day} {observed:%B %Y}"  # a day printed as a day
    named = f"“Rising political tension: Clashes in Osh.” of {day} (high severity)"
    queue = client.get("/dashboard/alerts/").content.decode()
    assert named in queue
    assert f'href="/admin/cases/warningindicator/{sign.pk}/change/"' in queue
    assert 'href="/dashboard/situations/kyrgyzstan/"' in queue

    page = client.get("/dashboard/situations/kyrgyzstan/").content.decode()
    assert named in page
    assert f'href="/admin/cases/warningindicator/{sign.pk}/change/"' in page
    assert "Escalated: a higher threshold reached (high → critical)" in page
    assert alert.level == Severity.CRITICAL
