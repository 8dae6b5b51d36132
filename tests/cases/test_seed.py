"""Seed data drawn from S/2011/552: loaded in one go, idempotent, every record cited, checked."""

from __future__ import annotations

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from cases.choices import (
    ActorKind,
    ConflictStage,
    CrisisType,
    DatePrecision,
    Outcome,
    ParagraphKind,
    PartnerRole,
    SharingLevel,
    Subregion,
)
from cases.models import (
    Actor,
    Assessment,
    Document,
    Engagement,
    EngagementPartner,
    Paragraph,
    Situation,
    WarningIndicator,
)
from cases.seed import SEED_DIR, SeedError, load_seed, seed_id
from cases.seed.records import BUNDLED_REPORTS
from cases.services import (
    delete_record,
    import_report,
    save_actor,
    save_document,
    save_engagement_partner,
    save_situation,
)
from tests.factories import DeskOfficerFactory

SEEDED_MODELS = [Actor, Situation, WarningIndicator, Engagement, EngagementPartner, Assessment]
CITING_MODELS = [Actor, Situation, WarningIndicator, Engagement, Assessment]
TIMESTAMPS = {"created_at", "updated_at", "imported_at"}

NAMED_SITUATIONS = [
    "guinea-transition-2009-2010",
    "southern-sudan-referendum-2011",
    "kyrgyzstan-2010",
    "kenya-2008",
    "great-lakes-eastern-drc-2008-2009",
    "madagascar",
    "mauritania",
    "niger",
    "libya",
    "cyprus",
    "western-sahara",
    "iraq-kirkuk",
    "middle-east-peace-process",
    "sierra-leone-2009",
    "sierra-leone-2012-elections",
    "ghana-gambia-2007",
    "guatemala-cicig",
    "gaza-flotilla-2010",
    "arab-spring-2011",
    "honduras",
    "comoros-2010",
    "fiji",
    "haiti-elections",
    "papua-new-guinea-bougainville",
    "central-africa-cross-border-threats",
    # Elections that divided and destabilized (para. 38), Kenya being above.
    "afghanistan",
    "cote-d-ivoire-elections",
    "zimbabwe-elections",
    # Countries of the political missions of para. 28 and the Peacebuilding Commission (para. 15).
    "nepal",
    "burundi",
    "central-african-republic",
    "guinea-bissau",
    "somalia",
    "liberia",
]


def snapshot(*, versions: bool = True) -> dict[str, list[dict]]:
    """Every seeded row with its fields and many-to-many links, timestamps left out."""
    state: dict[str, list[dict]] = {}
    for model in [*SEEDED_MODELS, Document, Paragraph]:
        rows = []
        relations = [relation.name for relation in model._meta.many_to_many]
        for record in model.objects.order_by("pk").prefetch_related(*relations):
            row = {
                f.attname: f.value_from_object(record)
                for f in model._meta.concrete_fields
                if f.name not in TIMESTAMPS and (versions or f.name != "version")
            }
            for name in relations:
                row[name] = sorted(str(linked.pk) for linked in getattr(record, name).all())
            rows.append(row)
        state[model.__name__] = rows
    return state


def history_counts() -> dict[str, int]:
    return {model.__name__: model.history.count() for model in SEEDED_MODELS}


def undated_keys() -> list[str]:
    """Keys of the engagements the files give no start date, read off the files themselves."""
    keys = []
    for path in sorted(SEED_DIR.glob("situations-*.yaml")):
        for situation in yaml.safe_load(path.read_text(encoding="utf-8"))["situations"]:
            keys += [e["key"] for e in situation.get("engagements", []) if e["started"] is None]
    return keys


def seeded_undated() -> int:
    return len(undated_keys())


def copy_seed(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- On an empty database ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_citation_on_an_empty_database_writes_nothing_not_even_the_report(tmp_path):
    seed = copy_seed(tmp_path)
    replace_in(
        seed / "situations-asia.yaml",
        '23: "following the ouster of the former President in April"',
        '99: "following the ouster of the former President in April"',
    )

    with pytest.raises(SeedError) as raised:
        load_seed(seed)

    message = str(raised.value)
    assert "indicator 'kyrgyzstan-2010-04-ouster'" in message
    assert "cites para. 99, which S/2011/552 does not have" in message
    assert "\n" not in message
    # The report was imported inside the same transaction, and rolled back with it.
    assert not Document.objects.exists()
    assert not any(model.objects.exists() for model in SEEDED_MODELS)


@pytest.mark.django_db
def test_a_report_imported_before_its_issue_date_was_recorded_gets_it_from_the_seed():
    document = import_report(BUNDLED_REPORTS["S/2011/552"][1])
    Document.objects.filter(pk=document.pk).update(issued_on=None)

    load_seed()

    document.refresh_from_db()
    assert document.issued_on == dt.date(2011, 8, 26)
    version = document.version
    # A date someone set since (the admin) is theirs: the seed leaves it, and changes nothing.
    document.issued_on = dt.date(2011, 8, 25)
    save_document(document)
    load_seed()
    document.refresh_from_db()
    assert (document.issued_on, document.version) == (dt.date(2011, 8, 25), version + 1)


# --- On the seeded database --------------------------------------------------------------------


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """The seed loaded once for the class (report imported by the loader), rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_seed()
        yield summary
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded")
class TestSeeded:
    def test_the_loader_imports_the_report_and_reports_its_counts(self, seeded):
        document = Document.objects.get(symbol="S/2011/552")
        assert document.paragraphs.filter(kind=ParagraphKind.PARAGRAPH).count() == 72
        assert document.paragraphs.filter(kind=ParagraphKind.FOOTNOTE).count() == 18
        assert seeded.situations == Situation.objects.count() >= len(NAMED_SITUATIONS)
        assert seeded.actors == Actor.objects.count()
        assert seeded.engagements == Engagement.objects.count()
        assert seeded.partner_roles == EngagementPartner.objects.count()
        assert seeded.indicators == WarningIndicator.objects.count()
        assert seeded.assessments == Assessment.objects.count()
        links = sum(model.citations.through.objects.count() for model in CITING_MODELS)
        assert seeded.citations == links
        assert seeded.created == sum(model.objects.count() for model in SEEDED_MODELS)
        assert (seeded.updated, seeded.unchanged, seeded.kept, seeded.removed) == (0, 0, 0, 0)
        # 18 engagements the report dates and 30 it does not: those are loaded with no start.
        assert (seeded.engagements, seeded.undated) == (48, 30)
        assert Engagement.objects.filter(started_on__isnull=True).count() == seeded.undated

    def test_loading_twice_leaves_the_same_rows_versions_and_history(self):
        before, history = snapshot(), history_counts()

        summary = load_seed()

        assert snapshot() == before
        assert history_counts() == history
        assert (summary.created, summary.updated, summary.kept, summary.removed) == (0, 0, 0, 0)
        assert summary.unchanged == sum(model.objects.count() for model in SEEDED_MODELS)

    def test_desk_officers_changes_to_seeded_records_survive_a_reload(self):
        officer = DeskOfficerFactory()
        before = snapshot(versions=False)
        kenya = Situation.objects.get(slug="kenya-2008")
        kenya.status, kenya.risk_level = "escalated", 4
        save_situation(kenya, by=officer)
        conakry = WarningIndicator.objects.get(pk=seed_id("indicator", "guinea-2009-09-28-conakry"))
        delete_record(conakry, by=officer)
        mediation = Engagement.objects.get(pk=seed_id("engagement", "kenya-annan-mediation-2008"))
        delete_record(mediation.partner_roles.get(actor__acronym="DPA"), by=officer)
        save_engagement_partner(
            EngagementPartner(
                engagement=mediation, actor=Actor.objects.get(acronym="OSCE"), role="joint"
            ),
            by=officer,
        )
        edited = snapshot()

        summary = load_seed()

        assert snapshot() == edited
        assert summary.kept == 3  # the situation, the deleted indicator, the deleted partner role
        assert (summary.created, summary.updated, summary.removed) == (0, 0, 0)

        # --reset sets them back: the deleted rows return under their seeded ids.
        summary = load_seed(reset=True)

        assert snapshot(versions=False) == before
        kenya.refresh_from_db()
        assert (kenya.status, kenya.risk_level, kenya.version) == ("de-escalated", 2, 3)
        # Updated: Kenya, and the Commission of Inquiry whose link to the restored Conakry sign
        # went with the sign's delete.
        assert (summary.updated, summary.created, summary.removed) == (2, 2, 1)

    def test_a_seeded_name_created_by_a_desk_officer_is_used_not_duplicated(self):
        officer = DeskOfficerFactory()
        delete_record(Actor.objects.get(name="Media"), by=officer)
        own = Actor(name="Media", kind="civil-society", description="Our press contacts")
        save_actor(own, by=officer)

        summary = load_seed()

        assert Actor.objects.filter(name="Media").get() == own
        own.refresh_from_db()
        assert own.description == "Our press contacts"
        assert summary.kept == 1

        load_seed(reset=True)

        own.refresh_from_db()
        assert Actor.objects.filter(name="Media").get().pk == own.pk
        assert (own.description, list(own.citations.values_list("number", flat=True))) == (
            "",
            [54],
        )

    def test_every_seeded_record_cites_paragraphs_of_the_report(self):
        document = Document.objects.get(symbol="S/2011/552")
        for model in CITING_MODELS:
            uncited = model.objects.filter(citations__isnull=True)
            assert not uncited.exists(), f"{model.__name__} without citation: {uncited.first()}"
            cited = Paragraph.objects.filter(
                **{f"{model.citations.field.related_query_name()}__isnull": False}
            )
            assert cited.exclude(document=document).count() == 0
            numbers = set(
                cited.filter(kind=ParagraphKind.PARAGRAPH).values_list("number", flat=True)
            )
            assert numbers <= set(range(1, 73))
        # Footnotes are cited as footnotes: the list of political missions is footnote 12.
        unami = Actor.objects.get(acronym="UNAMI")
        assert {(p.kind, p.number) for p in unami.citations.all()} >= {
            (ParagraphKind.FOOTNOTE, 12),
            (ParagraphKind.PARAGRAPH, 28),
        }

    def test_partner_roles_add_their_paragraphs_to_the_engagement(self):
        facilitation = Engagement.objects.get(
            pk=seed_id("engagement", "guinea-unowa-transition-facilitation")
        )
        # The engagement itself cites paras. 24 and 55; the Security Council's role brings para.
        # 14 and the Special Representative's para. 37.
        assert set(facilitation.citations.values_list("number", flat=True)) == {14, 24, 37, 55}
        assert facilitation.partner_roles.count() == 12
        assert set(facilitation.partner_roles.values_list("role", flat=True)) == {
            PartnerRole.JOINT,
            PartnerRole.SUPPORTING,
        }

    def test_named_situations_exist_and_are_public(self):
        slugs = set(Situation.objects.values_list("slug", flat=True))
        assert set(NAMED_SITUATIONS) <= slugs
        assert set(Situation.objects.values_list("sharing", flat=True)) == {SharingLevel.CLEAR}

    def test_kyrgyzstan_2010_in_central_asia_with_the_june_2010_violence(self):
        kyrgyzstan = Situation.objects.get(slug="kyrgyzstan-2010")
        assert kyrgyzstan.subregion == Subregion.CENTRAL_ASIA
        assert [str(c) for c in kyrgyzstan.countries] == ["KG"]
        june = kyrgyzstan.indicators.get(observed_on=dt.date(2010, 6, 1))
        assert june.observed_precision == DatePrecision.MONTH
        assert june.observed_display == "June 2010"
        assert june.threshold_moment
        assert {23, 44} & set(june.citations.values_list("number", flat=True))
        april = kyrgyzstan.indicators.get(category="unconstitutional-change")
        assert (april.observed_on, april.observed_precision) == (dt.date(2010, 4, 1), "month")
        response, good_offices = kyrgyzstan.engagements.all()  # the undated one last
        assert good_offices.started_on is None
        assert response.lead_actor.acronym == "UNRCCA"
        assert response.lead_actor.parent.acronym == "DPA"
        assert response.assessments.get(element__code="early-warning").rating == 1
        assert (
            "taken by surprise" in response.assessments.get(element__code="early-warning").evidence
        )

    def test_guinea_cites_paras_24_and_55_and_the_conakry_events_to_the_day(self):
        guinea = Situation.objects.get(slug="guinea-transition-2009-2010")
        assert {24, 55} <= set(guinea.citations.values_list("number", flat=True))
        assert (guinea.status, guinea.sharing) == ("de-escalated", SharingLevel.CLEAR)
        conakry = guinea.indicators.get(observed_on=dt.date(2009, 9, 28))
        assert conakry.observed_precision == DatePrecision.DAY
        facilitation = guinea.engagements.get(lead_actor__acronym="UNOWA")
        assert (facilitation.started_display, facilitation.ended_display) == ("2009", "2010")
        assert facilitation.assessments.get(element__code="partnerships").rating == 3

    def test_undated_engagements_are_loaded_with_no_start_their_partners_and_citations(self):
        mediation = Engagement.objects.get(pk=seed_id("engagement", "madagascar-sadc-mediation"))
        assert mediation.started_on is None
        assert mediation.started_display == "date not given"
        assert str(mediation).endswith("(date not given)")
        assert (mediation.lead_actor.acronym, mediation.outcome) == ("SADC", Outcome.UNRESOLVED)
        assert set(mediation.citations.values_list("number", flat=True)) == {20, 37}
        assert list(mediation.partner_roles.values_list("actor__name", "role")) == [
            ("United Nations mediation support team in Madagascar", PartnerRole.SUPPORTING)
        ]
        # A partner role's paragraphs join its undated engagement's citations too.
        good_offices = Engagement.objects.get(
            pk=seed_id("engagement", "western-sahara-envoy-process")
        )
        assert set(good_offices.citations.values_list("number", flat=True)) == {21, 31}
        assert good_offices.partner_roles.get().actor.name == (
            "Contact group or group of friends on Western Sahara"
        )
        # Every engagement the files leave undated is in the database, and no other.
        undated = set(
            Engagement.objects.filter(started_on__isnull=True).values_list("pk", flat=True)
        )
        assert undated == {seed_id("engagement", key) for key in undated_keys()}
        assert not Engagement.objects.filter(started_on__isnull=True, citations__isnull=True)

    def test_undated_engagements_sort_after_the_dated_ones_of_their_situation(self):
        guinea = Situation.objects.get(slug="guinea-transition-2009-2010")
        starts = [e.started_on for e in guinea.engagements.all()]
        assert starts[:2] == [dt.date(2009, 1, 1)] * 2
        assert starts[2:] == [None, None, None]

    def test_outcomes_the_report_does_not_state_are_not_stated(self):
        def outcome(key: str) -> str:
            return Engagement.objects.get(pk=seed_id("engagement", key)).outcome

        # "we have deployed a number of election-related good offices missions" (para. 40)
        assert outcome("haiti-election-good-offices") == Outcome.NOT_STATED
        assert outcome("guinea-conakry-commission-of-inquiry") == Outcome.NOT_STATED
        assert outcome("comoros-monitoring-committee-2010") == Outcome.NOT_STATED
        # "Six countries are currently on the Commission's agenda" (para. 15)
        assert outcome("liberia-peacebuilding-commission") == Outcome.ONGOING
        # "has been working continuously to promote calm" (para. 28)
        assert outcome("middle-east-unsco") == Outcome.ONGOING
        burundi = Engagement.objects.get(pk=seed_id("engagement", "burundi-bnub"))
        assert (ParagraphKind.FOOTNOTE, 12) in {(p.kind, p.number) for p in burundi.citations.all()}

    def test_countries_emerging_from_conflict_are_at_risk_of_relapse(self):
        relapse = Situation.objects.filter(crisis_type=CrisisType.RELAPSE_RISK)
        assert set(relapse.values_list("slug", flat=True)) == {
            "burundi",
            "central-african-republic",
            "guinea-bissau",
            "liberia",
        }
        assert set(relapse.values_list("conflict_stage", flat=True)) == {ConflictStage.RELAPSE}
        for situation in relapse:
            assert 15 in set(situation.citations.values_list("number", flat=True))

    def test_inquiries_and_national_institutions_have_their_own_kinds(self):
        kinds = dict(
            Actor.objects.filter(
                pk__in=[
                    seed_id("actor", key)
                    for key in [
                        "conakry-commission-of-inquiry",
                        "gaza-flotilla-panel",
                        "cicig",
                        "comoros-national-electoral-commission",
                    ]
                ]
            ).values_list("name", "kind")
        )
        assert kinds == {
            "Commission of Inquiry on the events of 28 September 2009 in Conakry": (
                ActorKind.COMMISSION_OF_INQUIRY
            ),
            "Panel of Inquiry on the Gaza flotilla incident": ActorKind.COMMISSION_OF_INQUIRY,
            "International Commission against Impunity in Guatemala": (
                ActorKind.COMMISSION_OF_INQUIRY
            ),
            "National Electoral Commission of the Comoros": ActorKind.NATIONAL_INSTITUTION,
        }

    def test_kenya_led_by_the_annan_process_from_january_2008(self):
        mediation = Situation.objects.get(slug="kenya-2008").engagements.get()
        assert "Annan" in mediation.lead_actor.name
        assert mediation.lead_actor.parent.acronym == "AU"
        assert (mediation.started_on, mediation.started_precision) == (
            dt.date(2008, 1, 1),
            DatePrecision.MONTH,
        )
        assert mediation.outcome == Outcome.AVERTED
        roles = dict(mediation.partner_roles.values_list("actor__name", "role"))
        assert roles["African Union"] == PartnerRole.LEAD
        assert roles["United Nations country team in Kenya"] == PartnerRole.SUPPORTING
        assert roles["Department of Political Affairs"] == PartnerRole.SUPPORTING
        assert mediation.assessments.get(element__code="sustainability").rating == 3

    def test_great_lakes_special_envoy_obasanjo_from_2008_at_year_precision(self):
        envoy = Engagement.objects.get(
            lead_actor__name__contains="Obasanjo", instrument="special-envoy"
        )
        assert envoy.situation.slug == "great-lakes-eastern-drc-2008-2009"
        assert (envoy.started_on, envoy.started_precision) == (dt.date(2008, 1, 1), "year")
        assert envoy.started_display == "2008"
        talks = Engagement.objects.get(
            pk=seed_id("engagement", "great-lakes-peace-talks-2008-2009")
        )
        assert talks.ended_display == "March 2009"
        autumn = envoy.situation.indicators.get(category="regional-spillover")
        assert autumn.observed_display == "2008" and "Autumn" in autumn.description

    def test_actors_have_kinds_acronyms_and_parents(self):
        def actor(name: str) -> Actor:
            return Actor.objects.select_related("parent").get(name=name)

        assert actor("Mediation Support Unit").parent.acronym == "DPA"
        assert actor("Standby Team of Mediation Experts").parent.acronym == "DPA"
        for acronym in ["UNOWA", "UNRCCA", "UNOCA"]:
            office = Actor.objects.get(acronym=acronym)
            assert (office.kind, office.parent.acronym) == ("regional-office", "DPA")
        assert actor("Department of Political Affairs").parent.name == "Secretary-General"
        assert actor("World Bank").kind == "ifi"
        assert actor("Women's groups").kind == "civil-society"
        assert actor("International Conference on the Great Lakes Region").acronym == "ICGLR"
        assert (
            actor("African Union High-level Implementation Panel on the Sudan").parent.acronym
            == "AU"
        )
        for acronym in [
            "AU",
            "ECOWAS",
            "SADC",
            "EU",
            "OSCE",
            "OAS",
            "ASEAN",
            "OIC",
            "CIS",
            "CSTO",
            "SCO",
            "CARICOM",
            "UNASUR",
            "UNAMI",
            "UNIPSIL",
            "UNSCO",
            "OHCHR",
        ]:
            assert Actor.objects.filter(acronym=acronym).exists(), acronym

    def test_every_seeded_situation_is_measured_as_of_the_report_it_is_drawn_from(self):
        document = Document.objects.get(symbol="S/2011/552")
        assert document.issued_on == dt.date(2011, 8, 26)
        assert set(Situation.objects.values_list("as_of", flat=True)) == {document.pk}

    def test_the_answers_the_report_gives_are_linked_to_their_signs(self, seeded):
        def answered_by(sign: str) -> set[str]:
            indicator = WarningIndicator.objects.get(pk=seed_id("indicator", sign))
            return {e.pk for e in indicator.answered_by.all()}

        unrcca = seed_id("engagement", "kyrgyzstan-unrcca-crisis-response-2010")
        # Para. 23: "following the ouster of the former President in April and the outbreak of
        # inter-ethnic violence in June".
        assert answered_by("kyrgyzstan-2010-06-inter-ethnic-violence") == {unrcca}
        assert answered_by("kyrgyzstan-2010-04-ouster") == {unrcca}
        assert answered_by("gaza-flotilla-2010-05-31") == {
            seed_id("engagement", "gaza-flotilla-panel-of-inquiry")
        }
        assert answered_by("madagascar-2011-unresolved-crisis") == {
            seed_id("engagement", "madagascar-sadc-mediation")
        }
        assert answered_by("great-lakes-2008-fear-of-regional-war") == {
            seed_id("engagement", "great-lakes-special-envoy-obasanjo"),
            seed_id("engagement", "great-lakes-peace-talks-2008-2009"),
        }
        assert answered_by("sudan-2010-deadlocks") == {
            seed_id("engagement", "sudan-mission-mediation-2010")
        }
        # Not linked where the report does not say so: the dates decide (an engagement under way).
        assert answered_by("great-lakes-2011-insecurity") == set()
        assert answered_by("sudan-2011-fragile") == set()
        assert seeded.answers == Engagement.responds_to.through.objects.count() == 17
        # The link's paragraphs join the engagement's citations.
        sudan = Engagement.objects.get(pk=seed_id("engagement", "sudan-mission-mediation-2010"))
        assert 30 in {p.number for p in sudan.citations.all()}

    def test_a_status_date_only_where_the_report_gives_one(self, seeded):
        guinea = Situation.objects.get(slug="guinea-transition-2009-2010")
        # Para. 24: the transition steered "to its completion through the inauguration, in
        # December 2010, of Alpha Condé".
        assert (guinea.status, guinea.status_on, guinea.status_precision) == (
            "de-escalated",
            dt.date(2010, 12, 1),
            DatePrecision.MONTH,
        )
        assert guinea.status_display_date == "December 2010"
        assert seeded.status_dates == 1
        assert Situation.objects.exclude(pk=guinea.pk).filter(status_on__isnull=False).count() == 0

    def test_the_command_prints_the_counts(self):
        out = StringIO()
        call_command("load_seed", stdout=out)
        text = out.getvalue()
        for noun in [
            "situations",
            "actors",
            "engagements",
            "partner roles",
            "indicators",
            "assessments",
            "citations",
        ]:
            assert f" {noun}" in text
        assert f"{Situation.objects.count()} situations" in text
        assert "created 0, updated 0" in text
        assert f"{seeded_undated()} of the engagements have no start date" in text
        assert "held back" not in text

    @pytest.mark.parametrize(
        ("file", "old", "new", "expected"),
        [
            (
                "situations-asia.yaml",
                "          kyrgyzstan-2010-04-ouster:\n",
                "          kyrgyzstan-2010-05-ouster:\n",
                "engagement 'kyrgyzstan-unrcca-crisis-response-2010': responds_to "
                "'kyrgyzstan-2010-05-ouster': 'kyrgyzstan-2010-05-ouster' is not a warning sign key",
            ),
            (
                "situations-asia.yaml",
                "          gaza-flotilla-2010-05-31:\n",
                "          kyrgyzstan-2010-04-ouster:\n",
                "responds_to 'kyrgyzstan-2010-04-ouster': the sign is situation 'kyrgyzstan-2010''s;"
                " an engagement answers warning signs of its own situation ('gaza-flotilla-2010') "
                "only",
            ),
            (
                "situations-africa.yaml",
                '            32: "the Commission of Inquiry to investigate the events of 28 September '
                '2009 in Conakry"',
                '            32: "the Commission of Inquiry to investigate the incidents of 28 September '
                '2009 in Conakry"',
                "responds_to 'guinea-2009-09-28-conakry': S/2011/552 para. 32 does not say",
            ),
            (
                "situations-asia.yaml",
                "    status: monitoring\n    risk_level: medium\n    summary: >-\n      A Panel",
                '    status: monitoring\n    status_on:\n      date: "2010"\n      cites:\n'
                '        32: "Gaza flotilla"\n    risk_level: medium\n    summary: >-\n      A Panel',
                "situation 'gaza-flotilla-2010': status_on: only a situation whose status is "
                "de-escalated or closed has a status date",
            ),
            (
                "situations-africa.yaml",
                'through the inauguration, in December 2010, of Alpha Condé"\n    risk_level',
                'through the inauguration, in November 2010, of Alpha Condé"\n    risk_level',
                "situation 'guinea-transition-2009-2010': status_on: S/2011/552 para. 24 does not "
                "say",
            ),
            (
                "situations-africa.yaml",
                "lead: annan-process",
                "lead: annan-panel",
                "engagement 'kenya-annan-mediation-2008': lead 'annan-panel' is not an actor key",
            ),
            (
                "situations-africa.yaml",
                "    risk_level: medium\n    summary: >-\n      In January 2008",
                "    risk_level: severe\n    summary: >-\n      In January 2008",
                "situation 'kenya-2008': risk_level: 'severe' is not one of low, medium, high, "
                "critical",
            ),
            (
                "situations-asia.yaml",
                "        category: inter-ethnic-violence",
                "        category: ethnic-clashes",
                "indicator 'kyrgyzstan-2010-06-inter-ethnic-violence': category: "
                "'ethnic-clashes' is not one of",
            ),
            (
                "actors.yaml",
                "    parent: dpa\n    description: Established in 2006",
                "    parnet: dpa\n    description: Established in 2006",
                "actor 'mediation-support-unit': unknown field 'parnet'",
            ),
            (
                "situations-asia.yaml",
                '        observed: "2010-06"',
                '        observed: "June 2010"',
                "observed: not a date in YYYY, YYYY-MM or YYYY-MM-DD form: 'June 2010'",
            ),
            (
                "situations-asia.yaml",
                '          44: "the ethnically targeted violence that ripped through southern '
                'Kyrgyzstan in June 2010"\n    engagements',
                '          44: "the ethnically targeted violence that ripped through southern '
                'Kyrgyzstan in July 2010"\n    engagements',
                "S/2011/552 para. 44 does not say 'the ethnically targeted violence that ripped "
                "through southern Kyrgyzstan in July 2010'",
            ),
            (
                "actors.yaml",
                '      fn12: "United Nations Assistance Mission for Iraq (UNAMI)"',
                '      fn19: "United Nations Assistance Mission for Iraq (UNAMI)"',
                "actor 'unami': cites footnote 19, which S/2011/552 does not have",
            ),
            (
                "situations-africa.yaml",
                "ended: null  # the report does not date the agreement",
                'ended: "2007"',
                "engagement 'kenya-annan-mediation-2008': ended_on: An engagement cannot end "
                "before it starts.",
            ),
            (
                "situations-asia.yaml",
                "key: kyrgyzstan-2010-04-ouster",
                "key: kyrgyzstan-2010-06-inter-ethnic-violence",
                "indicator 'kyrgyzstan-2010-06-inter-ethnic-violence' appears 2 times",
            ),
        ],
        ids=[
            "unknown-sign",
            "sign-of-another-situation",
            "answer-not-in-paragraph",
            "status-date-of-an-open-situation",
            "status-date-not-in-paragraph",
            "unknown-actor",
            "unknown-risk",
            "unknown-category",
            "unknown-field",
            "bad-date",
            "quote-not-in-paragraph",
            "missing-footnote",
            "model-rule",
            "duplicate-key",
        ],
    )
    def test_bad_seed_files_fail_naming_the_record_and_change_nothing(
        self, tmp_path, file, old, new, expected
    ):
        seed = copy_seed(tmp_path)
        replace_in(seed / file, old, new)
        before, history = snapshot(), history_counts()

        with pytest.raises(SeedError) as raised:
            load_seed(seed)

        assert expected in str(raised.value)
        assert "\n" not in str(raised.value)
        assert snapshot() == before
        assert history_counts() == history

    def test_the_command_fails_in_one_line_on_a_bad_file(self, tmp_path):
        seed = copy_seed(tmp_path)
        (seed / "broken.yaml").write_text("situations:\n  - slug: [unclosed\n", encoding="utf-8")
        before = snapshot()

        with pytest.raises(CommandError) as raised:
            call_command("load_seed", str(seed), stdout=StringIO())

        assert str(raised.value).startswith("broken.yaml: not valid YAML at line")
        assert "\n" not in str(raised.value)
        assert snapshot() == before
        with pytest.raises(CommandError, match="is not a directory"):
            call_command("load_seed", str(tmp_path / "missing"), stdout=StringIO())


@pytest.mark.django_db
def test_a_seeded_sign_may_give_its_report_date_and_without_one_it_is_not_known(tmp_path):
    seed = copy_seed(tmp_path)
    key = "key: kyrgyzstan-2010-06-inter-ethnic-violence"
    replace_in(seed / "situations-asia.yaml", key, f'{key}\n        reported: "2010-06-14"')
    load_seed(seed)
    reported = WarningIndicator.objects.get(
        situation__slug="kyrgyzstan-2010", reported_on__isnull=False
    )
    assert (reported.reported_on, reported.reported_display) == (
        dt.date(2010, 6, 14),
        "14 June 2010",
    )
    # The others give none: not known (the load date is never taken for one).
    assert WarningIndicator.objects.filter(reported_on__isnull=True).count() == (
        WarningIndicator.objects.count() - 1
    )
