"""Celery tasks: thin, take ids, call a service. All idempotent — a task run twice (a retry, a
redelivery after a worker died: acks are late) leaves the same state as once."""

from __future__ import annotations

from celery import shared_task

from tracker import jobs

from . import services


@shared_task(name=jobs.RECOMPUTE_INTERVALS, ignore_result=True)
def recompute_intervals(full: bool = False) -> str:
    """Periodic: bring every stored interval up to date (incremental unless ``full``)."""
    return repr(services.recompute_intervals(full=full))


@shared_task(name=jobs.REFRESH_SITUATION, ignore_result=True)
def refresh_situation(situation_id: str) -> str:
    """After a save: recompute one situation's intervals and evaluate the rules on it."""
    intervals = services.recompute_intervals([situation_id])
    evaluation = services.evaluate_rules([situation_id])
    return f"{intervals!r} {evaluation.transitions!r}"


@shared_task(name=jobs.REFRESH_SITUATIONS, ignore_result=True)
def refresh_situations(situation_ids: list[str]) -> str:
    """After a batch: recompute these situations' intervals and evaluate the rules on them, in
    one run (set-based) rather than one job each."""
    intervals = services.recompute_intervals(situation_ids)
    evaluation = services.evaluate_rules(situation_ids)
    return f"{intervals!r} {evaluation.transitions!r}"


@shared_task(name=jobs.EVALUATE_ALERT_RULES, ignore_result=True)
def evaluate_alert_rules() -> str:
    """Periodic: raise, keep, resolve and reopen alerts on every situation."""
    return repr(services.evaluate_rules().transitions)


@shared_task(name=jobs.DELIVER_NOTIFICATION, bind=True, ignore_result=True, max_retries=None)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one notification; on failure retry with exponential backoff (the service counts
    the attempts in the database and stops at the configured number)."""
    outcome = services.deliver(notification_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name=jobs.DELIVER_NOTIFICATIONS, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Deliver a batch; a failed delivery goes on as its own task, retried with backoff."""
    outcomes: dict[str, int] = {}
    for notification_id in notification_ids:
        outcome = services.deliver(notification_id)
        if outcome.retry_in is not None:
            jobs.enqueue(jobs.DELIVER_NOTIFICATION, notification_id, countdown=outcome.retry_in)
        outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
    return outcomes


@shared_task(name=jobs.DELIVER_PENDING_NOTIFICATIONS, ignore_result=True)
def deliver_pending_notifications() -> int:
    """Periodic: queue again the pending notifications whose task was lost."""
    ids = list(services.due_notifications().values_list("pk", flat=True))
    for notification_id in ids:
        jobs.enqueue(jobs.DELIVER_NOTIFICATION, notification_id)
    return len(ids)
