"""The background jobs by name, with their queue and time limits: plain data, read by the
settings (routes, limits, the broker's visibility timeout) and by ``tracker.jobs``.

Queues by purpose (issue 16), each consumed by workers of its own (``start_tracker``,
``docker-compose.yml``), so that no kind of work waits behind another:

- ``refresh``: the recompute a user's save queues for its situation — interactive, short;
- ``periodic``: the scheduled sweeps (recompute, rule evaluation, pending deliveries) and the
  evaluations a settings change calls for — long, one at a time;
- ``deliveries``: e-mails and webhooks — many, slow when a partner is slow, never ahead of a
  refresh.
"""

from __future__ import annotations

from kombu import Queue

RECOMPUTE_INTERVALS = "alerts.tasks.recompute_intervals"
REFRESH_SITUATION = "alerts.tasks.refresh_situation"
REFRESH_SITUATIONS = "alerts.tasks.refresh_situations"
EVALUATE_ALERT_RULES = "alerts.tasks.evaluate_alert_rules"
DELIVER_NOTIFICATION = "alerts.tasks.deliver_notification"
DELIVER_NOTIFICATIONS = "alerts.tasks.deliver_notifications"
DELIVER_PENDING_NOTIFICATIONS = "alerts.tasks.deliver_pending_notifications"
# Tracker-to-tracker sync (issue 17): the sources due, pulled one after the other.
SYNC_SOURCES = "federation.tasks.sync_due_sources"

REFRESH_QUEUE = "refresh"
PERIODIC_QUEUE = "periodic"
DELIVERIES_QUEUE = "deliveries"
QUEUES = (REFRESH_QUEUE, PERIODIC_QUEUE, DELIVERIES_QUEUE)

# name: (queue, soft time limit, hard time limit), in seconds. The soft limit raises in the task
# (its transaction rolls back); the hard one kills the worker's child. A full recompute or
# evaluation on 100,000 situations takes about a minute (bench, large); a batch of 50 deliveries
# at most 50 × the delivery timeout.
JOBS = {
    REFRESH_SITUATION: (REFRESH_QUEUE, 120, 150),
    # After a batch of up to 1,000 records: their situations in one run.
    REFRESH_SITUATIONS: (REFRESH_QUEUE, 300, 360),
    RECOMPUTE_INTERVALS: (PERIODIC_QUEUE, 900, 960),
    EVALUATE_ALERT_RULES: (PERIODIC_QUEUE, 1200, 1260),
    DELIVER_PENDING_NOTIFICATIONS: (PERIODIC_QUEUE, 240, 300),
    SYNC_SOURCES: (PERIODIC_QUEUE, 600, 660),
    DELIVER_NOTIFICATION: (DELIVERIES_QUEUE, 60, 90),
    DELIVER_NOTIFICATIONS: (DELIVERIES_QUEUE, 420, 480),
}

# What a process that could not queue a job queues once the broker answers again: the evaluation
# (which recomputes what changed first) and the sweep of pending deliveries.
CATCH_UP = (EVALUATE_ALERT_RULES, DELIVER_PENDING_NOTIFICATIONS)

# A message taken by a worker that then died comes back after this long (Redis transport): past
# the longest hard limit, so a task still running is never handed to a second worker.
VISIBILITY_TIMEOUT = max(hard for _, _, hard in JOBS.values()) + 240


def queues() -> tuple[Queue, ...]:
    """Every queue, declared: a worker started without ``-Q`` (tests, a one-process setup)
    consumes them all."""
    return tuple(Queue(name, routing_key=name) for name in QUEUES)


def routes() -> dict[str, dict[str, str]]:
    return {name: {"queue": queue} for name, (queue, _, _) in JOBS.items()}


def annotations() -> dict[str, dict[str, float]]:
    return {
        name: {"soft_time_limit": soft, "time_limit": hard}
        for name, (_, soft, hard) in JOBS.items()
    }
