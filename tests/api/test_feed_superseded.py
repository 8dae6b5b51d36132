"""Which change of a record carries its data: the last change of its content. An earlier one is
superseded and not told; a later change of its audience alone (its situation's sharing) does not
supersede it."""

from __future__ import annotations

import pytest

from cases import services
from feed.models import Change
from tests.factories import SituationFactory, WarningIndicatorFactory


def told(api, type_: str, object_id) -> list[tuple[str, int]]:
    entries = api.get("changes/", {"limit": 5000}).json()["changes"]
    return [
        (e["op"], e["version"]) for e in entries if e["type"] == type_ and e["id"] == str(object_id)
    ]


@pytest.mark.django_db
def test_a_record_edited_twice_is_told_once_with_its_latest_data(api):
    situation = SituationFactory(sharing="green")
    for title in ("Second", "Third"):
        situation.title = title
        services.save_situation(situation)
    situation.refresh_from_db()
    assert Change.objects.filter(type="situation", object_id=situation.pk).count() == 3
    entries = [e for e in api.get("changes/").json()["changes"] if e["id"] == str(situation.pk)]
    assert [(e["op"], e["version"], e["data"]["title"]) for e in entries] == [
        ("upsert", situation.version, "Third")
    ]


@pytest.mark.django_db
def test_a_change_of_audience_alone_does_not_hide_the_data_before_it(api):
    situation = SituationFactory(sharing="green")
    indicator = WarningIndicatorFactory(situation=situation)
    situation.sharing = "amber"
    services.save_situation(situation, shared_with=[api.partner.actor])
    audience_only = Change.objects.filter(type="indicator", object_id=indicator.pk, content=False)
    assert audience_only.exists()  # the scenario: the indicator's last change is not content
    # Cleared before and after: the indicator's first change carries its data and is told once.
    assert told(api, "indicator", indicator.pk) == [("upsert", indicator.version)]

    indicator.description = "Edited"
    services.save_indicator(indicator)
    indicator.refresh_from_db()
    # Now the edit supersedes the first change: the data are told once, from the edit.
    assert told(api, "indicator", indicator.pk) == [("upsert", indicator.version)]
