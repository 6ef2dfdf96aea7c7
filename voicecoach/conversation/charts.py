"""Charts of a two-sided call: the two-lane turn timeline and the per-exchange pace chart.

The timeline has an agent lane above a customer lane; each side's speech is a bar in its lane,
and the moments of the call are marked across both lanes: overlaps (red), dead air (grey),
long waits for the agent's answer (amber), holds (violet); the agent's interruptions are red
triangles on the agent lane. Times read mm:ss. The pace chart sets, exchange by exchange, the
agent's rate just after the customer's turn against the customer's rate just before it.
Every chart is drawn on its own :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.lines
import matplotlib.patches
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from voicecoach import i18n
from voicecoach.audio.activity import runs
from voicecoach.conversation.analyze import confident_speech
from voicecoach.i18n import NP_
from voicecoach.report.charts import PNG, mmss, timeline_chunks
from voicecoach.report.fonts import chart_lang, chart_style, quiet_font_log

AGENT_C, CUSTOMER_C, OVERLAP_C, DEAD_C, WAIT_C, HOLD_C = "#3b73d6", "#e07b24", "#d63b3b", "#9aa0a6", "#f0a020", "#8e5bd6"
LANE = {"agent": 1.0, "customer": 0.0}
BAR_H = 0.56

T = {
    "agent": NP_("chart", "agent"),
    "customer": NP_("chart", "customer"),
    "overlap": NP_("chart", "both talking (≥ 1 s)"),
    "dead_air": NP_("chart", "dead air"),
    "long_wait": NP_("chart", "long wait for the agent"),
    "hold": NP_("chart", "hold"),
    "interruption": NP_("chart", "agent interrupts"),
    "time": NP_("chart", "time (min:s)"),
    "rate": NP_("chart", "syllables/s"),
    "customer_before": NP_("chart", "customer, just before"),
    "agent_after": NP_("chart", "agent, just after"),
    "exchange": NP_("chart", "exchange (start of the agent's answer, min:s)"),
}
"""Chart words: key -> English source string in context "chart"."""


def _t(key: str, lang: str) -> str:
    return i18n.pgettext(lang, "chart", T[key])


def speech_runs(side) -> list[tuple[float, float]]:
    """(start_s, end_s) of a side's speech as the turn analysis saw it (confident speech)."""
    speech = confident_speech(side.activity)
    starts, ends = runs(speech)
    f = side.activity.frame_s
    return [(s * f, e * f) for s, e in zip(starts, ends)]


def call_chunks(duration_s: float) -> list[tuple[float, float]]:
    """The timeline's windows: a minute each (longer for a long call, as the agent report's), a
    short tail (under a quarter of a window) joined to the window before it."""
    chunks = timeline_chunks(duration_s)
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < 0.25 * (chunks[0][1] - chunks[0][0]):
        chunks = chunks[:-2] + [(chunks[-2][0], chunks[-1][1])]
    return chunks


def turn_timeline_figure(c, *, start_s: float, end_s: float, lang: str, legend: bool = True) -> Figure:
    """The two lanes of a call between ``start_s`` and ``end_s``.

    Parameters
    ----------
    c : CallAnalysis
    start_s, end_s : float
        Window shown, s.
    lang : str
        "zh", "zh-Hant" or "en" (English without a CJK font).
    legend : bool
        Draw the legend below the lanes (the page draws it on the first window only).
    """
    lang = chart_lang(lang)
    with chart_style(lang):
        w = 4.0  # shown ~370 px wide on a phone: 9 pt text is ~11 px there; 680 px natural, sharp on a desktop
        h = 2.9 if legend else 1.6
        fig = Figure(figsize=(w, h), dpi=170)
        fig.subplots_adjust(left=0.85 / w, right=1 - 0.3 / w, top=1 - 0.08 / h, bottom=(1.45 if legend else 0.55) / h)
        ax = fig.add_subplot()
        t = c.turns
        overlaps = t.long_overlaps if c.layout != "mono" else ()  # mono: one voice per frame, overlaps cannot show
        marks = [(t.holds, HOLD_C, 0.35), (t.dead_air, DEAD_C, 0.45), (overlaps, OVERLAP_C, 0.45)]
        for intervals, colour, alpha in marks:
            for iv in intervals:
                if iv.end_s > start_s and iv.start_s < end_s:
                    ax.axvspan(iv.start_s, iv.end_s, color=colour, alpha=alpha, lw=0, zorder=1)
        for side, colour in (("agent", AGENT_C), ("customer", CUSTOMER_C)):
            bars = [(s, e - s) for s, e in speech_runs(getattr(c, side)) if e > start_s and s < end_s]
            ax.broken_barh(bars, (LANE[side] - BAR_H / 2, BAR_H), facecolors=colour, zorder=2)
        sides_known = c.separation is None or c.separation.confident
        for lat in (t.long_waits if sides_known else ()):
            if lat.agent_start_s > start_s and lat.customer_end_s < end_s:
                ax.annotate("", xy=(lat.agent_start_s, 0.5), xytext=(lat.customer_end_s, 0.5), zorder=3,
                            arrowprops={"arrowstyle": "|-|", "color": WAIT_C, "lw": 2.0, "shrinkA": 0, "shrinkB": 0, "mutation_scale": 3})
        hits = [i.start_s for i in t.agent_interruptions if start_s <= i.start_s <= end_s and c.layout != "mono"]
        ax.plot(hits, [LANE["agent"] + BAR_H / 2 + 0.12] * len(hits), "v", color=OVERLAP_C, ms=6, zorder=4, clip_on=False)
        ax.set_ylim(-0.55, 1.6)
        ax.set_yticks([LANE["agent"], LANE["customer"]], [_t("agent", lang), _t("customer", lang)])
        ax.set_xlim(start_s, end_s)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 3, 5, 6, 10], integer=True))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(mmss))
        ax.set_xlabel(_t("time", lang), fontsize=9)
        ax.tick_params(labelsize=9)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        handles = [
            matplotlib.patches.Patch(color=AGENT_C, label=_t("agent", lang)),
            matplotlib.patches.Patch(color=CUSTOMER_C, label=_t("customer", lang)),
            matplotlib.patches.Patch(color=OVERLAP_C, alpha=0.45, label=_t("overlap", lang)),
            matplotlib.patches.Patch(color=DEAD_C, alpha=0.45, label=_t("dead_air", lang)),
            matplotlib.lines.Line2D([], [], color=WAIT_C, lw=2, label=_t("long_wait", lang)),
            matplotlib.patches.Patch(color=HOLD_C, alpha=0.35, label=_t("hold", lang)),
            matplotlib.lines.Line2D([], [], ls="", marker="v", color=OVERLAP_C, label=_t("interruption", lang)),
        ]
        if not legend:
            return fig
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8.5, frameon=False, bbox_to_anchor=(0.5, 0.0),
                   handlelength=1.4, columnspacing=1.2, labelspacing=0.35)
        return fig


def pace_figure(c, *, lang: str) -> Figure | None:
    """Exchange by exchange: the customer's rate just before and the agent's just after.

    Returns None when the call has no measured exchange (``c.pace`` None or empty).
    """
    if c.pace is None or not c.pace.exchanges:
        return None
    lang = chart_lang(lang)
    with chart_style(lang):
        w = 4.0
        fig = Figure(figsize=(w, 2.6), dpi=170)
        fig.subplots_adjust(left=0.6 / w, right=1 - 0.12 / w, top=0.96, bottom=0.36)
        ax = fig.add_subplot()
        ex = c.pace.exchanges
        x = np.arange(1, len(ex) + 1)
        cust = np.array([e.customer_rate_cps for e in ex])
        agent = np.array([e.agent_rate_cps for e in ex])
        ax.vlines(x, np.minimum(cust, agent), np.maximum(cust, agent), color="#c5cbd3", lw=2, zorder=1)
        ax.plot(x, cust, "o", color=CUSTOMER_C, ms=6, zorder=2, label=_t("customer_before", lang))
        ax.plot(x, agent, "s", color=AGENT_C, ms=6, zorder=3, label=_t("agent_after", lang))
        ax.set_xticks(x, [mmss(e.agent_start_s) for e in ex], fontsize=8.5, rotation=0 if len(ex) <= 5 else 45)
        ax.set_xlim(0.4, len(ex) + 0.6)
        lo, hi = float(np.nanmin(np.r_[cust, agent])), float(np.nanmax(np.r_[cust, agent]))
        ax.set_ylim(max(0.0, lo - 1.0), hi + 1.0)
        ax.set_ylabel(_t("rate", lang), fontsize=9)
        ax.set_xlabel(_t("exchange", lang), fontsize=8.5)
        ax.tick_params(labelsize=8.5)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        fig.legend(loc="lower center", ncol=2, fontsize=8.5, frameon=False, bbox_to_anchor=(0.5, 0.0))
        return fig


def write_call_charts(c, out_dir: Path, *, lang: str) -> dict[str, list[Path]]:
    """Render the timeline PNGs (one per minute, or longer pieces for a long call) and the pace
    chart into ``out_dir``: ``{"timeline": [png, ...], "pace": [png] or []}``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with quiet_font_log():
        paths = []
        for k, (t0, t1) in enumerate(call_chunks(c.duration_s), 1):
            p = out_dir / f"turns_{k:02d}.png"
            turn_timeline_figure(c, start_s=t0, end_s=t1, lang=lang, legend=k == 1).savefig(p, pil_kwargs=PNG)
            paths.append(p)
        pace = []
        fig = pace_figure(c, lang=lang)
        if fig is not None:
            pace.append(out_dir / "pace_match.png")
            fig.savefig(pace[0], pil_kwargs=PNG)
    return {"timeline": paths, "pace": pace}
