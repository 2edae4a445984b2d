"""The /trend chart: a PNG drawn with matplotlib's Agg backend (no display, no network, only its bundled fonts)."""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.render import label_name, plural

if TYPE_CHECKING:
    from service.app import Trend

WIDTH_PX, HEIGHT_PX, DPI = 1200, 720, 100  # readable on a phone, under Telegram's photo limits
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def trend_png(trend: Trend) -> bytes:
    """Articles per day as bars, the five most-named entities' daily mentions as lines, the timeline's days
    marked; PNG bytes, WIDTH_PX x HEIGHT_PX."""
    buffer = io.BytesIO()
    trend_figure(trend).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def trend_figure(trend: Trend) -> Figure:
    """The /trend chart as a matplotlib figure: counts on whole-number axes, the period's own days on the x axis
    (no offset label: the caption gives the year)."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    articles_axis = figure.add_subplot()
    days = date2num([date.fromisoformat(d) for d in trend.days])
    articles_axis.bar(days, trend.articles, color="#c9d6e3", width=0.8, label="articles")
    articles_axis.set_ylabel("articles per day")
    mentions_axis = articles_axis.twinx()
    for (entity, counts), colour in zip(trend.series, COLOURS):
        mentions_axis.plot(days, counts, color=colour, linewidth=2, label=f"{entity.name} ({label_name(entity.label)})")
    mentions_axis.set_ylabel("mentions per day")
    mentions_axis.set_ylim(bottom=0)
    for axis in (articles_axis, mentions_axis):
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    if trend.timeline_days:
        top = max(trend.articles or [0]) or 1
        marked = date2num([date.fromisoformat(d) for d in trend.timeline_days])
        articles_axis.scatter(
            marked, [top * 1.05] * len(marked), marker="v", color="#444444", zorder=3, label="key dates (/timeline)"
        )
        articles_axis.set_ylim(0, top * 1.15)
    locator = AutoDateLocator(maxticks=10)
    articles_axis.xaxis.set_major_locator(locator)
    articles_axis.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    articles_axis.set_xlim(days[0] - 0.6, days[-1] + 0.6)
    articles_axis.set_xlabel("day")
    articles_axis.set_title(f"{trend.topic or 'Top stories'}: coverage and who is named, day by day")
    handles, labels = articles_axis.get_legend_handles_labels()
    more_handles, more_labels = mentions_axis.get_legend_handles_labels()
    mentions_axis.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize="small")
    return figure


def trend_caption(trend: Trend) -> str:
    """One line under the chart: the period, the article count and who is named most."""
    first, last = date.fromisoformat(trend.days[0]), date.fromisoformat(trend.days[-1])
    names = ", ".join(e.name for e, _ in trend.series[:3]) or "nobody in particular"
    start = f"{first:%-d %b}" if first.year == last.year else f"{first:%-d %b %Y}"
    return (
        f"{trend.topic or 'Top stories'}, {start} – {last:%-d %b %Y}: "
        f"{plural(sum(trend.articles), 'article')}; most named: {names}"
    )
