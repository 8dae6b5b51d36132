"""The change log pruned as it goes: one writing transaction in 64 removes the rows of every
transaction that had finished before its snapshot (PostgreSQL only).

Why a kept figure stays correct: the pruning transaction P also notes itself. A figure whose
snapshot was taken before P committed does not see P, so P's row marks it stale; a figure
whose snapshot came later saw every removed transaction already (they finished before P's
snapshot), so their rows could not have marked it stale. Rows another pruner holds are skipped,
so writers never wait on each other.
"""

from django.db import migrations

REPLACE = """
CREATE OR REPLACE FUNCTION dashboards_prune_changes() RETURNS void LANGUAGE sql AS $$
    INSERT INTO dashboards_datachange (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    DELETE FROM dashboards_datachange WHERE xid IN (
        SELECT xid FROM dashboards_datachange
        WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
        FOR UPDATE SKIP LOCKED
    );
$$;
CREATE OR REPLACE FUNCTION dashboards_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboards_datachange (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    IF mod(pg_current_xact_id()::text::bigint, 64) = 0 THEN
        PERFORM dashboards_prune_changes();
    END IF;
    RETURN NULL;
END
$$;
"""
RESTORE = """
CREATE OR REPLACE FUNCTION dashboards_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboards_datachange (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP FUNCTION IF EXISTS dashboards_prune_changes();
"""


def forwards(apps, schema_editor):
    schema_editor.execute(REPLACE)


def backwards(apps, schema_editor):
    schema_editor.execute(RESTORE)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_data_changes")]

    operations = [migrations.RunPython(forwards, backwards)]
