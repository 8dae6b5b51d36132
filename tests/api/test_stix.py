"""STIX 2.1 out (issue 17, item 3): every bundle passes OASIS's validator with no error, carries
TLP 2.0 markings on every object, holds nothing its caller may not see, and costs a fixed number
of queries however many situations it holds."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.stix import TLP_IDS
from cases import services
from cases.choices import ActorKind, PartnerRole, SharingLevel
from tests.api.stix_checks import (
    EXPORT,
    NOT_V4,
    assert_marked_tlp2,
    by_type,
    desk_client,
    ids_not_v4,
    situation_path,
    validated,
)
from tests.factories import (
    ActorFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    PartnerFactory,
    SituationFactory,
    UndatedEngagementFactory,
    UserFactory,
    WarningIndicatorFactory,
    partner_member,
)

pytestmark = pytest.mark.django_db


# --- Factories' data -------------------------------------------------------------------------


@pytest.fixture
def case():
    """A situation with every kind of record the export maps."""
    envoy = ActorFactory(name="Personal Envoy", kind=ActorKind.ENVOY, country="")
    state = ActorFactory(name="Guinea", kind=ActorKind.MEMBER_STATE, country="GN")
    reporter = ActorFactory(name="Field office", description="Reports from the field")
    situation = SituationFactory(
        title="Guinea transition", countries=["GN", "SL"], summary="Tension after the coup."
    )
    sign = WarningIndicatorFactory(
        situation=situation, reported_by=reporter, threshold_moment=True, source="Radio"
    )
    WarningIndicatorFactory(situation=situation, observed_precision="month")
    engagement = EngagementFactory(
        situation=situation, lead_actor=envoy, ended_on=dt.date(2010, 9, 1)
    )
    EngagementPartnerFactory(engagement=engagement, actor=state, role=PartnerRole.JOINT)
    services.upsert_record(
        type(engagement),
        {},
        instance=engagement,
        pk=engagement.pk,
        relations={"responds_to": [sign]},
    )
    UndatedEngagementFactory(situation=situation, lead_actor=state)
    return situation, sign, engagement


def test_factories_data_exports_as_a_valid_bundle(case):
    situation, sign, engagement = case
    bundle, warnings = validated(desk_client().get(EXPORT))
    assert_marked_tlp2(bundle)
    # Records keep their own (UUIDv4) ids; only relationships and places are uuid5s.
    assert {i.split("--")[0] for i in ids_not_v4(bundle)} == {"bundle", "relationship", "location"}
    assert len(warnings) == len(ids_not_v4(bundle)) and all(NOT_V4 in w for w in warnings)

    grouping = by_type(bundle, "grouping")[f"grouping--{situation.pk}"]
    note = by_type(bundle, "note")[f"note--{sign.pk}"]
    coa = f"course-of-action--{engagement.pk}"
    assert grouping["name"] == "Guinea transition"
    assert {f"note--{sign.pk}", coa} <= set(grouping["object_refs"])
    # The sign annotates its situation and names the engagement answering it; its reporter is
    # its author.
    assert set(note["object_refs"]) == {grouping["id"], coa}
    assert note["created_by_ref"] == f"identity--{sign.reported_by_id}"
    assert "threshold-moment" in note["labels"]
    assert note["created"].startswith(sign.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    relations = {
        (r["source_ref"], r["relationship_type"], r["target_ref"]): r
        for r in by_type(bundle, "relationship").values()
    }
    lead = (coa, "related-to", f"identity--{engagement.lead_actor_id}")
    assert relations[lead]["description"] == "Lead: Personal Envoy"
    assert any(
        d["description"] == "Joint: Guinea" for d in relations.values() if "description" in d
    )
    identities = by_type(bundle, "identity")
    assert identities[f"identity--{engagement.lead_actor_id}"]["identity_class"] == "individual"
    countries = {o["country"] for o in by_type(bundle, "location").values() if "country" in o}
    assert countries == {"GN", "SL"}
    green = TLP_IDS[SharingLevel.GREEN]
    assert grouping["object_marking_refs"] == [green] == note["object_marking_refs"]
    assert relations[lead]["object_marking_refs"] == [green]


def test_a_re_export_is_the_same_bundle_and_a_change_shows_in_modified(case):
    _, sign, _ = case
    client = desk_client()
    first = client.get(EXPORT).content
    assert client.get(EXPORT).content == first
    before = by_type(json.loads(first), "note")[f"note--{sign.pk}"]
    services.upsert_record(type(sign), {"severity": 4}, instance=sign, pk=sign.pk)
    after, _ = validated(client.get(EXPORT))
    note = by_type(after, "note")[f"note--{sign.pk}"]
    assert note["created"] == before["created"] and note["modified"] > before["modified"]
    assert "severity:4" in note["labels"]
    assert json.loads(first)["id"] != after["id"]


# --- Who sees what ---------------------------------------------------------------------------


@pytest.fixture
def levels():
    """Situations at every level, shared with partner A or with another partner B only, each with
    a sign and an engagement led by an actor no other record names."""
    a = PartnerFactory(name="Partner A", actor=ActorFactory(name="Org A"))
    b = ActorFactory(name="Org B")
    made = {}
    for name, level, listed in [
        ("clear", SharingLevel.CLEAR, []),
        ("green", SharingLevel.GREEN, []),
        ("amber-a", SharingLevel.AMBER, [a.actor]),
        ("strict-a", SharingLevel.AMBER_STRICT, [a.actor]),
        ("amber-b", SharingLevel.AMBER, [b]),
        ("strict-b", SharingLevel.AMBER_STRICT, [b]),
        ("red-a", SharingLevel.RED, [a.actor]),
    ]:
        situation = SituationFactory(sharing=level, shared_with=listed, title=f"Case {name}")
        WarningIndicatorFactory(situation=situation, description=f"Sign of {name}")
        engagement = EngagementFactory(
            situation=situation,
            title=f"Step of {name}",
            lead_actor=ActorFactory(name=f"Lead of {name}"),
        )
        EngagementPartnerFactory(engagement=engagement, actor=ActorFactory(name=f"Aide of {name}"))
        made[name] = situation
    return a, made


VISIBLE_TO_A = {"clear", "green", "amber-a", "strict-a"}


def test_a_partners_bundle_holds_only_what_it_may_see(levels, make_api):
    partner, made = levels
    api = make_api(partner)
    bundle, _ = validated(api.get(EXPORT))
    assert_marked_tlp2(bundle)
    text = json.dumps(bundle)
    for name, situation in made.items():
        shown = name in VISIBLE_TO_A
        assert (f"grouping--{situation.pk}" in text) is shown, name
        for needle in (f"Case {name}", f"Sign of {name}", f"Step of {name}", f"Lead of {name}"):
            assert (needle in text) is shown, (name, needle)
        assert (f"Aide of {name}" in text) is shown, name
    used = {r for o in bundle["objects"] for r in o.get("object_marking_refs", ())}
    assert TLP_IDS[SharingLevel.RED] not in used
    # Each record carries its situation's level.
    strict = by_type(bundle, "grouping")[f"grouping--{made['strict-a'].pk}"]
    assert strict["object_marking_refs"] == [TLP_IDS[SharingLevel.AMBER_STRICT]]

    # One situation: a hidden one answers as a missing one.
    missing = api.get(situation_path(uuid.uuid4()))
    assert missing.status_code == 404
    for name, situation in made.items():
        response = api.get(situation_path(situation.pk))
        if name in VISIBLE_TO_A:
            single, _ = validated(response)
            assert set(by_type(single, "grouping")) == {f"grouping--{situation.pk}"}
        else:
            assert (response.status_code, response.json()) == (404, missing.json()), name


def test_a_member_by_session_gets_the_bundle_its_organisations_token_gets(levels, make_api):
    partner, made = levels
    user = UserFactory(username="a-analyst")
    partner_member(user, partner)
    client = APIClient()
    client.force_login(user)
    assert client.get(EXPORT).content == make_api(partner).get(EXPORT).content
    desk, _ = validated(desk_client().get(EXPORT))
    assert {f"grouping--{s.pk}" for s in made.values()} <= set(by_type(desk, "grouping"))


def test_anonymous_and_scopeless_callers_are_refused_as_elsewhere(make_api, client):
    situation = SituationFactory()
    for path in (EXPORT, situation_path(situation.pk)):
        assert client.get(path).status_code == client.get("/api/v1/situations/").status_code
        assert client.get(path).status_code in (401, 403)
        assert make_api(scopes=("write",)).get(path).status_code == 403


# --- Filters, errors, media type -------------------------------------------------------------


def test_filters_narrow_the_situations(make_api):
    api = make_api()
    africa = SituationFactory(region="africa", subregion="western-africa")
    asia = SituationFactory(region="asia", subregion="central-asia", countries=["KG"])
    old = timezone.now()
    sign = WarningIndicatorFactory(situation=asia)

    def groupings(params) -> set[str]:
        bundle, _ = validated(api.get(EXPORT, params))
        return set(by_type(bundle, "grouping"))

    assert groupings({"region": "asia"}) == {f"grouping--{asia.pk}"}
    assert groupings({"situation": str(africa.pk)}) == {f"grouping--{africa.pk}"}
    assert groupings({"country": "KG"}) == {f"grouping--{asia.pk}"}
    # Asia's new sign changed it since; Africa is unchanged.
    assert groupings({"changed_after": old.isoformat()}) == {f"grouping--{asia.pk}"}
    assert (
        f"note--{sign.pk}" in api.get(EXPORT, {"changed_after": old.isoformat()}).content.decode()
    )
    assert groupings({"changed_after": timezone.now().isoformat()}) == set()


def test_bad_parameters_answer_400_in_the_api_error_shape(make_api):
    api = make_api()
    SituationFactory()
    unknown = api.get(EXPORT, {"regoin": "asia"})
    assert unknown.status_code == 400 and "regoin" in unknown.json()["error"]["fields"]
    bad = api.get(EXPORT, {"region": "atlantis"})
    assert bad.status_code == 400 and "region" in bad.json()["error"]["fields"]
    empty = api.get(EXPORT, {"changed_after": ""})
    assert empty.status_code == 400 and "changed_after" in empty.json()["error"]["fields"]
    assert api.get(EXPORT, {"changed_after": "yesterday"}).status_code == 400
    assert api.get(situation_path(SituationFactory().pk), {"region": "asia"}).status_code == 400


def test_a_stix_client_asking_for_the_stix_media_type_gets_the_bundle(make_api):
    api = make_api()
    situation = SituationFactory()
    response = api.get(EXPORT, HTTP_ACCEPT="application/stix+json;version=2.1")
    bundle, _ = validated(response)
    assert f"grouping--{situation.pk}" in by_type(bundle, "grouping")
    refused = api.get(EXPORT, {"region": "atlantis"}, HTTP_ACCEPT="application/stix+json")
    assert refused.status_code == 400 and refused["Content-Type"] == "application/json"


# --- Cost ------------------------------------------------------------------------------------


def _situations(count: int, listed) -> None:
    for n in range(count):
        situation = SituationFactory(
            sharing=SharingLevel.AMBER if n % 2 else SharingLevel.GREEN, shared_with=[listed]
        )
        sign = WarningIndicatorFactory(situation=situation, reported_by=ActorFactory())
        engagement = EngagementFactory(situation=situation)
        EngagementPartnerFactory(engagement=engagement)
        services.upsert_record(
            type(engagement),
            {},
            instance=engagement,
            pk=engagement.pk,
            relations={"responds_to": [sign]},
        )


def test_the_query_count_does_not_grow_with_the_situations(make_api, django_assert_max_num_queries):
    api = make_api()
    _situations(2, api.partner.actor)
    api.get(EXPORT)  # the token's first use is recorded once

    def counted() -> tuple[int, dict]:
        with django_assert_max_num_queries(7) as queries:
            bundle, _ = validated(api.get(EXPORT))
        return len(queries), bundle

    few, bundle = counted()
    assert len(by_type(bundle, "grouping")) == 2
    _situations(18, api.partner.actor)
    many, bundle = counted()
    assert len(by_type(bundle, "grouping")) == 20 and len(by_type(bundle, "note")) == 20
    # The token, then one query per record type (situations, signs, engagements, partner roles,
    # answers, actors).
    assert few == many
