"""The change feed's log, taken over from the partners app in state only: the tables
``partners_change`` and ``partners_feedrecord`` exist (``partners`` 0001–0004) and keep their rows,
names, indexes and constraints; ``partners`` 0004 turned ``created_by`` into the plain
``created_by_id`` column declared here."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("partners", "0004_feed_moves_to_its_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Change',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('position', models.BigIntegerField(blank=True, null=True, unique=True)),
                        ('xid', models.BigIntegerField(blank=True, null=True)),
                        ('type', models.CharField(choices=[('situation', 'Situation'), ('indicator', 'Warning indicator'), ('actor', 'Actor'), ('engagement', 'Engagement'), ('assessment', 'Assessment'), ('alert', 'Alert')], max_length=16)),
                        ('object_id', models.UUIDField()),
                        ('seq', models.PositiveIntegerField()),
                        ('op', models.CharField(choices=[('upsert', 'Upsert'), ('delete', 'Delete')], max_length=8)),
                        ('content', models.BooleanField(default=True, help_text="False when only the audience changed (its situation's sharing)")),
                        ('version', models.PositiveIntegerField()),
                        ('before_open', models.BooleanField(default=False)),
                        ('before_actors', models.TextField(blank=True, default='')),
                        ('after_open', models.BooleanField(default=False)),
                        ('after_actors', models.TextField(blank=True, default='')),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'partners_change',
                        'ordering': ['position', 'id'],
                        'indexes': [models.Index(condition=models.Q(('position__isnull', True)), fields=['id'], name='change_unpositioned'), models.Index(fields=['type', 'object_id', 'seq'], name='change_record_seq'), models.Index(condition=models.Q(('content', True), ('seq__gt', 1)), fields=['type', 'object_id', 'seq'], name='change_superseding')],
                    },
                ),
                migrations.CreateModel(
                    name='FeedRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('type', models.CharField(choices=[('situation', 'Situation'), ('indicator', 'Warning indicator'), ('actor', 'Actor'), ('engagement', 'Engagement'), ('assessment', 'Assessment'), ('alert', 'Alert')], max_length=16)),
                        ('object_id', models.UUIDField()),
                        ('situation_id', models.UUIDField(blank=True, db_index=True, null=True)),
                        ('seq', models.PositiveIntegerField(default=0)),
                        ('content_seq', models.PositiveIntegerField(default=0, help_text='seq of the last change of the record itself (not of its audience)')),
                        ('version', models.PositiveIntegerField(default=0)),
                        ('deleted', models.BooleanField(default=False)),
                        ('audience_open', models.BooleanField(default=False)),
                        ('audience_actors', models.TextField(blank=True, default='')),
                        ('created_by_id', models.BigIntegerField(blank=True, help_text='The id of the partner (partners.Partner) that created the record through the API, if one did; a plain integer: the feed sits below the partners app', null=True)),
                    ],
                    options={
                        'db_table': 'partners_feedrecord',
                        'constraints': [models.UniqueConstraint(fields=('type', 'object_id'), name='feed_record_once')],
                    },
                ),
            ],
        ),
    ]
