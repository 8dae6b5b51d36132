"""Query filters of each list (django-filter). Invalid values answer 400 with field messages."""

from __future__ import annotations

import copy
import datetime as dt

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django_countries import countries
from django_filters.fields import IsoDateTimeField

from alerts.models import SituationInterval
from cases import choices
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    EarlyActionReview,
    Engagement,
    FollowUpAction,
    ReviewFinding,
    Situation,
    WarningIndicator,
)

COUNTRY_CHOICES = list(countries)


class CountryFilter(filters.ChoiceFilter):
    """An ISO 3166 country code. django-filter deep-copies every filter of a FilterSet on each
    request; the 250 countries are a constant, shared by the copies instead of copied (that copy
    took 1.2 ms of a 20 ms list request). The OpenAPI schema still lists them."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=COUNTRY_CHOICES, **kwargs)

    def __deepcopy__(self, memo: dict) -> CountryFilter:
        memo[id(COUNTRY_CHOICES)] = COUNTRY_CHOICES
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone


def _multi(choice_class, field_name: str, label: str):
    if issubclass(choice_class, int):
        return filters.TypedMultipleChoiceFilter(
            field_name=field_name, choices=choice_class.choices, coerce=int, label=label
        )
    return filters.MultipleChoiceFilter(
        field_name=field_name, choices=choice_class.choices, label=label
    )


def countries_q(path: str, code: str) -> Q:
    """Situations whose (comma-separated) countries include ``code``."""
    return (
        Q(**{path: code})
        | Q(**{f"{path}__startswith": f"{code},"})
        | Q(**{f"{path}__endswith": f",{code}"})
        | Q(**{f"{path}__contains": f",{code},"})
    )


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time taken as its instant in UTC. RFC 3339 (the schema's ``date-time``)
    allows any offset up to ±23:59; PostgreSQL refuses one from ±16:00 on, so the query never
    sees the offset."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.UTC)
        return value


class OffsetCheckedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, as the schema's boolean is written in a query; Django's own boolean
    form fields also take ``1``, ``yes``, ``null``… and some of them as "no filter"."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(filters.NumberFilter):
    """A whole number (the schema says integer; django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class UpdatedRangeFilterSet(filters.FilterSet):
    updated_after = OffsetCheckedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Updated at or after (ISO 8601)"
    )
    updated_before = OffsetCheckedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="lt", label="Updated before (ISO 8601)"
    )


def situation_filters(prefix: str) -> dict:
    """Filters on a record's situation (region, country, status, risk, crisis type)."""
    p = f"{prefix}__" if prefix else ""

    def by_country(queryset, name, value):
        return queryset.filter(countries_q(f"{p}countries", value)) if value else queryset

    return {
        "region": _multi(choices.Region, f"{p}region", "Region (UN M49)"),
        "subregion": _multi(choices.Subregion, f"{p}subregion", "Subregion (UN M49)"),
        "country": CountryFilter(method=by_country, label="Country (ISO 3166 alpha-2)"),
        "status": _multi(choices.SituationStatus, f"{p}status", "Situation status"),
        "crisis_type": _multi(choices.CrisisType, f"{p}crisis_type", "Crisis type"),
        "risk_level": _multi(choices.RiskLevel, f"{p}risk_level", "Risk level (1–4)"),
        "risk_level_min": IntegerFilter(
            field_name=f"{p}risk_level", lookup_expr="gte", label="Risk level at least"
        ),
        "sharing": _multi(choices.SharingLevel, f"{p}sharing", "TLP sharing level"),
    }


def _filterset(name: str, model, base_filters: dict, meta_fields=()) -> type[filters.FilterSet]:
    meta = type("Meta", (), {"model": model, "fields": list(meta_fields)})
    return type(name, (UpdatedRangeFilterSet,), {**base_filters, "Meta": meta})


def _situation_severity(queryset, name, value: int):
    if value is None:
        return queryset
    return queryset.filter(
        Exists(WarningIndicator.objects.filter(situation_id=OuterRef("pk"), severity__gte=value))
    )


SituationFilter = _filterset(
    "SituationFilter",
    Situation,
    {
        **situation_filters(""),
        "conflict_stage": _multi(choices.ConflictStage, "conflict_stage", "Conflict stage"),
        "severity_min": IntegerFilter(
            method=_situation_severity,
            label="Has a warning sign of at least this severity (1–4)",
        ),
    },
)

IndicatorFilter = _filterset(
    "IndicatorFilter",
    WarningIndicator,
    {
        **situation_filters("situation"),
        "situation": filters.UUIDFilter(field_name="situation_id"),
        "category": _multi(choices.IndicatorCategory, "category", "Indicator category"),
        "severity": _multi(choices.Severity, "severity", "Severity (1–4)"),
        "severity_min": IntegerFilter(
            field_name="severity", lookup_expr="gte", label="Severity at least"
        ),
        "threshold_moment": StrictBooleanFilter(field_name="threshold_moment"),
        "observed_after": filters.DateFilter(field_name="observed_on", lookup_expr="gte"),
        "observed_before": filters.DateFilter(field_name="observed_on", lookup_expr="lt"),
    },
)

EngagementFilter = _filterset(
    "EngagementFilter",
    Engagement,
    {
        **situation_filters("situation"),
        "situation": filters.UUIDFilter(field_name="situation_id"),
        "instrument": _multi(choices.Instrument, "instrument", "Instrument"),
        "track": _multi(choices.Track, "track", "Track"),
        "outcome": _multi(choices.Outcome, "outcome", "Outcome"),
        "lead_actor": filters.UUIDFilter(field_name="lead_actor_id"),
        "partner": filters.UUIDFilter(field_name="partner_roles__actor_id", distinct=True),
        # Date ranges leave out engagements with no start date; ``dated=false`` lists those.
        "started_after": filters.DateFilter(field_name="started_on", lookup_expr="gte"),
        "started_before": filters.DateFilter(field_name="started_on", lookup_expr="lt"),
        "dated": StrictBooleanFilter(
            field_name="started_on",
            lookup_expr="isnull",
            exclude=True,
            label="Whether the source gives a start date (false: 'date not given')",
        ),
    },
)

AssessmentFilter = _filterset(
    "AssessmentFilter",
    Assessment,
    {
        **situation_filters("engagement__situation"),
        "situation": filters.UUIDFilter(field_name="engagement__situation_id"),
        "engagement": filters.UUIDFilter(field_name="engagement_id"),
        "element": _multi(choices.SuccessElementCode, "element__code", "Success element"),
        "rating": _multi(choices.AssessmentRating, "rating", "Rating (0–3)"),
        "rating_min": IntegerFilter(field_name="rating", lookup_expr="gte"),
    },
)

BriefingFilter = _filterset(
    "BriefingFilter",
    Briefing,
    {
        **situation_filters("situation"),
        "situation": filters.UUIDFilter(field_name="situation_id"),
        "kind": _multi(choices.BriefingKind, "kind", "Kind of briefing"),
        "recipient": filters.UUIDFilter(field_name="recipient_id"),
        "briefed_after": filters.DateFilter(field_name="briefed_on", lookup_expr="gte"),
        "briefed_before": filters.DateFilter(field_name="briefed_on", lookup_expr="lt"),
    },
)

ActorFilter = _filterset(
    "ActorFilter",
    Actor,
    {
        "kind": _multi(choices.ActorKind, "kind", "Kind of actor"),
        "country": CountryFilter(field_name="country"),
        "parent": filters.UUIDFilter(field_name="parent_id"),
        "acronym": filters.CharFilter(field_name="acronym", lookup_expr="iexact"),
    },
)

ReviewFilter = _filterset(
    "ReviewFilter",
    EarlyActionReview,
    {
        **situation_filters("situation"),
        "situation": filters.UUIDFilter(field_name="situation_id"),
        "trigger": _multi(choices.ReviewTrigger, "trigger", "Why the review was held"),
        "held_after": filters.DateFilter(field_name="held_on", lookup_expr="gte"),
        "held_before": filters.DateFilter(field_name="held_on", lookup_expr="lt"),
    },
)

FindingFilter = _filterset(
    "FindingFilter",
    ReviewFinding,
    {
        **situation_filters("review__situation"),
        "situation": filters.UUIDFilter(field_name="review__situation_id"),
        "review": filters.UUIDFilter(field_name="review_id"),
        "kind": _multi(choices.FindingKind, "kind", "Bottleneck or enabler"),
        "element": _multi(choices.SuccessElementCode, "element__code", "Success element"),
    },
)

FollowUpFilter = _filterset(
    "FollowUpFilter",
    FollowUpAction,
    {
        **situation_filters("review__situation"),
        "situation": filters.UUIDFilter(field_name="review__situation_id"),
        "review": filters.UUIDFilter(field_name="review_id"),
        "owner": filters.UUIDFilter(field_name="owner_id"),
        "follow_up_status": _multi(choices.FollowUpStatus, "status", "Open, done or dropped"),
        "due_after": filters.DateFilter(field_name="due_on", lookup_expr="gte"),
        "due_before": filters.DateFilter(field_name="due_on", lookup_expr="lt"),
    },
)


class IntervalFilter(filters.FilterSet):
    """The warning-to-action figures: by situation, open or not, changed since."""

    region = situation_filters("situation")["region"]
    country = situation_filters("situation")["country"]
    situation = filters.UUIDFilter(field_name="situation_id")
    is_open = StrictBooleanFilter(field_name="is_open")
    is_stopped = StrictBooleanFilter(field_name="is_stopped")
    changed_after = OffsetCheckedIsoDateTimeFilter(
        field_name="changed_at", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )

    class Meta:
        model = SituationInterval
        fields: list[str] = []
