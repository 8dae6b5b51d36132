"""(e) ``POST /api/v1/<resource>/batch/`` with the documented maximum of 1,000 records.

A partner token with the write scope sends, to the gunicorn server, one batch of each kind of
record it writes: 1,000 new situations (GREEN, so it may read what it wrote), the same 1,000 sent
again with a changed summary (1,000 updates), then 1,000 warning signs, engagements, briefings
(one on each of those situations), assessments (one on each engagement) and actors. Each figure
is the wall time of one request as the client sees it: validation, the writes with their history
and change-feed entries, the commit and the response. The records are deleted afterwards, so the
data set stays as generated for the next run.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid

from django.db import connection, transaction

from cases.choices import (
    ActorKind,
    BriefingKind,
    CrisisType,
    IndicatorCategory,
    Instrument,
    Region,
)
from cases.models import Actor, Assessment, Situation, SuccessElement

from .figures import COUNT, Figure

SIZE = 1000  # api.views.MAX_BATCH, the largest batch the API takes
KINDS = (
    ("situations", "situations (create)"),
    ("situations.update", "situations (update)"),
    ("indicators", "warning signs"),
    ("engagements", "engagements"),
    ("briefings", "briefings"),
    ("assessments", "assessments"),
    ("actors", "actors"),
)


def post(port: int, path: str, token: str, body: dict) -> tuple[float, int, dict]:
    """Seconds, status and JSON of one POST (a fresh connection, as a partner's job sends it)."""
    payload = json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        started = time.perf_counter()
        conn.request(
            "POST",
            path,
            body=payload,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        raw = response.read()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"body": raw[:300].decode(errors="replace")}
    return seconds, response.status, data


def records(kind: str, run: str, ids: dict[str, list[str]], actor_id: str, element: str) -> list:
    n = range(SIZE)
    if kind == "situations":
        return [
            {
                "id": ids["situations"][i],
                "title": f"Batch {run} situation {i}",
                "slug": f"batch-{run}-{i}",
                "region": Region.AFRICA,
                "crisis_type": CrisisType.values[i % len(CrisisType.values)],
                "sharing": "green",
                "summary": "first",
            }
            for i in n
        ]
    if kind == "situations.update":
        return [
            {**record, "summary": "second"}
            for record in records("situations", run, ids, actor_id, element)
        ]
    if kind == "indicators":
        return [
            {
                "situation": ids["situations"][i],
                "category": IndicatorCategory.values[i % len(IndicatorCategory.values)],
                "severity": 1 + i % 4,
                "description": f"Batch sign {i}",
                "observed_on": "2010-06-01",
            }
            for i in n
        ]
    if kind == "engagements":
        return [
            {
                "id": ids["engagements"][i],
                "situation": ids["situations"][i],
                "title": f"Batch engagement {i}",
                "instrument": Instrument.values[i % len(Instrument.values)],
                "lead_actor": actor_id,
                "started_on": "2010-07-01",
            }
            for i in n
        ]
    if kind == "briefings":
        return [
            {
                "situation": ids["situations"][i],
                "kind": BriefingKind.values[i % len(BriefingKind.values)],
                "briefed_on": "2010-06-15",
            }
            for i in n
        ]
    if kind == "assessments":
        return [
            {"engagement": ids["engagements"][i], "element": element, "rating": i % 4} for i in n
        ]
    if kind == "actors":
        return [
            {"name": f"Batch {run} actor {i}", "kind": ActorKind.values[i % len(ActorKind.values)]}
            for i in n
        ]
    raise ValueError(kind)


def measure(port: int, token: str) -> list[Figure]:
    run = uuid.uuid4().hex[:8]
    ids = {
        "situations": [str(uuid.uuid4()) for _ in range(SIZE)],
        "engagements": [str(uuid.uuid4()) for _ in range(SIZE)],
    }
    actor_id = str(Actor.objects.order_by("name").values_list("pk", flat=True).first())
    element = SuccessElement.objects.order_by("order").values_list("code", flat=True).first()
    figures = []
    try:
        for kind, label in KINDS:
            resource = kind.split(".")[0]
            seconds, status, data = post(
                port,
                f"/api/v1/{resource}/batch/",
                token,
                {"records": records(kind, run, ids, actor_id, element)},
            )
            if status != 200:
                raise AssertionError(f"batch of {resource} answered {status}: {str(data)[:300]}")
            expected = "updated" if kind.endswith(".update") else "created"
            statuses = {row["status"] for row in data["results"]}
            if len(data["results"]) != SIZE or statuses != {expected}:
                raise AssertionError(f"batch of {resource}: {len(data['results'])} {statuses}")
            figures.append(
                Figure(f"batch.{kind}.seconds", f"batch of {SIZE:,} {label}", seconds, "s")
            )
    finally:
        clean_up(ids["situations"], run)
    figures.append(Figure("batch.size", "records per batch", SIZE, "records", COUNT))
    return figures


def clean_up(situation_ids: list[str], run: str = "") -> None:
    """Delete these situations and what hangs on them, and the actors of batch ``run`` (none if
    empty), with their history and feed rows: the data set stays as generated."""
    with transaction.atomic():
        written: dict[str, list] = {}
        for model, rows in (
            (Situation, Situation.objects.filter(pk__in=situation_ids)),
            (
                Actor,
                Actor.objects.filter(name__startswith=f"Batch {run} actor ")
                if run
                else Actor.objects.none(),
            ),
        ):
            written[model._meta.db_table] = list(rows.values_list("pk", flat=True))
        situations = Situation.objects.filter(pk__in=situation_ids)
        for relation in ("indicators", "engagements", "briefings"):
            model = Situation._meta.get_field(relation).related_model
            written[model._meta.db_table] = list(
                model.objects.filter(situation__in=situations).values_list("pk", flat=True)
            )
        written[Assessment._meta.db_table] = list(
            Assessment.objects.filter(engagement__situation__in=situations).values_list(
                "pk", flat=True
            )
        )
        everything = [pk for pks in written.values() for pk in pks]
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM cases_historicalsituation_shared_with WHERE history_id IN "
                "(SELECT history_id FROM cases_historicalsituation WHERE id = ANY(%s::uuid[]))",
                [everything],
            )
            for table in written:
                history = table.replace("cases_", "cases_historical")
                cursor.execute(f"DELETE FROM {history} WHERE id = ANY(%s::uuid[])", [everything])
            cursor.execute(
                "DELETE FROM partners_change WHERE object_id = ANY(%s::uuid[])", [everything]
            )
            cursor.execute(
                "DELETE FROM partners_feedrecord WHERE object_id = ANY(%s::uuid[])", [everything]
            )
        situations.delete()
        if run:
            Actor.objects.filter(name__startswith=f"Batch {run} actor ").delete()
