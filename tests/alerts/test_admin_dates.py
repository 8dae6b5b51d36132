"""The alerts admin and e-mails print each warning's date at its precision: the unanswered warnings (a period
stored as two bounds) and the intervals' first warning and first action, and files them by it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from alerts.models import Alert
from alerts.services import evaluate_rules, recompute_intervals
from alerts.services.notifications import email_body
from cases.choices import DatePrecision, Severity
from tests.factories import (
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
AS_A_DAY = re.compile(r"\b(1|31|30) (Jan|January|Apr|April|Dec|December) 201[01]\b")
CASES = (
    ("Day", D(2010, 4, 12), DatePrecision.DAY, "12 April 2010"),
    ("Month", D(2010, 4, 1), DatePrecision.MONTH, "April 2010"),
    ("Year", D(2010, 1, 1), DatePrecision.YEAR, "2010"),
)


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory()
    client.force_login(user)
    return user


@pytest.fixture
def three(db):
    for name, day, precision, _ in CASES:
        situation = SituationFactory(title=f"{name} situation")
        # Answered by an engagement a year later, then a second warning left unanswered.
        WarningIndicatorFactory(
            situation=situation,
            severity=Severity.HIGH,
            observed_on=day,
            observed_precision=precision,
        )
        # Ended before the second warning: not under way then, so that one stays unanswered.
        EngagementFactory(
            situation=situation,
            started_on=day.replace(year=2011),
            started_precision=precision,
            ended_on=D(2011, 12, 15),
            ended_precision=DatePrecision.DAY,
        )
        WarningIndicatorFactory(
            situation=situation,
            severity=Severity.HIGH,
            observed_on=day.replace(year=2012),
            observed_precision=precision,
        )
    recompute_intervals(full=True)


def test_unanswered_warnings_print_and_filter_at_their_precision(client, desk, three):
    url = reverse("admin:alerts_unansweredwarning_changelist")
    content = client.get(url).content.decode()
    for _, _, _, printed in CASES:
        later = printed.replace("2010", "2012")
        assert f'<td class="field-observed">{later}</td>' in content
    assert not AS_A_DAY.search(content.replace("2012", "2010"))

    def situations(**params) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return sorted(w.situation.title for w in response.context["cl"].result_list)

    assert situations(warning_from__year="2012") == [
        "Day situation",
        "Month situation",
        "Year situation",
    ]
    assert situations(warning_from__year="2012", warning_from__month="4") == [
        "Day situation",
        "Month situation",
    ]
    assert situations(warning_from__year="2012", warning_from__month="1") == []
    assert situations(warning_from__year="2012", warning_from__month="0") == ["Year situation"]


def test_intervals_print_their_first_warning_and_action_at_their_precision(client, desk, three):
    content = client.get(reverse("admin:alerts_situationinterval_changelist")).content.decode()
    for _, _, _, printed in CASES:
        assert f"{printed}: " in content  # the first warning
        assert f"{printed.replace('2010', '2011')}: " in content  # the first action
    assert not AS_A_DAY.search(content)


@pytest.mark.parametrize(
    ("day", "precision", "printed"),
    [
        (D(2010, 4, 1), DatePrecision.MONTH, "April 2010"),
        (D(2010, 1, 1), DatePrecision.YEAR, "2010"),
    ],
)
def test_the_alert_email_names_the_first_warning_at_its_precision(day, precision, printed):
    situation = SituationFactory()
    WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=day,
        observed_precision=precision,
    )
    recompute_intervals()
    evaluate_rules()
    alert = Alert.objects.filter(situation=situation).first()
    assert alert is not None
    body = email_body(alert, 1)
    assert f"first warning {printed} (" in body
    assert not AS_A_DAY.search(body)
