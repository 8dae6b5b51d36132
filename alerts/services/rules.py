"""Evaluating the alert rules, set-based.

Per rule two statements whatever the number of situations:

1. ``INSERT … SELECT <situations meeting the condition> ON CONFLICT (rule, subject) DO UPDATE`` —
   a new condition inserts an alert; an existing alert is marked seen, and reopened if it had been
   resolved after its condition cleared. The unique key makes one condition one alert however
   often (or however concurrently) the job runs.
2. ``UPDATE`` of the rule's alerts not seen by this run: the condition cleared, so open and
   acknowledged alerts resolve themselves.

The "no action" and threshold-moment rules work together: one alert per unanswered warning sign
(unique ``indicator``), whose level is the highest those rules reach and rises in place as the
sign waits longer (an escalation, logged and notified again); two statements for all of them.

Every transition made by the run carries the run's id, so the run logs its transitions and queues
notifications with one statement each, and only for what it changed itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, Replace, TruncDate
from django.utils import timezone

from cases.choices import CLOCK_STOPPING_STATUSES, FollowUpStatus, SituationStatus
from cases.dates import PeriodEnd
from cases.models import (
    Assessment,
    Engagement,
    FollowUpAction,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from cases.models.base import new_version
from feed.bulk import record_children
from feed.choices import RecordType

from ..choices import ACTIVE_STATUSES, SIGN_RULE_KINDS, AlertEventKind, AlertStatus, RuleKind
from ..models import Alert, AlertEvent, AlertRule, UnansweredWarning
from .notifications import queue_notifications, send_after_commit
from .sql import DaysBetween, compile_inner, insert_from_queryset, quote

# A run that wrote more alert rows than this refreshes their statistics before reading them back.
ANALYZE_AFTER_ROWS = 10_000


@dataclass
class EvaluationResult:
    run: uuid.UUID
    written: dict[str, int] = field(default_factory=dict)  # rule name -> alerts inserted/changed
    transitions: dict[str, int] = field(default_factory=dict)  # event kind -> count
    notification_ids: list[int] = field(default_factory=list)


def _subject(prefix: str, id_field: str) -> Concat:
    """``situation:<uuid hex>`` — the UUID's 32 hex digits without hyphens (PostgreSQL writes
    them with), so it can also be built in Python: ``subject_key``."""
    uuid_text = Replace(Cast(F(id_field), CharField()), Value("-"), Value(""))
    return Concat(Value(f"{prefix}:"), uuid_text, output_field=CharField())


def subject_key(prefix: str, pk: uuid.UUID) -> str:
    return f"{prefix}:{uuid.UUID(str(pk)).hex}"


def _in_rule_scope(
    queryset: QuerySet, rule: AlertRule, situation_ids: list | None, path: str = "situation__"
) -> QuerySet:
    if rule.regions:
        queryset = queryset.filter(**{f"{path}region__in": rule.regions})
    if rule.crisis_types:
        queryset = queryset.filter(**{f"{path}crisis_type__in": rule.crisis_types})
    if situation_ids is not None:
        queryset = queryset.filter(**{f"{path}pk__in" if path else "pk__in": situation_ids})
    return queryset


def _not_closed(path: str = "situation__") -> Q:
    return ~Q(**{f"{path}status": SituationStatus.CLOSED})


def _clock_running(path: str = "situation__") -> Q:
    """The situation's warning-to-action clock runs: not closed or de-escalated, not measured as
    of a report's issue date (``alerts.services.intervals``)."""
    return ~Q(**{f"{path}status__in": CLOCK_STOPPING_STATUSES}) & Q(
        **{f"{path}as_of__issued_on__isnull": True}
    )


# ``EvaluationResult.written``'s key for the alerts of the warning-sign rules, written together.
SIGN_ALERTS = "unanswered warning signs"


def _sign_rule_condition(rule: AlertRule, today: dt.date) -> Q:
    """An unanswered sign meets ``rule``: in its scope, and its wait may have reached the rule's
    days. A sign known only to the month counts from the first day of its period, so a coarse
    date never delays an alert."""
    condition = Q(warning_from__lte=today - dt.timedelta(days=rule.days))
    if rule.kind == RuleKind.THRESHOLD_MOMENT:
        condition &= Q(indicator__threshold_moment=True)  # whatever its severity (para. 45)
    else:
        condition &= Q(severity__gte=rule.min_severity)
    if rule.regions:
        condition &= Q(situation__region__in=rule.regions)
    if rule.crisis_types:
        condition &= Q(situation__crisis_type__in=rule.crisis_types)
    return condition


def _unanswered_signs(
    rules: list[AlertRule], today: dt.date, situation_ids
) -> tuple[QuerySet, dict]:
    """Unanswered warning signs (on a running clock) that meet one of the active "no action" or
    threshold-moment ``rules``, each once, with the highest level those rules reach and the rule
    that sets it. The rules are configuration (a handful): each is a branch of one CASE, so one
    statement covers every sign whatever their number."""
    ordered = sorted(rules, key=lambda rule: (-rule.level, rule.days, rule.pk))
    conditions = [(rule, _sign_rule_condition(rule, today)) for rule in ordered]
    met = Q()
    for _, condition in conditions:
        met |= condition
    rows = UnansweredWarning.objects.filter(_clock_running()).filter(met)
    if situation_ids is not None:
        rows = rows.filter(situation_id__in=situation_ids)
    today_value = Value(today, output_field=DateField())
    # The first branch met is the highest level (the rules are ordered by level).
    rule = Case(*(When(c, then=Value(r.pk)) for r, c in conditions), output_field=IntegerField())
    level = Case(
        *(When(c, then=Value(r.level)) for r, c in conditions), output_field=IntegerField()
    )
    return rows, {
        "subject_key": _subject("indicator", "indicator_id"),
        "situation": F("situation_id"),
        "engagement": Cast(Value(None), UUIDField()),
        "indicator": F("indicator_id"),
        "measure": DaysBetween(today_value, F("warning_from")),
        "rule": rule,
        "level": level,
    }


def _escalation(rule: AlertRule, today: dt.date, situation_ids) -> tuple[QuerySet, dict]:
    """Situations with K or more warning signs of severity ≥ S in the last D days."""
    window_start = today - dt.timedelta(days=rule.days - 1)
    indicators = (
        WarningIndicator.objects.filter(_not_closed(), severity__gte=rule.min_severity)
        # A year-precision sign starts at most a year before its period ends: lets an index help.
        .filter(observed_on__gte=window_start - dt.timedelta(days=366))
        .alias(observed_until=PeriodEnd("observed_on", "observed_precision"))
        .filter(observed_until__gte=window_start)
    )
    indicators = _in_rule_scope(indicators, rule, situation_ids)
    indicators = (
        indicators.values("situation_id")
        .annotate(signs=Count("pk"))
        .filter(signs__gte=rule.min_count)
    )
    return indicators, {
        "subject_key": _subject("situation", "situation_id"),
        "situation": F("situation_id"),
        "engagement": Cast(Value(None), UUIDField()),
        "measure": F("signs"),
    }


def _stale(rule: AlertRule, now: dt.datetime, situation_ids) -> tuple[QuerySet, dict]:
    """Situations not closed, nor measured as of a report, whose record, warning signs and
    engagements all lie untouched for D days."""
    cutoff = now - dt.timedelta(days=rule.days)

    def touched(model) -> Exists:
        # NOT EXISTS (an anti-join): a NOT IN over the hundreds of thousands of recent warning
        # signs is checked row by row once its list no longer fits in memory.
        return Exists(model.objects.filter(situation_id=OuterRef("pk"), updated_at__gte=cutoff))

    situations = Situation.objects.filter(
        _not_closed(""), ~touched(WarningIndicator), ~touched(Engagement), updated_at__lt=cutoff
    ).filter(
        # A record drawn from a report and measured as of its date is history, not a case the
        # desk lets go stale.
        as_of__isnull=True
    )
    situations = _in_rule_scope(situations, rule, situation_ids, path="")

    def latest(model) -> Subquery:
        return Subquery(
            model.objects.filter(situation_id=OuterRef("pk"))
            .order_by()
            .values("situation_id")
            .annotate(latest=Max("updated_at"))
            .values("latest")
        )

    last_activity = Greatest(
        F("updated_at"),
        Coalesce(latest(WarningIndicator), F("updated_at")),
        Coalesce(latest(Engagement), F("updated_at")),
        output_field=DateTimeField(),
    )
    today = Value(timezone.localdate(now), output_field=DateField())
    return situations, {
        "subject_key": _subject("situation", "pk"),
        "situation": F("pk"),
        "engagement": Cast(Value(None), UUIDField()),
        "measure": DaysBetween(today, TruncDate(last_activity)),
    }


def _unassessed(
    rule: AlertRule, today: dt.date, situation_ids, elements: int
) -> tuple[QuerySet, dict]:
    """Engagements ended (D days ago or more) without an assessment on every success element."""
    assessed = (
        Assessment.objects.filter(engagement_id=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    engagements = (
        Engagement.objects.filter(ended_on__isnull=False)
        .alias(ended_until=PeriodEnd("ended_on", "ended_precision"))
        .filter(ended_until__lte=today - dt.timedelta(days=rule.days))
        .annotate(assessed=Coalesce(Subquery(assessed, output_field=IntegerField()), 0))
        .filter(assessed__lt=elements)
    )
    engagements = _in_rule_scope(engagements, rule, situation_ids)
    return engagements, {
        "subject_key": _subject("engagement", "pk"),
        "situation": F("situation_id"),
        "engagement": F("pk"),
        "measure": F("assessed"),
    }


def _overdue_follow_up(rule: AlertRule, today: dt.date, situation_ids) -> tuple[QuerySet, dict]:
    """Follow-up actions of early action reviews still open D days (of grace) after the day they
    were due; the measure is the days past due. Done or dropped, the alert resolves. Whatever
    the situation's status: an agreed action stays owed until someone closes or drops it."""
    follow_ups = FollowUpAction.objects.filter(
        status=FollowUpStatus.OPEN, due_on__lt=today - dt.timedelta(days=rule.days)
    )
    follow_ups = _in_rule_scope(follow_ups, rule, situation_ids, path="review__situation__")
    return follow_ups, {
        "subject_key": _subject("followup", "pk"),
        "situation": F("review__situation_id"),
        "engagement": Cast(Value(None), UUIDField()),
        "follow_up": F("pk"),
        "measure": DaysBetween(Value(today, output_field=DateField()), F("due_on")),
    }


class _AlertUpsert:
    """The ``INSERT … SELECT … ON CONFLICT DO UPDATE`` both kinds of alert are raised with.

    The subjects come from ``queryset`` with ``subject`` as columns, plus what a fresh alert
    holds. The rule alerts (one per rule and subject) and the sign alerts (one per sign) differ
    only in their key, in what counts as a change, and in escalation; the rest, reopening
    included, is written once here.
    """

    def __init__(
        self, queryset: QuerySet, subject: dict, now, run: uuid.UUID, stamp: dt.datetime
    ) -> None:
        self.columns = {
            **subject,
            "status": Value(AlertStatus.OPEN.value),
            "episode": Value(1),
            "condition_active": Value(True),
            "opened_at": Value(now, output_field=DateTimeField()),
            "measured_at": Value(now, output_field=DateTimeField()),
            "acknowledgement": Value(""),
            "resolution": Value(""),
            "transition_run": Value(run, output_field=UUIDField()),
            # The write's own time (``now`` may be a test's clock): marks what this run wrote.
            "updated_at": Value(stamp, output_field=DateTimeField()),
            "version": Value(1),
        }
        self.inner_sql, self.params, self.aliases = compile_inner(queryset, self.columns)
        self.table = quote(Alert._meta.db_table)
        # Reopen only an alert that was resolved *and* whose condition had cleared since: one a
        # person resolved while the condition still held stays resolved until the condition
        # clears and returns. (Our own enumeration value, never input: written into the SQL.)
        self.reopen = (
            f"({self.cur('status')} = '{AlertStatus.RESOLVED.value}' "
            f"AND NOT {self.cur('condition_active')})"
        )

    @staticmethod
    def col(name: str) -> str:
        return quote(Alert._meta.get_field(name).column)

    def out(self, name: str) -> str:
        """The subject's value of ``name``."""
        return f"sub.{quote(self.aliases[list(self.columns).index(name)])}"

    def cur(self, name: str) -> str:
        """The stored alert's value of ``name``, in the DO UPDATE."""
        return f"{self.table}.{self.col(name)}"

    def new(self, name: str) -> str:
        """The value this run would have inserted, in the DO UPDATE."""
        return f"excluded.{self.col(name)}"

    def on_reopen(self, name: str, value_sql: str) -> str:
        return (
            f"{self.col(name)} = CASE WHEN {self.reopen} THEN {value_sql} ELSE {self.cur(name)} END"
        )

    def reopened(self) -> list[str]:
        """The assignments that start a new episode of a reopened alert."""
        return [
            self.on_reopen("status", self.new("status")),
            self.on_reopen("episode", f"{self.cur('episode')} + 1"),
            self.on_reopen("opened_at", self.new("opened_at")),
            self.on_reopen("acknowledged_at", "NULL"),
            self.on_reopen("acknowledged_by", "NULL"),
            self.on_reopen("acknowledgement", "''"),
            self.on_reopen("resolved_at", "NULL"),
            self.on_reopen("resolved_by", "NULL"),
            self.on_reopen("resolution", "''"),
            self.on_reopen("transition_run", self.new("transition_run")),
        ]

    def execute(
        self,
        *,
        key: dict[str, str],
        conflict: str,
        moved: Callable[[Callable[[str], str], Callable[[str], str]], list[str]],
        assignments: list[str],
    ) -> int:
        """Write the alerts. ``key``: the stored alert's columns naming a subject's, each to the
        subject's value; ``conflict``: the ON CONFLICT target; ``moved(stored, incoming)``: the
        conditions (beside a measure moved or a condition that had cleared) under which a
        subject's alert is written, over the stored alert's and the subject's values of a
        column — asked twice, for the look-up before the insert and for the DO UPDATE's WHERE;
        ``assignments``: what the update sets before the version, time and condition."""
        col, out = self.col, self.out
        # Subjects whose alert is there, active, with the same measure (and level) are dropped
        # before the insert: ``ON CONFLICT … DO UPDATE … WHERE`` alone would lock (so write)
        # every one of them, each run, though the WHERE leaves them unchanged. Each subject's
        # alert is looked up by the unique key (a lateral join: a planner misled by a table that
        # just grew in this very transaction cannot turn it into rescans of the subjects'
        # query).
        match = " AND ".join(f"cur.{col(name)} = {value}" for name, value in key.items())
        lookup = f"LATERAL (SELECT * FROM {self.table} cur WHERE {match} LIMIT 1) cur ON TRUE"

        def written(stored: Callable[[str], str], incoming: Callable[[str], str]) -> list[str]:
            return [
                f"NOT {stored('condition_active')}",
                f"{stored('measure')} IS DISTINCT FROM {incoming('measure')}",
                *moved(stored, incoming),
            ]

        def looked_up(name: str) -> str:  # the stored alert, as the lateral join reads it
            return f"cur.{col(name)}"

        written_subjects = " OR ".join([f"{looked_up('id')} IS NULL", *written(looked_up, out)])
        subjects = ", ".join(f"sub.{quote(alias)}" for alias in self.aliases)
        select_sql = (
            f"SELECT {subjects} FROM ({self.inner_sql}) sub LEFT JOIN {lookup} "
            f"WHERE {written_subjects}"
        )
        changed = " OR ".join(written(self.cur, self.new))
        everything = [
            *assignments,
            f"{col('version')} = {self.cur('version')} + 1",
            f"{col('updated_at')} = {self.new('updated_at')}",
            # Last: every expression above reads the row as it was before this update.
            f"{col('condition_active')} = {self.new('condition_active')}",
        ]
        target = ", ".join(col(name) for name in self.columns)
        sql = (
            f"INSERT INTO {self.table} ({target}) {select_sql} "
            f"ON CONFLICT {conflict} DO UPDATE SET " + ", ".join(everything) + f" WHERE {changed}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            return cursor.rowcount


def _raise(
    rule: AlertRule, queryset: QuerySet, subject: dict, now, run: uuid.UUID, stamp: dt.datetime
) -> int:
    """Insert an alert per subject; update an existing one only if its measure or level moved or
    its condition had cleared (then reopen it if it was resolved). Unchanged alerts are not
    rewritten."""
    subject = {**subject, "rule": Value(rule.pk), "level": Value(rule.level)}
    upsert = _AlertUpsert(queryset, subject, now, run, stamp)
    col, new, out = upsert.col, upsert.new, upsert.out
    return upsert.execute(
        key={"rule": out("rule"), "subject_key": out("subject_key")},
        conflict=f"({col('rule')}, {col('subject_key')})",
        moved=lambda stored, incoming: [f"{stored('level')} IS DISTINCT FROM {incoming('level')}"],
        assignments=[
            f"{col('measure')} = {new('measure')}",
            f"{col('level')} = {new('level')}",
            f"{col('measured_at')} = {new('measured_at')}",
            *upsert.reopened(),
        ],
    )


def _raise_signs(queryset: QuerySet, subject: dict, now, run: uuid.UUID, stamp: dt.datetime) -> int:
    """One alert per unanswered sign (``Alert.indicator`` is unique): insert it, or update it
    when its wait moved, its level rose or its condition had cleared.

    Escalation: while the alert is open or acknowledged, a higher level reached raises the
    alert's level (and its rule) in place, keeps its acknowledgement, remembers the level before
    (``escalated_from``) and marks the run (``escalation_run``), which logs the event and notifies
    again. The level never drops while the sign stays unanswered: it keeps the highest reached
    (a rule switched off or made stricter later does not lower it silently); a new episode starts
    from the level of its day. A person's resolution is kept as the other rules keep it.
    """
    upsert = _AlertUpsert(queryset, subject, now, run, stamp)
    col, cur, new, out = upsert.col, upsert.cur, upsert.new, upsert.out
    # Our own enumeration values, never input: written into the statement.
    active = ", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES)
    escalate = f"(NOT {upsert.reopen} AND {cur('status')} IN ({active}) AND {new('level')} > {cur('level')})"

    def on_rise(name: str, value_sql: str, reopened_sql: str) -> str:
        return (
            f"{col(name)} = CASE WHEN {upsert.reopen} THEN {reopened_sql} "
            f"WHEN {escalate} THEN {value_sql} ELSE {cur(name)} END"
        )

    return upsert.execute(
        key={"indicator": out("indicator")},
        conflict=f"({col('indicator')}) WHERE {col('indicator')} IS NOT NULL",
        moved=lambda stored, incoming: [
            f"{stored('situation')} IS DISTINCT FROM {incoming('situation')}",
            f"({stored('status')} IN ({active}) AND {incoming('level')} > {stored('level')})",
        ],
        assignments=[
            f"{col('measure')} = {new('measure')}",
            f"{col('situation')} = {new('situation')}",
            f"{col('measured_at')} = {new('measured_at')}",
            # Before ``level``: every expression reads the row as it was before this update.
            on_rise("rule", new("rule"), new("rule")),
            on_rise("level", new("level"), new("level")),
            on_rise("escalated_from", cur("level"), "NULL"),
            on_rise("escalation_run", new("transition_run"), cur("escalation_run")),
            *upsert.reopened(),
        ],
    )


def _clear_signs(
    candidates: QuerySet | None,
    now: dt.datetime,
    run: uuid.UUID,
    situation_ids: list | None,
    stamp: dt.datetime,
) -> int:
    """Alerts of warning signs no longer among the ``candidates`` (answered, deleted, on a clock
    that stopped, or every rule that raised them switched off or changed) resolve themselves."""
    alerts = Alert.objects.filter(indicator__isnull=False, condition_active=True)
    if candidates is not None:
        alerts = alerts.exclude(indicator_id__in=candidates)
    if situation_ids is not None:
        alerts = alerts.filter(situation_id__in=situation_ids)
    was_active = Q(status__in=ACTIVE_STATUSES)
    # Still unanswered, but its rule is off: say so rather than "cleared".
    switched_off = Exists(
        AlertRule.objects.filter(pk=OuterRef("rule_id"), is_active=False)
    ) & Exists(UnansweredWarning.objects.filter(indicator_id=OuterRef("indicator_id")))
    return alerts.update(
        condition_active=False,
        status=Case(When(was_active, then=Value(AlertStatus.RESOLVED)), default=F("status")),
        resolved_at=Case(When(was_active, then=Value(now)), default=F("resolved_at")),
        resolved_by=Case(When(was_active, then=Value(None)), default=F("resolved_by")),
        resolution=Case(
            When(was_active & switched_off, then=Value("The rule was switched off.")),
            When(was_active, then=Value("The condition cleared.")),
            default=F("resolution"),
            output_field=TextField(),
        ),
        transition_run=Case(
            When(was_active, then=Value(run, output_field=UUIDField())),
            default=F("transition_run"),
        ),
        **new_version(stamp),
    )


def _log_escalations(run: uuid.UUID, now: dt.datetime) -> int:
    """An ``escalated`` event, with the levels from and to, for each alert this run raised."""
    return insert_from_queryset(
        AlertEvent,
        Alert.objects.filter(escalation_run=run),
        {
            "alert": F("pk"),
            "kind": Value(AlertEventKind.ESCALATED.value),
            "episode": F("episode"),
            "at": Value(now, output_field=DateTimeField()),
            "comment": Value(""),
            "level_from": F("escalated_from"),
            "level_to": F("level"),
        },
    )


def _clear(
    rule: AlertRule,
    candidates: QuerySet | None,
    now: dt.datetime,
    run: uuid.UUID,
    situation_ids: list | None,
    stamp: dt.datetime,
) -> int:
    """Alerts of ``rule`` whose subject is no longer among the ``candidates``: the condition
    cleared (or, without candidates, the rule is off)."""
    alerts = Alert.objects.filter(rule=rule, condition_active=True)
    if candidates is not None:
        alerts = alerts.exclude(subject_key__in=candidates)
    if situation_ids is not None:
        alerts = alerts.filter(situation_id__in=situation_ids)
    was_active = Q(status__in=ACTIVE_STATUSES)
    reason = "The condition cleared." if rule.is_active else "The rule was switched off."
    return alerts.update(
        condition_active=False,
        status=Case(When(was_active, then=Value(AlertStatus.RESOLVED)), default=F("status")),
        resolved_at=Case(When(was_active, then=Value(now)), default=F("resolved_at")),
        resolved_by=Case(When(was_active, then=Value(None)), default=F("resolved_by")),
        resolution=Case(
            When(was_active, then=Value(reason)), default=F("resolution"), output_field=TextField()
        ),
        transition_run=Case(
            When(was_active, then=Value(run, output_field=UUIDField())),
            default=F("transition_run"),
        ),
        **new_version(stamp),
    )


def _log_transitions(run: uuid.UUID, now: dt.datetime) -> int:
    changed = Alert.objects.filter(transition_run=run)
    kind = Case(
        When(status=AlertStatus.RESOLVED, then=Value(AlertEventKind.AUTO_RESOLVED.value)),
        When(episode=1, then=Value(AlertEventKind.OPENED.value)),
        default=Value(AlertEventKind.REOPENED.value),
    )
    return insert_from_queryset(
        AlertEvent,
        changed,
        {
            "alert": F("pk"),
            "kind": kind,
            "episode": F("episode"),
            "at": Value(now, output_field=DateTimeField()),
            "comment": Case(
                When(status=AlertStatus.RESOLVED, then=F("resolution")),
                default=Value(""),
                output_field=TextField(),
            ),
            # The level it opened at: an escalation's event tells the levels after.
            "level_to": Case(
                When(status=AlertStatus.RESOLVED, then=Value(None)),
                default=F("level"),
                output_field=IntegerField(),
            ),
        },
    )


def _follow_sign_edits(ids: list | None, stamp: dt.datetime) -> int:
    """An alert shows its sign (title, date, severity: ``api.resources.ALERT_SIGN``), so an edit
    of the sign is a new version of the alert, told in the change feed with the others this run
    wrote. Two set-based statements; an alert seeing its sign for the first time only notes it."""
    alerts = Alert.objects.filter(indicator__isnull=False)
    if ids is not None:
        alerts = alerts.filter(situation_id__in=ids)
    sign_version = Subquery(
        WarningIndicator.objects.filter(pk=OuterRef("indicator_id")).values("version")[:1]
    )
    alerts.filter(sign_version__isnull=True).update(sign_version=sign_version)
    edited = alerts.annotate(shown=sign_version).exclude(sign_version=F("shown"))
    return edited.update(sign_version=sign_version, version=F("version") + 1, updated_at=stamp)


def evaluate_rules(
    situation_ids: Iterable | None = None, *, now: dt.datetime | None = None
) -> EvaluationResult:
    """Raise, keep, resolve and reopen alerts for every rule, on every situation or on
    ``situation_ids``; queue the notifications for what opened, and send them after commit."""
    ids = None if situation_ids is None else list(situation_ids)
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = uuid.uuid4()
    stamp = timezone.now()  # updated_at of every alert this run writes
    result = EvaluationResult(run=run)
    rules = list(AlertRule.objects.all())
    elements = None
    changed = 0
    with transaction.atomic():
        # Cheap statements with high estimates: JIT compilation would cost more than them.
        with connection.cursor() as cursor:
            # Memory to hash the candidate subjects each rule compares its alerts with
            # (``NOT IN``): past work_mem PostgreSQL checks the list row by row.
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        for rule in rules:
            if rule.kind in SIGN_RULE_KINDS:
                continue  # together below: one alert per sign
            candidates = None
            if rule.is_active:
                if rule.kind == RuleKind.ESCALATION:
                    queryset, subject = _escalation(rule, today, ids)
                elif rule.kind == RuleKind.STALE:
                    queryset, subject = _stale(rule, now, ids)
                elif rule.kind == RuleKind.OVERDUE_FOLLOW_UP:
                    queryset, subject = _overdue_follow_up(rule, today, ids)
                else:
                    if elements is None:
                        elements = SuccessElement.objects.count()
                    queryset, subject = _unassessed(rule, today, ids, elements)
                result.written[rule.name] = _raise(rule, queryset, subject, now, run, stamp)
                candidates = queryset.annotate(key=subject["subject_key"]).values("key")
            changed += _clear(rule, candidates, now, run, ids, stamp)
        sign_rules = [r for r in rules if r.kind in SIGN_RULE_KINDS and r.is_active]
        candidates = None
        if sign_rules:
            queryset, subject = _unanswered_signs(sign_rules, today, ids)
            result.written[SIGN_ALERTS] = _raise_signs(queryset, subject, now, run, stamp)
            candidates = queryset.values("indicator_id")
        changed += _clear_signs(candidates, now, run, ids, stamp)
        changed += _follow_sign_edits(ids, stamp)
        changed += _log_escalations(run, now)
        changed += sum(result.written.values()) + _log_transitions(run, now)
        if changed > ANALYZE_AFTER_ROWS:
            # The statements below read back what this run wrote; planned on statistics of the
            # tables before it (empty, on a first run), joins over 100k alerts went row by row.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE alerts_alert, alerts_alertevent")
        # The statements above fire no signal: tell the change feed, set-based.
        record_children(RecordType.ALERT, Alert.objects.filter(updated_at=stamp), id_field="uuid")
        result.transitions = dict(
            AlertEvent.objects.filter(
                Q(alert__transition_run=run) | Q(alert__escalation_run=run), at=now
            )
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        result.notification_ids = queue_notifications(run, now)
        send_after_commit(result.notification_ids)
    return result
