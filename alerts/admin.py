"""Admin for desk officers: alerts to act on, the rules behind them, who is told, and the
warning-to-action intervals (read-only: the job computes them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import partial_date_filter
from cases.choices import CrisisType, Region
from cases.dates import format_period
from tracker.admin import OneRowSettingsAdmin

from . import (
    admin_people,  # noqa: F401 (registers the Users with their role)
    services,
)
from .choices import DeliveryStatus
from .models import (
    Alert,
    AlertEvent,
    AlertRule,
    DeliveryAttempt,
    DeliverySettings,
    DeskAssignment,
    MeasureSettings,
    Notification,
    SituationInterval,
    UnansweredWarning,
    WebhookSubscription,
)
from .services import configuration


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived or logged rows: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Measure ------------------------------------------------------------------------------


@admin.register(MeasureSettings)
class MeasureSettingsAdmin(OneRowSettingsAdmin):
    list_display = [
        "__str__",
        "threshold_severity",
        "known_within_days",
        "intervals_computed_at",
        "updated_at",
    ]
    readonly_fields = ["intervals_computed_at", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        services.save_measure_settings(obj, by=request.user)


@admin.register(DeliverySettings)
class DeliverySettingsAdmin(OneRowSettingsAdmin):
    """How long failing webhooks and e-mails are retried before they become dead letters."""

    list_display = ["__str__", "retry_hours", "max_backoff_minutes", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        services.save_delivery_settings(obj, by=request.user)


@admin.register(SituationInterval)
class SituationIntervalAdmin(ReadOnlyAdmin):
    list_display = [
        "situation",
        "interval",
        "is_open",
        "is_exact",
        "first_warning_display",
        "first_action_display",
        "threshold_severity",
        "measured_to",
    ]
    list_filter = ["is_open", "is_exact", "threshold_severity", "situation__region"]
    search_fields = ["situation__title", "situation__slug"]
    list_select_related = ["situation", "first_warning", "first_action"]
    ordering = ["-is_open", "-days_max"]

    @admin.display(description=_("warning to action"), ordering="days_max")
    def interval(self, obj: SituationInterval) -> str:
        return obj.interval_display

    @admin.display(description=_("first warning"))
    def first_warning_display(self, obj: SituationInterval) -> str:
        warning = obj.first_warning
        if warning is None:
            return "—"
        return f"{warning.observed_display}: {warning.get_category_display()}"

    @admin.display(description=_("first action"))
    def first_action_display(self, obj: SituationInterval) -> str:
        action = obj.first_action
        return f"{action.started_display}: {action.title}" if action else "—"


@admin.register(UnansweredWarning)
class UnansweredWarningAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "situation", "waiting", "severity", "observed"]
    list_filter = [
        "severity",
        "situation__region",
        partial_date_filter("warning_from", until_field="warning_until", title=_("observed")),
    ]
    search_fields = ["situation__title", "indicator__description"]
    # The situation's interval: a wait is measured to its stopped clock.
    list_select_related = ["indicator", "situation", "situation__interval"]
    show_full_result_count = False  # a hundred thousand rows: no COUNT(*) on every page

    @admin.display(description=_("waiting"))
    def waiting(self, obj: UnansweredWarning) -> str:
        return obj.interval_display

    @admin.display(description=_("observed"), ordering="warning_from")
    def observed(self, obj: UnansweredWarning) -> str:
        # The bounds of the warning's period: a month or a year prints as that month or year.
        return format_period(obj.warning_from, obj.warning_until)


# --- Rules -------------------------------------------------------------------------------


class AlertRuleForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only situations in these regions (none ticked: all)"),
    )
    crisis_types = forms.MultipleChoiceField(
        choices=CrisisType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only situations of these crisis types (none ticked: all)"),
    )

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "kind",
            "is_active",
            "level",
            "description",
            "min_severity",
            "days",
            "min_count",
            "regions",
            "crisis_types",
            "notify_desk_officers",
            "notify_partners",
        ]


@admin.register(AlertRule)
class AlertRuleAdmin(SimpleHistoryAdmin):
    form = AlertRuleForm
    list_display = ["name", "kind", "condition", "level", "scope", "is_active"]
    list_filter = ["kind", "is_active", "level"]
    list_editable = ["is_active"]
    search_fields = ["name", "description"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "is_active", "level", "description"]}),
        (_("Condition"), {"fields": ["min_severity", "days", "min_count"]}),
        (_("Scope"), {"fields": ["regions", "crisis_types"]}),
        (_("Notifications"), {"fields": ["notify_desk_officers", "notify_partners"]}),
    ]

    # Saved and deleted through the services, which queue the rules' evaluation after commit
    # (the changelist's editable "active" column saves through save_model too).
    def save_model(self, request, obj, form, change) -> None:
        services.save_alert_rule(obj, by=request.user)

    def delete_model(self, request, obj) -> None:
        services.delete_alert_rule(obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for rule in queryset:
            services.delete_alert_rule(rule, by=request.user)

    @admin.display(description=_("scope"))
    def scope(self, obj: AlertRule) -> str:
        # Labels are lazy (translated at use): str() each, as join takes only strings.
        parts = [str(Region(r).label) for r in obj.regions] + [
            str(CrisisType(c).label) for c in obj.crisis_types
        ]
        return ", ".join(parts) or "all situations"


# --- Alerts ------------------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,
        help_text=_("What is being done, by whom (kept in the alert's history)"),
    )


class AlertEventInline(ReadOnlyInline):
    model = AlertEvent
    fields = ["at", "kind", "episode", "level_from", "level_to", "by", "comment"]
    readonly_fields = fields
    show_change_link = False


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = [
        "channel",
        "subscription",
        "episode",
        "level",
        "is_escalation",
        "status",
        "attempts",
        "delivered_at",
    ]
    readonly_fields = fields


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "level",
        "status",
        "situation_link",
        "sign",
        "rule",
        "message",
        "opened_at",
        "episode",
        "acknowledged_by",
    ]
    list_filter = ["status", "level", "rule__kind", "rule", "situation__region"]
    search_fields = [
        "situation__title",
        "rule__name",
        "indicator__description",
        "acknowledgement",
        "resolution",
    ]
    list_select_related = [
        "rule",
        "situation",
        "engagement",
        "indicator",
        "follow_up__owner",
        "acknowledged_by",
    ]
    date_hierarchy = "opened_at"
    actions = ["acknowledge_alerts", "resolve_alerts"]
    inlines = [AlertEventInline, NotificationInline]
    readonly_fields = [
        "rule",
        "situation_link",
        "sign",
        "engagement",
        "level",
        "escalated_from",
        "status",
        "message",
        "measure",
        "episode",
        "condition_active",
        "opened_at",
        "measured_at",
        "acknowledged_at",
        "acknowledged_by",
        "acknowledgement",
        "resolved_at",
        "resolved_by",
        "resolution",
    ]
    fields = readonly_fields

    def view_on_site(self, obj: Alert) -> str:
        """The alert on its situation's page on the dashboards."""
        return f"{obj.situation_url}#alert-{obj.pk}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("situation"), ordering="situation__title")
    def situation_link(self, obj: Alert) -> str:
        return format_html('<a href="{}">{}</a>', obj.situation_url, obj.situation.title)

    @admin.display(description=_("warning sign"))
    def sign(self, obj: Alert) -> str:
        """The sign at its date's precision and severity, linked to its change page."""
        if not obj.indicator_id:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.sign_admin_url, obj.sign_display)

    def _with_comment(self, request, queryset, title: str, service, verb):
        """Ask for a comment on an intermediate page, then apply ``service`` to the alerts."""
        if "apply" in request.POST:
            form = CommentForm(request.POST)
            if form.is_valid():
                # Counted before the change: the list's filter (open alerts) may no longer
                # match the alerts once changed.
                selected = queryset.count()
                changed = service(queryset, request.user, form.cleaned_data["comment"])
                skipped = selected - changed
                self.message_user(
                    request,
                    verb % {"count": changed}
                    + (
                        ngettext(
                            "; %(count)d left as it was.", "; %(count)d left as they were.", skipped
                        )
                        % {"count": skipped}
                        if skipped
                        else "."
                    ),
                    messages.SUCCESS if changed else messages.WARNING,
                )
                return None
        else:
            form = CommentForm()
        return TemplateResponse(
            request,
            "admin/alerts/alert/comment_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "alerts": queryset,
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Acknowledge selected alerts"), permissions=["change"])
    def acknowledge_alerts(self, request, queryset):
        return self._with_comment(
            request,
            queryset,
            _("Acknowledge alerts"),
            services.acknowledge,
            ngettext_lazy("%(count)d alert acknowledged", "%(count)d alerts acknowledged", "count"),
        )

    @admin.action(description=_("Resolve selected alerts"), permissions=["change"])
    def resolve_alerts(self, request, queryset):
        return self._with_comment(
            request,
            queryset,
            _("Resolve alerts"),
            services.resolve,
            ngettext_lazy("%(count)d alert resolved", "%(count)d alerts resolved", "count"),
        )


# --- Notifications -----------------------------------------------------------------------


@admin.register(DeskAssignment)
class DeskAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__username", "user__email"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SimpleHistoryAdmin):
    """The signing secret is write-only: the tracker makes it, shows it once — on the page that
    answers the creation or a rotation, never cached — and no page shows it again, to anyone
    (whoever reads it can sign alerts in the partner's name)."""

    list_display = ["name", "actor", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url", "actor__name"]
    fields = ["name", "actor", "url", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    actions = ["rotate_secret"]
    # Signed alerts go over TLS unless someone writes http:// on purpose.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change) -> None:
        configuration.save_webhook_subscription(obj, by=request.user, reason="admin")

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_secrets(request, [obj], _("Webhook subscription created"))

    @admin.action(
        description=_("Rotate the signing secret of the selected subscriptions (shown once)"),
        permissions=["change"],
    )
    def rotate_secret(self, request, queryset):
        rotated = [
            configuration.rotate_webhook_secret(subscription, by=request.user, reason="admin")
            for subscription in queryset.order_by("name", "pk")
        ]
        return self._show_secrets(request, rotated, _("New signing secrets"))

    def _show_secrets(self, request, subscriptions, title: str) -> TemplateResponse:
        response = TemplateResponse(
            request,
            "admin/alerts/webhooksubscription/secrets.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "subscriptions": subscriptions,
            },
        )
        add_never_cache_headers(response)  # no-store: no copy in a cache or the history
        return response


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ["number", "attempted_at", "succeeded", "response_status", "error", "duration_ms"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "alert",
        "channel",
        "subscription",
        "episode",
        "level",
        "is_escalation",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "subscription"]
    list_select_related = ["alert__situation", "alert__rule", "alert__indicator", "subscription"]
    search_fields = ["alert__situation__title", "recipients", "last_error"]
    inlines = [DeliveryAttemptInline]
    actions = ["retry"]

    @admin.action(description=_("Retry failed deliveries"), permissions=["retry"])
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        count = services.retry_failed(failed)
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                count,
            )
            % {"count": count},
        )

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("alerts.change_notification")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "notification",
        "number",
        "attempted_at",
        "succeeded",
        "response_status",
        "error",
        "duration_ms",
    ]
    list_filter = ["succeeded", "notification__channel"]
    list_select_related = [
        "notification__alert__situation",
        "notification__alert__rule",
        "notification__alert__indicator",
        "notification__subscription",
    ]
