"""The log of transactions that changed what the dashboard figures read (dropped by 0003: the
figures are now stored by their writer, the interval recompute).

A statement-level trigger on each table the figures read notes the id of the
writing transaction in ``dashboards_datachange`` (one row per transaction, whatever wrote: the
ORM, bulk statements, raw SQL, COPY or TRUNCATE). ``dashboards.freshness`` keeps figures computed
under a snapshot and serves them again only while no transaction outside that snapshot has
committed a change. Inserts of distinct transactions never wait on each other, so writers are not
serialised.
"""

from django.db import migrations

TABLES = {
    "alerts_situationinterval",
    "cases_situation",
    "cases_situation_shared_with",
    "cases_engagement",
    "cases_warningindicator",
}

CREATE = """
CREATE TABLE dashboards_datachange (xid xid8 PRIMARY KEY);
CREATE FUNCTION dashboards_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboards_datachange (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- This database's first change: a snapshot taken before it existed (an earlier database of the
-- same name, say) never passes for current.
INSERT INTO dashboards_datachange (xid) VALUES (pg_current_xact_id());
"""
TRIGGER = (
    "CREATE TRIGGER dashboards_note_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION dashboards_note_change();"
)
DROP = "DROP FUNCTION IF EXISTS dashboards_note_change() CASCADE; DROP TABLE IF EXISTS dashboards_datachange;"


def forwards(apps, schema_editor):
    schema_editor.execute(CREATE)
    for table in sorted(TABLES):
        schema_editor.execute(TRIGGER.format(table=schema_editor.quote_name(table)))


def backwards(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0006_alert_status_level_idx"),
        ("cases", "0004_engagement_undated_last"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
