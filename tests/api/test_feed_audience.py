"""The feed's audience of every change comes from the committed state — level and list together
(issue 14, finding 2): no partner receives an id, even as a delete, it was never cleared for."""

from __future__ import annotations

import itertools

import pytest

from cases.models import Situation
from tests.factories import SituationFactory, WarningIndicatorFactory

pytestmark = pytest.mark.django_db

LEVELS = ["clear", "green", "amber", "amber+strict", "red"]


def cleared(level: str, listed: bool) -> bool:
    return level in ("clear", "green") or (level in ("amber", "amber+strict") and listed)


def test_relabelling_a_red_situation_that_still_lists_a_partner_tells_it_nothing(
    make_api, internal_api
):
    ecowas, au = make_api(), make_api()
    situation = SituationFactory(sharing="red", shared_with=[ecowas.partner.actor])
    sign = WarningIndicatorFactory(situation=situation)
    start = ecowas.get("changes/").json()["cursor"]
    response = internal_api.patch(
        f"/api/v1/situations/{situation.pk}/",
        {"sharing": "amber", "shared_with": [str(au.partner.actor.pk)]},
        format="json",
    )
    assert response.status_code == 200
    told = ecowas.get("changes/", {"since": start}).json()["changes"]
    assert {e["id"] for e in told} & {str(situation.pk), str(sign.pk)} == set()
    au_told = {(e["id"], e["op"]) for e in au.get("changes/").json()["changes"]}
    assert (str(situation.pk), "upsert") in au_told and (str(sign.pk), "upsert") in au_told


@pytest.mark.parametrize("order", ["level-then-list", "list-then-level", "together"])
def test_every_change_of_level_and_list_tells_only_those_cleared(make_api, internal_api, order):
    """Every pair of states (level × listed or not), reached in separate transactions in either
    order or at once: a partner is told of the records (upsert or delete) only if it was cleared
    in the state before or the state after."""
    ecowas = make_api()
    actor = str(ecowas.partner.actor.pk)
    states = list(itertools.product(LEVELS, (True, False)))
    for (level_a, listed_a), (level_b, listed_b) in itertools.product(states, states):
        situation = SituationFactory(
            sharing=level_a, shared_with=[ecowas.partner.actor] if listed_a else []
        )
        sign = WarningIndicatorFactory(situation=situation)
        start = ecowas.get("changes/", {"limit": 5000}).json()["cursor"]
        path = f"/api/v1/situations/{situation.pk}/"
        level_change = {"sharing": level_b}
        list_change = {"shared_with": [actor] if listed_b else []}
        steps = {
            "level-then-list": [level_change, list_change],
            "list-then-level": [list_change, level_change],
            "together": [{**level_change, **list_change}],
        }[order]
        for step in steps:
            assert internal_api.patch(path, step, format="json").status_code == 200
        # Every committed state along the way, the middle one included.
        passed = [(level_a, listed_a)]
        state = dict(level=level_a, listed=listed_a)
        for step in steps:
            state["level"] = step.get("sharing", state["level"])
            if "shared_with" in step:
                state["listed"] = bool(step["shared_with"])
            passed.append((state["level"], state["listed"]))
        ever_cleared = any(cleared(level, listed) for level, listed in passed)
        told = ecowas.get("changes/", {"since": start, "limit": 5000}).json()["changes"]
        ids = {e["id"] for e in told}
        if not ever_cleared:
            assert ids & {str(situation.pk), str(sign.pk)} == set(), (
                order,
                (level_a, listed_a),
                (level_b, listed_b),
                told,
            )
        final = cleared(level_b, listed_b)
        if final:
            ops = {e["id"]: e["op"] for e in told if e["id"] == str(situation.pk)}
            if ops:
                assert ops[str(situation.pk)] == "upsert"
        # Out of the way of the next pair without a feed entry (a desk delete would tell
        # the partner a tombstone when it is cleared, which is right but not the point here).
        Situation.objects.filter(pk=situation.pk).delete()
