"""One alert per unanswered warning sign (issue 13, item 3), and the threshold-moment rule.

Alerts of the "no action" rules were one per rule and situation: up to three for one sign, each
acknowledged on its own. They become one alert per sign (``Alert.indicator``, unique). For each
situation the migration keeps one of its no-action alerts — an active one before a resolved one,
then the highest level, then the oldest — and attaches it to the situation's longest-waiting
unanswered sign that could have raised it (severity at or above its rule's). An acknowledgement
on any of the situation's active alerts is kept on it, with its event; the alert's own events
and notifications stay. The others are deleted, and the change feed tells partners so (a
delete), as it tells them of the kept alert's change (an upsert). The next evaluation then
raises, escalates or resolves each sign's alert as the rules say.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

THRESHOLD_RULE = {
    "name": "Threshold moment: no action 3 days after",
    "kind": "threshold-moment",
    "min_severity": None,
    "days": 3,
    "min_count": None,
    "level": 4,
    "description": "Anticipate the threshold moments when parties decide to use or escalate "
    "violence (S/2011/552, para. 45): a sign marked as one raises a critical alert whatever its "
    "severity.",
    "regions": [],
    "crisis_types": [],
}

LEGACY = (
    "SELECT a.* FROM alerts_alert a JOIN alerts_alertrule r ON r.id = a.rule_id "
    "WHERE r.kind = 'no-action' AND a.indicator_id IS NULL"
)

# The feed's change for each alert of ``{ids}`` it has recorded: the record's sequence moves on,
# a change is appended with the audience before and after (as ``feed.log.record_change``).
FEED_CHANGE = """
WITH target AS (
    SELECT f.id, f.object_id, f.seq + 1 AS seq, f.audience_open, f.audience_actors,
           {version} AS version
    FROM partners_feedrecord f JOIN alerts_alert a ON a.uuid = f.object_id
    WHERE f.type = 'alert' AND a.id IN ({ids})
), moved AS (
    UPDATE partners_feedrecord f
    SET seq = t.seq, content_seq = t.seq, version = t.version, deleted = {deleted},
        audience_open = CASE WHEN {deleted} THEN false ELSE f.audience_open END,
        audience_actors = CASE WHEN {deleted} THEN '' ELSE f.audience_actors END
    FROM target t WHERE f.id = t.id
)
INSERT INTO partners_change (xid, type, object_id, seq, op, content, version, before_open,
                             before_actors, after_open, after_actors, recorded_at)
SELECT pg_current_xact_id()::text::bigint, 'alert', t.object_id, t.seq, '{op}', true, t.version,
       t.audience_open, t.audience_actors,
       CASE WHEN {deleted} THEN false ELSE t.audience_open END,
       CASE WHEN {deleted} THEN '' ELSE t.audience_actors END, now()
FROM target t
"""


def feed_change(cursor, ids_sql: str, *, deleted: bool) -> None:
    cursor.execute(
        FEED_CHANGE.format(
            ids=ids_sql,
            deleted="true" if deleted else "false",
            op="delete" if deleted else "upsert",
            version="GREATEST(a.version, f.version) + 1" if deleted else "a.version",
        )
    )


def check_now(schema_editor) -> None:
    """Check the foreign keys of the rows just deleted now: PostgreSQL alters no table with
    checks pending, and the tables are altered next."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")


def level_of_notifications(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerts_notification n SET level = a.level FROM alerts_alert a "
            "WHERE a.id = n.alert_id"
        )


def delete_alerts(cursor, ids_sql: str) -> None:
    """Delete the alerts of ``ids_sql`` and what hangs on them (the database's foreign keys do not
    cascade; Django's deletes do, but not those of a migration's models here)."""
    cursor.execute(
        "DELETE FROM alerts_deliveryattempt WHERE notification_id IN "
        f"(SELECT id FROM alerts_notification WHERE alert_id IN ({ids_sql}))"
    )
    cursor.execute(f"DELETE FROM alerts_notification WHERE alert_id IN ({ids_sql})")
    cursor.execute(f"DELETE FROM alerts_alertevent WHERE alert_id IN ({ids_sql})")
    cursor.execute(f"DELETE FROM alerts_alert WHERE id IN ({ids_sql})")


def escalations_forgotten(apps, schema_editor):
    """Backwards: one message per episode and target again, so the escalations' go."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM alerts_deliveryattempt WHERE notification_id IN "
            "(SELECT id FROM alerts_notification WHERE is_escalation)"
        )
        cursor.execute("DELETE FROM alerts_notification WHERE is_escalation")
    check_now(schema_editor)


def threshold_rule(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    AlertRule.objects.get_or_create(name=THRESHOLD_RULE["name"], defaults=THRESHOLD_RULE)


def no_threshold_rules(apps, schema_editor):
    """Backwards: the kind is unknown before this migration, so its rules and alerts go."""
    with schema_editor.connection.cursor() as cursor:
        delete_alerts(
            cursor,
            "SELECT a.id FROM alerts_alert a JOIN alerts_alertrule r ON r.id = a.rule_id "
            "WHERE r.kind = 'threshold-moment'",
        )
        cursor.execute("DELETE FROM alerts_alertrule WHERE kind = 'threshold-moment'")
    check_now(schema_editor)


def one_alert_per_sign(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE alerts_sign_merge AS "
            "SELECT DISTINCT ON (a.situation_id) a.situation_id, a.id AS kept_id, "
            "r.min_severity, NULL::bigint AS ack_id, NULL::uuid AS indicator_id "
            "FROM alerts_alert a JOIN alerts_alertrule r ON r.id = a.rule_id "
            "WHERE r.kind = 'no-action' AND a.indicator_id IS NULL "
            "ORDER BY a.situation_id, (a.status IN ('open', 'acknowledged')) DESC, "
            "a.level DESC, a.opened_at, a.id"
        )
        # The acknowledgement kept: the kept alert's own, else the latest one still standing.
        cursor.execute(
            "UPDATE alerts_sign_merge m SET ack_id = ("
            f"SELECT l.id FROM ({LEGACY}) l WHERE l.situation_id = m.situation_id "
            "AND l.acknowledged_at IS NOT NULL "
            "AND (l.id = m.kept_id OR l.status = 'acknowledged') "
            "ORDER BY (l.id = m.kept_id) DESC, l.acknowledged_at DESC, l.id LIMIT 1)"
        )
        # The sign: the longest waiting that could have raised the kept alert, else any.
        cursor.execute(
            "UPDATE alerts_sign_merge m SET indicator_id = COALESCE("
            "(SELECT u.indicator_id FROM alerts_unansweredwarning u "
            "WHERE u.situation_id = m.situation_id "
            "ORDER BY (u.severity >= COALESCE(m.min_severity, 1)) DESC, u.warning_from, "
            "u.severity DESC, u.indicator_id LIMIT 1), "
            "(SELECT i.id FROM cases_warningindicator i WHERE i.situation_id = m.situation_id "
            "ORDER BY (i.severity >= COALESCE(m.min_severity, 1)) DESC, i.observed_on, "
            "i.severity DESC, i.id LIMIT 1))"
        )
        cursor.execute(
            "UPDATE alerts_alertevent e SET alert_id = m.kept_id FROM alerts_sign_merge m "
            "WHERE e.alert_id = m.ack_id AND m.ack_id <> m.kept_id AND e.kind = 'acknowledged'"
        )
        cursor.execute(
            "UPDATE alerts_alert k SET acknowledged_at = s.acknowledged_at, "
            "acknowledged_by_id = s.acknowledged_by_id, acknowledgement = s.acknowledgement, "
            "status = CASE WHEN k.status = 'open' THEN 'acknowledged' ELSE k.status END "
            "FROM alerts_sign_merge m JOIN alerts_alert s ON s.id = m.ack_id "
            "WHERE k.id = m.kept_id AND m.ack_id <> m.kept_id"
        )
        cursor.execute(
            "UPDATE alerts_alert k SET indicator_id = m.indicator_id, "
            "subject_key = 'indicator:' || replace(m.indicator_id::text, '-', ''), "
            "version = k.version + 1, updated_at = now() "
            "FROM alerts_sign_merge m WHERE k.id = m.kept_id AND m.indicator_id IS NOT NULL"
        )
        feed_change(cursor, "SELECT kept_id FROM alerts_sign_merge", deleted=False)
        # The others (and an alert whose situation has no sign left): gone, with what hangs on
        # them.
        doomed = f"SELECT id FROM ({LEGACY}) l"
        feed_change(cursor, doomed, deleted=True)
        delete_alerts(cursor, doomed)
        cursor.execute("DROP TABLE alerts_sign_merge")
    check_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0011_webhook_url_public_address'),
        ('cases', '0005_answers_and_clock_stop'),
        # The change feed's tables: merged alerts are told to partners.
        ('feed', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='alertrule',
            name='alert_rule_kind_known',
        ),
        migrations.RemoveConstraint(
            model_name='notification',
            name='notification_once_per_episode',
        ),
        migrations.AddField(
            model_name='alert',
            name='escalated_from',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Low'), (2, 'Medium'), (3, 'High'), (4, 'Critical')], editable=False, help_text="The level before the last escalation (a warning sign's alert only)", null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='escalation_run',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='alert',
            name='indicator',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='cases.warningindicator', verbose_name='warning sign'),
        ),
        migrations.AddField(
            model_name='alertevent',
            name='level_from',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Low'), (2, 'Medium'), (3, 'High'), (4, 'Critical')], null=True),
        ),
        migrations.AddField(
            model_name='alertevent',
            name='level_to',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'Low'), (2, 'Medium'), (3, 'High'), (4, 'Critical')], null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='is_escalation',
            field=models.BooleanField(default=False, help_text="Tells of a higher level reached, not of the alert's opening"),
        ),
        migrations.AddField(
            model_name='notification',
            name='level',
            field=models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Medium'), (3, 'High'), (4, 'Critical')], null=True),
        ),
        migrations.RunPython(level_of_notifications, escalations_forgotten),
        migrations.AlterField(
            model_name='notification',
            name='level',
            field=models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Medium'), (3, 'High'), (4, 'Critical')]),
        ),
        migrations.AlterField(
            model_name='alertevent',
            name='kind',
            field=models.CharField(choices=[('opened', 'Opened'), ('reopened', 'Reopened: the condition returned'), ('acknowledged', 'Acknowledged'), ('resolved', 'Resolved by a person'), ('auto-resolved', 'Resolved: the condition cleared'), ('escalated', 'Escalated: a higher threshold reached')], max_length=16),
        ),
        migrations.AlterField(
            model_name='alertrule',
            name='days',
            field=models.PositiveIntegerField(help_text='No action, threshold moment: days without action after the warning sign; escalation: the window; stale: days without an update; unassessed: days of grace after the engagement ended'),
        ),
        migrations.AlterField(
            model_name='alertrule',
            name='kind',
            field=models.CharField(choices=[('no-action', 'No action after a warning'), ('escalation', 'Escalation: many warning signs in a short time'), ('stale', 'Stale situation: not updated'), ('unassessed', 'Engagement ended without a full assessment'), ('threshold-moment', 'Threshold moment left unanswered')], max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalalertrule',
            name='days',
            field=models.PositiveIntegerField(help_text='No action, threshold moment: days without action after the warning sign; escalation: the window; stale: days without an update; unassessed: days of grace after the engagement ended'),
        ),
        migrations.AlterField(
            model_name='historicalalertrule',
            name='kind',
            field=models.CharField(choices=[('no-action', 'No action after a warning'), ('escalation', 'Escalation: many warning signs in a short time'), ('stale', 'Stale situation: not updated'), ('unassessed', 'Engagement ended without a full assessment'), ('threshold-moment', 'Threshold moment left unanswered')], max_length=20),
        ),
        migrations.RunPython(one_alert_per_sign, migrations.RunPython.noop),
        migrations.RunPython(threshold_rule, no_threshold_rules),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(condition=models.Q(('escalation_run__isnull', False)), fields=['escalation_run'], name='alert_escalation_run_idx'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(('indicator__isnull', False)), fields=('indicator',), name='alert_once_per_sign'),
        ),
        migrations.AddConstraint(
            model_name='alertrule',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['no-action', 'escalation', 'stale', 'unassessed', 'threshold-moment'])), name='alert_rule_kind_known'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('alert', 'episode', 'level', 'target_key'), name='notification_once_per_level'),
        ),
    ]
