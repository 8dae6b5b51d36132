"""Alerts over the API (read, acknowledge) and situations' warning-to-action figures."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.models import Alert, SituationInterval
from cases.choices import SharingLevel
from tests.factories import (
    AlertFactory,
    DeskOfficerFactory,
    SituationFactory,
    WarningIndicatorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("level", "listed", "visible"),
    [
        ("clear", False, True),
        ("green", False, True),
        ("amber", True, True),
        ("amber", False, False),
        ("amber+strict", True, True),
        ("amber+strict", False, False),
        ("red", True, False),
    ],
)
def test_alerts_inherit_their_situations_level(api, level, listed, visible):
    situation = SituationFactory(sharing=level, shared_with=[api.partner.actor] if listed else [])
    alert = AlertFactory(situation=situation)
    detail = api.get(f"alerts/{alert.uuid}/")
    assert detail.status_code == (200 if visible else 404)
    listing = [a["id"] for a in api.get("alerts/").json()["results"]]
    assert (str(alert.uuid) in listing) is visible
    filtered = api.get("alerts/", {"region": "africa", "status": "open"}).json()["results"]
    assert (str(alert.uuid) in [a["id"] for a in filtered]) is visible
    acknowledged = api.post(f"alerts/{alert.uuid}/acknowledge/", {"comment": "Envoy dispatched"})
    assert acknowledged.status_code == (200 if visible else 404)
    alert.refresh_from_db()
    assert (alert.status == "acknowledged") is visible


def test_acknowledging_records_who_and_what(api, make_api):
    alert = AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    response = api.post(f"alerts/{alert.uuid}/acknowledge/", {"comment": "Envoy dispatched"})
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledgement"] == f"[{api.partner.name}] Envoy dispatched"
    again = api.post(f"alerts/{alert.uuid}/acknowledge/", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_open")
    assert api.post(f"alerts/{alert.uuid}/acknowledge/", {"note": "x"}).status_code == 400
    reader = make_api(scopes=("read",))
    assert reader.post(f"alerts/{alert.uuid}/acknowledge/", {}).status_code == 403


def test_desk_officer_acknowledges_by_session(client):
    officer = DeskOfficerFactory()
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(Permission.objects.get(codename="change_alert"))
    alert = AlertFactory(situation=SituationFactory(sharing=SharingLevel.RED))
    client.force_login(officer)
    response = client.post(
        f"/api/v1/alerts/{alert.uuid}/acknowledge/",
        {"comment": "On it"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == officer


def test_situations_warning_to_action_figures_are_read_from_their_own_resource(api):
    situation = SituationFactory(sharing=SharingLevel.GREEN)
    warning = WarningIndicatorFactory(situation=situation, observed_on=dt.date(2010, 6, 10))
    SituationInterval.objects.create(
        situation=situation,
        threshold_severity=3,
        first_warning=warning,
        warning_from=dt.date(2010, 6, 10),
        warning_until=dt.date(2010, 6, 10),
        action_from=dt.date(2010, 6, 1),
        action_until=dt.date(2010, 6, 30),
        days_min=-9,
        days_max=20,
        is_open=False,
        is_exact=False,
    )
    bare = SituationFactory(sharing=SharingLevel.GREEN)
    rows = {r["id"]: r for r in api.get("intervals/").json()["results"]}
    figures = rows[str(situation.pk)]
    assert figures["situation"] == str(situation.pk)
    assert figures["days_min"] == -9 and figures["days_max"] == 20
    assert figures["first_warning"] == str(warning.pk)
    assert figures["is_exact"] is False
    assert str(bare.pk) not in rows  # no figures stored for it
    assert api.get(f"intervals/{bare.pk}/").status_code == 404
    assert api.get(f"intervals/{situation.pk}/").json() == figures
    # The situation's own body no longer carries them: it changes only when it is written.
    assert "warning_to_action" not in api.get(f"situations/{situation.pk}/").json()


def test_alert_responses_have_exactly_the_documented_fields(api):
    from api.alerts import AlertSerializer

    AlertFactory(situation=SituationFactory(sharing=SharingLevel.GREEN))
    rows = api.get("alerts/").json()["results"]
    assert rows and set(rows[0]) == set(AlertSerializer().fields)
