"""Median and 90th percentile computed in the database, with known answers."""

import pytest
from django.db.models import Case, F, FloatField, Q, Value, When

from cases.choices import Region
from cases.models import Situation
from dashboards.stats import Percentile, summarise
from tests.factories import SituationFactory

pytestmark = pytest.mark.django_db


def situations_with_risks(risks_by_region):
    for region, risks in risks_by_region.items():
        for risk in risks:
            SituationFactory(region=region, risk_level=risk)


SPEC = {
    "values": {"risk": F("risk_level")},
    "counts": {"high": Q(risk_level__gte=3)},
    "percentiles": {"median": Percentile("risk", 0.5), "p90": Percentile("risk", 0.9)},
}


def test_median_and_p90_interpolate_like_percentile_cont():
    situations_with_risks({Region.AFRICA: [1, 2, 3, 4], Region.ASIA: [4], Region.EUROPE: [2, 2]})

    rows = summarise(Situation.objects.all(), group_by={"region": F("region")}, **SPEC)

    by_region = {row["region"]: row for row in rows}
    assert list(by_region) == sorted(by_region)
    # 1, 2, 3, 4: median between 2 and 3; p90 at rank 0.9 * 3 = 2.7 → 3 + 0.7 × (4 − 3).
    assert by_region["africa"]["median"] == pytest.approx(2.5)
    assert by_region["africa"]["p90"] == pytest.approx(3.7)
    assert by_region["africa"]["rows"] == 4
    assert by_region["africa"]["high"] == 2
    assert by_region["asia"]["median"] == pytest.approx(4)
    assert by_region["asia"]["p90"] == pytest.approx(4)
    assert by_region["europe"]["median"] == pytest.approx(2)
    assert by_region["europe"]["high"] == 0


def test_without_groups_one_row_over_everything_and_nulls_left_out():
    situations_with_risks({Region.AFRICA: [1, 2, 3, 4, 4], Region.ASIA: [1, 1]})
    # Asia's values are NULL: they count as rows but not as values.
    value = Case(When(region=Region.AFRICA, then=F("risk_level")), output_field=FloatField())

    (row,) = summarise(
        Situation.objects.all(),
        values={"risk": value},
        counts={"africa": Q(region=Region.AFRICA)},
        percentiles={"median": Percentile("risk", 0.5), "p90": Percentile("risk", 0.9)},
    )

    assert row["rows"] == 7
    assert row["africa"] == 5
    assert row["median"] == pytest.approx(3)
    # 1, 2, 3, 4, 4: rank 0.9 × 4 = 3.6 → 4 + 0.6 × (4 − 4).
    assert row["p90"] == pytest.approx(4)


def test_an_empty_set_gives_no_percentile():
    (row,) = summarise(Situation.objects.all(), **SPEC)
    assert row["rows"] == 0
    assert row["high"] == 0
    assert row["median"] is None
    assert row["p90"] is None


def test_a_group_whose_values_are_all_null_gives_no_percentile():
    situations_with_risks({Region.AFRICA: [2], Region.ASIA: [3]})
    value = Case(When(region=Region.AFRICA, then=F("risk_level")), default=Value(None))

    rows = summarise(
        Situation.objects.all(),
        group_by={"region": F("region")},
        values={"risk": value},
        percentiles={"median": Percentile("risk", 0.5)},
    )

    assert [(r["region"], r["median"]) for r in rows] == [("africa", 2.0), ("asia", None)]


def test_one_query_per_summary(django_assert_num_queries):
    situations_with_risks({Region.AFRICA: [1, 2, 3], Region.ASIA: [4, 4]})
    with django_assert_num_queries(1):
        summarise(Situation.objects.all(), group_by={"region": F("region")}, **SPEC)
