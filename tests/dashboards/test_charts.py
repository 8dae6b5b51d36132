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


def test_a_median_over_ranges_is_drawn_as_a_range_never_a_midpoint():
    bar = charts.Bar("Africa", 0, value_high=364, whisker=0, whisker_high=364.2)
    svg = charts.bar_chart([bar], label="Intervals", unit=" d", whisker_label="p90")
    # The full bar reaches the lower value (0: a sliver), the pale part the upper one: 364 of a
    # 0–400 axis over 96 % of the width. No bar ends at the midpoint (182: 43.68 %).
    assert 'class="range" x="0%"' in svg and 'width="87.36%"' in svg
    assert "43.68%" not in svg
    assert "Africa: 0–364 d · p90 0–364.2" in svg
    assert "range the dates leave" in svg
    # One number when the bounds agree, and no pale part.
    svg = charts.bar_chart([charts.Bar("Asia", 30, value_high=30)], label="Intervals", unit=" d")
    assert "Asia: 30 d" in svg and 'class="range"' not in svg
    columns = charts.column_chart(
        [{"year": "2011", "low": 0, "high": 364, "p_low": 0, "p_high": 364.2}],
        label_key="year",
        value_key="low",
        value_high_key="high",
        whisker_key="p_low",
        whisker_high_key="p_high",
        label="Years",
        unit=" days",
    )
    assert "2011: 0–364 days" in columns and 'class="range"' in columns


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
