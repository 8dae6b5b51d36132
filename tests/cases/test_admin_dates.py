"""The admin's lists and date filters print and file each date at its precision: "12 April 2010",
"April 2010", "2010", never a month or a year as its first day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from cases.choices import DatePrecision
from tests.factories import (
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
AS_A_DAY = re.compile(r"\b(1|31) (Jan|January|Apr|April|Dec|December) 2010\b|\bJan\. 1, 2010\b")


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory()
    client.force_login(user)
    return user


@pytest.fixture
def three(db):
    situation = SituationFactory()
    for name, day, precision in (
        ("Day", D(2010, 4, 12), DAY),
        ("Month", D(2010, 4, 1), MONTH),
        ("Year", D(2010, 1, 1), YEAR),
    ):
        WarningIndicatorFactory(
            situation=situation,
            description=f"{name} sign",
            observed_on=day,
            observed_precision=precision,
        )
        EngagementFactory(
            situation=situation,
            title=f"{name} step",
            started_on=day,
            started_precision=precision,
            ended_on=day,
            ended_precision=precision,
        )
    return situation


@pytest.mark.parametrize(
    ("model", "column"),
    [("warningindicator", "observed"), ("engagement", "started"), ("engagement", "ended")],
)
def test_the_changelist_prints_each_date_at_its_precision(client, desk, three, model, column):
    content = client.get(reverse(f"admin:cases_{model}_changelist")).content.decode()
    for printed in ("12 April 2010", "April 2010", "2010"):
        assert f'<td class="field-{column}">{printed}</td>' in content
    assert not AS_A_DAY.search(content)


def test_the_date_filter_files_a_year_under_its_year_never_under_january(client, desk, three):
    url = reverse("admin:cases_warningindicator_changelist")

    def descriptions(**params) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return sorted(i.description for i in response.context["cl"].result_list)

    everything = ["Day sign", "Month sign", "Year sign"]
    assert descriptions(observed_on__year="2010") == everything
    # April holds the day and the month; January holds nothing: the year is not a January date.
    assert descriptions(observed_on__year="2010", observed_on__month="4") == [
        "Day sign",
        "Month sign",
    ]
    assert descriptions(observed_on__year="2010", observed_on__month="1") == []
    assert descriptions(observed_on__year="2010", observed_on__month="0") == ["Year sign"]

    # The filter's choices: the year, then its months at their precision, then the year-only ones.
    content = client.get(url, {"observed_on__year": "2010"}).content.decode()
    assert "– April 2010" in content and "– 2010, month not known" in content
    assert "January 2010" not in content
    assert client.get(url, {"observed_on__year": "x"}).status_code != 500


def test_the_engagement_date_filter_works_at_precision(client, desk, three):
    url = reverse("admin:cases_engagement_changelist")
    response = client.get(url, {"started_on__year": "2010", "started_on__month": "4"})
    assert sorted(e.title for e in response.context["cl"].result_list) == ["Day step", "Month step"]
    response = client.get(url, {"started_on__year": "2010", "started_on__month": "0"})
    assert [e.title for e in response.context["cl"].result_list] == ["Year step"]
