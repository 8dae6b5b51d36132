"""The periodic pull (every minute: each source runs when its own interval has passed) and the
working groups' rights: desk officers settle conflicts."""

from django.db import migrations
from django.utils import timezone

from cases.roles import grant_role_permissions

TASK_NAME = "Pull tracker-to-tracker sync sources"


def create_defaults(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "federation.tasks.sync_due_sources",
            "interval": every_minute,
            "description": "Each sync source (admin → Sync sources) when its interval has passed",
            "enabled": True,
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    grant_role_permissions(apps, schema_editor, "federation", ["syncsource", "syncconflict"])


def remove_defaults(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0001_initial"),
        ("alerts", "0002_defaults"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
