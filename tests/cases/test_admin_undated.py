"""Engagements whose source gives no start date, in the desk officers' admin (real requests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.admin import EngagementAdmin
from cases.choices import DatePrecision, Outcome
from cases.models import Engagement
from tests.admin_forms import admin_form_data
from tests.cases.test_admin import (
    an_engagement,
    an_indicator,
    errors_of,
    situation_add_data,
)
from tests.factories import (
    ActorFactory,
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    UndatedEngagementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory(username="amina")
    client.force_login(user)
    return user


@pytest.fixture
def ecowas():
    return ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")


def test_desk_officer_adds_an_engagement_with_no_start_date(client, desk, ecowas):
    situation = SituationFactory(title="Madagascar")
    page = client.get(reverse("admin:cases_engagement_add"))
    assert page.status_code == 200
    data = admin_form_data(page)
    data.update(
        situation=str(situation.pk),
        title="SADC mediation",
        instrument="mediation",
        track="I",
        lead_actor=str(ecowas.pk),
        started_on="",
        started_precision=DatePrecision.MONTH,
        outcome=Outcome.NOT_STATED,
        objective="Restore constitutional order.",
    )

    response = client.post(reverse("admin:cases_engagement_add"), data)

    assert response.status_code == 302, errors_of(response)
    engagement = Engagement.objects.get(title="SADC mediation")
    assert engagement.started_on is None
    # A precision means nothing without a date: the default is kept.
    assert engagement.started_precision == DatePrecision.DAY
    assert engagement.history.earliest().history_user == desk

    # Its change page opens and saves unchanged.
    change_url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    response = client.post(change_url, admin_form_data(page))
    assert response.status_code == 302, errors_of(response)


def test_a_situation_is_added_with_an_undated_engagement_inline(client, desk, ecowas):
    data = situation_add_data(
        client,
        ecowas,
        indicator=an_indicator(),
        engagement=an_engagement(ecowas, started_on="", ended_on=""),
    )

    response = client.post(reverse("admin:cases_situation_add"), data)

    assert response.status_code == 302, errors_of(response)
    engagement = Engagement.objects.get(situation__slug="guinea-transition")
    assert (engagement.started_on, engagement.started_display) == (None, "date not given")


def test_an_undated_engagement_with_an_end_date_is_valid(client, desk, ecowas):
    engagement = UndatedEngagementFactory(lead_actor=ecowas)
    change_url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    data = admin_form_data(client.get(change_url))
    data.update(ended_on="2010-03-01", ended_precision=DatePrecision.MONTH)

    response = client.post(change_url, data)

    assert response.status_code == 302, errors_of(response)
    engagement.refresh_from_db()
    assert (engagement.started_on, engagement.ended_display) == (None, "March 2010")


def test_the_list_shows_date_not_given_sorts_it_last_and_filters_it(client, desk):
    dated = EngagementFactory(
        title="Dated", started_on=dt.date(2009, 3, 3), started_precision=DatePrecision.YEAR
    )
    undated = UndatedEngagementFactory(title="Undated")
    url = reverse("admin:cases_engagement_changelist")

    content = client.get(url).content.decode()
    assert '<td class="field-started">date not given</td>' in content
    assert '<td class="field-started">2009</td>' in content

    def titles(**params) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return [e.title for e in response.context["cl"].result_list]

    started_column = str(EngagementAdmin.list_display.index("started"))
    assert titles(o=started_column) == ["Dated", "Undated"]
    assert titles(o=f"-{started_column}") == ["Undated", "Dated"]
    assert titles(started_on__isempty="1") == ["Undated"]
    assert titles(started_on__isempty="0") == ["Dated"]
    filters = client.get(url).content.decode()
    assert "Date not given" in filters and "start date" in filters
    # The date drill-down works and leaves undated engagements out of a year.
    assert titles(started_on__year="2009") == ["Dated"]
    assert set(titles()) == {dated.title, undated.title}
