"""The six elements for success (S/2011/552, section IV) across engagements.

Ratings run from 0 (absent) to 3 (strong). A mean is taken over the assessments that exist; an
element not assessed for an engagement is missing, not zero.
"""

from __future__ import annotations

from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.choices import AssessmentRating, Instrument, Region
from cases.models import Assessment, Engagement, Situation, SuccessElement
from cases.sharing import Clearance

from ..filters import ASSESSED, ElementFilters, SituationFilters
from ..stats import ranked
from ..tables import NUMBER, RATING, Column, Table, hxl_attribute
from .common import label, visible
from .reviews import findings_by_element

HEATMAP_PAGE = 25
# Per grouping: its heading, the path to its value, its choices and its column's HXL hashtag.
GROUPINGS = {
    "region": (_("Region"), "engagement__situation__region", Region, "#region+name"),
    "instrument": (_("Instrument"), "engagement__instrument", Instrument, "#activity+type"),
}


def elements() -> list[SuccessElement]:
    return list(SuccessElement.objects.order_by("order"))


def _instrument(filters: SituationFilters) -> str:
    if isinstance(filters, ElementFilters) and filters.is_valid():
        return filters.cleaned_data.get("instrument") or ""
    return ""


def _assessed_only(filters: SituationFilters | None) -> bool:
    if isinstance(filters, ElementFilters) and filters.is_valid():
        return filters.cleaned_data.get("engagements") == ASSESSED
    return False


def engagements(
    clearance: Clearance, filters: SituationFilters | None, situation: Situation | None = None
) -> QuerySet:
    queryset = visible(Engagement.objects.all(), clearance, filters, "situation")
    if filters is not None and (instrument := _instrument(filters)):
        queryset = queryset.filter(instrument=instrument)
    if situation is not None:
        queryset = queryset.filter(situation=situation)
    return queryset


def assessments(clearance: Clearance, filters: SituationFilters | None) -> QuerySet:
    queryset = visible(Assessment.objects.all(), clearance, filters, "engagement__situation")
    if filters is not None and (instrument := _instrument(filters)):
        queryset = queryset.filter(engagement__instrument=instrument)
    return queryset


def heatmap(
    clearance: Clearance,
    filters: SituationFilters | None,
    element_list: list[SuccessElement],
    *,
    situation: Situation | None = None,
    page: int = 1,
    page_size: int | None = HEATMAP_PAGE,
) -> Table:
    """Engagements × the six elements: one row per engagement, its rating on each (one query).

    ``page_size=None`` gives every row (the CSV).
    """
    per_element = {
        element.code: Max("assessments__rating", filter=Q(assessments__element_id=element.pk))
        for element in element_list
    }
    queryset = (
        engagements(clearance, filters, situation)
        .order_by()
        .values(
            "pk",
            "title",
            "instrument",
            "started_on",
            "situation__title",
            "situation__slug",
            "situation__region",
        )
        .annotate(
            **per_element,
            assessed=Count("assessments"),
            mean=Avg("assessments__rating"),
        )
        .order_by("situation__title", F("started_on").asc(nulls_last=True), "title", "pk")
    )
    if _assessed_only(filters):
        queryset = queryset.filter(assessed__gt=0)
    more = 0
    if page_size is not None:
        start = (max(page, 1) - 1) * page_size
        rows = list(queryset[start : start + page_size + 1])
        if len(rows) > page_size:
            rows, more = rows[:page_size], 1
    else:
        rows = list(queryset)
    for row in rows:
        row["situation"] = row["situation__title"]
        row["url"] = reverse("dashboards:situation", args=[row["situation__slug"]])
        row["instrument_label"] = label(Instrument, row["instrument"])
        row["region_label"] = label(Region, row["situation__region"])
    columns = []
    if situation is None:
        columns.append(Column("situation", _("Situation"), link="url", hxl="#crisis+name"))
    columns += [
        Column("title", _("Engagement"), hxl="#activity+name"),
        Column("instrument_label", _("Instrument"), hxl="#activity+type"),
    ]
    columns += [
        Column(e.code, e.label, RATING, hxl=f"#indicator+num+rating+{hxl_attribute(e.code)}")
        for e in element_list
    ]
    columns += [
        Column("assessed", _("Elements assessed"), NUMBER, hxl="#indicator+num+assessed"),
        Column("mean", _("Mean rating"), NUMBER, hxl="#indicator+num+rating+mean"),
    ]
    return Table(
        key="heatmap",
        caption=_("Engagements rated on the six elements for success"),
        columns=columns,
        rows=rows,
        more=more,
        note=_("0 absent · 1 weak · 2 adequate · 3 strong; an empty cell was not assessed."),
        extra={"page": page, "elements": element_list},
    )


def ratings_by_element(
    clearance: Clearance, filters: SituationFilters, element_list: list[SuccessElement]
) -> Table:
    """How often each element was rated absent, weak, adequate, strong, and its mean (one
    query), beside the bottlenecks and enablers early action reviews filed under it (one more)."""
    found = {
        row["element_id"]: row
        for row in assessments(clearance, filters)
        .order_by()
        .values("element_id")
        .annotate(
            assessed=Count("pk"),
            mean=Avg("rating"),
            **{
                f"rating_{r.value}": Count("pk", filter=Q(rating=r.value)) for r in AssessmentRating
            },
        )
    }
    findings = findings_by_element(clearance, filters)
    rows = []
    for element in element_list:
        row = found.get(element.pk, {})
        counted = findings.get(element.pk, {})
        rows.append(
            {
                "code": element.code,
                "element": element.label,
                "citation": element.citation,
                "assessed": row.get("assessed", 0),
                "mean": row.get("mean"),
                **{f"rating_{r.value}": row.get(f"rating_{r.value}", 0) for r in AssessmentRating},
                "bottlenecks": counted.get("bottlenecks", 0),
                "enablers": counted.get("enablers", 0),
            }
        )
    return Table(
        key="ratings",
        caption=_("Ratings by element"),
        columns=[
            Column("element", _("Element"), hxl="#indicator+name+element"),
            *[
                Column(
                    f"rating_{r.value}",
                    r.label.split("– ")[-1].capitalize(),
                    NUMBER,
                    hxl=f"#indicator+num+rated_{r.value}",
                )
                for r in AssessmentRating
            ],
            Column("assessed", _("Assessments"), NUMBER, hxl="#indicator+num+assessed"),
            Column("mean", _("Mean rating"), NUMBER, hxl="#indicator+num+rating+mean"),
            Column("bottlenecks", _("Bottlenecks found"), NUMBER, hxl="#indicator+num+bottlenecks"),
            Column("enablers", _("Enablers found"), NUMBER, hxl="#indicator+num+enablers"),
        ],
        rows=rows,
        note=_(
            "Bottlenecks and enablers are those early action reviews filed under each element, "
            "in the situations shown (an instrument chosen narrows the ratings only: a review is of "
            "a situation, not of one engagement)."
        ),
    )


TIED = _("none: rated alike")


def weakest_by(
    clearance: Clearance,
    filters: SituationFilters,
    element_list: list[SuccessElement],
    grouping: str,
) -> Table:
    """Mean rating of each element per region or instrument; the lowest is the weakest.

    One query: the means per (group, element) with their rank inside the group (``RANK`` over
    the mean, so tied elements are both weakest); the page only lays them out side by side. A
    group whose rated elements all tie has no weakest element (``TIED``).
    """
    heading, path, enum, hxl = GROUPINGS[grouping]
    means = ranked(
        assessments(clearance, filters)
        .order_by()
        .values(group=F(path), element_code=F("element__code"))
        .annotate(mean=Avg("rating"), assessed=Count("pk")),
        partition_by=["group"],
        order_by="mean",
    )
    names = {e.code: e.label for e in element_list}
    grouped: dict[str, dict] = {}
    for row in means:
        entry = grouped.setdefault(
            row["group"],
            {
                "group": row["group"],
                "group_label": label(enum, row["group"]),
                "weakest": [],
                "weakest_codes": [],
            },
        )
        row["mean"] = float(row["mean"]) if row["mean"] is not None else None
        entry[row["element_code"]] = row["mean"]
        entry[f"{row['element_code']}_n"] = row["assessed"]
        if row["rank"] == 1:
            entry["weakest"].append(names.get(row["element_code"], row["element_code"]))
            entry["weakest_codes"].append(row["element_code"])
            entry["weakest_mean"] = row["mean"]
    rows = list(grouped.values())
    for entry in rows:
        rated = [e.code for e in element_list if entry.get(e.code) is not None]
        if len(entry["weakest_codes"]) == len(rated):
            # Every element rated in the group has the same mean: none is weaker than another,
            # and a strong row would otherwise be framed "weakest".
            entry["weakest"], entry["weakest_codes"] = [str(TIED)], []
            entry.pop("weakest_mean", None)
        entry["weakest"] = ", ".join(entry["weakest"])
    return Table(
        key=f"weakest-by-{grouping}",
        caption=_("Mean rating of each element by %(grouping)s; the weakest first named")
        % {"grouping": heading.lower()},
        columns=[
            Column("group_label", heading, hxl=hxl),
            Column("weakest", _("Weakest element"), hxl="#indicator+name+element+weakest"),
            *[
                Column(
                    e.code,
                    e.label,
                    NUMBER,
                    hxl=f"#indicator+num+rating+mean+{hxl_attribute(e.code)}",
                )
                for e in element_list
            ],
        ],
        rows=rows,
        extra={"grouping": grouping},
    )
