"""The measure in a real browser: a desk officer answers a warning sign in the admin and its alert
resolves (S/2011/552, para. 47: the time between the first warning signs and the first steps),
and the overview shows the share of situations meeting each 7-1-7 target.

Playwright drives Debian's Chromium against the live server; the jobs a save queues run in the
server's thread (eager Celery), as a worker would run them after the commit. Screenshots go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alerts.choices import ACTIVE_STATUSES, AlertStatus
from alerts.models import Alert
from alerts.services import evaluate_rules, recompute_intervals
from cases.choices import Severity
from tests.dashboards.browser import WIDE, screenshot
from tests.factories import (
    BriefingFactory,
    DeskOfficerFactory,
    EngagementFactory,
    SituationFactory,
    UndatedEngagementFactory,
    WarningIndicatorFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"


def admin_log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/admin/")


def test_desk_officer_links_an_engagement_to_a_sign_and_the_alert_resolves(
    live_server, chromium, eager_celery
):
    DeskOfficerFactory(username="desk", password=PASSWORD)
    situation = SituationFactory(title="Coastal districts election crisis")
    today = timezone.localdate()
    sign = WarningIndicatorFactory(
        situation=situation,
        severity=Severity.CRITICAL,
        observed_on=today - dt.timedelta(days=40),
        description="Armed groups mobilise ahead of the run-off",
    )
    # Undated: it answers the sign only through a link a desk officer makes.
    engagement = UndatedEngagementFactory(situation=situation, title="Envoy's shuttle diplomacy")
    # A situation that meets every 7-1-7 target: reported the next day, the Secretary-General
    # told that day, an envoy four days later.
    on_time = SituationFactory(title="Border dispute handled on time")
    WarningIndicatorFactory(
        situation=on_time,
        severity=Severity.HIGH,
        observed_on=today - dt.timedelta(days=20),
        reported_on=today - dt.timedelta(days=19),
    )
    BriefingFactory(situation=on_time, briefed_on=today - dt.timedelta(days=19))
    EngagementFactory(situation=on_time, started_on=today - dt.timedelta(days=15))
    recompute_intervals(full=True)
    evaluate_rules()
    open_alerts = Alert.objects.filter(situation=situation, status__in=ACTIVE_STATUSES)
    assert open_alerts.exists(), "a critical sign unanswered for 40 days raises an alert"
    alert_ids = list(open_alerts.values_list("pk", flat=True))

    base = live_server.url
    errors: list[str] = []
    context = chromium.new_context(viewport=WIDE)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    admin_log_in(page, base, "desk")

    # The engagement's change form: pick the sign in "responds to" (an autocomplete) and save.
    page.goto(f"{base}/admin/cases/engagement/{engagement.pk}/change/")
    page.locator("#id_responds_to + .select2 .select2-selection").click()
    page.locator('.select2-search__field[aria-controls="select2-id_responds_to-results"]').fill(
        "Armed groups"
    )
    option = page.locator(".select2-results__option", has_text=str(sign)).first
    option.wait_for()
    option.click()
    screenshot(page, "admin-engagement-responds-to-1280")
    page.locator("input[name=_save]").click()
    page.wait_for_url(f"{base}/admin/cases/engagement/")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    # The link is kept and the jobs the save queued resolved the alert.
    assert list(engagement.responds_to.all()) == [sign]
    for alert in Alert.objects.filter(pk__in=alert_ids):
        assert alert.status == AlertStatus.RESOLVED, alert
    assert not Alert.objects.filter(situation=situation, status__in=ACTIVE_STATUSES).exists()

    # The sign now reads as answered on the situation page.
    page.goto(f"{base}/dashboard/situations/{situation.slug}/")
    row = page.locator(f"#table-events tr#fact-{sign.pk}").inner_text()
    assert "Answered by a new step: Envoy's shuttle diplomacy (linked" in row
    screenshot(page, "situation-answered-by-link-1280")

    # The overview shows the share of situations meeting each target: the on-time situation
    # meets all three; the other was logged 40 days after its sign (detection missed), has no
    # briefing yet (notification cannot tell: its detection is today) and an answer whose date
    # is not given (response cannot tell).
    page.goto(f"{base}/dashboard/")
    assert (
        page.locator("#targets-heading").inner_text() == "Targets: detect 7 · notify 1 · respond 7"
    )
    shares = page.evaluate(
        """() => {
            const table = document.querySelector('#table-targets-overall');
            const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
            const cells = [...table.querySelectorAll('tbody tr:first-child > *')]
                .map(cell => cell.textContent.trim());
            return Object.fromEntries(heads.map((head, i) => [head, cells[i]]));
        }"""
    )
    assert shares["Situations with a warning"] == "2"
    assert (shares["Detect: met"], shares["Detect: missed"]) == ("1 (50%)", "1 (50%)")
    assert (shares["Notify: met"], shares["Notify: cannot tell"]) == ("1 (50%)", "1 (50%)")
    assert (shares["Respond: met"], shares["Respond: cannot tell"]) == ("1 (50%)", "1 (50%)")
    page.locator("#targets").scroll_into_view_if_needed()
    screenshot(page, "overview-targets-1280")
    context.close()
    assert errors == []
