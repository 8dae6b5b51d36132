"""A record's History page says nothing where there is nothing to say (issue 15: "Change
reason: None")."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cases import services
from tests.factories import DeskOfficerFactory, SituationFactory

pytestmark = pytest.mark.django_db


def history_cells(client: Client, situation) -> list[str]:
    html = client.get(f"/admin/cases/situation/{situation.pk}/history/").content.decode()
    table = re.search(r'<table id="change-history".*?</table>', html, re.S).group(0)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td>(.*?)</td>", table, re.S)
    ]


def test_history_shows_no_none_for_a_missing_reason_or_author():
    desk = DeskOfficerFactory(username="amina")
    situation = SituationFactory(title="Guinea")  # written by no one signed in
    situation.summary = "Post-electoral tension."
    services.save_situation(situation, by=desk)
    client = Client()
    client.force_login(desk)
    cells = history_cells(client, situation)
    assert cells, "no history rows"
    assert "None" not in cells
    assert "amina" in cells
    assert "not recorded" in cells  # the factory's write had no author
