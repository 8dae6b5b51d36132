"""Alert rules and the alerts they raise: "early warning is useful only if it leads to early action"
(S/2011/552, para. 66)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.choices import CrisisType, DatePrecision, Region, Severity
from cases.dates import format_partial_date
from cases.models.base import VersionedModel

from ..choices import SIGN_RULE_KINDS, AlertEventKind, AlertStatus, RuleKind

# The parameters each kind of rule needs; the others must stay empty.
RULE_PARAMETERS = {
    RuleKind.NO_ACTION: {"min_severity", "days"},
    RuleKind.ESCALATION: {"min_severity", "days", "min_count"},
    RuleKind.STALE: {"days"},
    RuleKind.UNASSESSED: {"days"},
    # Whatever the sign's severity (para. 45): no severity to give.
    RuleKind.THRESHOLD_MOMENT: {"days"},
    RuleKind.OVERDUE_FOLLOW_UP: {"days"},
}


class AlertRule(models.Model):
    """A condition the job checks on every situation in scope; desk officers edit it in the admin."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    is_active = models.BooleanField(default=True)
    min_severity = models.PositiveSmallIntegerField(
        choices=Severity.choices,
        null=True,
        blank=True,
        help_text="No action / escalation: count warning signs of at least this severity",
    )
    days = models.PositiveIntegerField(
        help_text="No action, threshold moment: days without action after the warning sign; "
        "escalation: the window; stale: days without an update; unassessed: days of grace after "
        "the engagement ended; overdue follow-up: days of grace after its due date"
    )
    min_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Escalation: this many warning signs or more"
    )
    level = models.PositiveSmallIntegerField(
        choices=Severity.choices, default=Severity.HIGH, help_text="Level of the alerts raised"
    )
    regions = models.JSONField(
        default=list, blank=True, help_text="Only situations in these regions (empty: all)"
    )
    crisis_types = models.JSONField(
        default=list, blank=True, help_text="Only situations of these crisis types (empty: all)"
    )
    notify_desk_officers = models.BooleanField(
        default=True, help_text="E-mail the desk officers responsible for the situation's region"
    )
    notify_partners = models.BooleanField(
        default=True, help_text="Send signed webhooks to subscribed partner systems"
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-level", "days"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RuleKind.values), name="alert_rule_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        needed = RULE_PARAMETERS.get(self.kind, set())
        for name in ("min_severity", "min_count"):
            value = getattr(self, name)
            if name in needed and value is None:
                errors[name] = "This kind of rule needs it."
            elif name not in needed and value is not None:
                errors[name] = "Not used by this kind of rule; leave it empty."
        if self.kind == RuleKind.ESCALATION and self.min_count is not None and self.min_count < 2:
            errors["min_count"] = "Escalation means at least two warning signs."
        if self.kind in (RuleKind.ESCALATION, RuleKind.STALE) and self.days == 0:
            errors["days"] = "Must be at least one day."
        for name, known in (("regions", Region.values), ("crisis_types", CrisisType.values)):
            values = getattr(self, name) or []
            if not isinstance(values, list) or any(v not in known for v in values):
                errors[name] = f"A list of: {', '.join(known)}."
        if errors:
            raise ValidationError(errors)

    @property
    def condition(self) -> str:
        """The rule in one sentence, for lists, e-mails and webhooks (in the active language)."""
        values = {
            "days": self.days,
            "count": self.min_count,
            "severity": Severity(self.min_severity).label.lower() if self.min_severity else "",
        }
        if self.kind == RuleKind.NO_ACTION:
            text = gettext(
                "No action %(days)s days after a warning sign of %(severity)s severity or above"
            )
        elif self.kind == RuleKind.THRESHOLD_MOMENT:
            text = gettext(
                "No action %(days)s days after a threshold moment, whatever its severity"
            )
        elif self.kind == RuleKind.ESCALATION:
            text = gettext(
                "%(count)s or more warning signs of %(severity)s severity or above within %(days)s days"
            )
        elif self.kind == RuleKind.STALE:
            text = gettext("Not updated for %(days)s days while not closed")
        elif self.kind == RuleKind.OVERDUE_FOLLOW_UP:
            text = (
                gettext(
                    "A follow-up action of an early action review still open past its due date "
                    "(%(days)s days of grace)"
                )
                if self.days
                else gettext(
                    "A follow-up action of an early action review still open past its due date"
                )
            )
        else:
            text = (
                gettext(
                    "Engagement ended without an assessment on all six elements for success "
                    "(%(days)s days of grace)"
                )
                if self.days
                else gettext(
                    "Engagement ended without an assessment on all six elements for success"
                )
            )
        return text % values


class RandomUUID(models.Func):
    """A new random (version 4) UUID per row, computed by the database.

    The alert rules insert alerts with ``INSERT … SELECT``: a database default gives each new row
    its own public id without the ORM (a Python default is evaluated once per statement)."""

    output_field = models.UUIDField()

    def as_sql(self, compiler, connection, **extra_context):
        return "gen_random_uuid()", []  # PostgreSQL 13+


class Alert(VersionedModel):
    """One condition on one subject: the job raises it once (unique rule + subject) however
    often it runs, resolves it when the condition clears and reopens it if the condition returns.

    Partners know an alert by its public ``uuid`` (the API's ``id``); ``version`` grows by one with
    every change: ``save()`` counts on from the stored version (``VersionedModel``), and the rules
    and lifecycle services, which write with set-based SQL, bump it in their statements."""

    uuid = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    # As VersionedModel's, with database defaults for rows inserted by INSERT … SELECT.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    updated_at = models.DateTimeField(
        auto_now=True, db_default=Now(), db_index=True, verbose_name=_("updated at")
    )

    rule = models.ForeignKey(
        AlertRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("rule")
    )
    subject_key = models.CharField(
        max_length=64, editable=False, help_text="What the alert is about, e.g. situation:<id>"
    )
    situation = models.ForeignKey(
        "cases.Situation",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("situation"),
    )
    engagement = models.ForeignKey(
        "cases.Engagement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("engagement"),
    )
    # The unanswered warning sign of a "no action" or threshold-moment alert: one alert per sign,
    # whichever of those rules set its level (``rule``). Looked up through the partial unique
    # index below, so no index of its own.
    indicator = models.ForeignKey(
        "cases.WarningIndicator",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_index=False,
        related_name="alerts",
        verbose_name=_("warning sign"),
    )
    # The sign's version the alert last showed (partners read the sign inside the alert): an
    # edit of the sign is a new version of the alert (``rules._follow_sign_edits``).
    sign_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    follow_up = models.ForeignKey(
        "cases.FollowUpAction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        help_text=_("Overdue follow-up: the follow-up action of an early action review"),
        verbose_name=_("follow up"),
    )
    level = models.PositiveSmallIntegerField(
        choices=Severity.choices, db_index=True, verbose_name=_("level")
    )
    escalated_from = models.PositiveSmallIntegerField(
        choices=Severity.choices,
        null=True,
        blank=True,
        editable=False,
        help_text="The level before the last escalation (a warning sign's alert only)",
    )
    status = models.CharField(
        max_length=16,
        choices=AlertStatus.choices,
        default=AlertStatus.OPEN,
        db_index=True,
        verbose_name=_("status"),
    )
    measure = models.IntegerField(
        null=True,
        blank=True,
        help_text=_("Days without action or update, warning signs counted, or elements assessed"),
        verbose_name=_("measure"),
    )
    episode = models.PositiveIntegerField(
        default=1,
        help_text=_("Grows by one each time the condition returns"),
        verbose_name=_("episode"),
    )
    condition_active = models.BooleanField(
        default=True,
        help_text=_("Whether the condition held at the last evaluation"),
        verbose_name=_("condition active"),
    )
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    measured_at = models.DateTimeField(
        help_text=_("Last evaluation that found the condition with a new measure"),
        verbose_name=_("measured at"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledgement = models.TextField(
        blank=True, help_text=_("What is being done about it"), verbose_name=_("acknowledgement")
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(blank=True, verbose_name=_("resolution"))
    # The evaluation run that last opened, reopened or resolved the alert: lets that run log the
    # transitions and queue notifications set-based, and only for what it changed itself.
    transition_run = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    # The evaluation run that last raised the level: that run logs the escalation and notifies.
    escalation_run = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["status", "-level", "-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_key"], name="alert_once_per_subject"),
            # One alert per warning sign, whichever rule set its level.
            models.UniqueConstraint(
                fields=["indicator"],
                condition=models.Q(indicator__isnull=False),
                name="alert_once_per_sign",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AlertStatus.values), name="alert_status_known"
            ),
        ]
        indexes = [
            # The dashboard's alerts needing action per level: counted from the index alone.
            models.Index(fields=["status", "level"], name="alert_status_level_idx"),
            # Only escalated alerts: most never are, and a full index would cost every insert.
            models.Index(
                fields=["escalation_run"],
                condition=models.Q(escalation_run__isnull=False),
                name="alert_escalation_run_idx",
            ),
        ]

    def __str__(self) -> str:
        about = self.sign_display if self.indicator_id else self.rule
        return f"{self.get_level_display()}: {self.situation} — {about}"

    @property
    def sign_title(self) -> str:
        """The warning sign's category and the start of its description."""
        sign = self.indicator
        if sign is None:
            return ""
        return f"{sign.get_category_display()}: {Truncator(sign.description).chars(80)}"

    @property
    def sign_display(self) -> str:
        """The sign as an alert names it: title, date at its precision, severity."""
        sign = self.indicator
        if sign is None:
            return ""
        return gettext("“%(title)s” of %(date)s (%(severity)s severity)") % {
            "title": self.sign_title,
            "date": sign.observed_display,
            "severity": sign.get_severity_display().lower(),
        }

    @property
    def situation_url(self) -> str:
        """The situation's dashboard page (a path; e-mails and webhooks prefix the site)."""
        return reverse("dashboards:situation", args=[self.situation.slug])

    @property
    def sign_admin_url(self) -> str:
        """The warning sign's change page in the admin, or "" for an alert about no sign."""
        if not self.indicator_id:
            return ""
        return reverse("admin:cases_warningindicator_change", args=[self.indicator_id])

    @property
    def is_past(self) -> bool:
        """Resolved, or its condition cleared: what it says is over."""
        return self.status == AlertStatus.RESOLVED or not self.condition_active

    @property
    def message(self) -> str:
        """What happened, in one sentence (in the active language): in the present while it
        lasts, in the past once the alert is resolved or its condition cleared."""
        past = self.is_past
        rule = self.rule
        values = {"days": self.measure, "threshold": rule.days}
        if self.indicator_id and rule.kind in SIGN_RULE_KINDS:
            values["sign"] = self.sign_display
            if self.indicator.threshold_moment:
                text = (
                    gettext(
                        "Threshold moment %(sign)s had no action for %(days)s days (threshold %(threshold)s)."
                    )
                    if past
                    else gettext(
                        "Threshold moment %(sign)s has had no action for %(days)s days (threshold %(threshold)s)."
                    )
                )
            else:
                text = (
                    gettext(
                        "Warning sign %(sign)s had no action for %(days)s days (threshold %(threshold)s)."
                    )
                    if past
                    else gettext(
                        "Warning sign %(sign)s has had no action for %(days)s days (threshold %(threshold)s)."
                    )
                )
        elif rule.kind == RuleKind.NO_ACTION:
            values["severity"] = Severity(rule.min_severity).label.lower()
            text = (
                gettext(
                    "A warning sign of %(severity)s severity or above had no action for %(days)s "
                    "days (threshold %(threshold)s)."
                )
                if past
                else gettext(
                    "A warning sign of %(severity)s severity or above has had no action for "
                    "%(days)s days (threshold %(threshold)s)."
                )
            )
        elif rule.kind == RuleKind.ESCALATION:
            text = gettext("%(days)s warning signs observed within %(threshold)s days.")
        elif rule.kind == RuleKind.STALE:
            text = (
                gettext("Was not updated for %(days)s days (threshold %(threshold)s).")
                if past
                else gettext("Not updated for %(days)s days (threshold %(threshold)s).")
            )
        elif rule.kind == RuleKind.OVERDUE_FOLLOW_UP:
            follow_up = self.follow_up
            if follow_up is None:
                text = (
                    gettext("A follow-up action was %(days)s days overdue.")
                    if past
                    else gettext("A follow-up action is %(days)s days overdue.")
                )
            else:
                values |= {
                    "action": follow_up.action,
                    "owner": follow_up.owner_display,
                    "due": format_partial_date(follow_up.due_on, DatePrecision.DAY),
                }
                text = gettext(
                    "Follow-up “%(action)s”, owned by %(owner)s, was due on %(due)s: %(days)s "
                    "days overdue."
                )
        else:
            values["title"] = self.engagement.title if self.engagement else "?"
            text = gettext(
                "Engagement “%(title)s” ended with %(days)s of the six elements for success "
                "assessed."
            )
        return text % values


class AlertEvent(models.Model):
    """The life of an alert, one row per transition, whether a person or the job made it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=AlertEventKind.choices)
    episode = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    # An escalation: the level it rose from and to.
    level_from = models.PositiveSmallIntegerField(choices=Severity.choices, null=True, blank=True)
    level_to = models.PositiveSmallIntegerField(choices=Severity.choices, null=True, blank=True)

    class Meta:
        ordering = ["alert", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
