"""Each write service records everything a write causes, in order, in one place (no signal of
ours): history with its author, the change in the feed, and the situation's recompute queued once
after commit — never for a rolled-back write."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert, AlertRule, MeasureSettings
from alerts.services import save_alert_rule, save_measure_settings
from cases import services
from cases.models import (
    Actor,
    Assessment,
    Engagement,
    EngagementPartner,
    Situation,
    WarningIndicator,
)
from feed.models import Change
from tests.factories import (
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    WarningIndicatorFactory,
)
from tracker import jobs

pytestmark = pytest.mark.django_db

OUR_APPS = ("tracker", "feed", "cases", "partners", "alerts", "api", "dashboards")
# Before the services recorded everything themselves: 16 statements, 8 from receivers (the feed's,
# and the alerts' pre_save query of the previous situation).
INDICATOR_EDIT_STATEMENTS = 13


@pytest.fixture
def queued(monkeypatch):
    """The jobs sent to the broker, as (name, args), instead of sending them."""
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **_: sent.append((job, args)) or True)
    return sent


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs, as a commit would, what the writes inside ask for after
    commit. The callbacks the test's set-up queued are dropped first (a transaction queues a
    job once: they would hide the write's own)."""

    def run():
        connection.run_on_commit.clear()
        return django_capture_on_commit_callbacks(execute=True)

    return run


def edited_indicator(**values) -> WarningIndicator:
    indicator = WarningIndicator.objects.get(pk=WarningIndicatorFactory().pk)
    for name, value in values.items():
        setattr(indicator, name, value)
    return indicator


def test_one_indicator_edit_is_a_handful_of_statements(django_assert_max_num_queries):
    officer = DeskOfficerFactory()
    indicator = edited_indicator(description="Edited")
    with django_assert_max_num_queries(INDICATOR_EDIT_STATEMENTS) as captured:
        services.save_indicator(indicator, by=officer)
    print(f"\none indicator edit through the service: {len(captured)} statements")


def test_a_write_records_history_feed_and_one_refresh_after_commit(queued, committed):
    officer = DeskOfficerFactory()
    indicator = edited_indicator(description="Edited")
    changes = Change.objects.filter(type="indicator", object_id=indicator.pk)
    with committed() as callbacks:
        services.save_indicator(indicator, by=officer)
        assert queued == []  # nothing before commit
    latest = indicator.history.latest()
    assert (latest.history_user, latest.version, latest.description) == (officer, 2, "Edited")
    assert list(changes.order_by("seq").values_list("op", "version")) == [
        ("upsert", 1),
        ("upsert", 2),
    ]
    assert len(callbacks) == 1
    assert queued == [(jobs.REFRESH_SITUATION, (str(indicator.situation_id),))]


def test_a_rolled_back_write_records_nothing(queued, committed):
    indicator = edited_indicator(description="Never stored")
    history, changes = indicator.history.count(), Change.objects.count()
    with committed() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.save_indicator(indicator)
        raise RuntimeError("the request failed after the save")
    assert (indicator.history.count(), Change.objects.count()) == (history, changes)
    assert callbacks == [] and queued == []
    assert WarningIndicator.objects.get(pk=indicator.pk).version == 1


def test_a_moved_indicator_refreshes_both_situations_without_a_pre_save_query(queued, committed):
    indicator = edited_indicator()
    before, after = indicator.situation_id, SituationFactory().pk
    indicator.situation_id = after
    with committed(), CaptureQueriesContext(connection) as captured:
        services.save_indicator(indicator)
    assert queued == [
        (jobs.REFRESH_SITUATION, (str(after),)),
        (jobs.REFRESH_SITUATION, (str(before),)),
    ]
    # The one read of the stored row is the save's own, locked, with the version.
    reads = [q["sql"] for q in captured if q["sql"].startswith('SELECT "cases_warningindicator"')]
    assert len(reads) == 1 and reads[0].endswith("FOR UPDATE")
    assert '"cases_warningindicator"."situation_id"' in reads[0]
    change = Change.objects.filter(type="indicator", object_id=indicator.pk).latest("seq")
    assert change.version == 2


def test_a_deleted_situation_leaves_a_tombstone_for_every_published_record_it_took(
    queued, committed
):
    situation = SituationFactory()
    indicator = WarningIndicatorFactory(situation=situation)
    engagement = EngagementFactory(situation=situation)
    situation_id = situation.pk
    gone = {
        ("situation", situation_id),
        ("indicator", indicator.pk),
        ("engagement", engagement.pk),
    }
    with committed():
        services.delete_record(situation)
    assert set(Change.objects.filter(op="delete").values_list("type", "object_id")) == gone
    assert queued == [(jobs.REFRESH_SITUATION, (str(situation_id),))]


def test_settings_writes_queue_their_jobs_after_commit(queued, committed):
    with committed():
        save_measure_settings(MeasureSettings.load())
        rule = AlertRule.objects.first()
        rule.days += 1
        save_alert_rule(rule)
    assert queued == [(jobs.RECOMPUTE_INTERVALS, (True,)), (jobs.EVALUATE_ALERT_RULES, ())]


@pytest.mark.parametrize(
    "model",
    [
        Situation,
        WarningIndicator,
        Actor,
        Engagement,
        EngagementPartner,
        Assessment,
        Alert,
        MeasureSettings,
        AlertRule,
    ],
)
def test_no_receiver_of_ours_listens_to_the_models_writes(model):
    """Only Django's and third-party apps' receivers (django-simple-history's) remain."""
    senders = [model, *(field.remote_field.through for field in model._meta.local_many_to_many)]
    for signal in (pre_save, post_save, post_delete, m2m_changed):
        for sender in senders:
            sync, async_ = signal._live_receivers(sender)
            ours = [
                f"{r.__module__}.{r.__qualname__}"
                for r in (*sync, *async_)
                if getattr(r, "__module__", "").split(".")[0] in OUR_APPS
            ]
            assert ours == [], (signal, sender)
