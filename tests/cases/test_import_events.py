"""ACLED events in (issue 17, item 5): ``manage.py import_events FILE --situation …``."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from cases import services
from cases.choices import ActorKind, DatePrecision, IndicatorCategory, Severity
from cases.event_import import observed_period
from cases.models import Actor, WarningIndicator
from feed.models import Change
from tests.factories import (
    ActorFactory,
    PartnerFactory,
    SituationFactory,
    partner_token,
)

pytestmark = pytest.mark.django_db

# ACLED's columns, in the order of its exports.
COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]


def event(event_id: str, **values: str) -> dict[str, str]:
    row = {
        "event_id_cnty": event_id,
        "event_date": "2024-02-10",
        "year": "2024",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Mali (2021-)",
        "assoc_actor_1": "",
        "inter1": "1",
        "actor2": "JNIM: Group for Support of Islam and Muslims",
        "assoc_actor_2": "",
        "inter2": "2",
        "interaction": "12",
        "civilian_targeting": "",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": "Mopti",
        "admin2": "Djenne",
        "admin3": "",
        "location": "Djenne",
        "latitude": "13.9061",
        "longitude": "-4.5533",
        "geo_precision": "1",
        "source": "Reuters; Le Monde",
        "source_scale": "International",
        "notes": "Clashes between the army and JNIM near Djenne.",
        "fatalities": "12",
        "tags": "",
        "timestamp": "1708000000",
    }
    row.update(values)
    return row


EVENTS = [
    event("MLI1001"),
    event(
        "MLI1002",
        event_date="15 March 2024",
        time_precision="3",
        disorder_type="Demonstrations",
        event_type="Protests",
        sub_event_type="Peaceful protest",
        actor1="Protesters (Mali)",
        assoc_actor_1="Labour Group (Mali); Students (Mali)",
        inter1="Protesters",
        actor2="",
        inter2="",
        interaction="60",
        notes="Teachers marched in Bamako over unpaid salaries.",
        fatalities="0",
        location="Bamako",
        admin1="Bamako",
        source="Maliweb",
    ),
    # A week inside April: April 2024.
    event("MLI1003", event_date="2024-04-17", time_precision="2", fatalities="1"),
    # A week across March and April: only the year holds it.
    event("MLI1004", event_date="2024-03-31", time_precision="2", fatalities="0"),
]


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path, situation, *args: str) -> str:
    out = StringIO()
    call_command("import_events", str(path), "--situation", str(situation), *args, stdout=out)
    return out.getvalue().strip()


def snapshot() -> tuple:
    """What a partner or an auditor could see change: signs and their versions, actors, the
    history of both, the change feed."""
    return (
        sorted(WarningIndicator.objects.values_list("pk", "version")),
        sorted(Actor.objects.values_list("pk", "version")),
        WarningIndicator.history.count(),
        Actor.history.count(),
        Change.objects.count(),
    )


@pytest.fixture
def situation():
    return SituationFactory(slug="mali")


@pytest.fixture
def events_file(tmp_path):
    return write_csv(tmp_path / "acled.csv", EVENTS)


def test_events_become_signs_with_their_dates_precisions_actors_and_sources(situation, events_file):
    army = ActorFactory(name="military  forces of MALI (2021-)", kind=ActorKind.MEMBER_STATE)
    actor_changes = Change.objects.filter(type="actor").count()

    output = run(events_file, "mali")

    assert output == (
        "4 warning signs created, 0 updated, 0 unchanged; actors: 1 matched, 5 created"
    )
    signs = {s.external_id: s for s in WarningIndicator.objects.filter(situation=situation)}
    assert set(signs) == {"acled:MLI1001", "acled:MLI1002", "acled:MLI1003", "acled:MLI1004"}
    dates = {key: (s.observed_on, s.observed_precision) for key, s in signs.items()}
    assert dates == {
        "acled:MLI1001": (dt.date(2024, 2, 10), DatePrecision.DAY),
        "acled:MLI1002": (dt.date(2024, 3, 1), DatePrecision.MONTH),
        "acled:MLI1003": (dt.date(2024, 4, 1), DatePrecision.MONTH),
        "acled:MLI1004": (dt.date(2024, 1, 1), DatePrecision.YEAR),
    }
    assert signs["acled:MLI1002"].observed_display == "March 2024"
    battle, protest = signs["acled:MLI1001"], signs["acled:MLI1002"]
    assert battle.source == "ACLED, event MLI1001 (sources: Reuters; Le Monde)"
    assert protest.source == "ACLED, event MLI1002 (sources: Maliweb)"
    assert (battle.category, battle.severity) == (
        IndicatorCategory.VIOLENT_INCIDENT,
        Severity.CRITICAL,
    )
    assert (protest.category, protest.severity) == (IndicatorCategory.POPULAR_UNREST, Severity.LOW)
    assert signs["acled:MLI1003"].severity == Severity.HIGH  # one death
    assert "Clashes between the army and JNIM near Djenne." in battle.description
    assert "Actor 1: Protesters (Mali) (Protesters) with Labour Group (Mali); Students (Mali)" in (
        protest.description
    )
    # The army was matched, not duplicated; the others were created, with ACLED as reporter.
    assert list(Actor.objects.filter(name__icontains="forces of mali")) == [army]
    kinds = dict(Actor.objects.exclude(pk=army.pk).values_list("name", "kind"))
    assert kinds == {
        "JNIM: Group for Support of Islam and Muslims": ActorKind.PARTY,
        "Protesters (Mali)": ActorKind.CIVIL_SOCIETY,
        "Labour Group (Mali)": ActorKind.CIVIL_SOCIETY,
        "Students (Mali)": ActorKind.CIVIL_SOCIETY,
        "Armed Conflict Location & Event Data Project": ActorKind.CIVIL_SOCIETY,
    }
    acled = Actor.objects.get(acronym="ACLED")
    assert {s.reported_by_id for s in signs.values()} == {acled.pk}
    # Written as any write is: a history row with the import's reason, a feed entry each.
    reasons = set(WarningIndicator.history.values_list("history_change_reason", flat=True))
    assert reasons == {"ACLED import from acled.csv"}
    assert Change.objects.filter(type="indicator").count() == 4
    assert Change.objects.filter(type="actor").count() == actor_changes + 5


def test_the_situation_may_be_named_by_its_id(situation, events_file):
    run(events_file, situation.pk)
    assert WarningIndicator.objects.filter(situation=situation).count() == 4


def test_importing_the_same_file_again_changes_nothing(situation, events_file):
    run(events_file, "mali")
    before = snapshot()

    output = run(events_file, "mali")

    assert output == (
        "0 warning signs created, 0 updated, 4 unchanged; actors: 6 matched, 0 created"
    )
    assert snapshot() == before


def test_an_edited_event_updates_its_sign_once(situation, events_file, tmp_path):
    run(events_file, "mali")
    sign = WarningIndicator.objects.get(external_id="acled:MLI1001")
    changes = Change.objects.count()
    edited = [event("MLI1001", fatalities="3", source="Reuters"), *EVENTS[1:]]

    output = run(write_csv(tmp_path / "edited.csv", edited), "mali")

    assert output.startswith("0 warning signs created, 1 updated, 3 unchanged")
    sign.refresh_from_db()
    assert (sign.version, sign.severity) == (2, Severity.HIGH)
    assert sign.source == "ACLED, event MLI1001 (sources: Reuters)"
    assert sign.history.count() == 2
    assert Change.objects.count() == changes + 1
    assert WarningIndicator.objects.count() == 4


def test_a_desk_officers_change_stays_until_acled_edits_the_event(situation, events_file, tmp_path):
    run(events_file, "mali")
    sign = WarningIndicator.objects.get(external_id="acled:MLI1002")
    sign.severity = Severity.CRITICAL
    sign.threshold_moment = True
    services.save_indicator(sign)  # a desk officer, in the admin
    before = snapshot()

    output = run(events_file, "mali")

    assert output.startswith("0 warning signs created, 0 updated, 4 unchanged")
    assert snapshot() == before
    sign.refresh_from_db()
    assert (sign.severity, sign.threshold_moment, sign.version) == (Severity.CRITICAL, True, 2)

    edited = [*EVENTS[:1], {**EVENTS[1], "fatalities": "1"}, *EVENTS[2:]]
    output = run(write_csv(tmp_path / "edited.csv", edited), "mali")

    assert output.startswith("0 warning signs created, 1 updated, 3 unchanged")
    sign.refresh_from_db()
    # ACLED's new reading of the event wins for what the event gives; the rest stays.
    assert (sign.severity, sign.threshold_moment, sign.version) == (Severity.HIGH, True, 3)


def test_the_same_event_in_another_situation_is_another_sign(situation, events_file):
    SituationFactory(slug="sahel")
    run(events_file, "mali")
    run(events_file, "sahel")
    assert WarningIndicator.objects.filter(external_id="acled:MLI1001").count() == 2


def test_a_dry_run_reports_and_writes_nothing(situation, events_file, tmp_path):
    before = snapshot()

    output = run(events_file, "mali", "--dry-run")

    assert output == (
        "Dry run, nothing written: would create 4 warning signs, update 0, leave 0 unchanged; "
        "actors: 0 matched, 6 to create"
    )
    assert snapshot() == before

    run(events_file, "mali")
    edited = write_csv(tmp_path / "edited.csv", [event("MLI1001", fatalities="0"), *EVENTS[1:]])
    before = snapshot()
    output = run(edited, "mali", "--dry-run")
    assert output.startswith("Dry run, nothing written: would create 0 warning signs, update 1,")
    assert snapshot() == before


def bad(path: Path, situation: str = "mali") -> str:
    with pytest.raises(CommandError) as caught:
        run(path, situation)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"event_date": "2024-02-30"}, "bad.csv, row 3, column event_date: '2024-02-30' is not"),
        ({"event_date": "next week"}, "bad.csv, row 3, column event_date: 'next week' is not"),
        ({"time_precision": "4"}, "row 3, column time_precision: '4' is not an ACLED time"),
        ({"time_precision": ""}, "row 3, column time_precision: '' is not an ACLED time"),
        ({"fatalities": "many"}, "row 3, column fatalities: 'many' is not a number"),
        ({"event_type": "Picnic"}, "row 3, column event_type: 'Picnic' is not an ACLED event"),
        ({"inter1": "9"}, "row 3, column inter1: '9' is not an ACLED actor type"),
        ({"year": "2023"}, "row 3, column year: '2023' is not the year of event_date"),
        ({"event_id_cnty": "MLI1001"}, "row 3, column event_id_cnty: event MLI1001 is already"),
        ({"event_id_cnty": ""}, "row 3, column event_id_cnty: empty"),
        (
            {"event_date": "2099-01-01", "year": "2099"},
            "row 3, column event_date: A warning sign cannot be observed in the future.",
        ),
    ],
)
def test_a_bad_row_stops_the_import_naming_its_row_and_column(
    situation, tmp_path, change, expected
):
    before = snapshot()
    rows = [EVENTS[0], {**EVENTS[2], **change}, EVENTS[3]]

    message = bad(write_csv(tmp_path / "bad.csv", rows))

    assert expected in message
    assert snapshot() == before  # the good first row is not written either


def test_a_missing_column_is_named(situation, tmp_path):
    columns = [c for c in COLUMNS if c != "time_precision"]
    message = bad(write_csv(tmp_path / "bad.csv", EVENTS, columns))
    assert message == "bad.csv, row 1: column 'time_precision' is missing"
    assert not WarningIndicator.objects.exists()


def test_an_unknown_situation_is_refused(situation, events_file):
    message = bad(events_file, "atlantis")
    assert message == "no situation with slug or id 'atlantis'"
    assert not WarningIndicator.objects.exists()
    assert not Actor.objects.exists()


def test_a_missing_file_is_one_line(situation, tmp_path):
    message = bad(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in message


def test_upper_case_headers_of_older_exports_are_read(situation, tmp_path):
    path = tmp_path / "old.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([c.upper() for c in COLUMNS])
        writer.writerow([EVENTS[0][c] for c in COLUMNS])
    run(path, "mali")
    assert WarningIndicator.objects.get().external_id == "acled:MLI1001"


def test_the_query_count_does_not_grow_with_the_file(
    situation, tmp_path, django_assert_max_num_queries
):
    def many(count: int, offset: int, fatalities: str = "12") -> list[dict[str, str]]:
        return [
            event(
                f"MLI{offset + n}",
                actor2=f"Militia {offset + n}",
                assoc_actor_2=f"Helpers {offset + n}",
                inter2="3",
                fatalities=fatalities,
            )
            for n in range(count)
        ]

    small = write_csv(tmp_path / "small.csv", many(3, 0))
    large = write_csv(tmp_path / "large.csv", many(60, 100))
    with django_assert_max_num_queries(25) as small_run:
        run(small, "mali")
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        run(large, "mali")
    assert WarningIndicator.objects.count() == 63
    edited = write_csv(tmp_path / "edited.csv", many(60, 100, fatalities="2"))
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        run(edited, "mali")


@pytest.mark.parametrize(
    ("day", "code", "expected"),
    [
        (dt.date(2024, 5, 9), 1, (dt.date(2024, 5, 9), DatePrecision.DAY)),
        (dt.date(2024, 5, 15), 3, (dt.date(2024, 5, 1), DatePrecision.MONTH)),
        (dt.date(2024, 5, 4), 2, (dt.date(2024, 5, 1), DatePrecision.MONTH)),
        (dt.date(2024, 5, 3), 2, (dt.date(2024, 1, 1), DatePrecision.YEAR)),
        (dt.date(2024, 12, 30), 2, (dt.date(2024, 1, 1), DatePrecision.YEAR)),
    ],
)
def test_acled_time_precision_codes(day, code, expected):
    assert observed_period(day, code) == expected


def test_imported_signs_reach_only_the_partners_their_situation_is_shared_with(tmp_path):
    """Signs take their situation's label: a partner listed on one AMBER situation is told of
    its imported signs and reads them; those imported into another it is not listed on stay
    hidden (404, no feed entry)."""
    partner = PartnerFactory()
    _, key = partner_token(partner, ["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    SituationFactory(slug="mali", sharing="amber", shared_with=[partner.actor])
    SituationFactory(slug="sahel", sharing="amber")
    path = write_csv(tmp_path / "acled.csv", EVENTS)
    run(path, "mali")
    run(path, "sahel")

    told = {e["id"] for e in client.get("/api/v1/changes/", {"limit": 5000}).json()["changes"]}
    shared = WarningIndicator.objects.filter(situation__slug="mali")
    hidden = WarningIndicator.objects.filter(situation__slug="sahel")
    assert {str(pk) for pk in shared.values_list("pk", flat=True)} <= told
    assert told.isdisjoint(str(pk) for pk in hidden.values_list("pk", flat=True))
    assert client.get(f"/api/v1/indicators/{shared.first().pk}/").status_code == 200
    assert client.get(f"/api/v1/indicators/{hidden.first().pk}/").status_code == 404
