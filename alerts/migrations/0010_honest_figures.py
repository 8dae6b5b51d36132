# Issue 13, item 6: the overview's figures are ranges (percentiles of the lower and of the upper
# bounds) and the median of the intervals known to within N days; no midpoint is stored.

import django.core.validators
from django.db import migrations, models

HELP = (
    "The overview's median of intervals known to within this many days: an interval whose dates leave a wider range (a date known only to a year, or both to a month) is left out of it, and the count left out is shown. 31, the longest month, keeps an interval with one end known only to its month (at most 30 days wide) and leaves out a year-only date (at least 364 days)."
)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0009_interval_clock_stop'),
    ]

    operations = [
        # Derived data: the next recompute computes every figure again (no overall row).
        migrations.RunSQL("DELETE FROM alerts_intervalfigure", migrations.RunSQL.noop),
        migrations.RemoveField(model_name='intervalfigure', name='median'),
        migrations.RemoveField(model_name='intervalfigure', name='p90'),
        migrations.RemoveField(model_name='intervalfigure', name='within_7'),
        migrations.RemoveField(model_name='intervalfigure', name='decided_7'),
        migrations.RemoveField(model_name='intervalfigure', name='within_30'),
        migrations.RemoveField(model_name='intervalfigure', name='decided_30'),
        migrations.AddField(model_name='intervalfigure', name='answered_unknown', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='known', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='known_days', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='met_7', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='missed_7', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='cannot_tell_7', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='met_30', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='missed_30', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='cannot_tell_30', field=models.IntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name='intervalfigure', name='p90_low', field=models.FloatField(null=True)),
        migrations.AddField(model_name='intervalfigure', name='p90_high', field=models.FloatField(null=True)),
        migrations.AddField(model_name='intervalfigure', name='known_median_low', field=models.FloatField(null=True)),
        migrations.AddField(model_name='intervalfigure', name='known_median_high', field=models.FloatField(null=True)),
        migrations.AddField(
            model_name='measuresettings',
            name='known_within_days',
            field=models.PositiveSmallIntegerField(default=31, help_text=HELP, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(3660)]),
        ),
        migrations.AddField(
            model_name='historicalmeasuresettings',
            name='known_within_days',
            field=models.PositiveSmallIntegerField(default=31, help_text=HELP, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(3660)]),
        ),
    ]
