"""``manage.py backup FILE`` and ``manage.py restore FILE`` (issue 16): a round trip gives back
every table's rows; bad input ends the command with a one-line reason and changes nothing.

The tests' own database is backed up; restores go into a scratch database made for the test (the
test database stays the session's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from psycopg import sql

from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import Severity
from tests.factories import (
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
    WebhookSubscriptionFactory,
)

ROOT = Path(__file__).resolve().parent.parent


def table_counts(url: str) -> dict[str, int]:
    """Rows per table of the database at ``url`` (every table of its public schema)."""
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


def the_tests_database_url() -> str:
    from django.db import connection

    from tests.conftest import url_of_database

    return url_of_database(connection.settings_dict["NAME"])


@pytest.fixture
def committed_data(transactional_db):
    """Situations, signs, engagements, alerts and a webhook, committed (pg_dump reads only
    committed rows); the session's data comes back after the test (serialized rollback)."""
    DeskOfficerFactory()
    WebhookSubscriptionFactory()
    for n in range(3):
        situation = SituationFactory(title=f"Situation {n}")
        WarningIndicatorFactory.create_batch(2, situation=situation, severity=Severity.CRITICAL)
        EngagementFactory(situation=situation)
    recompute_intervals()
    evaluate_rules()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_every_row(committed_data, tmp_path, fresh_database_url):
    source = the_tests_database_url()
    before = table_counts(source)
    assert before["cases_situation"] == 3 and before["alerts_webhooksubscription"] == 1

    backup_file = tmp_path / "tracker.dump"
    call_command("backup", str(backup_file))
    assert backup_file.stat().st_size > 0
    assert not list(tmp_path.glob(".*partial"))

    call_command("restore", str(backup_file), "--no-input", "--database-url", fresh_database_url)
    assert table_counts(fresh_database_url) == before

    # Change the restored copy — delete, add, empty a table — then restore again: as before.
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute("DELETE FROM alerts_deliveryattempt")
        connection.execute("DELETE FROM alerts_notification")
        connection.execute("DELETE FROM alerts_alertevent")
        connection.execute("DELETE FROM alerts_alert")
        connection.execute("UPDATE cases_situation SET title = 'changed'")
        connection.execute("INSERT INTO auth_group (name) VALUES ('made after the backup')")
    changed = table_counts(fresh_database_url)
    assert changed != before
    call_command("restore", str(backup_file), "--no-input", "--database-url", fresh_database_url)
    assert table_counts(fresh_database_url) == before
    with psycopg.connect(fresh_database_url) as connection:
        titles = {row[0] for row in connection.execute("SELECT title FROM cases_situation")}
    assert titles == {"Situation 0", "Situation 1", "Situation 2"}


def test_backup_refuses_bad_files_in_one_line(db, tmp_path):
    cases = [
        (tmp_path / "missing" / "tracker.dump", "does not exist"),
        (tmp_path, "is a folder"),
    ]
    existing = tmp_path / "kept.dump"
    existing.write_text("keep me")
    cases.append((existing, "exists"))
    for path, reason in cases:
        with pytest.raises(CommandError) as refused:
            call_command("backup", str(path))
        message = str(refused.value)
        assert reason in message and "\n" not in message
    assert existing.read_text() == "keep me"


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(db, tmp_path, fresh_database_url):
    before = table_counts(fresh_database_url)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup\n")
    truncated = tmp_path / "truncated.dump"
    call_command("backup", str(truncated), "--database-url", the_tests_database_url())
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) * 9 // 10])

    for path, reason in [
        (tmp_path / "missing.dump", "is not a file"),
        (not_a_backup, "is not a backup made by manage.py backup"),
        (truncated, "is not a backup made by manage.py backup"),
    ]:
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(path), "--no-input", "--database-url", fresh_database_url)
        message = str(refused.value)
        assert reason in message, message
        assert "\n" not in message
    assert table_counts(fresh_database_url) == before


def test_the_database_url_must_be_postgresql(db, tmp_path):
    for command in ("backup", "restore"):
        with pytest.raises(CommandError) as refused:
            call_command(command, str(tmp_path / "x.dump"), "--database-url", "mysql://db/tracker")
        assert "PostgreSQL" in str(refused.value)


def test_restore_asks_before_replacing_the_data(db, tmp_path, fresh_database_url, monkeypatch):
    backup_file = tmp_path / "tracker.dump"
    call_command("backup", str(backup_file), "--database-url", the_tests_database_url())
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="not confirmed"):
        call_command("restore", str(backup_file), "--database-url", fresh_database_url)
    assert table_counts(fresh_database_url) == {}


def test_a_refused_command_exits_non_zero_with_one_line(db, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "missing.dump"), "--no-input"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"CommandError: restore: {tmp_path / 'missing.dump'} is not a file"
    ]


def test_a_failed_restore_changes_nothing(db, tmp_path, fresh_database_url):
    """A statement fails part-way through the restore, after the target was emptied (here an
    event trigger of the target's refuses to create the situations' table): everything the
    restore did before — the emptying included — is undone."""
    backup_file = tmp_path / "tracker.dump"
    call_command("backup", str(backup_file), "--database-url", the_tests_database_url())
    call_command("restore", str(backup_file), "--no-input", "--database-url", fresh_database_url)
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute("INSERT INTO auth_group (name) VALUES ('made after the backup')")
        connection.execute("CREATE SCHEMA guard")
        connection.execute(
            "CREATE FUNCTION guard.refuse() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() "
            "WHERE object_identity = 'public.cases_situation') THEN "
            "RAISE EXCEPTION 'no situations table here'; END IF; END $$"
        )
        connection.execute(
            "CREATE EVENT TRIGGER refuse_situations ON ddl_command_end "
            "WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION guard.refuse()"
        )
    before = table_counts(fresh_database_url)

    with pytest.raises(CommandError) as refused:
        call_command(
            "restore", str(backup_file), "--no-input", "--database-url", fresh_database_url
        )
    assert "nothing was changed" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert table_counts(fresh_database_url) == before
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute("DROP EVENT TRIGGER refuse_situations")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_leaves_the_database_as_the_backup_left_it(
    committed_data, tmp_path, fresh_database_url
):
    """Restoring over a database a later release has migrated further: its new tables — one
    pointing at a restored table, which stopped the restore before — and a view of its own go,
    so ``manage.py migrate`` starts from the backup's state."""
    backup_file = tmp_path / "tracker.dump"
    call_command("backup", str(backup_file), "--database-url", the_tests_database_url())
    call_command("restore", str(backup_file), "--no-input", "--database-url", fresh_database_url)
    expected = table_counts(fresh_database_url)
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute(
            "CREATE TABLE cases_later_release (id serial PRIMARY KEY, "
            "situation_id uuid NOT NULL REFERENCES cases_situation (id))"
        )
        connection.execute(
            "INSERT INTO cases_later_release (situation_id) SELECT id FROM cases_situation"
        )
        connection.execute("CREATE VIEW group_names AS SELECT name FROM auth_group")

    call_command("restore", str(backup_file), "--no-input", "--database-url", fresh_database_url)
    assert table_counts(fresh_database_url) == expected
    with psycopg.connect(fresh_database_url) as connection:
        left = connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname IN ('cases_later_release', 'group_names')"
        ).fetchone()[0]
    assert left == 0
