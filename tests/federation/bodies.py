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


def upsert(type_: str, body: dict, version: int = 1) -> Entry:
    return Entry(type_, uuid.UUID(body["id"]), "upsert", version, body)


def delete(type_: str, id_, version: int = 1) -> Entry:
    return Entry(type_, uuid.UUID(str(id_)), "delete", version, None)
