"""What the STIX tests check of every bundle: OASIS's validator finds no error, every object
carries one TLP 2.0 marking."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from stix2validator import ValidationOptions, validate_string

from api.stix import MEDIA_TYPE, TLP_EXTENSION, TLP_IDS

EXPORT = "/api/v1/export/stix/"
NOT_V4 = "is not a valid UUIDv4 ID"


def situation_path(situation_id) -> str:
    return f"/api/v1/situations/{situation_id}/stix/"


def validated(response) -> tuple[dict, list[str]]:
    """The bundle of a 200 answer, checked by stix2-validator (OASIS): no error, and the text of
    each warning."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == MEDIA_TYPE
    text = response.content.decode()
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.errors == [], [str(e) for e in result.errors]
    assert result.is_valid
    return json.loads(text), [str(w) for w in result.warnings]


def ids_not_v4(bundle: dict) -> set[str]:
    """The bundle's id (a uuid5 of its content) and those of the objects that are not UUIDv4."""
    return {
        o["id"]
        for o in [bundle, *bundle["objects"]]
        if o["type"] != "marking-definition" and uuid.UUID(o["id"].split("--")[1]).version != 4
    }


def assert_marked_tlp2(bundle: dict) -> None:
    """Every object carries exactly one TLP 2.0 marking, defined in the bundle by OASIS's id."""
    defined = {o["id"]: o for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert set(defined) <= set(TLP_IDS.values())
    for marking in defined.values():
        assert set(marking["extensions"]) == {TLP_EXTENSION}
    for obj in bundle["objects"]:
        if obj["type"] == "marking-definition":
            continue
        refs = obj["object_marking_refs"]
        assert len(refs) == 1 and refs[0] in defined, obj["id"]


def by_type(bundle: dict, type_: str) -> dict[str, dict]:
    return {o["id"]: o for o in bundle["objects"] if o["type"] == type_}


def desk_client() -> APIClient:
    """A desk officer (staff) logged in by session."""
    name = f"desk-{uuid.uuid4().hex[:8]}"
    user = get_user_model().objects.create_superuser(name, f"{name}@example.org", "pw-desk-123")
    client = APIClient()
    client.force_login(user)
    return client
