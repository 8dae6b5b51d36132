"""Charts drawn on the server as inline SVG, from figures the database already computed.

No JavaScript library and no CDN. See ``base`` for how the charts fit any width.
"""

from .bars import Bar, Segment, bar_chart, column_chart, stacked_bar_chart
from .base import (
    ACCENT,
    INK,
    MUTED,
    RATING,
    SEVERITY,
    fixed_width,
    legend,
    nice_scale,
    rating_color,
)
from .heatmap import heatmap
from .timeline import IntervalMark, Span, timeline

__all__ = [
    "ACCENT",
    "INK",
    "MUTED",
    "RATING",
    "SEVERITY",
    "Bar",
    "IntervalMark",
    "Segment",
    "Span",
    "bar_chart",
    "column_chart",
    "fixed_width",
    "heatmap",
    "legend",
    "nice_scale",
    "rating_color",
    "stacked_bar_chart",
    "timeline",
]
