"""Desk officers write early action reviews in the admin: the review, its bottlenecks and enablers
and its follow-ups in one form, saved through the services (history, version, change feed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import FindingKind, FollowUpStatus, ReviewTrigger, SuccessElementCode
from cases.models import EarlyActionReview, FollowUpAction, ReviewFinding
from feed.models import FeedRecord
from tests.factories import (
    ActorFactory,
    DeskOfficerFactory,
    FollowUpFactory,
    ReviewerFactory,
    ReviewFactory,
    SituationFactory,
    success_element,
)

from .test_admin import errors_of, form_data, inline_prefixes, set_inline_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    user = DeskOfficerFactory(username="amina")
    client.force_login(user)
    return user


def review_add_data(client, situation, *, findings, follow_ups) -> dict:
    page = client.get(reverse("admin:cases_earlyactionreview_add"))
    assert page.status_code == 200
    data = form_data(page)
    data.update(
        situation=str(situation.pk),
        held_on="2010-07-15",
        trigger=ReviewTrigger.FIRST_RESPONSE,
        summary="UNRCCA's good offices began within days of the ouster.",
    )
    prefixes = inline_prefixes(page)
    set_inline_rows(data, prefixes["reviewfinding"], findings)
    set_inline_rows(data, prefixes["followupaction"], follow_ups)
    return data


def test_a_desk_officer_writes_a_review_with_findings_and_follow_ups_in_one_post(client, desk):
    situation = SituationFactory(title="Kyrgyzstan")
    unrcca = ActorFactory(name="UNRCCA")
    flexibility = success_element(SuccessElementCode.FLEXIBILITY)
    partnerships = success_element(SuccessElementCode.PARTNERSHIPS)
    data = review_add_data(
        client,
        situation,
        findings=[
            {"kind": FindingKind.ENABLER, "element": str(flexibility.pk), "text": "On the spot"},
            {"kind": FindingKind.BOTTLENECK, "element": str(partnerships.pk), "text": "Late"},
        ],
        follow_ups=[
            {
                "action": "Agree a joint plan with the OSCE",
                "owner": str(unrcca.pk),
                "owner_name": "",
                "due_on": "2010-09-01",
                "status": FollowUpStatus.OPEN,
                "done_on": "",
            }
        ],
    )
    response = client.post(reverse("admin:cases_earlyactionreview_add"), data)
    assert response.status_code == 302, errors_of(response)

    review = EarlyActionReview.objects.get()
    assert (review.situation, review.held_on, review.version) == (
        situation,
        dt.date(2010, 7, 15),
        1,
    )
    assert review.history.get().history_user == desk
    findings = {(f.kind, f.element.code) for f in review.findings.all()}
    assert findings == {
        (FindingKind.ENABLER, SuccessElementCode.FLEXIBILITY),
        (FindingKind.BOTTLENECK, SuccessElementCode.PARTNERSHIPS),
    }
    follow_up = review.follow_ups.get()
    assert (follow_up.owner, follow_up.history.get().history_user) == (unrcca, desk)
    recorded = set(FeedRecord.objects.values_list("type", "object_id", "situation_id"))
    for record, type_ in [(review, "review"), (follow_up, "follow-up")]:
        assert (type_, record.pk, situation.pk) in recorded
    assert FeedRecord.objects.filter(type="review-finding", situation_id=situation.pk).count() == 2

    listing = client.get(reverse("admin:cases_earlyactionreview_changelist"))
    assert listing.status_code == 200
    assert "15 July 2010" in listing.content.decode()


def test_a_follow_up_marked_done_without_its_day_is_a_form_error_in_the_inline(client, desk):
    data = review_add_data(
        client,
        SituationFactory(),
        findings=[],
        follow_ups=[
            {
                "action": "Brief the Council",
                "owner_name": "DPA desk",
                "due_on": "2010-09-01",
                "status": FollowUpStatus.DONE,
                "done_on": "",
            }
        ],
    )
    response = client.post(reverse("admin:cases_earlyactionreview_add"), data)
    assert response.status_code == 200
    formset = next(
        i.formset
        for i in response.context["inline_admin_formsets"]
        if i.formset.model is FollowUpAction
    )
    assert "done_on" in formset.errors[0]
    assert not EarlyActionReview.objects.exists()


def test_marking_a_follow_up_done_in_the_review_grows_its_version(client, desk):
    review = ReviewFactory(held_on=timezone.localdate() - dt.timedelta(days=30))
    follow_up = FollowUpFactory(review=review, due_on=review.held_on)
    change_url = reverse("admin:cases_earlyactionreview_change", args=[review.pk])
    data = form_data(client.get(change_url))
    prefix = inline_prefixes(client.get(change_url))["followupaction"]
    data[f"{prefix}-0-status"] = FollowUpStatus.DONE
    data[f"{prefix}-0-done_on"] = timezone.localdate().isoformat()
    response = client.post(change_url, data)
    assert response.status_code == 302, errors_of(response)
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.version) == (FollowUpStatus.DONE, 2)
    assert FeedRecord.objects.get(type="follow-up", object_id=follow_up.pk).version == 2


def test_overdue_follow_ups_are_listed_and_filtered(client, desk):
    review = ReviewFactory(held_on=timezone.localdate() - dt.timedelta(days=30))
    FollowUpFactory(review=review, action="Late one", due_on=review.held_on)
    FollowUpFactory(review=review, action="Not yet", due_on=timezone.localdate())
    page = client.get(reverse("admin:cases_followupaction_changelist"), {"overdue": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Late one" in html and "Not yet" not in html
    reviews = client.get(reverse("admin:cases_earlyactionreview_changelist"))
    assert reviews.status_code == 200


def test_a_review_stays_with_its_situation(client, desk):
    review = ReviewFactory()
    change_url = reverse("admin:cases_earlyactionreview_change", args=[review.pk])
    data = form_data(client.get(change_url))
    data["situation"] = str(SituationFactory().pk)
    response = client.post(change_url, data)
    assert response.status_code == 200
    assert "situation" in response.context["adminform"].form.errors


def test_reviewers_read_reviews_but_cannot_write_them(client):
    client.force_login(ReviewerFactory())
    review = ReviewFactory()
    assert client.get(reverse("admin:cases_earlyactionreview_changelist")).status_code == 200
    change_url = reverse("admin:cases_earlyactionreview_change", args=[review.pk])
    assert client.get(change_url).status_code == 200
    assert client.get(reverse("admin:cases_earlyactionreview_add")).status_code == 403
    assert ReviewFinding.objects.count() == 0
