"""Synthetic data at a chosen scale, written set-based (``INSERT … SELECT`` over ``generate_series``).

Every value comes from a keyed hash of the row's number and a fixed seed (``hashtextextended``),
so a scale always yields the same rows, whatever the order PostgreSQL evaluates them in. Dates are
laid out around an anchor day (the day of generation, kept in the marker) so that the rules find
recent warning signs, old unanswered ones and stale situations in realistic proportions:

- a situation starts up to ten years before the anchor; one in ten is *active* (started in the
  last 60 days, its warning signs recent);
- warning signs: 70 % known to the day, 20 % to the month, 10 % to the year; severities
  30/30/25/15 % low/medium/high/critical;
- engagements: 60 % day, 30 % month, 10 % year precision, 5 % with no known start, half ended,
  three in ten of the ended ones assessed on all six elements for success;
- sharing: 20 % CLEAR, 30 % GREEN, 25 % AMBER, 15 % AMBER+STRICT, 10 % RED; AMBER levels carry a
  sharing list of one to three organisations, the benchmark partner's on four in ten;
- the change feed holds one change per record (as ``feed.log.backfill`` would write it), in
  the order the records were created;
- each table's rows are written in the order they were created (``ORDER BY created_at``), the
  layout a live tracker's tables have, its rows appended as they are recorded. (Written one
  situation after another instead, a page of the change feed read its ~3,000 warning signs from
  ~2,900 different blocks of the table.)

A marker table (``bench_dataset``, outside Django's models) names the scale the database holds;
the data set is reused while the marker and the row count agree.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from cases.choices import (
    ActorKind,
    ConflictStage,
    CrisisType,
    IndicatorCategory,
    Instrument,
    Region,
    SituationStatus,
    Track,
)

from .scales import Scale

SEED = 20110826  # the date of S/2011/552
LAYOUT = 3  # bumped when the generated rows change: an older data set is then regenerated
ACTORS = 200
PARTNER_ACTOR = 1  # the benchmark partner's organisation (acronym BA1)
MARKER = "bench_dataset"
COUNTRIES = ["KG", "GN", "CI", "NE", "ML", "SD", "SS", "KE", "YE", "LY", "MM", "HT", "CF", "BI"]

# Tables the generator fills or that hold data derived from them; ``--fresh`` empties them.
DATA_TABLES = [
    "cases_situation",
    "cases_situation_shared_with",
    "cases_situation_citations",
    "cases_warningindicator",
    "cases_warningindicator_citations",
    "cases_engagement",
    "cases_engagement_citations",
    "cases_engagementpartner",
    "cases_assessment",
    "cases_assessment_citations",
    "cases_actor",
    "cases_actor_citations",
    "cases_historicalsituation",
    "cases_historicalsituation_shared_with",
    "cases_historicalwarningindicator",
    "cases_historicalengagement",
    "cases_historicalengagementpartner",
    "cases_historicalassessment",
    "cases_historicalactor",
    "alerts_alert",
    "alerts_alertevent",
    "alerts_notification",
    "alerts_deliveryattempt",
    "alerts_unansweredwarning",
    "alerts_situationinterval",
    "alerts_intervalsummary",
    "partners_change",
    "partners_feedrecord",
    "partners_partnertoken",
    "partners_partner",
]


@dataclass(frozen=True)
class Dataset:
    scale: str
    situations: int
    anchor: dt.date
    generated_in: float | None  # seconds, None when reused


def _rnd_function(cursor) -> None:
    # ``key`` hashed with the seed, reduced to 0 … m-1. Inlined by the planner (plain SQL).
    cursor.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.bench_rnd(key text, m int) RETURNS int "
        "LANGUAGE sql IMMUTABLE AS "
        f"$$ SELECT ((hashtextextended(key, {SEED}) & 2147483647) % m)::int $$"
    )


def current_dataset() -> Dataset | None:
    """The data set the database holds, if the benchmark generated it and it is intact."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT scale, situations, anchor, seed FROM {MARKER} LIMIT 1")
        row = cursor.fetchone()
        if row is None or row[3] != SEED + LAYOUT:
            return None
        cursor.execute("SELECT count(*) FROM cases_situation")
        if cursor.fetchone()[0] != row[1]:
            return None  # emptied or changed behind the marker's back (a test flush)
    return Dataset(row[0], row[1], row[2], None)


def foreign_data() -> bool:
    """Whether the database holds situations the benchmark did not write (never overwrite them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM cases_situation WHERE slug NOT LIKE 'bench-s-%%')"
        )
        return cursor.fetchone()[0]


def ensure_dataset(scale: Scale, *, fresh: bool = False, log=print) -> Dataset:
    """The data set of ``scale``: reused if the marker says it is there, otherwise generated."""
    existing = current_dataset()
    if not fresh and existing is not None and existing.scale == scale.name:
        log(f"reusing the {scale.name} data set generated on {existing.anchor}")
        return existing
    if foreign_data():
        raise RuntimeError(
            "the database holds situations the benchmark did not generate; "
            "point DATABASE_URL at a database of its own"
        )
    started = time.perf_counter()
    anchor = timezone.localdate()
    with transaction.atomic():
        generate(scale, anchor, log=log)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in (
            "cases_situation",
            "cases_warningindicator",
            "cases_engagement",
            "cases_assessment",
            "cases_situation_shared_with",
            "partners_change",
            "partners_feedrecord",
        ):
            cursor.execute(f"ANALYZE {table}")
    log(f"generated the {scale.name} data set in {elapsed:.1f} s")
    return Dataset(scale.name, scale.situations, anchor, elapsed)


def _step(cursor, log, label: str, sql: str, params: dict | None = None) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params or {})
    log(f"  {label}: {cursor.rowcount} rows in {time.perf_counter() - started:.1f} s")


def generate(scale: Scale, anchor: dt.date, *, log=print) -> None:
    """Empty the data tables and fill them for ``scale`` (call inside a transaction)."""
    now = timezone.now()
    params = {
        "n": scale.situations,
        "ipers": scale.indicators_per_situation,
        "epers": scale.engagements_per_situation,
        "anchor": anchor,
        "now": now,
        # Every record was last touched a day before the run at the latest: a data set at rest
        # (the first incremental recompute finds nothing changed, nothing is dated in the future).
        "rest": now - dt.timedelta(days=1),
        "actors": ACTORS,
        "countries": COUNTRIES,
        "regions": list(Region.values),
        "crises": list(CrisisType.values),
        "stages": list(ConflictStage.values),
        "statuses": list(SituationStatus.values),
        "categories": list(IndicatorCategory.values),
        "instruments": list(Instrument.values),
        "tracks": list(Track.values),
        "kinds": list(ActorKind.values),
        "partner": PARTNER_ACTOR,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        _rnd_function(cursor)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (scale text, situations int, "
            "anchor date, seed int, generated_at timestamptz)"
        )
        cursor.execute(f"DELETE FROM {MARKER}")
        cursor.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
        cursor.execute("UPDATE alerts_measuresettings SET intervals_computed_at = NULL")
        log(f"generating {scale.name}: {scale.situations} situations")
        _step(cursor, log, "actors", ACTORS_SQL, params)
        _step(cursor, log, "situation plan", PLAN_SQL, params)
        _step(cursor, log, "situations", SITUATIONS_SQL, params)
        _step(cursor, log, "sharing lists", SHARED_SQL, params)
        _step(cursor, log, "warning indicators", INDICATORS_SQL, params)
        _step(cursor, log, "engagements", ENGAGEMENTS_SQL, params)
        _step(cursor, log, "assessments", ASSESSMENTS_SQL, params)
        _step(cursor, log, "audiences", AUDIENCE_SQL, params)
        _step(cursor, log, "feed records", FEED_RECORDS_SQL, params)
        _step(cursor, log, "feed changes", FEED_CHANGES_SQL, params)
        cursor.execute(
            f"INSERT INTO {MARKER} VALUES (%s, %s, %s, %s, %s)",
            [scale.name, scale.situations, anchor, SEED + LAYOUT, now],
        )


def rnd(key: str, m: int | str) -> str:
    """SQL: a number in 0 … m-1 drawn from ``key`` (an SQL text expression)."""
    return f"pg_temp.bench_rnd({key}, {m})"


def pick(array: str, key: str) -> str:
    """SQL: an element of the array parameter ``array`` drawn from ``key``."""
    return f"(%({array})s::text[])[1 + {rnd(key, f'cardinality(%({array})s::text[])')}]"


def actor_id(number_sql: str) -> str:
    return f"md5('bench-actor-' || ({number_sql}))::uuid"


ACTORS_SQL = f"""
INSERT INTO cases_actor (id, version, created_at, updated_at, name, acronym, kind, country,
                         description, parent_id)
SELECT {actor_id("a")}, 1, %(now)s, %(now)s, 'Bench organisation ' || a, 'BA' || a,
       {pick("kinds", "'a-k-' || a")}, '', '', NULL
FROM generate_series(1, %(actors)s) a
"""

# One row per situation with what its children need: its id, first day, activity and sharing.
PLAN_SQL = f"""
CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
SELECT n, md5('bench-s-' || n)::uuid AS id, active,
       %(anchor)s::date - CASE WHEN active THEN {rnd("'s-d0-' || n", 60)}
                               ELSE 60 + {rnd("'s-d0-' || n", 3590)} END AS start,
       CASE WHEN r < 20 THEN 'clear' WHEN r < 50 THEN 'green' WHEN r < 75 THEN 'amber'
            WHEN r < 90 THEN 'amber+strict' ELSE 'red' END AS sharing
FROM (SELECT n, {rnd("'s-act-' || n", 10)} = 0 AS active, {rnd("'s-tlp-' || n", 100)} AS r
      FROM generate_series(1, %(n)s) n) drawn
"""

SITUATIONS_SQL = f"""
INSERT INTO cases_situation (id, version, created_at, updated_at, title, slug, countries, region,
                             subregion, crisis_type, conflict_stage, status, risk_level, sharing,
                             summary)
SELECT id, 1, LEAST(created, %(rest)s::timestamptz),
       LEAST(created + make_interval(days => {rnd("'s-upd-' || n", 400)}), %(rest)s::timestamptz),
       'Bench situation ' || n, 'bench-s-' || n, {pick("countries", "'s-c-' || n")},
       {pick("regions", "'s-r-' || n")}, '', {pick("crises", "'s-t-' || n")},
       {pick("stages", "'s-g-' || n")}, {pick("statuses", "'s-st-' || n")},
       1 + {rnd("'s-risk-' || n", 4)}, sharing, 'Synthetic situation for the benchmark.'
FROM (SELECT p.*, p.start::timestamptz + make_interval(secs => {rnd("'s-sec-' || n", 86400)})
             AS created
      FROM bench_plan p) planned
ORDER BY 3
"""

_SHARED_ACTOR = (
    "CASE WHEN k = 1 AND "
    + rnd("'sh-p-' || p.n", 10)
    + " < 4 THEN %(partner)s ELSE 1 + "
    + rnd("'sh-' || p.n || '-' || k", "%(actors)s")
    + " END"
)

SHARED_SQL = f"""
INSERT INTO cases_situation_shared_with (situation_id, actor_id)
SELECT DISTINCT p.id,
       {actor_id(_SHARED_ACTOR)}
FROM bench_plan p CROSS JOIN generate_series(1, 3) k
WHERE p.sharing IN ('amber', 'amber+strict') AND k <= 1 + {rnd("'sh-n-' || p.n", 3)}
"""

INDICATORS_SQL = f"""
INSERT INTO cases_warningindicator (id, version, created_at, updated_at, category, severity,
                                    description, observed_on, observed_precision,
                                    threshold_moment, source, reported_by_id, situation_id)
SELECT md5(rkey)::uuid, 1, LEAST(stamp0, %(rest)s::timestamptz),
       LEAST(stamp0, %(rest)s::timestamptz), {pick("categories", "'i-c-' || rkey")},
       CASE WHEN sev < 30 THEN 1 WHEN sev < 60 THEN 2 WHEN sev < 85 THEN 3 ELSE 4 END,
       'Synthetic warning sign',
       CASE prec WHEN 'year' THEN date_trunc('year', obs_day)::date
                 WHEN 'month' THEN date_trunc('month', obs_day)::date ELSE obs_day END,
       prec, {rnd("'i-t-' || rkey", 100)} < 5, '',
       CASE WHEN {rnd("'i-rb-' || rkey", 10)} < 3
            THEN {actor_id("1 + " + rnd("'i-a-' || rkey", "%(actors)s"))} END,
       id
FROM (
    SELECT p.id, rkey,
           LEAST(%(anchor)s::date,
                 p.start + {rnd("'i-d-' || rkey", "CASE WHEN p.active THEN 60 ELSE 720 END")}) AS obs_day,
           CASE WHEN pr < 70 THEN 'day' WHEN pr < 90 THEN 'month' ELSE 'year' END AS prec,
           {rnd("'i-s-' || rkey", 100)} AS sev,
           LEAST(%(anchor)s::date,
                 p.start + {rnd("'i-d-' || rkey", "CASE WHEN p.active THEN 60 ELSE 720 END")})
               ::timestamptz + make_interval(secs => {rnd("'i-sec-' || rkey", 86400)}) AS stamp0
    FROM bench_plan p CROSS JOIN generate_series(1, %(ipers)s) i
    CROSS JOIN LATERAL (SELECT 'bench-i-' || p.n || '-' || i AS rkey) k
    CROSS JOIN LATERAL (SELECT {rnd("'i-p-' || rkey", 100)} AS pr) r
) drawn
ORDER BY 3
"""

ENGAGEMENTS_SQL = f"""
INSERT INTO cases_engagement (id, version, created_at, updated_at, title, instrument, track,
                              started_on, started_precision, ended_on, ended_precision, objective,
                              outcome, lead_actor_id, situation_id)
SELECT md5(rkey)::uuid, 1, LEAST(stamp0, %(rest)s::timestamptz),
       LEAST(stamp0, %(rest)s::timestamptz), 'Bench engagement ' || n || '-' || j,
       {pick("instruments", "'e-i-' || rkey")}, {pick("tracks", "'e-t-' || rkey")},
       CASE WHEN unknown THEN NULL
            WHEN prec = 'year' THEN date_trunc('year', obs_day)::date
            WHEN prec = 'month' THEN date_trunc('month', obs_day)::date ELSE obs_day END,
       prec,
       CASE WHEN ended AND NOT unknown
            THEN LEAST(%(anchor)s::date, obs_day + {rnd("'e-end-' || rkey", 365)}) END,
       'day', '',
       CASE WHEN ended AND NOT unknown
            THEN (ARRAY['averted', 'unresolved', 'escalated', 'not-stated'])[1 + {rnd("'e-o-' || rkey", 4)}]
            ELSE 'ongoing' END,
       {actor_id("1 + " + rnd("'e-a-' || rkey", "%(actors)s"))}, id
FROM (
    SELECT p.id, p.n, j, rkey,
           -- From a month before the situation's start: some steps precede every warning.
           LEAST(%(anchor)s::date, p.start - 30
                 + {rnd("'e-d-' || rkey", "CASE WHEN p.active THEN 90 ELSE 900 END")}) AS obs_day,
           CASE WHEN pr < 60 THEN 'day' WHEN pr < 90 THEN 'month' ELSE 'year' END AS prec,
           {rnd("'e-u-' || rkey", 100)} < 5 AS unknown,
           {rnd("'e-x-' || rkey", 2)} = 0 AS ended,
           (p.start - 30)::timestamptz + make_interval(days => {rnd("'e-d-' || rkey", 900)})
               AS stamp0
    FROM bench_plan p CROSS JOIN generate_series(1, %(epers)s) j
    CROSS JOIN LATERAL (SELECT 'bench-e-' || p.n || '-' || j AS rkey) k
    CROSS JOIN LATERAL (SELECT {rnd("'e-p-' || rkey", 100)} AS pr) r
) drawn
ORDER BY 3
"""

ASSESSMENTS_SQL = f"""
INSERT INTO cases_assessment (id, version, created_at, updated_at, rating, evidence,
                              assessed_by_id, engagement_id, element_id)
SELECT md5('bench-a-' || e.id || '-' || el.id)::uuid, 1, e.updated_at, e.updated_at,
       {rnd("'a-r-' || e.id || el.id", 4)}, '', NULL, e.id, el.id
FROM cases_engagement e CROSS JOIN cases_successelement el
WHERE e.ended_on IS NOT NULL AND {rnd("'a-' || e.id", 10)} < 3
ORDER BY 3
"""

# Who may read each situation's records, encoded as ``feed.audience.Audience`` encodes it.
AUDIENCE_SQL = """
CREATE TEMP TABLE bench_audience ON COMMIT DROP AS
SELECT s.id, s.sharing IN ('clear', 'green') AS open,
       CASE WHEN s.sharing IN ('amber', 'amber+strict') THEN COALESCE(
           (SELECT string_agg(replace(w.actor_id::text, '-', ''), ','
                              ORDER BY replace(w.actor_id::text, '-', ''))
            FROM cases_situation_shared_with w WHERE w.situation_id = s.id), '')
       ELSE '' END AS actors
FROM cases_situation s
"""

FEED_RECORDS_SQL = """
INSERT INTO partners_feedrecord (type, object_id, situation_id, seq, content_seq, version, deleted,
                                 audience_open, audience_actors, created_by_id)
SELECT type, object_id, situation_id, 1, 1, 1, false, open, actors, NULL FROM (
    SELECT 'actor' AS type, a.id AS object_id, NULL::uuid AS situation_id, true AS open,
           '' AS actors, a.created_at AS at
    FROM cases_actor a
    UNION ALL
    SELECT 'situation', s.id, NULL, au.open, au.actors, s.created_at
    FROM cases_situation s JOIN bench_audience au ON au.id = s.id
    UNION ALL
    SELECT 'indicator', i.id, i.situation_id, au.open, au.actors, i.created_at
    FROM cases_warningindicator i JOIN bench_audience au ON au.id = i.situation_id
    UNION ALL
    SELECT 'engagement', e.id, e.situation_id, au.open, au.actors, e.created_at
    FROM cases_engagement e JOIN bench_audience au ON au.id = e.situation_id
    UNION ALL
    SELECT 'assessment', x.id, e.situation_id, au.open, au.actors, x.created_at
    FROM cases_assessment x JOIN cases_engagement e ON e.id = x.engagement_id
    JOIN bench_audience au ON au.id = e.situation_id
) records ORDER BY at, type, object_id
"""

# Positioned already: no transaction is older than the load, so the positioner has nothing to do.
FEED_CHANGES_SQL = """
INSERT INTO partners_change (position, xid, type, object_id, seq, op, content, version,
                             before_open, before_actors, after_open, after_actors, recorded_at)
SELECT id, NULL, type, object_id, 1, 'upsert', true, 1, false, '', audience_open,
       audience_actors, %(now)s
FROM partners_feedrecord ORDER BY id
"""
