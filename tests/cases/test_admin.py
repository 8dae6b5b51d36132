"""The desk officers' admin, driven through real requests with the admin's own forms."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import (
    AssessmentRating,
    CrisisType,
    DatePrecision,
    IndicatorCategory,
    Instrument,
    Outcome,
    Region,
    RiskLevel,
    Severity,
    SharingLevel,
    SituationStatus,
    SuccessElementCode,
    Track,
)
from cases.models import Assessment, Engagement, Situation, SuccessElement, WarningIndicator
from tests.admin_forms import admin_form_data as form_data
from tests.factories import (
    ActorFactory,
    AssessmentFactory,
    DeskOfficerFactory,
    DocumentFactory,
    EngagementFactory,
    EngagementPartnerFactory,
    ParagraphFactory,
    ReviewerFactory,
    SituationFactory,
    UserFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db


# --- helpers: submit a form as a browser would -----------------------------------------------


def inline_prefixes(response) -> dict[str, str]:
    return {
        inline.formset.model._meta.model_name: inline.formset.prefix
        for inline in response.context.get("inline_admin_formsets", [])
    }


def set_inline_rows(data: dict, prefix: str, rows: list[dict[str, object]], initial: int = 0):
    """Replace the blank rows of an inline with ``rows`` (after ``initial`` existing rows)."""
    for key in [k for k in data if k.startswith(f"{prefix}-") and k.split("-")[1].isdigit()]:
        if int(key.split("-")[1]) >= initial:
            del data[key]
    for offset, row in enumerate(rows):
        for field, value in row.items():
            data[f"{prefix}-{initial + offset}-{field}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(initial + len(rows))


def errors_of(response) -> object:
    """The form errors of a re-rendered admin page, for assertion messages."""
    if response.context is None or "adminform" not in response.context:
        return response.status_code
    return {
        "form": response.context["adminform"].form.errors,
        **{
            inline.formset.prefix: (inline.formset.errors, inline.formset.non_form_errors())
            for inline in response.context.get("inline_admin_formsets", [])
        },
    }


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory(username="amina")
    client.force_login(user)
    return user


@pytest.fixture
def reviewer(client):
    user = ReviewerFactory(username="ravi")
    client.force_login(user)
    return user


@pytest.fixture
def ecowas():
    return ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")


def situation_add_data(client, ecowas, *, indicator: dict, engagement: dict) -> dict:
    page = client.get(reverse("admin:cases_situation_add"))
    assert page.status_code == 200
    data = form_data(page)
    data.update(
        title="Guinea transition",
        slug="guinea-transition",
        countries=["GN"],
        region=Region.AFRICA,
        subregion="western-africa",
        crisis_type=CrisisType.UNCONSTITUTIONAL_CHANGE,
        conflict_stage="escalation",
        status=SituationStatus.ACTIVE_ENGAGEMENT,
        risk_level=str(RiskLevel.HIGH),
        sharing=SharingLevel.AMBER,
        shared_with=[str(ecowas.pk)],
        summary="Military takeover in December 2008; a transition to elections.",
    )
    prefixes = inline_prefixes(page)
    set_inline_rows(data, prefixes["warningindicator"], [indicator])
    set_inline_rows(data, prefixes["engagement"], [engagement])
    return data


def an_indicator(**overrides) -> dict[str, object]:
    return {
        "category": IndicatorCategory.UNCONSTITUTIONAL_CHANGE,
        "severity": str(Severity.CRITICAL),
        "threshold_moment": "on",
        "observed_on": "2009-09-28",
        "observed_precision": DatePrecision.DAY,
        "description": "Security forces fire on an opposition rally in the national stadium.",
        "source": "S/2011/552, para. 10",
        **overrides,
    }


def an_engagement(lead, **overrides) -> dict[str, object]:
    return {
        "title": "International Contact Group on Guinea",
        "instrument": Instrument.GROUP_OF_FRIENDS,
        "track": Track.TRACK_I,
        "outcome": Outcome.AVERTED,
        "lead_actor": str(lead.pk),
        "started_on": "2009-01-01",
        "started_precision": DatePrecision.MONTH,
        "ended_on": "2010-12-01",
        "ended_precision": DatePrecision.MONTH,
        "objective": "Support a return to constitutional order.",
        **overrides,
    }


# --- a desk officer at work ------------------------------------------------------------------


def test_desk_officer_adds_a_situation_with_an_indicator_and_an_engagement_in_one_post(
    client, desk, ecowas
):
    data = situation_add_data(
        client, ecowas, indicator=an_indicator(), engagement=an_engagement(ecowas)
    )

    response = client.post(reverse("admin:cases_situation_add"), data)

    assert response.status_code == 302, errors_of(response)
    situation = Situation.objects.get(slug="guinea-transition")
    assert list(situation.countries) == ["GN"]
    assert list(situation.shared_with.all()) == [ecowas]
    indicator = WarningIndicator.objects.get(situation=situation)
    assert indicator.threshold_moment is True
    assert indicator.observed_on == dt.date(2009, 9, 28)
    engagement = Engagement.objects.get(situation=situation)
    assert engagement.lead_actor == ecowas
    assert engagement.ended_display == "December 2010"
    for record in (situation, indicator, engagement):
        created = record.history.earliest()
        assert created.history_type == "+"
        assert created.history_user == desk
    assert {h.history_user for h in situation.history.all()} == {desk}


def test_reviewer_sees_the_list_and_the_record_but_cannot_change_it(client, reviewer):
    situation = SituationFactory(title="Kyrgyzstan 2010", status=SituationStatus.MONITORING)

    listing = client.get(reverse("admin:cases_situation_changelist"))
    assert listing.status_code == 200
    assert "Kyrgyzstan 2010" in listing.content.decode()

    change_url = reverse("admin:cases_situation_change", args=[situation.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'name="_continue"' not in page.content.decode()

    response = client.post(change_url, {"title": "Renamed", "status": SituationStatus.CLOSED})
    assert response.status_code == 403
    situation.refresh_from_db()
    assert (situation.title, situation.status, situation.version) == (
        "Kyrgyzstan 2010",
        SituationStatus.MONITORING,
        1,
    )
    assert client.get(reverse("admin:cases_situation_add")).status_code == 403


def test_reviewer_cannot_revert_through_the_history_page(client, reviewer):
    situation = SituationFactory(status=SituationStatus.MONITORING)
    situation.status = SituationStatus.ESCALATED
    services.save_situation(situation)
    oldest = situation.history.earliest()
    revert_url = reverse(
        "admin:cases_situation_simple_history", args=[situation.pk, oldest.history_id]
    )

    page = client.get(revert_url)
    assert page.status_code == 200
    assert 'value="Revert"' not in page.content.decode()
    assert client.post(revert_url, form_data(page)).status_code == 403
    situation.refresh_from_db()
    assert situation.status == SituationStatus.ESCALATED


def test_history_shows_who_changed_what_and_a_revert_restores_the_old_value(client, desk):
    situation = SituationFactory(
        title="Kenya 2008", status=SituationStatus.ESCALATED, risk_level=RiskLevel.CRITICAL
    )
    change_url = reverse("admin:cases_situation_change", args=[situation.pk])
    data = form_data(client.get(change_url))
    data.update(status=SituationStatus.DE_ESCALATED, risk_level=str(RiskLevel.MEDIUM))

    response = client.post(change_url, data)
    assert response.status_code == 302, errors_of(response)
    situation.refresh_from_db()
    assert situation.status == SituationStatus.DE_ESCALATED
    assert situation.version == 2

    history_page = client.get(reverse("admin:cases_situation_history", args=[situation.pk]))
    assert history_page.status_code == 200
    html = history_page.content.decode()
    assert "amina" in html  # who
    change_row = situation.history.latest()
    assert change_row.history_user == desk
    assert timezone.localtime(change_row.history_date).strftime("%Y") in html  # when
    # what: each changed field, in the desk officer's words, old → new; unchanged ones not listed
    changes = " ".join(html.split())
    assert "<strong>Status:</strong> Escalated &nbsp;&rarr;&nbsp;&nbsp;De-escalated" in changes
    assert "<strong>Risk level:</strong> Critical &nbsp;&rarr;&nbsp;&nbsp;Medium" in changes
    assert "<strong>Title:</strong>" not in changes

    oldest = situation.history.earliest()
    revert_url = reverse(
        "admin:cases_situation_simple_history", args=[situation.pk, oldest.history_id]
    )
    revert_page = client.get(revert_url)
    assert 'value="Revert"' in revert_page.content.decode()
    response = client.post(revert_url, form_data(revert_page))
    assert response.status_code == 302, errors_of(response)

    situation.refresh_from_db()
    assert situation.status == SituationStatus.ESCALATED
    assert situation.risk_level == RiskLevel.CRITICAL
    # A revert is a change like any other: the version moves on and the history keeps both.
    assert situation.version == 3
    assert situation.history.count() == 3
    assert situation.history.latest().history_user == desk


def test_history_diff_names_the_changed_field_of_an_indicator(client, desk):
    indicator = WarningIndicatorFactory(severity=Severity.MEDIUM)
    change_url = reverse("admin:cases_warningindicator_change", args=[indicator.pk])
    data = form_data(client.get(change_url))
    data["severity"] = str(Severity.CRITICAL)
    assert client.post(change_url, data).status_code == 302

    html = client.get(
        reverse("admin:cases_warningindicator_history", args=[indicator.pk])
    ).content.decode()
    changes = " ".join(html.split())
    assert "<strong>Severity:</strong> Medium &nbsp;&rarr;&nbsp;&nbsp;Critical" in changes


# --- validation messages -------------------------------------------------------------------


def test_engagement_ending_before_it_starts_is_a_form_error_inside_the_inline(client, desk, ecowas):
    data = situation_add_data(
        client,
        ecowas,
        indicator=an_indicator(),
        engagement=an_engagement(
            ecowas,
            started_on="2010-06-20",
            started_precision=DatePrecision.DAY,
            ended_on="2010-05-01",
            ended_precision=DatePrecision.MONTH,
        ),
    )
    response = client.post(reverse("admin:cases_situation_add"), data)

    assert response.status_code == 200
    assert "An engagement cannot end before it starts." in response.content.decode()
    engagement_formset = next(
        i.formset
        for i in response.context["inline_admin_formsets"]
        if i.formset.model is Engagement
    )
    assert engagement_formset.errors[0]["ended_on"] == [
        "An engagement cannot end before it starts."
    ]
    assert not Situation.objects.exists()
    assert not WarningIndicator.objects.exists()
    assert not Engagement.objects.exists()


def test_warning_in_the_future_is_a_form_error_inside_the_inline(client, desk, ecowas):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = situation_add_data(
        client,
        ecowas,
        indicator=an_indicator(observed_on=tomorrow.isoformat()),
        engagement=an_engagement(ecowas),
    )
    response = client.post(reverse("admin:cases_situation_add"), data)

    assert response.status_code == 200
    assert "A warning sign cannot be observed in the future." in response.content.decode()
    assert not Situation.objects.exists()
    assert not Engagement.objects.exists()


def test_warning_in_the_future_is_a_form_error_on_the_indicator_page(client, desk):
    situation = SituationFactory()
    page = client.get(reverse("admin:cases_warningindicator_add"))
    data = form_data(page)
    next_year = timezone.localdate().year + 1
    data.update(
        situation=str(situation.pk),
        category=IndicatorCategory.HATE_SPEECH,
        severity=str(Severity.HIGH),
        observed_on=f"{next_year}-01-01",
        observed_precision=DatePrecision.YEAR,
        description="Inflammatory broadcasts",
    )
    response = client.post(reverse("admin:cases_warningindicator_add"), data)

    assert response.status_code == 200
    assert "A warning sign cannot be observed in the future." in response.content.decode()
    assert not WarningIndicator.objects.exists()


def test_assessment_outside_the_scale_is_a_form_error(client, desk):
    engagement = EngagementFactory()
    page = client.get(reverse("admin:cases_assessment_add"))
    data = form_data(page)
    data.update(
        engagement=str(engagement.pk),
        element=str(success_element(SuccessElementCode.EARLY_WARNING).pk),
        rating="9",
        evidence="Warning came months before action.",
    )
    response = client.post(reverse("admin:cases_assessment_add"), data)

    assert response.status_code == 200
    assert "Select a valid choice. 9 is not one of the available choices." in (
        response.content.decode()
    )
    assert not Assessment.objects.exists()


def test_assessment_outside_the_scale_is_a_form_error_inside_the_engagement_inline(client, desk):
    engagement = EngagementFactory(title="Good offices in Guinea")
    change_url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    page = client.get(change_url)
    data = form_data(page)
    data["title"] = "Good offices in Guinea (renamed)"
    set_inline_rows(
        data,
        inline_prefixes(page)["assessment"],
        [
            {
                "element": str(success_element(SuccessElementCode.FLEXIBILITY).pk),
                "rating": "9",
                "evidence": "Off the scale",
            }
        ],
    )
    response = client.post(change_url, data)

    assert response.status_code == 200
    assert "Select a valid choice. 9 is not one of the available choices." in (
        response.content.decode()
    )
    engagement.refresh_from_db()
    assert engagement.title == "Good offices in Guinea"  # nothing written, not even the parent
    assert engagement.version == 1
    assert not Assessment.objects.exists()


def test_assessment_added_inline_records_its_assessor(client, desk):
    engagement = EngagementFactory()
    change_url = reverse("admin:cases_engagement_change", args=[engagement.pk])
    page = client.get(change_url)
    data = form_data(page)
    set_inline_rows(
        data,
        inline_prefixes(page)["assessment"],
        [
            {
                "element": str(success_element(SuccessElementCode.PARTNERSHIPS).pk),
                "rating": str(AssessmentRating.STRONG),
                "evidence": "Joint AU-UN envoy",
            }
        ],
    )
    response = client.post(change_url, data)

    assert response.status_code == 302, errors_of(response)
    assessment = Assessment.objects.get(engagement=engagement)
    assert assessment.rating == AssessmentRating.STRONG
    assert assessment.assessed_by == desk
    assert assessment.history.get().history_user == desk


# --- list pages, search, autocomplete ---------------------------------------------------------


@pytest.fixture
def thirty_situations():
    document = DocumentFactory(symbol="S/2011/552")
    paragraph = ParagraphFactory(document=document, number=47)
    lead = ActorFactory(parent=ActorFactory())
    situations = []
    for n in range(30):
        situation = SituationFactory(countries=["GN", "SL"], shared_with=[lead])
        situation.citations.add(paragraph)
        indicator = WarningIndicatorFactory(
            situation=situation, reported_by=lead, observed_precision=DatePrecision.MONTH
        )
        indicator.citations.add(paragraph)
        engagement = EngagementFactory(situation=situation, lead_actor=lead)
        EngagementPartnerFactory(engagement=engagement)
        AssessmentFactory(engagement=engagement)
        if n % 2:
            WarningIndicatorFactory(situation=situation)
        situations.append(situation)
    return situations


LIST_PAGES = [
    "cases_situation",
    "cases_warningindicator",
    "cases_actor",
    "cases_engagement",
    "cases_assessment",
    "cases_successelement",
    "cases_document",
    "cases_paragraph",
]


@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_pages_take_a_bounded_number_of_queries(
    client, desk, thirty_situations, page, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_page_queries_do_not_grow_with_the_rows(client, desk, page):
    SituationFactory()
    url = reverse(f"admin:{page}_changelist")
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    for _ in range(12):
        situation = SituationFactory()
        engagement = EngagementFactory(situation=situation)
        AssessmentFactory(engagement=engagement)
        WarningIndicatorFactory(situation=situation)
        ParagraphFactory()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_situation_list_shows_counts_and_countries(client, desk):
    situation = SituationFactory(title="Great Lakes", countries=["CD", "RW"])
    WarningIndicatorFactory.create_batch(3, situation=situation)
    EngagementFactory.create_batch(2, situation=situation)

    response = client.get(reverse("admin:cases_situation_changelist"))
    row = response.context["cl"].result_list.get(pk=situation.pk)
    assert (row.indicator_count, row.engagement_count) == (3, 2)
    assert '<td class="field-country_names">Democratic Republic of the Congo, Rwanda</td>' in (
        response.content.decode()
    )


def test_partial_dates_are_listed_at_their_precision(client, desk):
    WarningIndicatorFactory(
        observed_on=dt.date(2010, 6, 14), observed_precision=DatePrecision.MONTH
    )
    EngagementFactory(started_on=dt.date(2009, 3, 3), started_precision=DatePrecision.YEAR)

    indicators = client.get(reverse("admin:cases_warningindicator_changelist")).content.decode()
    assert "June 2010" in indicators
    assert "14 June 2010" not in indicators
    engagements = client.get(reverse("admin:cases_engagement_changelist")).content.decode()
    assert '<td class="field-started">2009</td>' in engagements


def test_situations_are_found_by_country_name_and_filtered(client, desk):
    SituationFactory(title="Transition after the 2008 coup", countries=["GN"], region=Region.AFRICA)
    SituationFactory(title="Osh and Jalal-Abad 2010", countries=["KG"], region=Region.ASIA)
    SituationFactory(title="Mano River", countries=["LR", "SL", "GN"], region=Region.AFRICA)
    url = reverse("admin:cases_situation_changelist")

    def titles(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {s.title for s in response.context["cl"].result_list}

    assert titles(q="guinea") == {"Transition after the 2008 coup", "Mano River"}
    assert titles(q="Kyrgyz") == {"Osh and Jalal-Abad 2010"}
    assert titles(q="KG") == {"Osh and Jalal-Abad 2010"}
    assert titles(q="coup") == {"Transition after the 2008 coup"}
    assert titles(q="liberia", region=Region.AFRICA) == {"Mano River"}
    assert titles(q="liberia", region=Region.ASIA) == set()
    assert titles(region=Region.ASIA) == {"Osh and Jalal-Abad 2010"}
    assert titles(risk_level=str(RiskLevel.MEDIUM), sharing=SharingLevel.GREEN) == {
        "Transition after the 2008 coup",
        "Osh and Jalal-Abad 2010",
        "Mano River",
    }
    assert titles(status=SituationStatus.CLOSED) == set()


def test_actor_autocomplete_answers_the_desk_officer(client, desk, ecowas):
    ActorFactory(name="African Union", acronym="AU")
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "cases",
            "model_name": "engagement",
            "field_name": "lead_actor",
            "term": "ECOWAS",
        },
    )
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert results == [
        {"id": str(ecowas.pk), "text": "Economic Community of West African States (ECOWAS)"}
    ]


def test_paragraph_autocomplete_finds_a_cited_paragraph_by_number(client, desk):
    document = DocumentFactory(symbol="S/2011/552")
    ParagraphFactory(document=document, number=45, text="threshold moments")
    ParagraphFactory(document=document, number=47, text="time lapsed")
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "situation", "field_name": "citations", "term": "47"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in json.loads(response.content)["results"]] == ["S/2011/552, para. 47"]


def test_reference_pages_are_read_only_even_for_desk_officers(client, desk):
    """A report is read-only but for its issue date, which no rendering carries (issue 13)."""
    document = DocumentFactory(title="Preventive diplomacy")
    assert client.get(reverse("admin:cases_successelement_add")).status_code == 403
    assert client.get(reverse("admin:cases_document_add")).status_code == 403
    success_element_url = reverse(
        "admin:cases_successelement_change", args=[SuccessElement.objects.first().pk]
    )
    assert 'name="_save"' not in client.get(success_element_url).content.decode()
    change_url = reverse("admin:cases_document_change", args=[document.pk])
    data = form_data(client.get(change_url))
    response = client.post(change_url, {**data, "title": "Changed", "issued_on": "2011-08-26"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.title, document.issued_on) == ("Preventive diplomacy", dt.date(2011, 8, 26))


def test_change_pages_take_the_same_queries_however_many_rows_a_record_has(client, desk):
    situation = SituationFactory()
    engagement = EngagementFactory(situation=situation)
    codes = list(SuccessElementCode)

    def add_rows(n: int) -> None:
        for _ in range(n):
            WarningIndicatorFactory(situation=situation, reported_by=ActorFactory())
            EngagementFactory(situation=situation, lead_actor=ActorFactory())
            EngagementPartnerFactory(engagement=engagement)
            AssessmentFactory(
                engagement=engagement,
                element=success_element(codes[engagement.assessments.count()]),
            )

    pages = [
        reverse("admin:cases_situation_change", args=[situation.pk]),
        reverse("admin:cases_engagement_change", args=[engagement.pk]),
    ]

    def queries_per_page() -> list[int]:
        counts = []
        for url in pages:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    add_rows(1)
    few = queries_per_page()
    add_rows(5)
    assert queries_per_page() == few

    # The rows still show whom they name and which element they rate.
    situation_page = client.get(pages[0]).content.decode()
    for indicator in situation.indicators.all():
        assert f'<option value="{indicator.reported_by.pk}" selected>{indicator.reported_by}' in (
            situation_page
        )
    for row in situation.engagements.all():
        assert f'<option value="{row.lead_actor.pk}" selected>{row.lead_actor}' in situation_page
    engagement_page = client.get(pages[1]).content.decode()
    for assessment in engagement.assessments.all():
        assert f'<option value="{assessment.element.pk}" selected>{assessment.element}' in (
            engagement_page
        )
    for partner in engagement.partner_roles.all():
        assert f'<option value="{partner.actor.pk}" selected>{partner.actor}' in engagement_page


def test_a_deletion_keeps_its_history_and_who_made_it(client):
    # Desk officers may not delete ("nothing is lost"); an administrator can, and it is recorded.
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    situation = SituationFactory()
    kept, dropped = EngagementFactory.create_batch(2, situation=situation)
    change_url = reverse("admin:cases_situation_change", args=[situation.pk])
    page = client.get(change_url)
    data = form_data(page)
    prefix = inline_prefixes(page)["engagement"]
    row = next(i for i in range(2) if data[f"{prefix}-{i}-id"] == str(dropped.pk))
    data[f"{prefix}-{row}-DELETE"] = "on"

    response = client.post(change_url, data)

    assert response.status_code == 302, errors_of(response)
    assert list(situation.engagements.all()) == [kept]
    deletion = Engagement.history.get(id=dropped.pk, history_type="-")
    assert deletion.history_user == admin_user
    assert deletion.title == dropped.title

    delete_url = reverse("admin:cases_situation_delete", args=[situation.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Situation.objects.exists()
    assert Situation.history.get(id=situation.pk, history_type="-").history_user == admin_user


def test_desk_officers_cannot_delete(client, desk):
    situation = SituationFactory()
    delete_url = reverse("admin:cases_situation_delete", args=[situation.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Situation.objects.filter(pk=situation.pk).exists()


def test_a_report_page_lists_its_paragraphs_in_a_constant_number_of_queries(client, desk):
    document = DocumentFactory(symbol="S/2011/552")
    ParagraphFactory(document=document)
    url = reverse("admin:cases_document_change", args=[document.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)

    ParagraphFactory.create_batch(20, document=document)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(many) == len(few)
    assert page.content.decode().count("S/2011/552, para.") == 21
    # Only the issue date is editable: the paragraphs are not.
    assert 'name="paragraphs-0-text"' not in page.content.decode()
