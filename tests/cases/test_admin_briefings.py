"""Briefings (a decision maker alerted: the notification milestone) and a warning sign's report
date (the detection milestone), in the desk officers' admin (real requests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from alerts.models import MeasureSettings
from cases.choices import BriefingKind, DatePrecision
from cases.models import Briefing, WarningIndicator
from feed.models import FeedRecord
from tests.admin_forms import admin_form_data
from tests.cases.test_admin import errors_of, inline_prefixes, set_inline_rows
from tests.factories import (
    ActorFactory,
    DeskOfficerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory(username="amina")
    client.force_login(user)
    return user


def test_a_desk_officer_records_a_briefing_on_the_situation_page(client, desk):
    situation = SituationFactory(title="Kyrgyzstan")
    secretary_general = ActorFactory(name="Secretary-General", acronym="SG")
    change_url = reverse("admin:cases_situation_change", args=[situation.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    data = admin_form_data(page)
    prefix = inline_prefixes(page)["briefing"]
    set_inline_rows(
        data,
        prefix,
        [
            {
                "kind": BriefingKind.NOTE_TO_SECRETARY_GENERAL,
                "briefed_on": "2010-06-15",
                "briefed_precision": DatePrecision.MONTH,
                "recipient": str(secretary_general.pk),
                "summary": "Inter-ethnic violence in the south",
            }
        ],
    )

    response = client.post(change_url, data)

    assert response.status_code == 302, errors_of(response)
    briefing = Briefing.objects.get(situation=situation)
    # Kept at its precision, through the write service: history with its author, a feed entry.
    assert (briefing.briefed_on, briefing.briefed_display) == (dt.date(2010, 6, 1), "June 2010")
    assert briefing.history.earliest().history_user == desk
    assert FeedRecord.objects.filter(type="briefing", object_id=briefing.pk).exists()
    # Listed with its date at its precision.
    listing = client.get(reverse("admin:cases_briefing_changelist")).content.decode()
    assert '<td class="field-briefed">June 2010</td>' in listing


def test_a_briefing_in_the_future_is_a_form_error(client, desk):
    situation = SituationFactory()
    page = client.get(reverse("admin:cases_briefing_add"))
    data = admin_form_data(page)
    data.update(
        situation=str(situation.pk),
        kind=BriefingKind.SECURITY_COUNCIL,
        briefed_on="2999-01-01",
        briefed_precision=DatePrecision.DAY,
    )
    response = client.post(reverse("admin:cases_briefing_add"), data)
    assert response.status_code == 200
    assert "briefed_on" in response.context["adminform"].form.errors
    assert not Briefing.objects.exists()


def test_a_warning_signs_report_date_is_edited_at_its_precision(client, desk):
    indicator = WarningIndicatorFactory(observed_on=dt.date(2010, 6, 10))
    change_url = reverse("admin:cases_warningindicator_change", args=[indicator.pk])
    data = admin_form_data(client.get(change_url))
    data.update(reported_on="2010-06-20", reported_precision=DatePrecision.MONTH)
    response = client.post(change_url, data)
    assert response.status_code == 302, errors_of(response)
    indicator = WarningIndicator.objects.get(pk=indicator.pk)
    assert (indicator.reported_on, indicator.reported_display) == (dt.date(2010, 6, 1), "June 2010")
    # Before the sign was observed: a form error, nothing written.
    data.update(reported_on="2009-01-01", reported_precision=DatePrecision.YEAR)
    response = client.post(change_url, data)
    assert response.status_code == 200
    assert "reported_on" in response.context["adminform"].form.errors


def test_the_targets_are_edited_in_the_measure_settings(client, desk, admin_user):
    client.force_login(admin_user)
    settings = MeasureSettings.load()
    change_url = reverse("admin:alerts_measuresettings_change", args=[settings.pk])
    page = client.get(change_url)
    assert "7-1-7" in page.content.decode()
    data = admin_form_data(page)
    data.update(detect_target_days="14", notify_target_days="2", respond_target_days="10")
    response = client.post(change_url, data)
    assert response.status_code == 302, errors_of(response)
    assert MeasureSettings.load().targets == {"detect": 14, "notify": 2, "respond": 10}
