import uuid

import django.db.models.functions.datetime
from django.db import migrations, models

import alerts.models.alerts


def give_each_alert_its_own_uuid(apps, schema_editor):
    # A callable default would give every existing row the same value. One UPDATE with a value
    # the database draws per row (gen_random_uuid() / randomblob) gives each its own, set-based.
    Alert = apps.get_model("alerts", "Alert")
    Alert.objects.update(uuid=alerts.models.alerts.RandomUUID())


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_measured_at_and_indicator_severity"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_default=django.db.models.functions.datetime.Now(), db_index=True
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="version",
            field=models.PositiveIntegerField(db_default=1, default=1, editable=False),
        ),
        migrations.AddField(
            model_name="alert",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_alert_its_own_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="alert",
            name="uuid",
            field=models.UUIDField(
                db_default=alerts.models.alerts.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
            ),
        ),
    ]
