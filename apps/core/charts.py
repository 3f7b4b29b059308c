"""Server-side SVG charts: no CDN, no JavaScript, readable on a 390 px phone.

Every chart is one inline `<svg role="img">` with a `<title>` (and a `<desc>` listing the
numbers) so a screen reader announces what it shows. The SVG has a viewBox and `width="100%"`,
so it shrinks to the phone's width; fonts are sized for the 360-unit viewBox, which keeps them
readable at 390 px.
Colours are presentation attributes, not `style=`, so a strict Content-Security-Policy keeps them.
Every label passes through `escape`; only numbers formatted here are written raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

Number = Decimal | int | None

WIDTH = 360
PALETTE = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2")
BAND_FILL = "#16a34a"
GRID = "#e5e7eb"
INK = "#374151"
MUTED = "#6b7280"


@dataclass(frozen=True)
class Series:
    """One line: a label and (x label, value) points; `None` leaves a gap."""

    label: str
    points: list[tuple[str, Number]] = field(default_factory=list)


def _num(value: Decimal | int | float) -> str:
    """A coordinate with at most one decimal, without float noise."""
    quantized = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = format(quantized, "f")
    return text[:-2] if text.endswith(".0") else text


def _label(value: Decimal | int, suffix: str) -> str:
    dec = Decimal(value)
    if dec == dec.to_integral_value():
        text = format(dec.quantize(Decimal(1)), "f")
    else:
        text = format(dec.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")
    return f"{text}{suffix}"


def _nice_max(value: Decimal) -> Decimal:
    """Round the top of the y axis up to 1, 2, 2.5 or 5 × 10ⁿ so the ticks are round numbers."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    base = Decimal(10) ** exponent
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if value <= step * base:
            return step * base
    return Decimal(10) * base  # pragma: no cover - the loop always returns


def _svg_open(*, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'font-family="system-ui, sans-serif" font-size="13" fill="{INK}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]


def _empty(title: str) -> SafeString:
    parts = _svg_open(height=80, title=title, desc=gettext("暂无数据"))
    parts.append(
        f'<text x="{WIDTH // 2}" y="45" text-anchor="middle" fill="{MUTED}">'
        f"{escape(gettext('暂无数据'))}</text></svg>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def line_chart_svg(
    *,
    series: Sequence[Series],
    band: tuple[Decimal, Decimal] | None = None,
    band_label: str = "",
    y_suffix: str = "",
    title: str,
) -> SafeString:
    """A line chart over shared x labels, with an optional shaded band for the typical range."""
    x_labels: list[str] = []
    for line in series:
        for x, _value in line.points:
            if x not in x_labels:
                x_labels.append(x)
    values = [Decimal(v) for line in series for _x, v in line.points if v is not None]
    if not x_labels or not values:
        return _empty(title)

    legend_rows = len(series) if len(series) > 1 else 0
    left, right, top = 50, 10, 14
    plot_h = 150
    bottom_axis = top + plot_h
    height = bottom_axis + 34 + legend_rows * 16 + (16 if band else 0)
    plot_w = WIDTH - left - right

    y_top = max(values)
    if band:
        y_top = max(y_top, band[1])
    y_max = _nice_max(y_top * Decimal("1.05") if y_top > 0 else Decimal(1))
    y_min = min(Decimal(0), min(values))

    def y_at(value: Decimal) -> Decimal:
        return bottom_axis - (value - y_min) / (y_max - y_min) * plot_h

    def x_at(index: int) -> Decimal:
        if len(x_labels) == 1:
            return Decimal(left + plot_w / 2)
        return Decimal(left) + Decimal(plot_w) * index / (len(x_labels) - 1)

    desc_lines = []
    for line in series:
        shown = ", ".join(
            f"{x}: {'-' if v is None else _label(v, y_suffix)}" for x, v in line.points
        )
        desc_lines.append(f"{line.label}: {shown}")
    if band:
        desc_lines.append(
            f"{band_label or gettext('常见范围')}: "
            f"{_label(band[0], y_suffix)}–{_label(band[1], y_suffix)}"
        )
    parts = _svg_open(height=height, title=title, desc="; ".join(desc_lines))

    if band:
        band_top, band_bottom = y_at(min(band[1], y_max)), y_at(max(band[0], y_min))
        parts.append(
            f'<rect x="{left}" y="{_num(band_top)}" width="{plot_w}" '
            f'height="{_num(band_bottom - band_top)}" fill="{BAND_FILL}" fill-opacity="0.15"/>'
        )

    for tick in range(5):
        value = y_min + (y_max - y_min) * tick / 4
        y = _num(y_at(value))
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y}" dy="4" text-anchor="end" fill="{MUTED}">'
            f"{escape(_label(value, y_suffix))}</text>"
        )

    # Thin the x labels so at most ~6 fit across a phone screen without overlapping.
    every = max(1, -(-len(x_labels) // 6))
    labelled = list(range(0, len(x_labels), every))
    if labelled[-1] != len(x_labels) - 1:
        # The last label always shows; it replaces a neighbour that would overlap it.
        if len(x_labels) - 1 - labelled[-1] < every:
            labelled[-1] = len(x_labels) - 1
        else:
            labelled.append(len(x_labels) - 1)
    for index, x_label in enumerate(x_labels):
        if index not in labelled:
            continue
        anchor = "middle"
        if len(x_labels) > 1 and index == 0:
            anchor = "start"
        elif len(x_labels) > 1 and index == len(x_labels) - 1:
            anchor = "end"
        parts.append(
            f'<text x="{_num(x_at(index))}" y="{bottom_axis + 16}" text-anchor="{anchor}" '
            f'fill="{MUTED}">{escape(x_label)}</text>'
        )

    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        by_x = dict(line.points)
        segment: list[str] = []
        segments: list[list[str]] = []
        for index, x_label in enumerate(x_labels):
            raw = by_x.get(x_label)
            if raw is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            point_x, point_y = _num(x_at(index)), _num(y_at(Decimal(raw)))
            segment.append(f"{point_x},{point_y}")
            parts.append(f'<circle cx="{point_x}" cy="{point_y}" r="2.5" fill="{colour}"/>')
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-linejoin="round"/>'
                )

    legend_y = bottom_axis + 34
    if legend_rows:
        for number, line in enumerate(series):
            colour = PALETTE[number % len(PALETTE)]
            row_y = legend_y + number * 16
            parts.append(
                f'<rect x="{left}" y="{row_y - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{left + 16}" y="{row_y}">{escape(line.label)}</text>'
            )
        legend_y += legend_rows * 16
    if band:
        parts.append(
            f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" fill="{BAND_FILL}" '
            f'fill-opacity="0.3"/><text x="{left + 16}" y="{legend_y}">'
            f"{escape(band_label or gettext('常见范围'))} "
            f"{escape(_label(band[0], y_suffix))}–{escape(_label(band[1], y_suffix))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def funnel_chart_svg(
    *,
    steps: Sequence[tuple[str, int]],
    title: str,
    band: tuple[Decimal, Decimal] | None = None,
    band_label: str = "",
) -> SafeString:
    """Horizontal bars, one per step, widths relative to the first step.

    Each row shows the count and the conversion from the previous step. `band` is the typical
    overall conversion in percent; it is shaded across every bar so the last bar's end shows at a
    glance whether the funnel converts inside, below or above the field's usual range.
    """
    if not steps:
        return _empty(title)
    left, right = 8, 8
    row_h = 40
    top = 8
    bar_w = WIDTH - left - right
    height = top + row_h * len(steps) + (22 if band else 6)
    first = max(steps[0][1], 0)

    desc_lines = []
    previous: int | None = None
    for label, count in steps:
        if previous:
            rate = Decimal(min(count, previous)) * 100 / previous
            desc_lines.append(f"{label}: {count} ({_label(rate, '%')})")
        else:
            desc_lines.append(f"{label}: {count}")
        previous = count
    if band:
        desc_lines.append(
            f"{band_label or gettext('常见转化率')}: {_label(band[0], '%')}–{_label(band[1], '%')}"
        )
    parts = _svg_open(height=height, title=title, desc="; ".join(desc_lines))

    if band:
        low = max(Decimal(0), min(band[0], Decimal(100)))
        high = max(low, min(band[1], Decimal(100)))
        x = Decimal(left) + bar_w * low / 100
        parts.append(
            f'<rect x="{_num(x)}" y="{top}" width="{_num(bar_w * (high - low) / 100)}" '
            f'height="{row_h * len(steps)}" fill="{BAND_FILL}" fill-opacity="0.15"/>'
        )

    previous = None
    for index, (label, count) in enumerate(steps):
        row_y = top + index * row_h
        share = Decimal(count) / first if first else Decimal(0)
        share = min(max(share, Decimal(0)), Decimal(1))
        width = Decimal(bar_w) * share
        colour = PALETTE[0]
        parts.append(
            f'<text x="{left}" y="{row_y + 12}">{escape(label)}</text>'
            f'<rect x="{left}" y="{row_y + 17}" width="{_num(bar_w)}" height="14" fill="{GRID}" '
            f'fill-opacity="0.6"/>'
            f'<rect x="{left}" y="{row_y + 17}" width="{_num(width)}" height="14" fill="{colour}"/>'
        )
        figure = str(count)
        if previous:
            rate = Decimal(min(count, previous)) * 100 / previous
            figure = f"{count} · {_label(rate, '%')}"
        parts.append(
            f'<text x="{WIDTH - right}" y="{row_y + 12}" text-anchor="end" fill="{MUTED}">'
            f"{escape(figure)}</text>"
        )
        previous = count

    if band:
        y = top + row_h * len(steps) + 14
        parts.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{BAND_FILL}" '
            f'fill-opacity="0.3"/><text x="{left + 16}" y="{y}">'
            f"{escape(band_label or gettext('常见转化率'))} "
            f"{escape(_label(band[0], '%'))}–{escape(_label(band[1], '%'))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
