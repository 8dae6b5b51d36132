from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_severities(apps, schema_editor):
    """Set-based: one UPDATE copies each warning sign's severity to its interval row."""
    IndicatorInterval = apps.get_model("alerts", "IndicatorInterval")
    WarningIndicator = apps.get_model("cases", "WarningIndicator")
    IndicatorInterval.objects.update(
        severity=Subquery(
            WarningIndicator.objects.filter(pk=OuterRef("indicator_id")).values("severity")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_defaults"),
        ("cases", "0002_success_elements_and_roles"),
    ]

    operations = [
        migrations.RenameField(model_name="alert", old_name="last_seen_at", new_name="measured_at"),
        migrations.AlterField(
            model_name="alert",
            name="measured_at",
            field=models.DateTimeField(
                help_text="Last evaluation that found the condition with a new measure"
            ),
        ),
        migrations.AddField(
            model_name="indicatorinterval",
            name="severity",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Low"), (2, "Medium"), (3, "High"), (4, "Critical")],
                default=1,
                help_text="The warning sign's, copied for the alert rules' scans",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_severities, migrations.RunPython.noop),
    ]
