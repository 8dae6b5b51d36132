"""STIX 2.1 out (issue 17, item 3) on the seed drawn from S/2011/552: the desk's and a
partner's bundles pass OASIS's validator with no error; the only warnings are ids that are not
UUIDv4 (the seed's records are uuid5s of their keys)."""

from __future__ import annotations

import pytest
from django.db import transaction

from cases.models import Situation, WarningIndicator
from cases.seed import load_seed
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
from tests.factories import ActorFactory, PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed loaded once for the module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_seed()
        yield
        transaction.set_rollback(True)


def test_the_seed_exports_as_a_valid_bundle_for_the_desk_and_a_partner(make_api):
    bundle, warnings = validated(desk_client().get(EXPORT))
    assert_marked_tlp2(bundle)
    groupings = by_type(bundle, "grouping")
    assert len(groupings) == Situation.objects.count()
    assert len(by_type(bundle, "note")) == WarningIndicator.objects.count()
    assert by_type(bundle, "course-of-action") and by_type(bundle, "identity")
    assert by_type(bundle, "relationship") and by_type(bundle, "location")
    # The only warnings: ids that are not UUIDv4 (the seed's records are uuid5s of their keys,
    # relationships and places uuid5s in the export's namespace), one per such object.
    assert all(NOT_V4 in w for w in warnings), set(warnings)
    assert len(warnings) == len(ids_not_v4(bundle))

    partner = make_api(PartnerFactory(actor=ActorFactory(name="Stix partner")))
    seen, warnings = validated(partner.get(EXPORT))
    assert_marked_tlp2(seen)
    assert all(NOT_V4 in w for w in warnings)
    visible = Situation.objects.filter(sharing__in=["clear", "green"])
    assert set(by_type(seen, "grouping")) == {
        f"grouping--{pk}" for pk in visible.values_list("pk", flat=True)
    }

    one = Situation.objects.get(slug="guinea-transition-2009-2010")
    single, _ = validated(desk_client().get(situation_path(one.pk)))
    assert set(by_type(single, "grouping")) == {f"grouping--{one.pk}"}
    assert len(by_type(single, "note")) == one.indicators.count()
