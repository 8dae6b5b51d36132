"""Every list endpoint runs a fixed number of SQL queries, whatever the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import SharingLevel
from tests.factories import (
    ActorFactory,
    AlertFactory,
    AssessmentFactory,
    EngagementPartnerFactory,
    ParagraphFactory,
    SituationFactory,
    WarningIndicatorFactory,
    success_element,
)

pytestmark = pytest.mark.django_db

# PostgreSQL's counts: the token lookup, the list query with each many-to-many link read as an
# array in the row, and one per nested list or figure.
MAX_QUERIES = {
    "situations": 3,  # + the warning-to-action figures
    "indicators": 2,
    "actors": 2,
    "engagements": 3,  # + partner roles
    "assessments": 2,
    "documents": 2,
    "success-elements": 2,
    "alerts": 2,
    # Positioning, the page and the check whether it reached the end of the log, then every
    # record type of the page in one statement.
    "changes": 13,
}


def populate(count: int, partner_actor):
    paragraph = ParagraphFactory()
    codes = ["early-warning", "flexibility", "partnerships", "sustainability", "evaluation"]
    for n in range(count):
        situation = SituationFactory(
            sharing=SharingLevel.AMBER if n % 2 else SharingLevel.GREEN,
            shared_with=[partner_actor, ActorFactory()],
        )
        situation.citations.add(paragraph)
        indicator = WarningIndicatorFactory(situation=situation)
        indicator.citations.add(paragraph)
        assessment = AssessmentFactory(
            engagement__situation=situation, element=success_element(codes[n % 5])
        )
        EngagementPartnerFactory(engagement=assessment.engagement)
        EngagementPartnerFactory(engagement=assessment.engagement)
        AlertFactory(situation=situation)


@pytest.mark.parametrize("resource", list(MAX_QUERIES))
def test_list_query_count_does_not_grow_with_the_page(api, resource, django_assert_max_num_queries):
    api.get("actors/")  # stamp the token's last use
    counts = []
    for size in (2, 25):
        populate(size - (2 if size == 25 else 0), api.partner.actor)
        url = f"{resource}/" if resource != "changes" else "changes/?limit=1000"
        with (
            django_assert_max_num_queries(MAX_QUERIES[resource]),
            CaptureQueriesContext(connection) as queries,
        ):
            response = api.get(url, {"limit": 1000} if resource != "changes" else None)
        assert response.status_code == 200
        body = response.json()
        rows = body if isinstance(body, list) else body.get("results", body.get("changes"))
        assert len(rows) >= (size if resource not in {"documents", "success-elements"} else 1)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
