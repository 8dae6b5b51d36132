"""Keep intervals and alerts in step with the cases: a save recomputes its situation after commit.

Connected in ``AlertsConfig.ready``. The enqueue never fails the user's write (see
``services.jobs.enqueue``).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from cases.models import Assessment, Engagement, Situation, WarningIndicator

from .models import AlertRule, MeasureSettings
from .services import jobs

_MOVABLE = (WarningIndicator, Engagement)


def _refresh(*situation_ids) -> None:
    for situation_id in dict.fromkeys(s for s in situation_ids if s):
        jobs.enqueue_once_on_commit(jobs.REFRESH_SITUATION, str(situation_id))


@receiver(pre_save, sender=WarningIndicator)
@receiver(pre_save, sender=Engagement)
def remember_previous_situation(sender, instance, raw=False, **kwargs) -> None:
    """A record moved to another situation changes the old one's interval too."""
    if raw or instance._state.adding:
        return
    instance._alerts_previous_situation_id = (
        sender.objects.filter(pk=instance.pk).values_list("situation_id", flat=True).first()
    )


@receiver(post_save, sender=WarningIndicator)
@receiver(post_save, sender=Engagement)
@receiver(post_delete, sender=WarningIndicator)
@receiver(post_delete, sender=Engagement)
def case_record_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    _refresh(instance.situation_id, getattr(instance, "_alerts_previous_situation_id", None))


@receiver(post_save, sender=Situation)
def situation_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        _refresh(instance.pk)


@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def assessment_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    situation_id = (
        Engagement.objects.filter(pk=instance.engagement_id)
        .values_list("situation_id", flat=True)
        .first()
    )
    _refresh(situation_id)


@receiver(post_save, sender=MeasureSettings)
def threshold_changed(sender, instance, raw=False, **kwargs) -> None:
    """A new threshold changes every situation's first warning: recompute them all."""
    if raw:
        return
    jobs.enqueue_once_on_commit(jobs.RECOMPUTE_INTERVALS, True)
    jobs.enqueue_once_on_commit(jobs.EVALUATE_ALERT_RULES)


@receiver(post_save, sender=AlertRule)
@receiver(post_delete, sender=AlertRule)
def rule_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    jobs.enqueue_once_on_commit(jobs.EVALUATE_ALERT_RULES)
