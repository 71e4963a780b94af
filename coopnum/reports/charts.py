"""Server-side charts as SVG strings, for the reports to authorities (HTML page and PDF alike).

Pure module: no Flask, no database, no JavaScript. Every chart is a standalone ``<svg>`` with ``role="img"``, a
``<title>`` and a ``<desc>`` (read by screen readers, through ``aria-labelledby``) and its values written as text
next to the bars, so that the figures stay readable in print and without colours. Labels are escaped; WeasyPrint
renders the same markup in the PDF::

    columns(["janv.", "févr."], [("Séances", [4, 6])], title="Séances réalisées par mois")
    bars([("E-mail", 12), ("Santé", 3)], title="Thématiques")
    stacked_bar([("Avec guidage", 5), ("Autonome", 2)], title="Autonomie")

Numbers are shown with ``number_format`` (default: integers, a French decimal comma otherwise); callers pass a
locale-aware formatter when they have one."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = int | float | Decimal

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
TEXT = "#1f2933"  # body text: 14:1 on white
MUTED = "#52606d"  # axes and legends: 6.4:1 on white
GRID = "#d9dee3"
# Distinguishable colours (also for the common colour-vision deficiencies), each with at least 3:1 against white
# (WCAG 1.4.11, non-text contrast).
PALETTE = ("#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d")


def _fmt_default(value: Number) -> str:
    if isinstance(value, float | Decimal) and value != int(value):
        text = f"{float(value):,.1f}"
    else:
        text = f"{int(value):,}"
    return text.replace(",", "\u202f").replace(".", ",")


def nice_max(value: Number) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k not below ``value`` (at least 1): the end of a readable axis."""
    value = float(value)
    if value <= 1:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover - the loop ends at 10 × 10^k


def axis(peak: Number, *, integers: bool = True) -> tuple[float, int]:
    """(step, number of steps) of a readable axis reaching at least ``peak``: a step of 1, 2, 2.5 or 5 × 10^k
    for about four gridlines (never a fraction for counts)."""
    peak = float(peak)
    if peak <= 0:
        return 1.0, 1
    raw = peak / 4
    exponent = math.floor(math.log10(raw))
    step = next(m * 10**exponent for m in (1, 2, 2.5, 5, 10) if m * 10**exponent >= raw - 1e-12)
    if integers:
        step = max(1.0, float(math.ceil(step)))
    return float(step), max(1, math.ceil(peak / step - 1e-9))


def _ident(kind: str, title: str, payload: object) -> str:
    digest = hashlib.sha1(f"{kind}|{title}|{payload!r}".encode()).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _a(value: object) -> str:
    """An attribute value (quotes escaped)."""
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _truncate(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def _open(ident: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" id="{ident}" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{_a(FONT)}" font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _empty(kind: str, title: str, width: int, empty_text: str) -> str:
    ident = _ident(kind, title, "empty")
    height = 60
    parts = _open(ident, width, height, title, empty_text)
    parts.append(f'<text x="{width / 2:.0f}" y="{height / 2 + 4:.0f}" text-anchor="middle" fill="{MUTED}">'
                 f"{escape(empty_text)}</text>")
    parts.append("</svg>")
    return "\n".join(parts)


def _describe(pairs: Sequence[tuple[str, Number]], fmt: Callable[[Number], str]) -> str:
    return " ; ".join(f"{label} : {fmt(value)}" for label, value in pairs)


def bars(items: Sequence[tuple[str, Number]], *, title: str, width: int = 640, bar_height: int = 20,
         label_width: int = 280, color: str = PALETTE[0], number_format: Callable[[Number], str] = _fmt_default,
         empty_text: str = "Aucune donnée") -> str:
    """Horizontal bars, one per (label, value), in the given order (themes, places…)."""
    items = [(str(label), value or 0) for label, value in items]
    if not items:
        return _empty("bars", title, width, empty_text)
    gap, top, right = 6, 6, 60
    height = top * 2 + len(items) * (bar_height + gap)
    scale_max = nice_max(max(float(v) for _, v in items))
    plot = width - label_width - right
    max_chars = max(8, int(label_width / 6.6))
    ident = _ident("bars", title, items)
    parts = _open(ident, width, height, title, _describe(items, number_format))
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        length = plot * float(value) / scale_max
        shown = _truncate(label, max_chars)
        parts.append("<g>")
        if shown != label:
            parts.append(f"<title>{escape(label)} : {escape(number_format(value))}</title>")
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
                     f'fill="{TEXT}">{escape(shown)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{_num(length)}" height="{bar_height}" '
                     f'fill="{_a(color)}" data-value="{_a(value)}"/>')
        parts.append(f'<text x="{_num(label_width + length + 6)}" y="{y + bar_height * 0.7:.1f}" '
                     f'fill="{TEXT}">{escape(number_format(value))}</text>')
        parts.append("</g>")
    parts.append(f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{height - top + 2}" '
                 f'stroke="{MUTED}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def columns(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]], *, title: str,
            width: int = 640, height: int = 240, stacked: bool = True,
            number_format: Callable[[Number], str] = _fmt_default, empty_text: str = "Aucune donnée") -> str:
    """Vertical columns per category (months), one or more series; several series are stacked (or side by side
    with ``stacked=False``) and get a legend. Each column shows its total (or each bar its value) above it."""
    categories = [str(c) for c in categories]
    series = [(str(name), [v or 0 for v in values]) for name, values in series]
    if not categories or not series or all(float(v) == 0 for _, values in series for v in values):
        return _empty("columns", title, width, empty_text)
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"la série {name!r} n'a pas une valeur par catégorie")
    left, right, top = 44, 10, 22
    legend_height = 22 if len(series) > 1 else 0
    bottom = 34 + legend_height
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(float(values[i]) for _, values in series) for i in range(len(categories))]
    peak = max(totals) if stacked else max(float(v) for _, values in series for v in values)
    integers = all(float(v) == int(v) for _, values in series for v in values)
    step, steps = axis(peak, integers=integers)
    slot = plot_w / len(categories)
    plot = _ColumnsPlot(left, top, plot_w, plot_h, slot, min(48.0, slot * 0.7), step * steps)
    ident = _ident("columns", title, (categories, series))
    parts = _open(ident, width, height, title, _columns_desc(categories, series, number_format))
    parts += _gridlines(plot, step, steps, number_format)
    every = max(1, math.ceil(len(categories) / max(1, int(plot_w // 34))))
    for i, cat in enumerate(categories):
        parts += _column(plot, i, cat, series, stacked=stacked, labelled=i % every == 0, number_format=number_format)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
                 f'stroke="{MUTED}"/>')
    if len(series) > 1:
        parts += _legend([name for name, _values in series], x=left, y=height - 10)
    parts.append("</svg>")
    return "\n".join(parts)


@dataclass(frozen=True)
class _ColumnsPlot:
    """Where a column chart draws: the plotting area, one slot per category, the value at the top of the axis."""

    left: int
    top: int
    width: int
    height: int
    slot: float
    col_w: float
    scale_max: float


def _columns_desc(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]],
                  number_format: Callable[[Number], str]) -> str:
    """The chart's figures as text, category by category (the ``<desc>`` read by screen readers)."""
    desc_parts = []
    for i, cat in enumerate(categories):
        values = ", ".join(f"{name} {number_format(vals[i])}" for name, vals in series)
        desc_parts.append(f"{cat} : {values}")
    return " ; ".join(desc_parts)


def _gridlines(plot: _ColumnsPlot, step: float, steps: int, number_format: Callable[[Number], str]) -> list[str]:
    """The value axis: a gridline per step, with its value."""
    parts = []
    for k in range(steps + 1):
        value = step * k
        y = plot.top + plot.height - plot.height * k / steps
        parts.append(f'<line x1="{plot.left}" y1="{_num(y)}" x2="{plot.left + plot.width}" y2="{_num(y)}" '
                     f'stroke="{GRID}"/>')
        parts.append(f'<text x="{plot.left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{MUTED}" font-size="10">'
                     f"{escape(number_format(value if value != int(value) else int(value)))}</text>")
    return parts


def _column(plot: _ColumnsPlot, i: int, cat: str, series: Sequence[tuple[str, Sequence[Number]]], *,
            stacked: bool, labelled: bool, number_format: Callable[[Number], str]) -> list[str]:
    """The group of category ``i``: its bars (stacked or side by side), their values, and its label when
    ``labelled``."""
    x0 = plot.left + plot.slot * i + (plot.slot - plot.col_w) / 2
    parts = [f'<g data-category="{_a(cat)}">']
    base = plot.top + plot.height
    bar_w = plot.col_w if stacked else plot.col_w / len(series)
    for s, (name, values) in enumerate(series):
        value = float(values[i])
        h = plot.height * value / plot.scale_max
        x = x0 if stacked else x0 + s * bar_w
        y = base - h if stacked else plot.top + plot.height - h
        if value:
            parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{_num(h)}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}" data-value="{_a(values[i])}">'
                         f"<title>{escape(cat)} — {escape(name)} : {escape(number_format(values[i]))}</title>"
                         "</rect>")
            if not stacked:
                parts.append(f'<text x="{_num(x + bar_w / 2)}" y="{_num(y - 3)}" text-anchor="middle" '
                             f'fill="{TEXT}" font-size="9">{escape(number_format(values[i]))}</text>')
        if stacked:
            base -= h
    if stacked and sum(float(values[i]) for _, values in series):
        total = sum(values[i] for _, values in series)
        parts.append(f'<text x="{_num(x0 + plot.col_w / 2)}" y="{_num(base - 4)}" text-anchor="middle" '
                     f'fill="{TEXT}" font-size="10">{escape(number_format(total))}</text>')
    if labelled:
        parts.append(f'<text x="{_num(plot.left + plot.slot * i + plot.slot / 2)}" y="{plot.top + plot.height + 14}" '
                     f'text-anchor="middle" fill="{MUTED}" font-size="10">{escape(cat)}</text>')
    parts.append("</g>")
    return parts


def _legend(names: Sequence[str], *, x: int, y: int) -> list[str]:
    """A colour swatch and the name of each series, in a row from (``x``, ``y``)."""
    parts = []
    for s, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" fill="{TEXT}" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


def stacked_bar(items: Sequence[tuple[str, Number]], *, title: str, width: int = 640,
                number_format: Callable[[Number], str] = _fmt_default, empty_text: str = "Aucune donnée") -> str:
    """One horizontal bar split into its parts (a distribution, e.g. autonomy levels), with a legend giving each
    part's value and share."""
    items = [(str(label), value or 0) for label, value in items]
    total = sum(float(v) for _, v in items)
    if not items or total <= 0:
        return _empty("stacked", title, width, empty_text)
    bar_h, top, line = 28, 6, 18
    height = top + bar_h + 12 + line * len(items) + 4
    ident = _ident("stacked", title, items)
    desc = " ; ".join(f"{label} : {number_format(v)} ({round(100 * float(v) / total)} %)" for label, v in items)
    parts = _open(ident, width, height, title, desc)
    x = 0.0
    for i, (label, value) in enumerate(items):
        w = width * float(value) / total
        if w > 0:
            parts.append(f'<rect x="{_num(x)}" y="{top}" width="{_num(w)}" height="{bar_h}" '
                         f'fill="{PALETTE[i % len(PALETTE)]}" data-value="{_a(value)}">'
                         f"<title>{escape(label)} : {escape(number_format(value))}</title></rect>")
            share = round(100 * float(value) / total)
            if w > 34:
                parts.append(f'<text x="{_num(x + w / 2)}" y="{top + bar_h * 0.68:.1f}" text-anchor="middle" '
                             f'fill="#ffffff" font-weight="bold">{share} %</text>')
        x += w
    y = top + bar_h + 12
    for i, (label, value) in enumerate(items):
        share = round(100 * float(value) / total)
        parts.append(f'<rect x="0" y="{y + i * line}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="18" y="{y + i * line + 10}" fill="{TEXT}">{escape(label)} : '
                     f"{escape(number_format(value))} ({share} %)</text>")
    parts.append("</svg>")
    return "\n".join(parts)
