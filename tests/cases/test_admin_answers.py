"""Issue 13: a desk officer links an engagement to the warning signs it answers, from either side
in the admin, and records when a situation was closed or de-escalated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases import services
from cases.choices import DatePrecision, SituationStatus
from tests.admin_forms import admin_form_data as form_data
from tests.factories import (
    DeskOfficerFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory(username="amina")
    client.force_login(user)
    return user


def errors(response):
    return response.context["adminform"].form.errors if response.context else response.status_code


def test_an_engagement_is_linked_to_the_signs_it_answers_from_its_own_page(client, desk):
    situation = SituationFactory(title="Gaza flotilla")
    sign = WarningIndicatorFactory(situation=situation)
    engagement = UndatedEngagementFactory(situation=situation)
    url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    data = form_data(client.get(url))
    data["responds_to"] = [str(sign.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    assert list(engagement.responds_to.all()) == [sign]
    latest = engagement.history.first()
    assert latest.history_user == desk
    assert list(latest.responds_to.values_list("warningindicator_id", flat=True)) == [sign.pk]


def test_a_sign_is_linked_to_the_engagements_that_answer_it_from_its_page(client, desk):
    situation = SituationFactory(title="Madagascar")
    sign = WarningIndicatorFactory(situation=situation)
    engagement = UndatedEngagementFactory(situation=situation)
    UndatedEngagementFactory()  # another situation's: not offered
    url = reverse("admin:cases_warningindicator_change", args=[sign.pk])
    page = client.get(url)
    offered = page.context["adminform"].form.fields["answered_by"].queryset
    assert list(offered) == [engagement]
    data = form_data(page)
    data["answered_by"] = [str(engagement.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    assert list(sign.answered_by.all()) == [engagement]
    engagement.refresh_from_db()
    assert engagement.version == 2 and engagement.history.first().history_user == desk

    data["answered_by"] = []
    assert client.post(url, data).status_code == 302
    assert not sign.answered_by.exists()


def test_the_date_a_situation_was_closed_is_recorded_at_its_precision(client, desk):
    situation = SituationFactory()
    url = reverse("admin:cases_situation_change", args=[situation.pk])
    data = form_data(client.get(url))
    data.update(
        status=SituationStatus.CLOSED, status_on="2011-03-17", status_precision=DatePrecision.MONTH
    )
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    situation.refresh_from_db()
    assert situation.status_on == dt.date(2011, 3, 1)  # March 2011
    assert situation.status_display_date == "March 2011"


def test_an_engagement_moved_in_the_admin_drops_its_links_to_the_signs_it_left(client, desk):
    first, second = SituationFactory(title="Kyrgyzstan"), SituationFactory(title="Tajikistan")
    left_behind = WarningIndicatorFactory(situation=first)
    kept = WarningIndicatorFactory(situation=second)
    engagement = UndatedEngagementFactory(situation=first)
    engagement.responds_to.set([left_behind])
    url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    data = form_data(client.get(url))
    assert data["responds_to"] == [str(left_behind.pk)]  # the form still names it
    data.update(situation=str(second.pk), responds_to=[str(left_behind.pk), str(kept.pk)])

    response = client.post(url, data)

    assert response.status_code == 302, errors(response)
    engagement.refresh_from_db()
    assert engagement.situation_id == second.pk
    assert list(engagement.responds_to.all()) == [kept]
    latest = engagement.history.first()
    assert latest.history_user == desk
    assert list(latest.responds_to.values_list("warningindicator_id", flat=True)) == [kept.pk]


def test_a_sign_moved_by_any_writer_keeps_no_answer_from_the_situation_it_left():
    first, second = SituationFactory(), SituationFactory()
    sign = WarningIndicatorFactory(situation=first)
    engagement = UndatedEngagementFactory(situation=first)
    engagement.responds_to.set([sign])
    sign.situation = second

    services.save_indicator(sign)  # as the API's PATCH does: no answered_by given

    assert not sign.answered_by.exists()
    engagement.refresh_from_db()
    assert engagement.version == 2  # the unlink is a change of the engagement, in its history
    assert engagement.history.first().responds_to.count() == 0
