"""Charts drawn on the server: what they draw for known figures."""

from __future__ import annotations

import datetime as dt

from dashboards import charts

D = dt.date


def test_text_is_escaped():
    svg = charts.bar_chart([charts.Bar("<script>alert(1)</script>", 3)], label="x & y")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="x &amp; y"' in svg


def test_bars_scale_to_a_round_maximum():
    assert charts.nice_scale(86) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_scale(0) == [0, 1]
    svg = charts.bar_chart([charts.Bar("Asia", 30, whisker=86)], label="Intervals")
    # 30 of a 0–100 axis drawn over 96 % of the width.
    assert 'width="28.8%"' in svg
    assert 'data-label="Asia" data-value="30"' in svg


def test_a_month_is_drawn_as_a_span_and_a_day_as_a_point():
    facts = [
        charts.Span("m", "warning", "Month", D(2010, 6, 1), D(2010, 6, 30)),
        charts.Span("d", "warning", "Day", D(2010, 7, 15), D(2010, 7, 15), unanswered=True),
        charts.Span("e", "engagement", "Envoy", D(2010, 6, 20), D(2010, 6, 20), ongoing=True),
    ]
    svg = charts.timeline(facts, interval=None, label="Timeline", today=D(2026, 1, 1))
    month = svg.split('data-key="m"')[1].split("</g>")[0]
    day = svg.split('data-key="d"')[1].split("</g>")[0]
    engagement = svg.split('data-key="e"')[1].split("</g>")[0]
    assert 'class="period"' in month and "<circle" not in month
    assert "<circle" in day and 'class="unanswered"' in day
    assert 'marker-end="url(#arrow)"' in engagement


def test_the_interval_bracket_is_dashed_where_the_dates_are_uncertain():
    facts = [charts.Span("w", "warning", "Warning", D(2011, 5, 1), D(2011, 5, 31))]
    mark = charts.IntervalMark(
        D(2011, 5, 1), D(2011, 5, 31), D(2011, 6, 15), D(2011, 6, 15), "15–45 days", False
    )
    svg = charts.timeline(facts, interval=mark, label="Timeline", today=D(2026, 1, 1))
    bracket = svg.split('class="interval"')[1].split("</g>")[0]
    assert "Warning to first action: 15–45 days" in bracket
    assert bracket.count('stroke-dasharray="3 3"') == 1  # the month of the warning
    assert 'data-open="false"' in svg


def test_a_mean_between_two_ratings_blends_their_colours():
    assert charts.rating_color(2) == charts.RATING[2]
    assert charts.rating_color(None) is None
    blend = charts.rating_color(2.5)
    assert blend not in (charts.RATING[2], charts.RATING[3])
