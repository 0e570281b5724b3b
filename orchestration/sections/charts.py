"""Static charts for the pack, drawn with matplotlib and inlined as SVG.

The pack must be one self-contained file that renders the same for everyone and can be
diffed month to month, so charts are vector SVG written into the HTML (no scripts, no
images fetched), drawn with matplotlib's object API (no pyplot global state inside a Dagster
process) under a local rc_context, with a fixed hash salt and no date in the metadata.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from orchestration.sections.formatting import month_label

INK = "#1b1f24"
MUTED = "#5f6b76"
GRID = "#e3e7eb"
PRIMARY = "#1d4f91"
# The lines and bars that carry figures stand out from white at 3:1 or more (WCAG 2.2, 1.4.11).
PREVIOUS = "#7b8794"
OTHERS = "#87939f"

# Layout is measured with the first of these that matplotlib finds; the browser then draws the
# text with the same stack. Liberation Sans is metrically identical to Arial, the councils'
# house font; DejaVu Sans ships with matplotlib, so there is always a fallback.
FONT_STACK = ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans"]

# The SVGs scale with their viewBox, so text is as large as the chart is wide. Every chart is
# drawn for the width it is shown at: a card about 340 CSS px wide, which is what a 390 px phone
# leaves, and what the stylesheet gives each chart on a desktop (three to a row, capped at
# 30rem) and on half an A4 page. Font sizes are worked out so text shows at CHART_TEXT_PX there.
CHART_WIDTH_PX = 340.0
CHART_TEXT_PX = 11.5

TREND_WIDTH_IN = 4.0
TREND_HEIGHT_IN = 2.75
RATES_WIDTH_IN = 3.6
# One bar per borough, a line of text apart (about 15.5 px at the chart's width), plus the
# axis, its label and the margins.
RATES_ROW_IN = 0.164
RATES_FRAME_IN = 0.85

# Label a month every half year on the trend charts: at the chart's width three-monthly labels
# ("Jun-19") would touch. Every month still gets a small tick.
TREND_LABEL_STEP = 6


def font_points(width_in: float, px: float = CHART_TEXT_PX) -> float:
    """The font size (pt) that shows as `px` CSS pixels in a chart `width_in` inches wide.

    A figure `width_in` wide has a viewBox `width_in * 72` units across, drawn
    CHART_WIDTH_PX pixels wide.
    """
    return round(px * width_in * 72 / CHART_WIDTH_PX, 2)


# Any-keyed: matplotlib types its rc keys as a closed set of literals.
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": font_points(TREND_WIDTH_IN),
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "text.color": INK,
    "path.simplify": False,
}

# No creator (carries the matplotlib version), no date: identical marts give identical bytes.
_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class TrendPoint:
    """One month of the trend chart: the volume and the volume in the same month a year before."""

    month: dt.date
    volume: int | None
    volume_year_before: int | None


@dataclass(frozen=True)
class WardPoint:
    """One month of a ward's trend: its volume, and whether it was apportioned from old wards."""

    month: dt.date
    volume: float
    apportioned: bool


@dataclass(frozen=True)
class RateBar:
    """One borough's bar in the peer comparison."""

    borough: str
    rate: float
    highlighted: bool


def _escape(text: str) -> str:
    """Text for SVG markup, in an element or an attribute."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _count(value: float | None) -> str:
    """A volume in words for a chart's description: thousands separated, an apportioned
    (fractional) volume to one decimal place, a missing one said."""
    if value is None or value != value:
        return "no figure"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _svg(fig: Figure, chart_id: str, title: str, description: str) -> str:
    """Serialises a figure to an inline <svg> element that can sit beside others in one page.

    matplotlib writes structural ids ("figure_1", "axes_1") that would repeat in every chart of
    the document, so every id, and every reference to one, is prefixed with the chart's id.

    The chart is an image to assistive technology (`role="img"`): its <title> names it and its
    <desc> gives every figure it draws in words, so nothing is shown only as a picture.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'id="([^"]+)"', rf'id="{chart_id}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    # Drop the fixed size so CSS can make the chart as wide as its column; keep the viewBox.
    text = re.sub(r'^<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", text, count=1)
    title_id = f"{chart_id}-title"
    desc_id = f"{chart_id}-desc"
    text = text.replace(
        "<svg ",
        f'<svg class="chart" role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" ',
        1,
    )
    head_end = text.index(">") + 1
    return (
        f'{text[:head_end]}\n <title id="{title_id}">{_escape(title)}</title>'
        f'\n <desc id="{desc_id}">{_escape(description)}</desc>{text[head_end:]}'
    )


def trend_description(points: Sequence[TrendPoint]) -> str:
    """Every month's volume, the same month a year before in brackets."""
    months = "; ".join(
        f"{month_label(p.month)} {_count(p.volume)} ({_count(p.volume_year_before)})"
        for p in points
    )
    return f"Offences each month, with the same month a year before in brackets: {months}."


def ward_description(points: Sequence[WardPoint]) -> str:
    """Every month's volume, the months apportioned from the old wards said."""
    months = "; ".join(f"{month_label(p.month)} {_count(p.volume)}" for p in points)
    apportioned = [p for p in points if p.apportioned]
    note = (
        f" {month_label(apportioned[0].month)} to {month_label(apportioned[-1].month)} are "
        "apportioned from the old wards."
        if apportioned
        else ""
    )
    return f"Offences each month: {months}.{note}"


def rates_description(bars: Sequence[RateBar]) -> str:
    """Every borough's rate in rank order, the highlighted borough marked."""
    entries = "; ".join(
        f"{rank} {b.borough} {b.rate:.2f}{' (this borough)' if b.highlighted else ''}"
        for rank, b in enumerate(bars, start=1)
    )
    return f"Rate per 1,000 by borough, from the lowest: {entries}."


def _new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def _style_axes(ax: Any) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(length=2.5, width=0.6)


def month_ticks(count: int, step: int = TREND_LABEL_STEP) -> list[int]:
    """Which of `count` months get a label: the first, every `step`th after it, and the last.

    A label less than half a step before the last month's gives way to it, so the two do not
    touch: 24 months are labelled at 0, 6, 12, 18 and 23; 20 months at 0, 6, 12 and 19.
    """
    if count <= 0:
        return []
    ticks = list(range(0, count, step))
    last = count - 1
    if ticks[-1] != last:
        if len(ticks) > 1 and last - ticks[-1] < (step + 1) // 2:
            ticks[-1] = last
        else:
            ticks.append(last)
    return ticks


def trend_chart(chart_id: str, title: str, points: Sequence[TrendPoint]) -> str:
    """Two lines: the last 24 months and the same months a year before, as inline SVG.

    Args:
        chart_id: unique within the pack; prefixes every id in the SVG.
        title: the accessible name of the chart.
        points: the months in order, oldest first.
    """
    with matplotlib.rc_context(_RC):
        fig = _new_figure(TREND_WIDTH_IN, TREND_HEIGHT_IN)
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        current = [float("nan") if p.volume is None else p.volume for p in points]
        before = [
            float("nan") if p.volume_year_before is None else p.volume_year_before for p in points
        ]
        ax.plot(
            xs,
            before,
            color=PREVIOUS,
            linewidth=1.4,
            linestyle=(0, (4, 2)),
            label="Same month a year before",
        )
        ax.plot(
            xs,
            current,
            color=PRIMARY,
            linewidth=2.0,
            marker="o",
            markersize=2.5,
            label="Last 24 months",
        )
        ticks = month_ticks(len(points))
        ax.set_xticks(ticks, [month_label(points[i].month) for i in ticks])
        ax.set_xticks(xs, minor=True)
        ax.tick_params(axis="x", which="minor", length=1.5, width=0.5)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        _style_axes(ax)
        # Above the plot across the whole figure (the constrained layout makes room for it),
        # not just across the axes, which the y labels narrow.
        fig.legend(
            loc="outside upper center",
            ncol=2,
            frameon=False,
            borderaxespad=0.2,
            handlelength=2.0,
            columnspacing=1.2,
        )
        return _svg(fig, chart_id, title, trend_description(points))


WARD_WIDTH_IN = 2.6
WARD_HEIGHT_IN = 1.45


def ward_chart(chart_id: str, title: str, points: Sequence[WardPoint], top: float) -> str:
    """One ward's monthly volume as a small line, for a grid of the borough's wards.

    Months apportioned from the old wards are drawn dashed and grey, observed months solid, and
    every ward shares the y axis's top so the grid compares like with like.

    Args:
        chart_id: unique within the pack; prefixes every id in the SVG.
        title: the accessible name of the chart.
        points: the months in order, oldest first.
        top: the y axis's top, the same for every ward of the grid.
    """
    with matplotlib.rc_context(_RC):
        text = font_points(WARD_WIDTH_IN)
        fig = _new_figure(WARD_WIDTH_IN, WARD_HEIGHT_IN)
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        volumes = [p.volume for p in points]
        last_apportioned = max((i for i, p in enumerate(points) if p.apportioned), default=-1)
        if last_apportioned >= 0:
            # Apportioned months, and the step into the first observed month, dashed.
            stop = min(last_apportioned + 2, len(points))
            ax.plot(xs[:stop], volumes[:stop], color=PREVIOUS, linewidth=1.3, linestyle=(0, (3, 2)))
        ax.plot(
            xs[last_apportioned + 1 :],
            volumes[last_apportioned + 1 :],
            color=PRIMARY,
            linewidth=1.6,
        )
        ticks = [0, len(points) - 1] if points else []
        ax.set_xticks(ticks, [month_label(points[i].month) for i in ticks], fontsize=text)
        ax.set_ylim(0, top * 1.05 if top > 0 else 1.0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.tick_params(axis="y", labelsize=text)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        _style_axes(ax)
        return _svg(fig, chart_id, title, ward_description(points))


def rates_chart(chart_id: str, title: str, bars: Sequence[RateBar]) -> str:
    """The boroughs' rates per 1,000 as sorted horizontal bars, the chosen borough highlighted.

    Horizontal bars keep all 32 borough names readable on a phone and on A4.

    Args:
        chart_id: unique within the pack; prefixes every id in the SVG.
        title: the accessible name of the chart.
        bars: in rank order, rank 1 (lowest rate) first; drawn top to bottom.
    """
    with matplotlib.rc_context(_RC):
        text = font_points(RATES_WIDTH_IN)
        fig = _new_figure(RATES_WIDTH_IN, RATES_FRAME_IN + RATES_ROW_IN * max(len(bars), 1))
        ax = fig.add_subplot()
        ys = list(range(len(bars)))
        colours = [PRIMARY if b.highlighted else OTHERS for b in bars]
        ax.barh(ys, [b.rate for b in bars], color=colours, height=0.72)
        ax.set_yticks(ys, [b.borough for b in bars], fontsize=text)
        for tick, bar in zip(ax.get_yticklabels(), bars, strict=True):
            if bar.highlighted:
                tick.set_fontweight("bold")
        ax.invert_yaxis()
        top = max((b.rate for b in bars), default=0.0)
        for y, bar in zip(ys, bars, strict=True):
            if bar.highlighted:
                ax.annotate(
                    f"{bar.rate:.2f}",
                    (bar.rate, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=text,
                    fontweight="bold",
                    color=PRIMARY,
                )
        ax.set_xlim(0, top * 1.12 if top > 0 else 1.0)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("Rate per 1,000 (rolling 12 months)", fontsize=text)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _style_axes(ax)
        ax.tick_params(axis="x", labelsize=text)
        ax.tick_params(axis="y", length=0)
        return _svg(fig, chart_id, title, rates_description(bars))


# --- Sparklines --------------------------------------------------------------------------------

SPARK_WIDTH = 96
SPARK_HEIGHT = 24
SPARK_PAD = 3.0


def sparkline(chart_id: str, title: str, values: Sequence[float | None]) -> str:
    """A small line of a few periods' figures (a partner measure's last eight quarters), inline
    SVG written by hand: no text inside it, so it reads at any size; its title names the figures.

    A period without a figure is a gap in the line (never drawn as zero); a figure whose
    neighbours are both missing is a dot, and the latest figure is a larger dot. The scale runs
    from 0 (or the lowest figure, if negative) to the highest, so two sparklines are read by
    their shape, not compared with each other.

    Args:
        chart_id: unique within the pack; the id of the SVG's title.
        title: the accessible name, with every period's figure in words.
        values: the periods' figures, oldest first.
    """
    present = [v for v in values if v is not None]
    low = min([0.0, *present])
    high = max([low + 1.0, *present]) if present else 1.0
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(values) - 1, 1)

    def point(index: int, value: float) -> tuple[float, float]:
        y = SPARK_HEIGHT - SPARK_PAD - (value - low) / (high - low) * (SPARK_HEIGHT - 2 * SPARK_PAD)
        return round(SPARK_PAD + index * step, 2), round(y, 2)

    runs: list[list[tuple[float, float]]] = []
    previous_present = False
    for index, value in enumerate(values):
        if value is None:
            previous_present = False
            continue
        if not previous_present:
            runs.append([])
        runs[-1].append(point(index, value))
        previous_present = True
    shapes = []
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{x},{y}" for x, y in run)
            shapes.append(
                f'<polyline points="{coords}" fill="none" stroke="{PRIMARY}" '
                'stroke-width="1.5" stroke-linejoin="round"/>'
            )
        else:
            x, y = run[0]
            shapes.append(f'<circle cx="{x}" cy="{y}" r="1.6" fill="{PRIMARY}"/>')
    if values and values[-1] is not None:
        x, y = point(len(values) - 1, values[-1])
        shapes.append(f'<circle cx="{x}" cy="{y}" r="2.4" fill="{PRIMARY}"/>')
    baseline = SPARK_HEIGHT - SPARK_PAD
    title_id = f"{chart_id}-title"
    return (
        f'<svg class="sparkline" role="img" aria-labelledby="{title_id}" '
        f'width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}">'
        f'<title id="{title_id}">{_escape(title)}</title>'
        f'<line x1="{SPARK_PAD}" y1="{baseline}" x2="{SPARK_WIDTH - SPARK_PAD}" y2="{baseline}" '
        f'stroke="{GRID}" stroke-width="1"/>'
        f"{''.join(shapes)}</svg>"
    )
