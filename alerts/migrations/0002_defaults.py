"""Defaults: the measure's threshold, the alert rules of the alerts issue, the periodic schedules
(editable in the admin, under Periodic tasks) and the working groups' rights on this app."""

import json

from django.db import migrations
from django.utils import timezone

from cases.roles import grant_role_permissions

RULES = [
    # name, kind, min_severity, days, min_count, level, description
    (
        "No action 7 days after a critical warning",
        "no-action", 4, 7, None, 4,
        "Early warning is useful only if it leads to early action (S/2011/552, para. 66).",
    ),
    (
        "No action 14 days after a high warning",
        "no-action", 3, 14, None, 3,
        "Even small steps count as action: a statement of concern, a fact-finding mission, a "
        "démarche (para. 47).",
    ),
    (
        "No action 30 days after a medium warning",
        "no-action", 2, 30, None, 2,
        "",
    ),
    (
        "Escalation: 3 warning signs within 30 days",
        "escalation", 2, 30, 3, 3,
        "Anticipate the threshold moments when parties decide to use or escalate violence "
        "(para. 45).",
    ),
    (
        "Stale situation: not updated for 90 days",
        "stale", None, 90, None, 2,
        "Conflicts are dynamic and unpredictable (para. 48): a situation nobody has touched for a "
        "quarter may no longer be described by its record.",
    ),
    (
        "Engagement ended without a full assessment",
        "unassessed", None, 0, None, 2,
        "We must improve our ability to monitor outcomes and measure impact (paras. 59–60): rate "
        "every ended engagement on all six elements for success.",
    ),
]

SCHEDULES = [
    # name, task, kwargs, interval (every, period) or crontab (minute, hour), description
    (
        "Recompute warning-to-action intervals",
        "alerts.tasks.recompute_intervals", {}, (10, "minutes"), None,
        "Situations changed since the last run; open intervals advanced to today.",
    ),
    (
        "Recompute every warning-to-action interval",
        "alerts.tasks.recompute_intervals", {"full": True}, None, ("30", "2"),
        "Nightly full pass: every situation and indicator, and rows of deleted records removed.",
    ),
    (
        "Evaluate alert rules",
        "alerts.tasks.evaluate_alert_rules", {}, (15, "minutes"), None,
        "Raise, keep, resolve and reopen alerts on every situation.",
    ),
    (
        "Deliver pending notifications",
        "alerts.tasks.deliver_pending_notifications", {}, (5, "minutes"), None,
        "Queue again notifications whose delivery task was lost (e.g. the broker was down).",
    ),
]

MODELS = [
    "alert",
    "alertevent",
    "alertrule",
    "deliveryattempt",
    "deskassignment",
    "indicatorinterval",
    "measuresettings",
    "notification",
    "situationinterval",
    "webhooksubscription",
]


def create_defaults(apps, schema_editor):
    MeasureSettings = apps.get_model("alerts", "MeasureSettings")
    MeasureSettings.objects.get_or_create(pk=1, defaults={"threshold_severity": 3})

    AlertRule = apps.get_model("alerts", "AlertRule")
    for name, kind, severity, days, count, level, description in RULES:
        AlertRule.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "min_severity": severity,
                "days": days,
                "min_count": count,
                "level": level,
                "description": description,
                "regions": [],
                "crisis_types": [],
            },
        )

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, kwargs, interval, crontab, description in SCHEDULES:
        schedule = {}
        if interval:
            every, period = interval
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=every, period=period
            )
        else:
            minute, hour = crontab
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month="*",
                month_of_year="*",
                day_of_week="*",
                timezone="UTC",
            )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "kwargs": json.dumps(kwargs),
                "description": description,
                "enabled": True,
                **schedule,
            },
        )
    # Tell a running scheduler that the schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})

    grant_role_permissions(apps, schema_editor, "alerts", MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("cases", "0002_success_elements_and_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
