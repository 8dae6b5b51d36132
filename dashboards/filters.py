"""Dashboard filters: read from the URL's query string, so a filtered view can be shared by link."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from alerts.choices import RuleKind
from cases.choices import CrisisType, Instrument, Region, RiskLevel, Severity
from cases.models import WarningIndicator

ALL = ""


def _choices(enum, everything: str) -> list[tuple[str, str]]:
    return [(ALL, everything), *[(str(value), label) for value, label in enum.choices]]


class SituationFilters(forms.Form):
    """Which situations a page looks at. Every field is optional; empty means all."""

    region = forms.ChoiceField(
        choices=_choices(Region, _("All regions")), required=False, label=_("Region")
    )
    crisis_type = forms.ChoiceField(
        choices=_choices(CrisisType, _("All crisis types")), required=False, label=_("Crisis type")
    )
    risk = forms.TypedChoiceField(
        choices=_choices(RiskLevel, _("Any risk")),
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Risk at least"),
    )
    year_from = forms.IntegerField(
        min_value=1945, max_value=2100, required=False, label=_("Warnings from (year)")
    )
    year_to = forms.IntegerField(
        min_value=1945, max_value=2100, required=False, label=_("Warnings to (year)")
    )

    # Fields of this form that narrow situations (the others narrow a page's own rows).
    situation_fields = ("region", "crisis_type", "risk", "year_from", "year_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("year_from"), data.get("year_to")
        if start and end and start > end:
            self.add_error("year_to", "Must not come before the first year.")
        return data

    def situation_q(self, situation_id: str = "pk", prefix: str = "") -> Q:
        """The filter on a queryset whose rows reach a situation through ``prefix``.

        ``situation_id`` is the expression of the situation's id on that queryset (``pk`` on
        Situation, ``situation_id`` on rows that point at one). The year range keeps situations
        with a warning sign observed in those years; a month or year is placed by its first day,
        which lies in the same year.
        """
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        p = f"{prefix}__" if prefix else ""
        q = Q()
        if data.get("region"):
            q &= Q(**{f"{p}region": data["region"]})
        if data.get("crisis_type"):
            q &= Q(**{f"{p}crisis_type": data["crisis_type"]})
        if data.get("risk"):
            q &= Q(**{f"{p}risk_level__gte": data["risk"]})
        start, end = data.get("year_from"), data.get("year_to")
        if start or end:
            warnings = WarningIndicator.objects.filter(situation_id=OuterRef(situation_id))
            if start:
                warnings = warnings.filter(observed_on__year__gte=start)
            if end:
                warnings = warnings.filter(observed_on__year__lte=end)
            q &= Q(Exists(warnings))
        return q

    @property
    def active(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for the page's summary line."""
        if not self.is_bound or not self.is_valid():
            return []
        shown = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(str(value), value)
            shown.append((str(field.label or name.replace("_", " ").capitalize()), str(value)))
        return shown


ASSESSED = "assessed"


class ElementFilters(SituationFilters):
    instrument = forms.ChoiceField(
        choices=_choices(Instrument, _("All instruments")), required=False, label=_("Instrument")
    )
    # The heat map's rows: most engagements are not assessed yet (9 ratings for 48 in the seed).
    engagements = forms.ChoiceField(
        choices=[(ALL, _("All engagements")), (ASSESSED, _("Assessed only"))],
        required=False,
        label=_("Engagements"),
    )


class AlertFilters(SituationFilters):
    level = forms.TypedChoiceField(
        choices=_choices(Severity, _("Any level")),
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Level at least"),
    )
    status = forms.ChoiceField(
        choices=[
            (ALL, _("Open and acknowledged")),
            ("open", _("Open")),
            ("acknowledged", _("Acknowledged")),
        ],
        required=False,
        label=_("Status"),
    )
    kind = forms.ChoiceField(choices=[(ALL, _("All rules"))], required=False, label=_("Rule"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _choices(RuleKind, _("All rules"))


def bind(form_class: type[SituationFilters], query: QueryDict) -> SituationFilters:
    """The filter form bound to the request's query string (only its own fields)."""
    data = QueryDict(mutable=True)
    for name in form_class.base_fields:
        if name in query:
            data[name] = query[name]
    form = form_class(data)
    form.is_valid()
    return form


def querystring(form: SituationFilters, **overrides) -> str:
    """The form's filters as a query string (without ``?``), empty values left out."""
    data = QueryDict(mutable=True)
    if form.is_bound:
        for name in form.fields:
            value = form.data.get(name)
            if value not in (None, ""):
                data[name] = value
    for name, value in overrides.items():
        if value in (None, ""):
            data.pop(name, None)
        else:
            data[name] = value
    return data.urlencode()
