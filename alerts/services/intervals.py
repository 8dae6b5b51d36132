"""The warning-to-action interval, computed in the database.

Semantics (S/2011/552, para. 47: "the time lapsed between the first warning signs of a problem and
the first steps taken to address it"):

- A situation's *first warning* is its earliest warning sign at or above the configured severity
  (``MeasureSettings``, default High).
- An engagement *answers* a warning if it may have started on or after it: its start period does
  not end before the warning's period begins. An engagement wholly before the warning does not
  count. Any engagement counts, however small (a statement of concern, a démarche — para. 47).
- Dates keep their precision. A warning known as "June 2010" lies somewhere in 1–30 June, so the
  interval is stored as bounds: ``days_min`` (last possible warning day to first possible action
  day, never below 0) and ``days_max`` (first possible warning day to last possible action day).
  ``is_exact`` when the two agree.
- With several warnings and engagements the bounds are those of the earliest possible dates: the
  first warning lies between the earliest start and the earliest end of the warnings' periods, the
  first action likewise among the answering engagements.
- No answering engagement: the interval is *open*, measured to today (``measured_to``).
- Each warning sign gets the same measure against the next engagement (``IndicatorInterval``);
  it does not depend on the threshold.

The recompute is set-based: a fixed number of statements whatever the number of situations. The
periodic run is incremental — it recomputes the situations changed since the last run (found by
index on ``updated_at`` and the history tables) and advances open intervals to today; ``full=True``
recomputes everything and removes rows whose source rows were deleted behind Django's back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual
from django.utils import timezone

from cases.dates import PeriodEnd
from cases.models import Engagement, Situation, WarningIndicator

from ..models import IndicatorInterval, MeasureSettings, SituationInterval
from .sql import DaysBetween, IsDistinctFrom, quote, upsert_from_queryset, upsert_from_sql

# Changes committed by transactions that began before the previous run started carry an earlier
# ``updated_at``; looking back this far past the previous start catches them.
INCREMENTAL_OVERLAP = dt.timedelta(minutes=15)
# Past this many changed situations an incremental run recomputes everything: one pass over the
# tables then costs less than probing them situation by situation.
INCREMENTAL_LIMIT = 5000


@dataclass(frozen=True)
class RecomputeResult:
    mode: str  # "full", "incremental" or "situations"
    threshold_severity: int
    indicator_rows: int
    situation_rows: int
    advanced_rows: int = 0
    deleted_rows: int = 0


def _today_value(today: dt.date) -> Value:
    return Value(today, output_field=DateField())


def _interval_columns(
    warning_from: str,
    warning_until: str,
    action_from: str,
    action_until: str,
    today: dt.date | None,
) -> dict[str, object]:
    """Bounds, open flag and precision flag from the four period ends (names of annotations).

    With ``today`` an open interval is measured to that day (situation rows); without, its days
    stay empty (indicator rows, see ``IndicatorInterval``).
    """
    no_warning = Q(**{f"{warning_from}__isnull": True})
    is_open = Q(**{f"{warning_from}__isnull": False, f"{action_from}__isnull": True})
    open_min = open_max = Value(None)
    if today is not None:
        open_min = Greatest(DaysBetween(_today_value(today), F(warning_until)), Value(0))
        open_max = Greatest(DaysBetween(_today_value(today), F(warning_from)), Value(0))
    days_min = Case(
        When(no_warning, then=Value(None)),
        When(is_open, then=open_min),
        default=Greatest(DaysBetween(F(action_from), F(warning_until)), Value(0)),
        output_field=IntegerField(),
    )
    days_max = Case(
        When(no_warning, then=Value(None)),
        When(is_open, then=open_max),
        default=DaysBetween(F(action_until), F(warning_from)),
        output_field=IntegerField(),
    )
    columns = {
        "action_from": F(action_from),
        "action_until": F(action_until),
        "days_min": days_min,
        "days_max": days_max,
        "is_open": Case(When(is_open, then=Value(True)), default=Value(False)),
        # Open: exact if the warning is known to the day (today is). Closed: if the bounds agree.
        "is_exact": Case(
            When(no_warning, then=Value(False)),
            When(is_open & Q(Exact(F(warning_from), F(warning_until))), then=Value(True)),
            When(is_open, then=Value(False)),
            When(Exact(days_min, days_max), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }
    if today is not None:
        columns["measured_to"] = Case(When(is_open, then=_today_value(today)), default=Value(None))
    return columns


def _answering(prefix: str, warning_from) -> GreaterThanOrEqual:
    """The engagement at ``prefix`` may have started on or after the day ``warning_from``."""
    return GreaterThanOrEqual(
        PeriodEnd(f"{prefix}started_on", f"{prefix}started_precision"), warning_from
    )


def _in_scope(queryset: QuerySet, field: str, scope) -> QuerySet:
    return queryset if scope is None else queryset.filter(**{f"{field}__in": scope})


def _upsert_indicator_intervals(scope) -> int:
    if connection.vendor == "postgresql":
        return _upsert_indicator_intervals_pg(scope)
    return _upsert_indicator_intervals_orm(scope)


def _upsert_indicator_intervals_orm(scope) -> int:
    indicators = _in_scope(WarningIndicator.objects.all(), "situation_id", scope)
    answering = Q(_answering("situation__engagements__", F("observed_on")))
    indicators = indicators.annotate(
        w_until=PeriodEnd("observed_on", "observed_precision"),
        a_from=Min("situation__engagements__started_on", filter=answering),
        a_until=Min(
            PeriodEnd(
                "situation__engagements__started_on", "situation__engagements__started_precision"
            ),
            filter=answering,
        ),
    )
    columns = {
        "indicator": F("pk"),
        "situation": F("situation_id"),
        "warning_from": F("observed_on"),
        "warning_until": F("w_until"),
        "severity": F("severity"),
        **_interval_columns("observed_on", "w_until", "a_from", "a_until", None),
    }
    return upsert_from_queryset(
        IndicatorInterval, indicators, columns, conflict=["indicator"], few=scope is not None
    )


INDICATOR_COLUMNS = [
    "indicator",
    "situation",
    "warning_from",
    "warning_until",
    "severity",
    "action_from",
    "action_until",
    "days_min",
    "days_max",
    "is_open",
    "is_exact",
]


def _period_end_sql(day: str, precision: str) -> str:
    """``cases.dates.PeriodEnd`` as PostgreSQL computes it."""
    return (
        f"(CASE {precision} "
        f"WHEN 'year' THEN (date_trunc('year', {day}) + interval '1 year - 1 day')::date "
        f"WHEN 'month' THEN (date_trunc('month', {day}) + interval '1 month - 1 day')::date "
        f"ELSE {day} END)"
    )


# The same rows as the ORM query above, shaped for PostgreSQL. Instead of joining every warning sign
# to every engagement of its situation and grouping the pairs (3M pairs for 1M signs), warning signs
# and engagements are read once, as one list per situation sorted by date from the latest: a running
# minimum over that list gives each warning sign the earliest start and end of the engagements whose
# start period ends on or after it. An engagement sorts before a warning sign of the same day, so it
# answers it. At 1M warning signs this is about half the time of the join and group.
_INDICATOR_ROWS_PG = """
SELECT i.id AS out_indicator, i.situation_id AS out_situation, i.observed_on AS out_warning_from,
       i.w_until AS out_warning_until, i.severity AS out_severity,
       i.a_from AS out_action_from, i.a_until AS out_action_until,
       CASE WHEN i.a_from IS NOT NULL THEN greatest(i.a_from - i.w_until, 0) END AS out_days_min,
       CASE WHEN i.a_from IS NOT NULL THEN i.a_until - i.observed_on END AS out_days_max,
       i.a_from IS NULL AS out_is_open,
       CASE WHEN i.a_from IS NULL THEN i.observed_on = i.w_until
            ELSE greatest(i.a_from - i.w_until, 0) = i.a_until - i.observed_on END AS out_is_exact
FROM (
    SELECT u.*,
           min(u.started_on) OVER answering AS a_from,
           min(u.started_until) OVER answering AS a_until
    FROM (
        SELECT w.situation_id, w.id, w.observed_on AS sort_day, true AS is_warning,
               w.observed_on, w.severity, {w_until} AS w_until,
               NULL::date AS started_on, NULL::date AS started_until
        FROM {indicators} w
        {indicator_scope}
        UNION ALL
        SELECT e.situation_id, NULL, e.started_until, false, NULL, NULL, NULL,
               e.started_on, e.started_until
        FROM (SELECT situation_id, started_on, {e_until} AS started_until
              FROM {engagements}
              WHERE started_on IS NOT NULL {engagement_scope}) e
    ) u
    WINDOW answering AS (
        PARTITION BY u.situation_id ORDER BY u.sort_day DESC, u.is_warning ROWS UNBOUNDED PRECEDING
    )
) i
WHERE i.is_warning
"""


def _upsert_indicator_intervals_pg(scope) -> int:
    params: list = []
    indicator_scope = engagement_scope = ""
    if scope is not None:
        ids = [str(pk) for pk in scope]
        engagement_scope = "AND situation_id = ANY(%s::uuid[])"
        indicator_scope = "WHERE w.situation_id = ANY(%s::uuid[])"
        params = [ids, ids]
    sql = _INDICATOR_ROWS_PG.format(
        w_until=_period_end_sql("w.observed_on", "w.observed_precision"),
        e_until=_period_end_sql("started_on", "started_precision"),
        indicators=quote(WarningIndicator._meta.db_table),
        engagements=quote(Engagement._meta.db_table),
        indicator_scope=indicator_scope,
        engagement_scope=engagement_scope,
    )
    return upsert_from_sql(
        IndicatorInterval,
        sql,
        params,
        INDICATOR_COLUMNS,
        conflict=["indicator"],
        few=scope is not None,
    )


def _upsert_situation_intervals(scope, threshold: int, today: dt.date, started: dt.datetime) -> int:
    """One row per situation, read from the warning-sign rows written just before.

    Those rows carry the sign's severity and period and its next action, so the situation's
    first warning and first action are their minimums at the threshold: one pass over them, no
    join back to the indicators. (The earliest warning's next action is the earliest "next
    action" of all the warnings at the threshold: an engagement answering a later warning
    answers an earlier one too.) Situations without a warning at the threshold get their row
    from the second half of the same statement.
    """
    if scope is None:
        at_threshold = IndicatorInterval.objects.filter(severity__gte=threshold)
        warned = at_threshold.values("situation_id").annotate(
            key=F("situation_id"),
            w_from=Min("warning_from"),
            w_until=Min("warning_until"),
            a_from=Min("action_from"),
            a_until=Min("action_until"),
        )
        warned_ids = at_threshold.values("situation_id")
    else:
        # Some situations: through their indicators (indexed by situation, the rows are not),
        # each row found by its key; a row a raw delete left behind is not reached.
        at_threshold = WarningIndicator.objects.filter(
            situation_id__in=scope, severity__gte=threshold
        )
        warned = at_threshold.values("situation_id").annotate(
            key=F("situation_id"),
            w_from=Min("interval__warning_from"),
            w_until=Min("interval__warning_until"),
            a_from=Min("interval__action_from"),
            a_until=Min("interval__action_until"),
        )
        warned_ids = at_threshold.values("situation_id")
    no_date = Value(None, output_field=DateField())
    unwarned = (
        _in_scope(Situation.objects.all(), "pk", scope)
        .exclude(pk__in=warned_ids)
        .annotate(key=F("pk"), w_from=no_date, w_until=no_date, a_from=no_date, a_until=no_date)
    )
    columns = {
        "situation": F("key"),
        "threshold_severity": Value(threshold),
        "warning_from": F("w_from"),
        "warning_until": F("w_until"),
        **_interval_columns("w_from", "w_until", "a_from", "a_until", today),
    }
    return upsert_from_queryset(
        SituationInterval,
        [warned, unwarned],
        columns,
        conflict=["situation"],
        stamp={"changed_at": Value(started, output_field=DateTimeField())},
        few=scope is not None,
    )


def _link_first_warning_and_action(scope: list | None, threshold: int, started: dt.datetime) -> int:
    """Point each situation row at the warning and the engagement its bounds start from.

    Looks at the rows this run changed, rows missing a link they should have (a linked record was
    deleted), and every row of the situations asked for by id.
    """
    first_warning = (
        WarningIndicator.objects.filter(
            situation_id=OuterRef("situation_id"),
            severity__gte=threshold,
            observed_on=OuterRef("warning_from"),
        )
        .order_by(PeriodEnd("observed_on", "observed_precision"), "created_at", "id")
        .values("id")[:1]
    )
    first_action = (
        Engagement.objects.filter(
            _answering("", OuterRef("warning_from")),
            situation_id=OuterRef("situation_id"),
            started_on=OuterRef("action_from"),
        )
        .order_by(PeriodEnd("started_on", "started_precision"), "created_at", "id")
        .values("id")[:1]
    )
    candidates = (
        Q(changed_at=started)
        | Q(first_warning__isnull=True, warning_from__isnull=False)
        | Q(first_action__isnull=True, action_from__isnull=False)
    )
    if scope is not None:
        candidates |= Q(situation_id__in=scope)
    rows = SituationInterval.objects.filter(candidates).filter(
        IsDistinctFrom(F("first_warning_id"), Subquery(first_warning))
        | IsDistinctFrom(F("first_action_id"), Subquery(first_action))
    )
    return rows.update(
        first_warning_id=Subquery(first_warning), first_action_id=Subquery(first_action)
    )


def _advance_open_intervals(today: dt.date) -> int:
    """Open situation intervals grow by a day every day; only those rows are rewritten."""
    return SituationInterval.objects.filter(is_open=True, measured_to__lt=today).update(
        days_min=Greatest(DaysBetween(_today_value(today), F("warning_until")), Value(0)),
        days_max=Greatest(DaysBetween(_today_value(today), F("warning_from")), Value(0)),
        measured_to=_today_value(today),
    )


def _count(model) -> Subquery:
    return Subquery(
        model.objects.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def _delete_orphans(model, source, **match) -> int:
    """Rows of ``model`` whose ``source`` record was deleted without Django (raw SQL, restores).

    Run after the upsert that gave every ``source`` record its row: there are orphans only if
    there are more rows than records. That comparison is evaluated once, before any row is read,
    so the usual run does not scan a million rows for nothing.
    """
    rows = model.objects.filter(GreaterThan(_count(model), _count(source)))
    return rows.exclude(
        Exists(source.objects.filter(**{k: OuterRef(v) for k, v in match.items()}))
    ).delete()[0]


def changed_situations(since: dt.datetime, threshold: int) -> QuerySet:
    """Ids of the situations whose interval may have changed since ``since`` (a subquery).

    Saves show in ``updated_at`` (indexed), deletions in the history tables (``history_date`` is
    indexed); situations without a row, or with a row for another threshold, are included too.
    """
    history_indicators = WarningIndicator.history.model.objects
    history_engagements = Engagement.history.model.objects
    return Situation.objects.filter(
        Q(updated_at__gte=since)
        | Q(pk__in=WarningIndicator.objects.filter(updated_at__gte=since).values("situation_id"))
        | Q(pk__in=Engagement.objects.filter(updated_at__gte=since).values("situation_id"))
        | Q(pk__in=history_indicators.filter(history_date__gte=since).values("situation_id"))
        | Q(pk__in=history_engagements.filter(history_date__gte=since).values("situation_id"))
        | ~Q(
            pk__in=SituationInterval.objects.filter(threshold_severity=threshold).values(
                "situation_id"
            )
        )
    ).values_list("pk", flat=True)


def recompute_intervals(
    situation_ids: Iterable | None = None, *, full: bool = False, today: dt.date | None = None
) -> RecomputeResult:
    """Bring the stored intervals up to date.

    - ``situation_ids``: just those situations (after a save);
    - ``full=True``: every situation, every indicator;
    - neither: the situations changed since the last run, plus open intervals advanced to today
      (the periodic job). The first run, with nothing stored yet, is a full one.
    """
    today = today or timezone.localdate()
    settings = MeasureSettings.load()
    threshold = settings.threshold_severity
    started = timezone.now()
    if situation_ids is not None:
        mode, scope = "situations", list(situation_ids)
    elif full or settings.intervals_computed_at is None:
        mode, scope = "full", None
    else:
        since = settings.intervals_computed_at - INCREMENTAL_OVERLAP
        # Read the ids once (at most the limit): the planner then sees how few rows it needs.
        changed = list(changed_situations(since, threshold)[: INCREMENTAL_LIMIT + 1])
        if len(changed) > INCREMENTAL_LIMIT:
            mode, scope = "full", None
        else:
            mode, scope = "incremental", changed
    advanced = deleted = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Each statement costs little per row but is estimated high: JIT compilation would
            # take longer than the statement. A full pass aggregates a million rows: in memory.
            # A run on some situations reads rows by key; with the default page cost (spinning
            # disks) the planner would scan the million warning-sign rows instead.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL jit = off; SET LOCAL work_mem = '128MB'"
                    + ("; SET LOCAL random_page_cost = 1.1" if scope is not None else "")
                )
        indicator_rows = situation_rows = 0
        if scope is None or scope:  # an incremental run may find nothing changed
            indicator_rows = _upsert_indicator_intervals(scope)
            if mode == "full":  # before the situation rows, which are read from these
                deleted = _delete_orphans(
                    IndicatorInterval,
                    WarningIndicator,
                    pk="indicator_id",
                    situation_id="situation_id",
                )
            situation_rows = _upsert_situation_intervals(scope, threshold, today, started)
            if mode == "full":
                deleted += _delete_orphans(SituationInterval, Situation, pk="situation_id")
            _link_first_warning_and_action(scope if mode != "full" else None, threshold, started)
        if mode == "incremental":  # a full run measured every open interval to today already
            advanced = _advance_open_intervals(today)
        if mode != "situations":
            # A queryset update: the watermark is bookkeeping, not a settings change for history.
            MeasureSettings.objects.filter(pk=settings.pk).update(intervals_computed_at=started)
    return RecomputeResult(mode, threshold, indicator_rows, situation_rows, advanced, deleted)
