"""Append to the change feed whenever a synced record is saved or deleted, in the same transaction.

Every write path that goes through ``save()``/``delete()`` (admin, API, services, commands) is
recorded, for the records declared in ``partners.sources``. Bulk writes that bypass signals call
``partners.feed.backfill`` afterwards, or — the alert rules and lifecycle services —
``partners.bulk.record_children`` in their own transaction.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cases.models import (
    Actor,
    Assessment,
    Engagement,
    EngagementPartner,
    Situation,
)
from cases.sharing import Audience

from .choices import RecordType
from .feed import record_change
from .sources import source_of


def _situation_audience(situation: Situation) -> Audience:
    listed = Situation.shared_with.through.objects.filter(situation_id=situation.pk).values_list(
        "actor_id", flat=True
    )
    return Audience.of_situation(situation.sharing, listed)


@receiver(post_save, sender=Situation)
def situation_saved(sender, instance: Situation, raw=False, **kwargs):
    if raw:
        return
    record_change(
        RecordType.SITUATION,
        instance.pk,
        version=instance.version,
        audience=_situation_audience(instance),
    )


@receiver(m2m_changed, sender=Situation.shared_with.through)
def situation_sharing_list_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    situations = Situation.objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    if reverse and action == "post_clear":
        return  # the actor is deleted; its situations are re-recorded when next saved
    for situation in situations:
        record_change(
            RecordType.SITUATION,
            situation.pk,
            version=situation.version,
            audience=_situation_audience(situation),
        )


@receiver(post_delete, sender=Situation)
def situation_deleted(sender, instance: Situation, **kwargs):
    record_change(RecordType.SITUATION, instance.pk, version=instance.version, deleted=True)


@receiver(post_save, sender=Assessment)
def assessment_saved(sender, instance: Assessment, raw=False, **kwargs):
    if raw:
        return
    situation_id = (
        Engagement.objects.filter(pk=instance.engagement_id)
        .values_list("situation_id", flat=True)
        .first()
    )
    record_change(
        RecordType.ASSESSMENT,
        instance.pk,
        version=instance.version,
        situation_id=situation_id,
    )


@receiver(post_save, sender=Actor)
def actor_saved(sender, instance: Actor, raw=False, **kwargs):
    if not raw:
        record_change(RecordType.ACTOR, instance.pk, version=instance.version)


@receiver(post_save, sender=EngagementPartner)
@receiver(post_delete, sender=EngagementPartner)
def engagement_partner_changed(sender, instance: EngagementPartner, raw=False, **kwargs):
    """Partner roles are part of the engagement's record."""
    if raw:
        return
    engagement = (
        Engagement.objects.filter(pk=instance.engagement_id)
        .values("version", "situation_id")
        .first()
    )
    if engagement is not None:
        record_change(
            RecordType.ENGAGEMENT,
            instance.engagement_id,
            version=engagement["version"],
            situation_id=engagement["situation_id"],
        )


# Records declared as children (``Source.child``: they belong to a situation directly and inherit
# its audience) are recorded on every save; every declared record but the situation (which has
# its own recorder above) on delete. Connected for any sender and looked up by model, so an app
# declaring its records after this module was imported is recorded all the same.


@receiver(post_save, dispatch_uid="feed-child-saved")
def child_saved(sender, instance, raw=False, **kwargs):
    source = source_of(sender)
    if raw or source is None or not source.child:
        return
    record_change(
        source.type,
        getattr(instance, source.id_field),
        version=instance.version,
        situation_id=instance.situation_id,
    )


@receiver(post_delete, dispatch_uid="feed-record-deleted")
def record_deleted(sender, instance, **kwargs):
    source = source_of(sender)
    if source is None or source.type == RecordType.SITUATION:
        return
    record_change(
        source.type, getattr(instance, source.id_field), version=instance.version, deleted=True
    )
