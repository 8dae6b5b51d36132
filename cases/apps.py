from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feed.choices import RecordType
        from feed.sources import Source, publish

        from .models import (
            Actor,
            Assessment,
            Briefing,
            EarlyActionReview,
            Engagement,
            FollowUpAction,
            ReviewFinding,
            Situation,
            WarningIndicator,
        )
        from .sharing import situation_audience_sql, stored_situation_audience

        # What the change feed publishes of the cases (recorded by ``cases.services``). The
        # situation's audience is the sharing rule's; the others inherit it or are public.
        publish(
            Source(
                RecordType.SITUATION,
                Situation,
                audience=stored_situation_audience,
                audience_sql=situation_audience_sql,
            )
        )
        publish(Source(RecordType.ACTOR, Actor))
        publish(Source(RecordType.INDICATOR, WarningIndicator, situation_path="situation_id"))
        publish(Source(RecordType.ENGAGEMENT, Engagement, situation_path="situation_id"))
        publish(Source(RecordType.BRIEFING, Briefing, situation_path="situation_id"))
        publish(
            Source(RecordType.ASSESSMENT, Assessment, situation_path="engagement__situation_id")
        )
        # Early action reviews and their findings and follow-ups: under the situation's level.
        publish(Source(RecordType.REVIEW, EarlyActionReview, situation_path="situation_id"))
        publish(Source(RecordType.FINDING, ReviewFinding, situation_path="review__situation_id"))
        publish(Source(RecordType.FOLLOW_UP, FollowUpAction, situation_path="review__situation_id"))
