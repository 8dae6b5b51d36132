"""The desk officers' admin: situations with their warning signs and engagements, actors, reviews.

Every write goes through ``cases.services`` (the API calls the same functions), every change is
kept by django-simple-history and can be read and reverted from the record's History page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    ManyToManyField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.functions import Coalesce
from django.forms import (
    BaseInlineFormSet,
    BaseModelFormSet,
    Media,
    ModelForm,
    ModelMultipleChoiceField,
    Select,
    SelectMultiple,
    Textarea,
    TextInput,
)
from django.http import HttpRequest
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries
from django_countries.fields import CountryField
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import services
from .choices import DatePrecision, FindingKind, FollowUpStatus
from .dates import format_partial_date
from .models import (
    Actor,
    Assessment,
    Briefing,
    Document,
    EarlyActionReview,
    Engagement,
    EngagementPartner,
    FollowUpAction,
    Paragraph,
    ReviewFinding,
    Situation,
    SuccessElement,
    TrackedModel,
    WarningIndicator,
)

admin.site.site_header = gettext_lazy("Early-warning case tracker")
admin.site.site_title = gettext_lazy("Early-warning case tracker")
admin.site.index_title = gettext_lazy("Situations, warning signs and engagements")
# "View site" opens the dashboards, the other half of the tracker.
admin.site.site_url = reverse_lazy("dashboards:overview")

RECORD_FIELDS = ("version", "created_at", "updated_at")

# The one save function for each kind of record; inlines and the History page's Revert use it too.
SAVE_SERVICES: dict[type[TrackedModel], Callable[..., Any]] = {
    Situation: services.save_situation,
    WarningIndicator: services.save_indicator,
    Actor: services.save_actor,
    Engagement: services.save_engagement,
    EngagementPartner: services.save_engagement_partner,
    Assessment: services.save_assessment,
    Briefing: services.save_briefing,
    EarlyActionReview: services.save_review,
    ReviewFinding: services.save_finding,
    FollowUpAction: services.save_follow_up,
}


def _links_from_form(form: ModelForm) -> dict[str, Any]:
    """The many-to-many values a form carries, as keyword arguments for a save service."""
    return {
        field.name: form.cleaned_data[field.name]
        for field in form.instance._meta.many_to_many
        if field.name in form.cleaned_data
    }


def _save_through_service(record: TrackedModel, user: Any, form: ModelForm | None) -> None:
    links = _links_from_form(form) if form is not None else {}
    SAVE_SERVICES[type(record)](record, by=user, **links)


def _save_formset_through_services(formset: BaseModelFormSet, user: Any) -> None:
    # commit=False fills new_objects / changed_objects / deleted_objects (the admin's change
    # message reads them) without writing; each write then goes through its service.
    formset.save(commit=False)
    form_of = {id(form.instance): form for form in formset.forms}
    for record in formset.deleted_objects:
        services.delete_record(record, by=user)
    for record in [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]:
        _save_through_service(record, user, form_of.get(id(record)))


def _count_of(model: type[TrackedModel], fk: str) -> Coalesce:
    """Rows of ``model`` pointing at the outer row, as one correlated subquery (no join fan-out)."""
    counted = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class LabelledChanges(HistoricalRecordContextHelper):
    """History diffs in the desk officer's words: "Risk level: Medium → High", not "2 → 3"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(field, ManyToManyField):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


def situation_page(situation: Situation, anchor: str = "") -> str:
    """The situation's page on the dashboards, at ``anchor`` (a fragment id) if given."""
    url = reverse("dashboards:situation", args=[situation.slug])
    return f"{url}#{anchor}" if anchor else url


def dashboard_url(record: TrackedModel) -> str | None:
    """Where the dashboards show ``record`` (its situation's page, at the record), or None."""
    if isinstance(record, Situation):
        return situation_page(record)
    if isinstance(record, WarningIndicator | Engagement):
        return situation_page(record.situation, f"fact-{record.pk}")
    if isinstance(record, Briefing):
        return situation_page(record.situation, "milestones")
    if isinstance(record, Assessment):
        return situation_page(record.engagement.situation, "assessment-heading")
    if isinstance(record, EarlyActionReview):
        return situation_page(record.situation, f"review-{record.pk}")
    if isinstance(record, ReviewFinding | FollowUpAction):
        return situation_page(record.review.situation, f"review-{record.review_id}")
    return None  # actors have no page of their own on the dashboards


class TrackedAdmin(SimpleHistoryAdmin):
    """Admin for a tracked record: saves through services, shows and reverts its history."""

    readonly_fields = RECORD_FIELDS
    history_list_display = ["version"]

    def view_on_site(self, obj: TrackedModel) -> str | None:
        """The change form's "View on dashboard" (none for a record the dashboards do not show)."""
        return dashboard_url(obj)

    def save_model(self, request: HttpRequest, obj: TrackedModel, form, change: bool) -> None:
        _save_through_service(obj, request.user, form)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The form's many-to-many links were set by the save service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        _save_formset_through_services(formset, request.user)

    def delete_model(self, request: HttpRequest, obj: TrackedModel) -> None:
        services.delete_record(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.delete_record(obj, by=request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, CountryField):
            kwargs["widget"] = country_widget(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Paragraph:
            # Citations print as "S/2011/552, para. 47": fetch the document with the paragraph.
            kwargs.setdefault("queryset", Paragraph.objects.select_related("document"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledChanges(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history lets anyone who may *view* history POST a revert; reverting is a change.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class CountryAutocompleteMixin:
    """A country field picked by typing, with the admin's Select2 and the theme of its own
    autocompletes (``data-theme``): the 249 countries are in the page, filtered as one types
    (``cases/admin/country-autocomplete.js``), where a plain select listed them all."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["class"] = " ".join(filter(None, [attrs.get("class", ""), "country-autocomplete"]))
        attrs.update(
            {
                "data-theme": "admin-autocomplete",
                "data-allow-clear": json.dumps(not self.is_required),
                "data-placeholder": _("Type a country's name"),
                "data-width": "resolve",
            }
        )
        return attrs

    @property
    def media(self) -> Media:
        extra = "" if settings.DEBUG else ".min"
        return Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                f"admin/js/vendor/select2/select2.full{extra}.js",
                "admin/js/jquery.init.js",
                "cases/admin/country-autocomplete.js",
            ),
            css={
                "screen": (
                    f"admin/css/vendor/select2/select2{extra}.css",
                    "admin/css/autocomplete.css",
                )
            },
        )


class CountryAutocomplete(CountryAutocompleteMixin, Select):
    pass


class CountryAutocompleteMultiple(CountryAutocompleteMixin, SelectMultiple):
    pass


def country_widget(db_field) -> Select:
    """The autocomplete for a ``CountryField`` (one country, or several)."""
    return CountryAutocompleteMultiple() if db_field.multiple else CountryAutocomplete()


class RowAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that labels its selected object from the inline row already loaded.

    Django's widget looks the selected object up again for every row, one query per row; the
    inline's queryset fetches these objects with the rows instead (``select_related``).
    """

    row_object: Any = None

    def optgroups(self, name, value, attr=None):
        row = self.row_object
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if row is None or selected != {str(row.pk)}:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(row)
        options.append(self.create_option(name, row.pk, label, True, len(options)))
        return [(None, options, 0)]


class RowPreloadingFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i < self.initial_form_count():
            for field in form.fields.values():
                widget = getattr(field.widget, "widget", field.widget)
                if isinstance(widget, RowAutocompleteSelect):
                    name = widget.field.name
                    if getattr(form.instance, widget.field.attname) is not None:
                        widget.row_object = getattr(form.instance, name)
        return form


# A tabular row's text is one column among several: a box of 40 columns by 10 lines (the
# admin's default) made a new engagement's assessment row wider than a 1,280-pixel window.
NARROW_ROW_WIDGETS = {
    TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 24})},
    CharField: {"widget": TextInput(attrs={"size": 14})},
}


class TrackedInlineMixin:
    """Inline rows saved through the same services (see ``TrackedAdmin.save_formset``).

    Query counts stay constant however many rows a record has: autocomplete labels come with
    the rows, and the choices of a small select (the six success elements) are read once.
    """

    readonly_fields = ()
    show_change_link = True
    formset = RowPreloadingFormSet
    cached_choice_fields: tuple[str, ...] = ()

    def get_extra(self, request, obj=None, **kwargs) -> int:
        # One blank row on a new parent, none when editing: "Add another" adds rows on demand.
        return 1 if obj is None else 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(self, admin.TabularInline):
            # A table row's fields have a column heading, not a label: named for screen readers.
            field.widget.attrs.setdefault("aria-label", capfirst(str(db_field.verbose_name)))
        return field

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.autocomplete_fields)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                RowAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name in self.cached_choice_fields:
            # Every row's copy of the field shares this list instead of querying again.
            field.choices = [("", field.empty_label), *((o.pk, str(o)) for o in field.queryset)]
        return field


def _partial_date_column(date_field: str, precision_field: str, description: str):
    @admin.display(description=description, ordering=date_field)
    def column(self, obj) -> str:
        return format_partial_date(getattr(obj, date_field), getattr(obj, precision_field))

    return column


class PartialDateFilter(admin.FieldListFilter):
    """Drill down by year, then by month, at each date's precision (instead of a date hierarchy,
    which files a date known only to its year under January and its first day).

    A year holds every date in it, whatever its precision; a month only the dates known to that
    month or day; "month not known" those known only to the year. Made for a field by
    ``partial_date_filter``: a precision column, or (for a period stored as two bounds) the column
    of its last day.
    """

    precision_field = ""
    until_field = ""
    filter_title = ""
    YEAR_ONLY = "0"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.year_kwarg = f"{field_path}__year"
        self.month_kwarg = f"{field_path}__month"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = self.filter_title or self.title
        self.year = self._value(self.year_kwarg)
        self.month = self._value(self.month_kwarg)

    def _value(self, kwarg: str) -> str | None:
        value = self.used_parameters.get(kwarg)
        if isinstance(value, list):
            value = value[-1] if value else None
        if value is not None and not str(value).isdigit():
            raise admin.options.IncorrectLookupParameters(f"{kwarg}={value!r}")
        return None if value is None else str(value)

    def expected_parameters(self) -> list[str]:
        return [self.year_kwarg, self.month_kwarg]

    def known_to_the_month(self) -> Q:
        if self.precision_field:
            return Q(**{f"{self.precision_field}__in": [DatePrecision.DAY, DatePrecision.MONTH]})
        start, until = self.field_path, self.until_field
        return Q(**{f"{until}__year": F(f"{start}__year"), f"{until}__month": F(f"{start}__month")})

    def queryset(self, request, queryset):
        if self.year is None:
            return queryset
        queryset = queryset.filter(**{self.year_kwarg: int(self.year)})
        if self.month is None:
            return queryset
        if self.month == self.YEAR_ONLY:
            return queryset.exclude(self.known_to_the_month())
        return queryset.filter(self.known_to_the_month(), **{self.month_kwarg: int(self.month)})

    def choices(self, changelist):
        link = changelist.get_query_string
        yield {
            "selected": self.year is None,
            "query_string": link(remove=[self.year_kwarg, self.month_kwarg]),
            "display": _("All dates"),
        }
        root = changelist.root_queryset
        for year in root.dates(self.field_path, "year"):
            selected = str(year.year) == self.year
            yield {
                "selected": selected and self.month is None,
                "query_string": link({self.year_kwarg: year.year}, [self.month_kwarg]),
                "display": format_partial_date(year, DatePrecision.YEAR),
            }
            if not selected:
                continue
            in_year = root.filter(**{self.year_kwarg: year.year})
            months = in_year.filter(self.known_to_the_month()).dates(self.field_path, "month")
            for month in months:
                yield {
                    "selected": str(month.month) == self.month,
                    "query_string": link(
                        {self.year_kwarg: year.year, self.month_kwarg: month.month}
                    ),
                    "display": "– " + format_partial_date(month, DatePrecision.MONTH),
                }
            yield {
                "selected": self.month == self.YEAR_ONLY,
                "query_string": link(
                    {self.year_kwarg: year.year, self.month_kwarg: self.YEAR_ONLY}
                ),
                "display": f"– {year.year}, month not known",
            }


def partial_date_filter(
    date_field: str, *, precision_field: str = "", until_field: str = "", title: str = ""
) -> tuple[str, type[PartialDateFilter]]:
    """A ``list_filter`` entry: ``date_field`` drilled down by year and month at its precision."""
    attributes = {
        "precision_field": precision_field,
        "until_field": until_field,
        "filter_title": title,
    }
    return date_field, type("PartialDateFilter", (PartialDateFilter,), attributes)


# --- Situations -----------------------------------------------------------------------------


class WarningIndicatorInline(TrackedInlineMixin, admin.StackedInline):
    model = WarningIndicator
    fields = (
        ("category", "severity", "threshold_moment"),
        ("observed_on", "observed_precision"),
        ("reported_on", "reported_precision"),
        "description",
        ("reported_by", "source"),
    )
    autocomplete_fields = ("reported_by",)


class EngagementInline(TrackedInlineMixin, admin.StackedInline):
    model = Engagement
    fields = (
        "title",
        ("instrument", "track", "outcome"),
        "lead_actor",
        ("started_on", "started_precision"),
        ("ended_on", "ended_precision"),
        "objective",
    )
    autocomplete_fields = ("lead_actor",)


class BriefingInline(TrackedInlineMixin, admin.StackedInline):
    """Decision makers alerted: the notification milestone (S/2011/552, para. 12). Stacked: its
    five fields (an autocomplete and a summary among them) made a row wider than a 1,280-pixel
    window beside the admin's navigation."""

    model = Briefing
    fields = ("kind", "briefed_on", "briefed_precision", "recipient", "summary")
    autocomplete_fields = ("recipient",)


@admin.register(Situation)
class SituationAdmin(TrackedAdmin):
    list_display = (
        "title",
        "country_names",
        "region",
        "crisis_type",
        "status",
        "risk_level",
        "sharing",
        "indicator_count",
        "engagement_count",
        "updated_at",
    )
    list_filter = ("region", "status", "risk_level", "crisis_type", "sharing", "conflict_stage")
    search_fields = ("title", "summary", "countries")
    date_hierarchy = "updated_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("shared_with", "citations")
    inlines = (WarningIndicatorInline, EngagementInline, BriefingInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "countries",
                    ("region", "subregion"),
                    ("crisis_type", "conflict_stage"),
                    ("status", "risk_level"),
                    ("status_on", "status_precision"),
                    "as_of",
                    "summary",
                )
            },
        ),
        (
            _("Sharing (Traffic Light Protocol 2.0)"),
            {"fields": ("sharing", "shared_with", "accepts_contributions")},
        ),
        (_("Sources"), {"fields": ("citations",)}),
        (_("Record"), {"fields": RECORD_FIELDS, "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                indicator_count=_count_of(WarningIndicator, "situation"),
                engagement_count=_count_of(Engagement, "situation"),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Also find situations by country name ("Guinea"), not only by ISO code ("GN")."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().casefold()
        if len(term) >= 3:
            codes = [code for code, name in all_countries if term in str(name).casefold()]
            if codes:
                by_country = queryset.none()
                for code in codes:
                    # Codes are stored comma-separated; two letters match only that code.
                    by_country |= queryset.filter(countries__icontains=code)
                results |= by_country
        return results, may_have_duplicates

    @admin.display(description=_("Countries"))
    def country_names(self, obj: Situation) -> str:
        return ", ".join(country.name for country in obj.countries)

    @admin.display(description=_("Indicators"), ordering="indicator_count")
    def indicator_count(self, obj: Situation) -> int:
        return obj.indicator_count

    @admin.display(description=_("Engagements"), ordering="engagement_count")
    def engagement_count(self, obj: Situation) -> int:
        return obj.engagement_count


# --- Warning indicators ---------------------------------------------------------------------


class WarningIndicatorForm(ModelForm):
    """A warning sign with the engagements that answer it: the link is the engagement's
    (``Engagement.responds_to``), edited from here too; the choice is the sign's situation's
    engagements."""

    answered_by = ModelMultipleChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        widget=FilteredSelectMultiple("engagements", is_stacked=False),
        help_text=_(
            "Engagements of this situation that answer this sign (a link wins over dates; "
            "the only way an undated engagement answers). Choose the situation and save first."
        ),
    )

    class Meta:
        model = WarningIndicator
        fields = (
            "situation",
            "category",
            "severity",
            "threshold_moment",
            "observed_on",
            "observed_precision",
            "reported_on",
            "reported_precision",
            "description",
            "reported_by",
            "source",
            "citations",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        situation_id = self.instance.situation_id if self.instance.pk else None
        if situation_id is not None:
            field = self.fields["answered_by"]
            field.queryset = Engagement.objects.filter(situation_id=situation_id)
            field.initial = list(self.instance.answered_by.values_list("pk", flat=True))


@admin.register(WarningIndicator)
class WarningIndicatorAdmin(TrackedAdmin):
    list_display = (
        "__str__",
        "situation",
        "category",
        "severity",
        "observed",
        "threshold_moment",
        "reported_by",
        "updated_at",
    )
    list_select_related = ("situation", "reported_by")
    list_filter = (
        "severity",
        "category",
        "observed_precision",
        "threshold_moment",
        "situation__region",
        "situation__sharing",
        partial_date_filter("observed_on", precision_field="observed_precision"),
    )
    search_fields = ("description", "source", "situation__title")
    autocomplete_fields = ("situation", "reported_by", "citations")
    form = WarningIndicatorForm
    fields = (
        "situation",
        ("category", "severity", "threshold_moment"),
        ("observed_on", "observed_precision"),
        ("reported_on", "reported_precision"),
        "description",
        ("reported_by", "source"),
        "citations",
        "answered_by",
        RECORD_FIELDS,
    )

    def save_model(self, request: HttpRequest, obj: WarningIndicator, form, change: bool) -> None:
        answered_by = form.cleaned_data.get("answered_by") if change else None
        # A sign moved to another situation keeps no answer from the one it left.
        if answered_by is not None and "situation" in form.changed_data:
            answered_by = []
        services.save_indicator(
            obj, by=request.user, answered_by=answered_by, **_links_from_form(form)
        )

    observed = _partial_date_column("observed_on", "observed_precision", _("Observed"))


# --- Actors ---------------------------------------------------------------------------------


@admin.register(Actor)
class ActorAdmin(TrackedAdmin):
    list_display = ("name", "acronym", "kind", "parent", "country", "updated_at")
    list_select_related = ("parent",)
    list_filter = ("kind",)
    search_fields = ("name", "acronym", "description")
    autocomplete_fields = ("parent", "citations")
    fields = (
        ("name", "acronym"),
        ("kind", "country"),
        "parent",
        "description",
        "citations",
        RECORD_FIELDS,
    )


# --- Engagements and their review -----------------------------------------------------------


class EngagementPartnerInline(TrackedInlineMixin, admin.TabularInline):
    formfield_overrides = NARROW_ROW_WIDGETS
    model = EngagementPartner
    fields = ("actor", "role")
    autocomplete_fields = ("actor",)
    show_change_link = False


class AssessmentInline(TrackedInlineMixin, admin.TabularInline):
    formfield_overrides = NARROW_ROW_WIDGETS
    model = Assessment
    fields = ("element", "rating", "evidence", "assessed_by")
    readonly_fields = ("assessed_by",)
    cached_choice_fields = ("element",)
    show_change_link = True


class UndatedFilter(admin.EmptyFieldListFilter):
    """Start date given or not: the report leaves many engagements undated."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("start date")

    def choices(self, changelist):
        for choice in super().choices(changelist):
            display = str(choice["display"])  # "Empty (3)" with facets on
            for old, new in (("Not empty", _("Dated")), ("Empty", _("Date not given"))):
                if display.startswith(old):
                    display = new + display[len(old) :]
                    break
            yield {**choice, "display": display}


@admin.register(Engagement)
class EngagementAdmin(TrackedAdmin):
    list_display = (
        "title",
        "situation",
        "instrument",
        "track",
        "lead_actor",
        "started",
        "ended",
        "outcome",
        "partner_count",
    )
    list_select_related = ("situation", "lead_actor")
    list_filter = (
        "instrument",
        "track",
        "outcome",
        "situation__region",
        ("started_on", UndatedFilter),
        # Drilling down by year or month leaves out engagements with no start date.
        partial_date_filter("started_on", precision_field="started_precision"),
    )
    search_fields = ("title", "objective", "situation__title", "lead_actor__name")
    autocomplete_fields = ("situation", "lead_actor", "citations", "responds_to")
    inlines = (EngagementPartnerInline, AssessmentInline)
    fields = (
        "situation",
        "title",
        ("instrument", "track"),
        "lead_actor",
        ("started_on", "started_precision"),
        ("ended_on", "ended_precision"),
        "objective",
        "outcome",
        "responds_to",
        "citations",
        RECORD_FIELDS,
    )

    ended = _partial_date_column("ended_on", "ended_precision", _("Ended"))

    def save_model(self, request: HttpRequest, obj: Engagement, form, change: bool) -> None:
        links = _links_from_form(form)
        if change and "situation" in form.changed_data and links.get("responds_to") is not None:
            # Moved to another situation: the links to the signs of the one it left go (its
            # history keeps them); an engagement answers signs of its own situation only.
            links["responds_to"] = [
                sign for sign in links["responds_to"] if sign.situation_id == obj.situation_id
            ]
        services.save_engagement(obj, by=request.user, **links)

    # Sorting by start puts undated engagements last.
    @admin.display(description=_("Started"), ordering=F("started_on").asc(nulls_last=True))
    def started(self, obj: Engagement) -> str:
        return obj.started_display

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(partner_count=_count_of(EngagementPartner, "engagement"))
        )

    @admin.display(description=_("Partners"), ordering="partner_count")
    def partner_count(self, obj: Engagement) -> int:
        return obj.partner_count


@admin.register(Assessment)
class AssessmentAdmin(TrackedAdmin):
    list_display = ("engagement", "situation", "element", "rating", "assessed_by", "updated_at")
    list_select_related = ("engagement__situation", "element", "assessed_by")
    list_filter = ("element", "rating", "engagement__instrument")
    search_fields = ("evidence", "engagement__title", "engagement__situation__title")
    autocomplete_fields = ("engagement", "citations")
    fields = (
        "engagement",
        "element",
        "rating",
        "evidence",
        "citations",
        "assessed_by",
        RECORD_FIELDS,
    )
    readonly_fields = ("assessed_by", *RECORD_FIELDS)

    @admin.display(description=_("Situation"), ordering="engagement__situation__title")
    def situation(self, obj: Assessment) -> str:
        return str(obj.engagement.situation)


@admin.register(Briefing)
class BriefingAdmin(TrackedAdmin):
    list_display = ("__str__", "situation", "kind", "briefed", "recipient", "updated_at")
    list_select_related = ("situation", "recipient")
    list_filter = (
        "kind",
        "situation__region",
        partial_date_filter("briefed_on", precision_field="briefed_precision"),
    )
    search_fields = ("summary", "situation__title", "recipient__name")
    autocomplete_fields = ("situation", "recipient", "citations")
    fields = (
        "situation",
        "kind",
        ("briefed_on", "briefed_precision"),
        "recipient",
        "summary",
        "citations",
        RECORD_FIELDS,
    )

    briefed = _partial_date_column("briefed_on", "briefed_precision", _("Briefed"))


# --- Early action reviews ------------------------------------------------------------------


class ReviewFindingInline(TrackedInlineMixin, admin.TabularInline):
    formfield_overrides = NARROW_ROW_WIDGETS
    model = ReviewFinding
    fields = ("kind", "element", "text")
    cached_choice_fields = ("element",)
    show_change_link = False


class FollowUpActionInline(TrackedInlineMixin, admin.StackedInline):
    """Stacked: six fields, two of them dates with their calendar, do not fit a row."""

    model = FollowUpAction
    fields = ("action", "owner", "owner_name", "due_on", "status", "done_on")
    autocomplete_fields = ("owner",)
    show_change_link = False


def _open_follow_ups(overdue: bool = False) -> Coalesce:
    follow_ups = FollowUpAction.objects.filter(review_id=OuterRef("pk"), status=FollowUpStatus.OPEN)
    if overdue:
        follow_ups = follow_ups.filter(due_on__lt=timezone.localdate())
    counted = follow_ups.order_by().values("review_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _findings_of(kind: str) -> Coalesce:
    counted = (
        ReviewFinding.objects.filter(review_id=OuterRef("pk"), kind=kind)
        .order_by()
        .values("review_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(EarlyActionReview)
class EarlyActionReviewAdmin(TrackedAdmin):
    """A review after a first response or a missed target: bottlenecks and enablers by success
    element, and the follow-up actions agreed (saved through the same services)."""

    list_display = (
        "__str__",
        "situation",
        "held",
        "trigger",
        "bottlenecks",
        "enablers",
        "open_follow_ups",
        "overdue_follow_ups",
    )
    list_select_related = ("situation",)
    list_filter = (
        "trigger",
        "situation__region",
        "situation__sharing",
        "held_on",
    )
    search_fields = ("summary", "situation__title", "findings__text", "follow_ups__action")
    autocomplete_fields = ("situation", "citations")
    inlines = (ReviewFindingInline, FollowUpActionInline)
    fields = ("situation", ("held_on", "trigger"), "summary", "citations", RECORD_FIELDS)

    @admin.display(description=_("Held"), ordering="held_on")
    def held(self, obj: EarlyActionReview) -> str:
        return obj.held_display

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                bottleneck_count=_findings_of(FindingKind.BOTTLENECK),
                enabler_count=_findings_of(FindingKind.ENABLER),
                open_count=_open_follow_ups(),
                overdue_count=_open_follow_ups(overdue=True),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        results, _distinct = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    @admin.display(description=_("Bottlenecks"), ordering="bottleneck_count")
    def bottlenecks(self, obj: EarlyActionReview) -> int:
        return obj.bottleneck_count

    @admin.display(description=_("Enablers"), ordering="enabler_count")
    def enablers(self, obj: EarlyActionReview) -> int:
        return obj.enabler_count

    @admin.display(description=_("Open follow-ups"), ordering="open_count")
    def open_follow_ups(self, obj: EarlyActionReview) -> int:
        return obj.open_count

    @admin.display(description=_("Overdue"), ordering="overdue_count")
    def overdue_follow_ups(self, obj: EarlyActionReview) -> int:
        return obj.overdue_count


class OverdueFilter(admin.SimpleListFilter):
    """Open follow-ups past their due date (the alert rule adds its days of grace)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = Q(status=FollowUpStatus.OPEN, due_on__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(FollowUpAction)
class FollowUpActionAdmin(TrackedAdmin):
    list_display = ("action", "review", "owner_display", "due", "status", "done")
    list_select_related = ("review__situation", "owner")
    list_filter = (
        "status",
        OverdueFilter,
        "review__situation__region",
        "review__situation__sharing",
        "due_on",
    )
    search_fields = ("action", "owner_name", "owner__name", "review__situation__title")
    autocomplete_fields = ("review", "owner")
    fields = (
        "review",
        "action",
        ("owner", "owner_name"),
        ("due_on", "status", "done_on"),
        RECORD_FIELDS,
    )

    @admin.display(description=_("Owner"), ordering="owner_name")
    def owner_display(self, obj: FollowUpAction) -> str:
        return obj.owner_display

    @admin.display(description=_("Due"), ordering="due_on")
    def due(self, obj: FollowUpAction) -> str:
        return obj.due_display

    @admin.display(description=_("Done or dropped"), ordering="done_on")
    def done(self, obj: FollowUpAction) -> str:
        return obj.done_display


@admin.register(ReviewFinding)
class ReviewFindingAdmin(TrackedAdmin):
    list_display = ("__str__", "review", "kind", "element")
    list_select_related = ("review__situation", "element")
    list_filter = ("kind", "element", "review__situation__region", "review__trigger")
    search_fields = ("text", "review__situation__title")
    autocomplete_fields = ("review",)
    fields = ("review", ("kind", "element"), "text", RECORD_FIELDS)


# --- The report: read-only reference --------------------------------------------------------


class ReadOnlyAdminMixin:
    """Reference data from the report (imported or created by migration): viewed, never edited."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SuccessElement)
class SuccessElementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "name", "citation", "description")
    list_display_links = ("name",)


class ParagraphInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Paragraph
    fields = ("kind", "number", "section", "text")
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row is titled with its citation, which names the document.
        return super().get_queryset(request).select_related("document")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """A report as imported: read-only but for its issue date, which no rendering carries (the
    situations measured as of the report stop their clock on it)."""

    list_display = ("symbol", "title", "issued_on", "paragraph_count", "imported_at")
    search_fields = ("symbol", "title")
    inlines = (ParagraphInline,)
    fields = (
        "symbol",
        "title",
        "issued_on",
        "job_number",
        "subject_terms",
        "source_file",
        "imported_at",
        "version",
    )
    readonly_fields = tuple(f for f in fields if f != "issued_on")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports are imported (manage.py import_report)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # records cite its paragraphs

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        services.save_document(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(paragraph_count=Count("paragraphs"))

    @admin.display(description=_("Paragraphs and footnotes"), ordering="paragraph_count")
    def paragraph_count(self, obj: Document) -> int:
        return obj.paragraph_count


@admin.register(Paragraph)
class ParagraphAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Listed so records can cite paragraphs through autocomplete ("552 47", "threshold")."""

    list_display = ("citation", "section", "excerpt")
    list_select_related = ("document",)

    def view_on_site(self, obj: Paragraph) -> str:
        return reverse("dashboards:paragraph", args=[obj.pk])

    list_filter = ("kind", "document")
    search_fields = ("number__exact", "text", "document__symbol", "section")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("document")

    @admin.display(description=_("Text"))
    def excerpt(self, obj: Paragraph) -> str:
        return obj.text if len(obj.text) <= 160 else f"{obj.text[:157]}…"
