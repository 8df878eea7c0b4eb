"""Small server-side charts as inline SVG for the PDFs (no JavaScript, no dependency): a horizontal bar chart
and a grouped bar chart. Labels are text in the document's font, so Chinese renders with the shipped font."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#c8102e", "#f2a900", "#2b6cb0", "#38a169", "#805ad5", "#718096")


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bar_chart(items: Sequence[tuple[str, float]], *, title: str = "", unit: str = "", max_value: float | None = None,
              width: int = 640, color: str = PALETTE[0]) -> SafeString:
    """One horizontal bar per (label, value), value printed at the bar's end."""
    items = list(items)[:40]
    row, label_w, top = 18, 150, 24 if title else 6
    height = top + row * max(len(items), 1) + 8
    peak = max_value or max([v for _, v in items] + [1])
    span = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="10">']
    if title:
        parts.append(f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = max(0.0, span * float(value) / peak) if peak else 0.0
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(str(label)[:14])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 12}">{escape(_num(value) + unit)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def grouped_bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str = "",
                      width: int = 640, height: int = 220) -> SafeString:
    """Vertical bars: for each category one bar per series, with a legend (e.g. plan vs admitted, talks per
    quarter)."""
    categories = list(categories)
    slot = (width - 40) / max(len(categories), 1)
    slanted = slot < 56  # too narrow for a horizontal label: slant them and make room below
    top, bottom, left = (40 if title else 24), (76 if slanted else 36), (64 if slanted else 30)
    height = height + (40 if slanted else 0)
    plot_h = height - top - bottom
    peak = max([v for _, values in series for v in values] + [1])
    slot = (width - left - 10) / max(len(categories), 1)
    bar = max(2.0, (slot - 8) / max(len(series), 1))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="10">']
    if title:
        parts.append(f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>')
    legend_y = top - 10
    for s, (name, _) in enumerate(series):
        x = left + s * 110
        parts.append(f'<rect x="{x}" y="{legend_y - 8}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y + 1}">{escape(str(name))}</text>')
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>')
    for c, category in enumerate(categories):
        x0 = left + c * slot + 4
        for s, (_, values) in enumerate(series):
            value = float(values[c]) if c < len(values) else 0.0
            h = plot_h * value / peak
            x = x0 + s * bar
            parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"/>')
            parts.append(f'<text x="{x + (bar - 1) / 2:.1f}" y="{base - h - 2:.1f}" text-anchor="middle" '
                         f'font-size="8">{escape(_num(value))}</text>')
        if slanted:
            cx = x0 + slot / 2 - 4
            parts.append(f'<text x="{cx:.1f}" y="{base + 12}" text-anchor="end" '
                         f'transform="rotate(-40 {cx:.1f} {base + 12})">{escape(str(category)[:10])}</text>')
        else:
            parts.append(f'<text x="{x0 + slot / 2 - 4:.1f}" y="{base + 14}" text-anchor="middle">'
                         f'{escape(str(category)[:10])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
