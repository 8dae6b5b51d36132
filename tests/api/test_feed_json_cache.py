"""The record queries the feed composes once per type and clearance (``feed_json._template``) are
never served to another clearance."""

from __future__ import annotations

import pytest

from cases.sharing import Clearance
from partners.feed_json import json_rows
from tests.factories import ActorFactory, SituationFactory, WarningIndicatorFactory


@pytest.mark.django_db
def test_a_query_kept_for_one_partner_never_shows_another_what_it_may_not_see():
    listed, other = ActorFactory(), ActorFactory()
    situation = SituationFactory(sharing="amber", shared_with=[listed])
    indicator = WarningIndicatorFactory(situation=situation)
    ids = {"situation": [situation.pk], "indicator": [indicator.pk]}
    for _ in range(2):  # the second round reads the kept queries
        for type_, wanted in ids.items():
            seen = json_rows(type_, wanted, Clearance.for_actors([listed.pk]))
            assert [row[0] for row in seen] == [str(wanted[0])]
            assert json_rows(type_, wanted, Clearance.for_actors([other.pk])) == []
            assert json_rows(type_, wanted, Clearance.public()) == []
            assert len(json_rows(type_, wanted, Clearance.internal())) == 1
