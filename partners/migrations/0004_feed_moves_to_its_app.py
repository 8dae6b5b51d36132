"""The change feed's log moves to the ``feed`` app, below ``cases`` (``feed`` 0001 takes the models
over); its tables stay where they are, with their data: this only forgets them from partners'
state. The one change in the database: ``FeedRecord.created_by`` stops being a foreign key to
``Partner`` (the feed sits below partners) and stays the same column, ``created_by_id``, holding
the creating partner's id — its constraint and index dropped.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0003_change_superseding"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedrecord",
            name="created_by",
            field=models.BigIntegerField(blank=True, null=True, db_column="created_by_id"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Change"),
                migrations.DeleteModel(name="FeedRecord"),
            ],
        ),
    ]
