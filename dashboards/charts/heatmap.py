"""Heat maps: rows (engagements, regions, instruments) × the six elements, coloured by rating."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    GRID,
    INK,
    MUTED,
    RATING,
    RATING_NAMES,
    _fluid_svg,
    _label,
    _n,
    _on,
    _pct,
    _text,
    legend,
    rating_color,
)

# Where the six elements' names break on narrow screens.
SPLITS = {
    "Flexibility": ("Flexi-", "bility"),
    "Partnerships": ("Partner-", "ships"),
    "Sustainability": ("Sustain-", "ability"),
    "Evaluation": ("Evalu-", "ation"),
    "Resources": ("Re-", "sources"),
    # Their French names (locale/fr): "Alerte rapide" breaks at its space.
    "Souplesse": ("Sou-", "plesse"),
    "Partenariats": ("Partena-", "riats"),
    "Pérennité": ("Péren-", "nité"),
    "Évaluation": ("Évalua-", "tion"),
    "Ressources": ("Res-", "sources"),
}


def _two_lines(name: str) -> tuple[str, str]:
    """A column heading split over two lines for narrow screens."""
    if name in SPLITS:
        return SPLITS[name]
    if " " in name:
        first, rest = name.split(" ", 1)
        return first, rest
    cut = max(3, (len(name) + 1) // 2)
    return name[:cut] + "-", name[cut:]


def heatmap(
    rows: Sequence[dict],
    *,
    row_label: Callable[[dict], str],
    columns: Sequence[tuple[str, str]],
    label: str,
    decimals: int = 0,
    empty: str = gettext_lazy("No assessed engagements for these filters"),
    highlight: Callable[[dict], Iterable[str]] | None = None,
) -> SafeString:
    """Rows × columns of ratings (0–3); an empty cell is hatched and marked "–".

    Fluid: each row's name sits above its cells, the cells share the width equally; column
    headings are split over two lines on narrow screens.
    """
    head, label_h, cell_h, gap = 40, 17, 26, 8
    row_h = label_h + cell_h + gap
    height = head + row_h * max(len(rows), 1)
    share = 100 / max(len(columns), 1)
    body = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f5f8"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="3"/></pattern></defs>'
    ]
    for j, (_code, name) in enumerate(columns):
        cx = _pct(share * (j + 0.5))
        body.append(
            _text(cx, head - 12, name, anchor="middle", size=12, weight="700", css="wide-only")
        )
        first, second = _two_lines(name)
        body.append(
            _text(cx, head - 22, first, anchor="middle", size=11, weight="700", css="narrow-only")
        )
        body.append(
            _text(cx, head - 9, second, anchor="middle", size=11, weight="700", css="narrow-only")
        )
    if not rows:
        body.append(_text(0, head + 20, empty, fill=MUTED))
    for i, r in enumerate(rows):
        y = head + i * row_h
        name = row_label(r)
        body.append(f'<g class="heat-row" data-label="{escape(name)}">')
        body.append(_label(0, y + 13, name, wide=90, size=12, weight="600"))
        marked = set(highlight(r)) if highlight else set()
        for j, (key, col_name) in enumerate(columns):
            value = r.get(key)
            fill = rating_color(value)
            shown = "–" if value is None else (f"{value:.{decimals}f}" if decimals else str(value))
            body.append(
                f'<rect x="{_pct(share * j)}" y="{_n(y + label_h)}" width="{_pct(share)}" '
                f'height="{cell_h}" fill="{fill or "url(#hatch)"}" stroke="#fff" stroke-width="2" '
                f'data-element="{escape(key)}" data-value="{escape(shown)}">'
                f"<title>{escape(name)} — {escape(col_name)}: {escape(shown)}</title></rect>"
            )
            if key in marked:
                body.append(
                    f'<rect class="weakest" x="{_pct(share * j + 0.35)}" y="{_n(y + label_h + 2)}" '
                    f'width="{_pct(share - 0.7)}" height="{cell_h - 4}" fill="none" '
                    f'stroke="{INK}" stroke-width="2.5"/>'
                )
            body.append(
                _text(
                    _pct(share * (j + 0.5)),
                    y + label_h + 17,
                    shown,
                    anchor="middle",
                    size=12,
                    fill=_on(fill) if fill else MUTED,
                    weight="700",
                )
            )
        body.append("</g>")
    items = [(name, RATING[r]) for r, name in enumerate(RATING_NAMES)]
    items.append((_("not assessed"), "", "swatch-missing"))
    if highlight:
        items.append((_("framed: the weakest element of the row"), "", "swatch-frame"))
    return mark_safe(_fluid_svg(height, label, body, "heatmap") + legend(items))
