"""Remote records as another tracker's change feed shows them (``/api/v1/changes/``)."""

from __future__ import annotations

import uuid

from federation.apply import Entry


def situation(id_=None, **changes) -> dict:
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "title": "Remote situation",
        "slug": f"remote-{uuid.uuid4().hex[:8]}",
        "countries": ["GN"],
        "region": "africa",
        "subregion": "western-africa",
        "crisis_type": "constitutional-crisis",
        "conflict_stage": "escalation",
        "status": "monitoring",
        "status_on": None,
        "status_precision": "day",
        "as_of": None,
        "as_of_issued_on": None,
        "risk_level": 2,
        "sharing": "green",
        "shared_with": [],
        "accepts_contributions": None,
        "summary": "",
        "citations": [],
    }
    return {**body, **changes}


def indicator(situation_id, id_=None, **changes) -> dict:
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "situation": str(situation_id),
        "category": "political-tension",
        "severity": 3,
        "description": "Troops seen near the border",
        "observed_on": "2010-06-10",
        "observed_precision": "day",
        "reported_on": None,
        "reported_precision": None,
        "reported_by": None,
        "threshold_moment": False,
        "source": "",
        "citations": [],
        "answered_by": [],
    }
    return {**body, **changes}


def actor(id_=None, **changes) -> dict:
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "name": "Remote organisation",
        "acronym": "RO",
        "kind": "regional-organisation",
        "parent": None,
        "country": "",
        "description": "",
        "citations": [],
    }
    return {**body, **changes}


def engagement(situation_id, lead_actor=None, partners=(), responds_to=(), id_=None, **changes):
    """``partners``: (actor id, role) pairs; ``responds_to``: the ids of the signs it answers."""
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "situation": str(situation_id),
        "title": "Good offices of the regional envoy",
        "instrument": "good-offices",
        "track": "I",
        "lead_actor": None if lead_actor is None else str(lead_actor),
        "partners": [{"actor": str(a), "role": r} for a, r in partners],
        "started_on": "2010-06-20",
        "started_precision": "day",
        "ended_on": None,
        "ended_precision": "day",
        "objective": "Talks between the parties",
        "outcome": "ongoing",
        "citations": [],
        "responds_to": [str(i) for i in responds_to],
    }
    return {**body, **changes}


def briefing(situation_id, id_=None, **changes) -> dict:
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "situation": str(situation_id),
        "kind": "note-to-sg",
        "briefed_on": "2010-06-16",
        "briefed_precision": "day",
        "recipient": None,
        "summary": "The Secretary-General was told of the troop movements",
        "citations": [],
    }
    return {**body, **changes}


def assessment(engagement_id, id_=None, **changes) -> dict:
    body = {
        "id": str(id_ or uuid.uuid4()),
        "version": 1,
        "engagement": str(engagement_id),
        "element": "early-warning",
        "rating": 2,
        "evidence": "The warning reached the envoy within days",
        "citations": [],
    }
    return {**body, **changes}


def upsert(type_: str, body: dict, version: int = 1) -> Entry:
    return Entry(type_, uuid.UUID(body["id"]), "upsert", version, body)


def delete(type_: str, id_, version: int = 1) -> Entry:
    return Entry(type_, uuid.UUID(str(id_)), "delete", version, None)
