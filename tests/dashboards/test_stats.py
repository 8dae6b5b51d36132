"""Median and 90th percentile computed in the database, with known answers, on both backends."""

import pytest
from django.db import NotSupportedError, connection
from django.db.models import Case, F, FloatField, Q, Value, When

from cases.choices import Region
from cases.models import Situation
from dashboards import stats
from dashboards.stats import Percentile, PercentileCont, summarise
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


def test_the_window_function_method_agrees_with_percentile_cont():
    """On PostgreSQL both methods run: the SQLite method must give percentile_cont's answers."""
    situations_with_risks(
        {Region.AFRICA: [1, 2, 2, 3, 4, 4, 4], Region.ASIA: [1, 3], Region.EUROPE: [2]}
    )
    arguments = {"group_by": {"region": F("region")}, **SPEC}
    arguments["percentiles"] = {
        f"p{int(p * 100)}": Percentile("risk", p) for p in (0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
    }
    native = stats._summarise_postgresql(
        Situation.objects.all(),
        arguments["group_by"],
        arguments["values"],
        arguments["counts"],
        arguments["percentiles"],
    )
    windows = stats._summarise_windows(
        Situation.objects.all(),
        arguments["group_by"],
        arguments["values"],
        arguments["counts"],
        arguments["percentiles"],
    )
    assert len(native) == len(windows) == 3
    for a, b in zip(native, windows, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == pytest.approx(b[key]), key


def test_percentile_cont_refuses_other_databases():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has percentile_cont")
    with pytest.raises(NotSupportedError):
        Situation.objects.aggregate(m=PercentileCont("risk_level", 0.5))


def test_one_query_per_summary(django_assert_num_queries):
    situations_with_risks({Region.AFRICA: [1, 2, 3], Region.ASIA: [4, 4]})
    with django_assert_num_queries(1):
        summarise(Situation.objects.all(), group_by={"region": F("region")}, **SPEC)
