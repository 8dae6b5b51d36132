"""The warning-to-action interval, computed in the database.

Semantics (S/2011/552, para. 47: "the time lapsed between the first warning signs of a problem and
the first steps taken to address it"):

- A situation's *first warning* is its earliest warning sign at or above the configured severity
  (``MeasureSettings``, default High).
- A warning sign is *answered* (issue 13) by the engagements a desk officer links to it
  (``Engagement.responds_to``): a link wins over dates, and is the only way an undated engagement
  answers. A sign without links is answered by any dated engagement of its situation not ended
  before it: one *under way* when the sign appeared (started on or before it: interval 0, "in
  hand") or one that may have started on or after it. An engagement that ended before the sign
  does not count. Any engagement counts, however small (a statement of concern, a démarche —
  para. 47).
- Dates keep their precision. A warning known as "June 2010" lies somewhere in 1–30 June, so the
  interval is stored as bounds: ``days_min`` (last possible warning day to first possible action
  day, never below 0) and ``days_max`` (first possible warning day to last possible action day).
  ``is_exact`` when the two agree.
- With several warnings and engagements the bounds are those of the earliest possible dates: the
  first warning lies between the earliest start and the earliest end of the warnings' periods, the
  first action likewise among the answering engagements.
- No answering engagement: the interval is *open*, measured to today (``measured_to``) — or to
  the day the clock stopped: the situation closed or de-escalated on ``status_on`` (at its
  precision), or seeded from a report and measured as of its issue date (``Situation.as_of``).
  A stopped clock (``is_stopped``) raises no alert and is not advanced.
- Answered only through links to undated engagements: closed, with no days (unknown).
- The warning signs no engagement answers are stored as ``UnansweredWarning`` rows, whatever
  their severity (the "no action" rule and the dashboards read them). The time from any sign to
  its next engagement is asked of one situation at a time and computed when read
  (``warning_intervals_of``).

Milestones (issue 13; public health's 7-1-7 carried over): beside *emergence* (the first warning)
and the *first response* (the first action), each row stores *detection* — the earliest day a sign
at the threshold reached the desk: its report date (``WarningIndicator.reported_on``), else the day
it was logged, but for a situation seeded from a report not known (``detected_until`` empty) —
and *notification*: the first ``Briefing`` of a decision maker not over before the first warning.
Whether each target is met is derived from these bounds when read
(``alerts.services.milestones``), so a changed target or a new day needs no recompute.

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
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual
from django.utils import timezone

from cases.choices import CLOCK_STOPPING_STATUSES
from cases.dates import PeriodEnd, period_end_sql
from cases.models import Briefing, Document, Engagement, Situation, WarningIndicator
from feed.bulk import record_children
from feed.choices import RecordType

from ..models import MeasureSettings, SituationInterval, UnansweredWarning
from . import milestones, summary
from .sql import (
    DaysBetween,
    IsDistinctFrom,
    compile_inner,
    quote,
    upsert_statement,
)

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


def _answering_by_date(warning_from) -> Q:
    """A dated engagement not ended before the day ``warning_from``: under way when the sign
    appeared, or started after it (an engagement that ended before the sign never started
    after it)."""
    return Q(started_on__isnull=False) & (
        Q(ended_on__isnull=True)
        | Q(GreaterThanOrEqual(PeriodEnd("ended_on", "ended_precision"), warning_from))
    )


Links = Engagement.responds_to.through


def _in_scope(queryset: QuerySet, field: str, scope) -> QuerySet:
    return queryset if scope is None else queryset.filter(**{f"{field}__in": scope})


class AnswerState:
    """A warning sign's state, as ``warning_intervals_of`` annotates it (``answer_state``)."""

    ANSWERED = "answered"  # by a new step: an engagement that may have started after it
    IN_HAND = "in-hand"  # an engagement under way when it appeared (interval 0)
    UNANSWERED = "unanswered"


def warning_intervals_of(indicators: QuerySet) -> QuerySet:
    """``indicators`` (WarningIndicator rows) each with the time to its answer:
    ``warning_until``, ``linked`` (a desk officer linked an engagement to it),
    ``answered_by_id`` (the answering engagement: the first linked one, else the first by date),
    ``action_from``/``action_until`` (the earliest answering engagement's start period),
    ``days_min``/``days_max`` (empty while unanswered, or when answered only by undated linked
    engagements), ``is_open``, ``is_exact`` and ``answer_state`` (``AnswerState``)."""
    linked = Links.objects.filter(warningindicator_id=OuterRef("pk"))
    by_link = Engagement.objects.filter(responds_to=OuterRef("pk"))
    by_date = Engagement.objects.filter(
        _answering_by_date(OuterRef("observed_on")), situation_id=OuterRef("situation_id")
    )

    def first(queryset, column):
        return Subquery(
            queryset.annotate(v=column).order_by(F("v").asc(nulls_last=True)).values("v")[:1],
            output_field=DateField(),
        )

    def first_id(queryset):
        return Subquery(
            queryset.order_by(F("started_on").asc(nulls_last=True), "created_at").values("pk")[:1]
        )

    start, until = F("started_on"), PeriodEnd("started_on", "started_precision")
    annotated = indicators.annotate(
        warning_until=PeriodEnd("observed_on", "observed_precision"),
        linked=Exists(linked),
    ).annotate(
        a_from=Case(When(linked=True, then=first(by_link, start)), default=first(by_date, start)),
        a_until=Case(When(linked=True, then=first(by_link, until)), default=first(by_date, until)),
        answered_by_id=Case(
            When(linked=True, then=first_id(by_link)),
            default=first_id(by_date),
            output_field=UUIDField(),
        ),
        answered=Case(
            When(linked=True, then=Value(True)),
            default=Exists(by_date),
            output_field=BooleanField(),
        ),
    )
    known = Q(answered=True, a_from__isnull=False)
    days_min = Case(
        When(known, then=Greatest(DaysBetween(F("a_from"), F("warning_until")), Value(0))),
        default=Value(None),
        output_field=IntegerField(),
    )
    days_max = Case(
        When(known, then=Greatest(DaysBetween(F("a_until"), F("observed_on")), Value(0))),
        default=Value(None),
        output_field=IntegerField(),
    )
    return annotated.annotate(
        action_from=F("a_from"),
        action_until=F("a_until"),
        days_min=days_min,
        days_max=days_max,
        is_open=Case(When(answered=True, then=Value(False)), default=Value(True)),
        is_exact=Case(
            # Open: exact if the warning is known to the day (the wait is measured to a day).
            When(answered=False, then=Exact(F("observed_on"), F("warning_until"))),
            When(known, then=Exact(days_min, days_max)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        # In hand: the answer certainly started on or before the sign's first possible day.
        answer_state=Case(
            When(answered=False, then=Value(AnswerState.UNANSWERED)),
            When(
                known & Q(GreaterThanOrEqual(F("observed_on"), F("a_until"))),
                then=Value(AnswerState.IN_HAND),
            ),
            default=Value(AnswerState.ANSWERED),
        ),
    )


def unanswered_indicators(scope=None) -> QuerySet:
    """Warning signs no engagement answers (of the situations in ``scope``, or all): two
    anti-joins (links, then dates), which PostgreSQL runs as a hash anti-join over the engagements (of ``scope``
    only: a run on some situations does not read every engagement)."""
    indicators = _in_scope(WarningIndicator.objects.all(), "situation_id", scope)
    engagements = _in_scope(Engagement.objects.all(), "situation_id", scope)
    answered = engagements.filter(
        _answering_by_date(OuterRef("observed_on")), situation_id=OuterRef("situation_id")
    )
    linked = Links.objects.filter(warningindicator_id=OuterRef("pk"))
    return indicators.filter(~Exists(linked), ~Exists(answered))


UNANSWERED_COLUMNS = {
    "indicator": F("pk"),
    "situation": F("situation_id"),
    "warning_from": F("observed_on"),
    "warning_until": PeriodEnd("observed_on", "observed_precision"),
    "severity": F("severity"),
}


def _sync_unanswered_warnings(scope) -> tuple[int, int]:
    """Store every unanswered warning sign (of ``scope``) and remove the rows of signs since
    answered or deleted. Returns (rows written, rows removed).

    A row is removed when its sign is no longer among the unanswered ones, which also covers a
    sign deleted behind Django's back. With a ``scope``, the rows looked at are those of its
    situations and of the signs now in them (a sign moved in from another situation).
    """
    unanswered = unanswered_indicators(scope)
    # One statement. The unanswered signs are found once (a materialised CTE) and
    # both the upsert and the removal read them; both see the same snapshot.
    computed_sql, computed_params, _ = compile_inner(unanswered, UNANSWERED_COLUMNS)
    rows_sql, rows_params = "TRUE", ()
    if scope is not None:
        # The two ways in as a UNION of two index reads: an OR of them scanned the whole table.
        stored, stored_params = (
            UnansweredWarning.objects.filter(situation_id__in=scope)
            .order_by()
            .values("pk")
            .query.sql_with_params()
        )
        moved, moved_params = (
            WarningIndicator.objects.filter(situation_id__in=scope)
            .order_by()
            .values("pk")
            .query.sql_with_params()
        )
        rows_sql = f"u.indicator_id IN ({stored} UNION ALL {moved})"
        rows_params = (*stored_params, *moved_params)
    table = quote(UnansweredWarning._meta.db_table)
    upsert = upsert_statement(
        UnansweredWarning,
        "SELECT * FROM computed",
        list(UNANSWERED_COLUMNS),
        conflict=["indicator"],
        few=scope is not None,
    )
    sql = (
        f"WITH computed AS MATERIALIZED ({computed_sql}), "
        f"removed AS (DELETE FROM {table} u WHERE {rows_sql} "
        "AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.out_indicator = u.indicator_id) "
        "RETURNING 1), "
        f"written AS ({upsert} RETURNING 1) "
        "SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM removed)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*computed_params, *rows_params])
        return cursor.fetchone()


# One row per situation, straight from the indicators, the links and the engagements: the first
# warning is the earliest sign at the threshold (its period's first and last day), the first action
# the earliest answer of any sign at the threshold — an engagement linked to one, or for the signs
# without links, a dated engagement not ended before the earliest of them (under way then, or
# started after). Answered only by undated linked engagements: closed, days unknown. The clock
# stops at the status date of a closed or de-escalated situation, or at the issue date of the
# report it is measured as of (the earlier of the two); an open interval is measured to it.
_SITUATION_ROWS_PG = """
WITH warned AS (
    SELECT w.situation_id, min(w.observed_on) AS w_from, min({w_until}) AS w_until,
           min(w.observed_on) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM {links} l WHERE l.warningindicator_id = w.id)) AS unlinked_from,
           -- Detection: a sign reached the desk on its report date, else (logged by a desk
           -- officer) the day it was logged. Seeded from a report, a sign without a report
           -- date reached it on a day not known, no earlier than the day it was observed.
           -- (The day of the earliest logging, taken once per situation rather than per sign.)
           least(min(w.reported_on), (min(w.created_at) FILTER (WHERE w.reported_on IS NULL)
                                      AT TIME ZONE %(tz)s)::date) AS d_from_logged,
           least(min({r_until}), (min(w.created_at) FILTER (WHERE w.reported_on IS NULL)
                                  AT TIME ZONE %(tz)s)::date) AS d_until_logged,
           min(coalesce(w.reported_on, w.observed_on)) AS d_from_seeded,
           min({r_until}) AS d_until_seeded
    FROM {indicators} w
    WHERE w.severity >= %(threshold)s {scope}
    GROUP BY w.situation_id
), notified AS (
    -- Notification: the first briefing of a decision maker not over before the first warning.
    SELECT b.situation_id, min(b.briefed_on) AS n_from, min({b_until}) AS n_until
    FROM warned JOIN {briefings} b ON b.situation_id = warned.situation_id
    WHERE {b_until} >= warned.w_from
    GROUP BY b.situation_id
), answers AS (
    -- An engagement linked to a sign at the threshold (few: read from the links)...
    SELECT w.situation_id, e.started_on, {e_until} AS until
    FROM {links} l JOIN {indicators} w ON w.id = l.warningindicator_id
    JOIN {engagements} e ON e.id = l.engagement_id
    WHERE w.severity >= %(threshold)s {scope}
    UNION ALL
    -- ... or, for the signs without links, a dated one not ended before the earliest of them.
    SELECT warned.situation_id, e.started_on, {e_until}
    FROM warned JOIN {engagements} e ON e.situation_id = warned.situation_id
    WHERE e.started_on IS NOT NULL AND warned.unlinked_from IS NOT NULL
      AND (e.ended_on IS NULL OR {ended_until} >= warned.unlinked_from)
), acted AS (
    SELECT situation_id, min(started_on) AS a_from, min(until) AS a_until
    FROM answers GROUP BY situation_id
), measured AS (
    -- The clock stops at a closing status's date or the issue date of the report the
    -- situation is measured as of (the earlier); a running clock is measured to today.
    SELECT s.id AS situation_id, s.as_of_id IS NOT NULL AS seeded,
           (s.status = ANY(%(stopping)s) OR d.issued_on IS NOT NULL) AS stopped,
           c.stop_until, c.stop_from,
           least(coalesce(c.stop_from, %(today)s::date), %(today)s::date) AS m_from,
           least(coalesce(c.stop_until, %(today)s::date), %(today)s::date) AS m_until
    FROM {situations} s LEFT JOIN {documents} d ON d.id = s.as_of_id
    CROSS JOIN LATERAL (
        SELECT least(CASE WHEN s.status = ANY(%(stopping)s) THEN {status_until} END,
                     d.issued_on) AS stop_until,
               least(CASE WHEN s.status = ANY(%(stopping)s) THEN s.status_on END,
                     d.issued_on) AS stop_from
    ) c
    {situation_scope}
)
SELECT m.situation_id AS out_situation, %(threshold)s::smallint AS out_threshold_severity,
       w.w_from AS out_warning_from, w.w_until AS out_warning_until,
       a.a_from AS out_action_from, a.a_until AS out_action_until,
       CASE WHEN w.w_from IS NULL THEN NULL
            WHEN a.situation_id IS NULL THEN greatest(m.m_from - w.w_until, 0)
            WHEN a.a_from IS NULL THEN NULL  -- answered by undated linked engagements only
            ELSE greatest(a.a_from - w.w_until, 0) END AS out_days_min,
       CASE WHEN w.w_from IS NULL THEN NULL
            WHEN a.situation_id IS NULL THEN greatest(m.m_until - w.w_from, 0)
            WHEN a.a_from IS NULL THEN NULL  -- answered by undated linked engagements only
            ELSE greatest(a.a_until - w.w_from, 0) END AS out_days_max,
       (w.w_from IS NOT NULL AND a.situation_id IS NULL) AS out_is_open,
       CASE WHEN w.w_from IS NULL THEN false
            WHEN a.situation_id IS NULL THEN w.w_from = w.w_until AND m.m_from = m.m_until
            WHEN a.a_from IS NULL THEN false
            ELSE greatest(a.a_from - w.w_until, 0) = greatest(a.a_until - w.w_from, 0)
            END AS out_is_exact,
       CASE WHEN w.w_from IS NOT NULL AND a.situation_id IS NULL THEN m.m_until END
           AS out_measured_to,
       m.stopped AS out_is_stopped, m.stop_until AS out_stopped_on,
       CASE WHEN m.stopped THEN m.stop_from END AS out_stopped_from,
       CASE WHEN m.seeded THEN w.d_from_seeded ELSE w.d_from_logged END AS out_detected_from,
       CASE WHEN m.seeded THEN w.d_until_seeded ELSE w.d_until_logged END AS out_detected_until,
       n.n_from AS out_notified_from, n.n_until AS out_notified_until,
       %(started)s::timestamptz AS out_changed_at
FROM measured m
LEFT JOIN warned w ON w.situation_id = m.situation_id
LEFT JOIN acted a ON a.situation_id = m.situation_id
LEFT JOIN notified n ON n.situation_id = m.situation_id
"""

SITUATION_COLUMNS = [
    "situation",
    "threshold_severity",
    "warning_from",
    "warning_until",
    "action_from",
    "action_until",
    "days_min",
    "days_max",
    "is_open",
    "is_exact",
    "measured_to",
    "is_stopped",
    "stopped_on",
    "stopped_from",
    "detected_from",
    "detected_until",
    "notified_from",
    "notified_until",
]


def _upsert_situation_intervals(scope, threshold: int, today: dt.date, started: dt.datetime) -> int:
    params = {
        "threshold": threshold,
        "today": today,
        "started": started,
        "stopping": [str(status) for status in CLOCK_STOPPING_STATUSES],
        "tz": timezone.get_current_timezone_name(),
    }
    scope_sql = situation_scope = ""
    if scope is not None:
        params["ids"] = [str(pk) for pk in scope]
        scope_sql = "AND w.situation_id = ANY(%(ids)s::uuid[])"
        situation_scope = "WHERE s.id = ANY(%(ids)s::uuid[])"
    sql = _SITUATION_ROWS_PG.format(
        w_until=period_end_sql("w.observed_on", "w.observed_precision"),
        r_until=period_end_sql("w.reported_on", "w.reported_precision"),
        b_until=period_end_sql("b.briefed_on", "b.briefed_precision"),
        e_until=period_end_sql("e.started_on", "e.started_precision"),
        ended_until=period_end_sql("e.ended_on", "e.ended_precision"),
        status_until=period_end_sql("s.status_on", "s.status_precision"),
        indicators=quote(WarningIndicator._meta.db_table),
        briefings=quote(Briefing._meta.db_table),
        engagements=quote(Engagement._meta.db_table),
        links=quote(Links._meta.db_table),
        situations=quote(Situation._meta.db_table),
        documents=quote(Document._meta.db_table),
        scope=scope_sql,
        situation_scope=situation_scope,
    )
    statement = upsert_statement(
        SituationInterval,
        sql,
        SITUATION_COLUMNS,
        conflict=["situation"],
        stamp=["changed_at"],
        few=scope is not None,
        versioned=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


# Past this many situation rows written by a full run, their links are found set-based over every
# row (two hash joins, one sort each) instead of by two subqueries per written row.
LINK_ALL_FROM = 5000

_LINK_ALL_PG = """
WITH warning AS (
    SELECT DISTINCT ON (w.situation_id) w.situation_id, w.id
    FROM {intervals} si JOIN {indicators} w
      ON w.situation_id = si.situation_id AND w.observed_on = si.warning_from
    WHERE w.severity >= %(threshold)s
    ORDER BY w.situation_id, {w_until}, w.created_at, w.id
), action AS (
    SELECT DISTINCT ON (e.situation_id) e.situation_id, e.id
    FROM {intervals} si JOIN {engagements} e
      ON e.situation_id = si.situation_id AND e.started_on = si.action_from
    WHERE e.ended_on IS NULL OR {ended_until} >= si.warning_from
       OR EXISTS (SELECT 1 FROM {links} l JOIN {indicators} w ON w.id = l.warningindicator_id
                  WHERE l.engagement_id = e.id AND w.severity >= %(threshold)s)
    ORDER BY e.situation_id, {e_until}, e.created_at, e.id
), link AS (
    SELECT si.situation_id, warning.id AS first_warning_id, action.id AS first_action_id
    FROM {intervals} si
    LEFT JOIN warning ON warning.situation_id = si.situation_id
    LEFT JOIN action ON action.situation_id = si.situation_id
)
UPDATE {intervals} si
SET first_warning_id = link.first_warning_id, first_action_id = link.first_action_id,
    version = si.version + 1, changed_at = %(started)s
FROM link
WHERE si.situation_id = link.situation_id
  AND (si.first_warning_id IS DISTINCT FROM link.first_warning_id
       OR si.first_action_id IS DISTINCT FROM link.first_action_id)
"""


def _link_all_pg(threshold: int, started: dt.datetime) -> int:
    """Every situation row's links, set-based (PostgreSQL): for a run that wrote most rows."""
    sql = _LINK_ALL_PG.format(
        intervals=quote(SituationInterval._meta.db_table),
        indicators=quote(WarningIndicator._meta.db_table),
        engagements=quote(Engagement._meta.db_table),
        w_until=period_end_sql("w.observed_on", "w.observed_precision"),
        e_until=period_end_sql("e.started_on", "e.started_precision"),
        ended_until=period_end_sql("e.ended_on", "e.ended_precision"),
        links=quote(Links._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"threshold": threshold, "started": started})
        return cursor.rowcount


def _link_first_warning_and_action(
    scope: list | None, threshold: int, started: dt.datetime, written: int = 0
) -> int:
    """Point each situation row at the warning and the engagement its bounds start from (of
    several on that day, the one whose period ends first, then the one recorded first).

    Looks at the rows this run changed, rows missing a link they should have (a linked record was
    deleted), and every row of the situations asked for by id. After a full run that wrote more
    than ``LINK_ALL_FROM`` rows (the first run), every row is looked at set-based instead.
    """
    if scope is None and written > LINK_ALL_FROM:
        return _link_all_pg(threshold, started)
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
            _answering_by_date(OuterRef("warning_from"))
            | Q(
                Exists(
                    Links.objects.filter(
                        engagement_id=OuterRef("pk"),
                        warningindicator__severity__gte=threshold,
                    )
                )
            ),
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
        first_warning_id=Subquery(first_warning),
        first_action_id=Subquery(first_action),
        version=F("version") + 1,
        changed_at=Value(started),
    )


def _advance_open_intervals(today: dt.date, started: dt.datetime) -> int:
    """Open situation intervals grow by a day every day; only those rows are rewritten (not a
    stopped clock's: measured to its stop; one stopped at an unknown date is measured to today),
    each a new version of the record partners read."""
    rows = SituationInterval.objects.filter(is_open=True, measured_to__lt=today)
    return rows.filter(stopped_on__isnull=True).update(
        days_min=Greatest(DaysBetween(_today_value(today), F("warning_until")), Value(0)),
        days_max=Greatest(DaysBetween(_today_value(today), F("warning_from")), Value(0)),
        measured_to=_today_value(today),
        version=F("version") + 1,
        changed_at=Value(started),
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
    history_briefings = Briefing.history.model.objects
    return Situation.objects.filter(
        Q(updated_at__gte=since)
        | Q(pk__in=WarningIndicator.objects.filter(updated_at__gte=since).values("situation_id"))
        | Q(pk__in=Engagement.objects.filter(updated_at__gte=since).values("situation_id"))
        | Q(pk__in=Briefing.objects.filter(updated_at__gte=since).values("situation_id"))
        | Q(pk__in=history_indicators.filter(history_date__gte=since).values("situation_id"))
        | Q(pk__in=history_engagements.filter(history_date__gte=since).values("situation_id"))
        | Q(pk__in=history_briefings.filter(history_date__gte=since).values("situation_id"))
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
        # Each statement costs little per row but is estimated high: JIT compilation would take
        # longer than the statement. A full pass aggregates a million rows: in memory. A run on
        # some situations reads rows by key; with the default page cost (spinning disks) the
        # planner would scan the million warning-sign rows instead.
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL jit = off; SET LOCAL work_mem = '128MB'"
                + ("; SET LOCAL random_page_cost = 1.1" if scope is not None else "")
                # Over every situation, the situation statement's joins are best hashed: the
                # planner cannot count the rows of a CTE (it guesses 200) and would look up
                # each situation's engagements by index, 100k lookups at the large scale. The
                # statements after it plan well as they are (slower without nested loops).
                + ("; SET LOCAL enable_nestloop = off" if scope is None else "")
                # One run at a time: the next one reads what this one committed.
                + f"; {summary.LOCK}"
            )
        indicator_rows = situation_rows = linked = 0
        if scope is None or scope:  # an incremental run may find nothing changed
            situation_rows = _upsert_situation_intervals(scope, threshold, today, started)
            if scope is None:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_nestloop = on")
            indicator_rows, deleted = _sync_unanswered_warnings(scope)
            if mode == "full":
                deleted += _delete_orphans(SituationInterval, Situation, pk="situation_id")
            linked = _link_first_warning_and_action(
                scope if mode != "full" else None, threshold, started, situation_rows
            )
        if mode == "incremental":  # a full run measured every open interval to today already
            advanced = _advance_open_intervals(today, started)
        if situation_rows or linked or advanced:
            # Partners read the figures as a record: each row this run changed is a new
            # version, told in the change feed (a few statements whatever their number).
            record_children(
                RecordType.INTERVAL,
                SituationInterval.objects.filter(changed_at=started),
                id_field="situation_id",
                situation_field="situation_id",
            )
        # The dashboard overview's figures, kept beside the intervals they are made of; in the
        # same statement, a periodic run's watermark (a plain UPDATE: bookkeeping, not a settings
        # change for history).
        written, removed, _ = summary.sync_summary(
            scope,
            open_intervals=mode == "incremental",
            watermark=(settings.pk, started) if mode != "situations" else None,
        )
        # The overview's target counts kept for the day count these rows: forgotten when any
        # changed (under the lock, so no count of the rows before this run outlives it).
        if situation_rows or deleted or advanced or written or removed:
            milestones.forget_stored_shares()
    return RecomputeResult(mode, threshold, indicator_rows, situation_rows, advanced, deleted)
