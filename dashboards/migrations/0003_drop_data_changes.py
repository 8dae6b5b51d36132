"""The log of transactions that changed what the dashboard figures read is gone: the overview's
interval figures are stored by the interval recompute (``alerts.IntervalSummary``,
``alerts.IntervalFigure``), their only writer. Drops the triggers on the five watched tables (with
the function they call), the pruning function and the log table of migrations 0001 and 0002."""

from django.db import migrations

DROP = """
DROP FUNCTION IF EXISTS dashboards_note_change() CASCADE;
DROP FUNCTION IF EXISTS dashboards_prune_changes();
DROP TABLE IF EXISTS dashboards_datachange;
"""


def restore(apps, schema_editor):
    """Back to 0002: the log, its triggers and its pruning as those migrations made them."""
    from importlib import import_module

    import_module("dashboards.migrations.0001_data_changes").forwards(apps, schema_editor)
    import_module("dashboards.migrations.0002_prune_data_changes").forwards(apps, schema_editor)


def drop(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0002_prune_data_changes")]

    operations = [migrations.RunPython(drop, restore)]
