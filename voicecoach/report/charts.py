"""Charts for one analysis: a timeline per minute and a one-glance summary of all dimensions.

Every chart is drawn on its own :class:`matplotlib.figure.Figure` (no pyplot state). Labels
are in the report's language (Simplified or Traditional Chinese) when a CJK font is installed,
English otherwise (:func:`voicecoach.report.fonts.chart_lang`).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import matplotlib
import matplotlib.lines
import matplotlib.patches
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global figure state, no backend switch

from voicecoach import i18n
from voicecoach.i18n import NP_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import dimension_name, verdict_name
from voicecoach.report.figures import check_label, edge_digits, format_value, shown_overall, unit_label, verdict_class
from voicecoach.report.fonts import chart_lang, chart_style, quiet_font_log

GOOD, WARN, BAD, SLOW, GREY = "#2e9d5b", "#f0a020", "#d63b3b", "#3b73d6", "#9aa0a6"
TIMELINE_CHUNK_S = 60.0
MAX_TIMELINES = 6
MAX_POINTS = 2400  # per plotted track: about one per pixel column
PHONE_W_IN = 3.9  # a chart this wide shows 8 pt text at 10.5 px on a 390 px phone (370 px shown)
PNG = {"compress_level": 1}  # zlib level 1: a third of the encoding time, 1.3 x the bytes

T = {
    "pace": NP_("chart", "Pace per sentence (syllables/s)"),
    "volume": NP_("chart", "Volume (dBov)"),
    "pitch": NP_("chart", "Pitch (Hz)"),
    "time": NP_("chart", "time (min:s)"),
    "target": NP_("chart", "target band"),
    "your_range": NP_("chart", "your usual range"),
    "pause": NP_("chart", "pause"),
    "long_pause": NP_("chart", "long pause"),
    "dead_air": NP_("chart", "dead air"),
    "listening": NP_("chart", "other side talking"),
    "drawl": NP_("chart", "drawl"),
    "monotone": NP_("chart", "monotone"),
    "ok": NP_("chart", "on target"),
    "fast": NP_("chart", "too fast"),
    "slow": NP_("chart", "too slow"),
    "edge": NP_("chart", "a bit fast/slow"),
    "your_level": NP_("chart", "your level"),
    "summary": NP_("chart", "Each dimension against its target"),
    "overall": NP_("chart", "Overall"),
    "short_pause": NP_("chart", "pause (not flagged)"),
    "median": NP_("chart", "your median pitch"),
    "pitch_line": NP_("chart", "your pitch"),
    "level_line": NP_("chart", "your average level"),
    "envelope": NP_("chart", "loudness"),
    "phrase_end": NP_("chart", "phrase end (not drawled)"),
    "your_figure": NP_("chart", "your figure"),
    "uncertain": NP_("chart", "uncertain (not scored)"),
}
"""Chart words: key -> English source string in context "chart"."""


def _t(key: str, lang: str) -> str:
    return i18n.pgettext(lang, "chart", T[key])


def _points(score: str, lang: str) -> str:
    """A score as a chart writes it: "85" in English, "85分" in Chinese."""
    return i18n.pgettext(lang, "score", "{score}").format(score=score)


def mmss(t: float, _pos=None) -> str:
    """mm:ss (h:mm:ss past an hour), as the page writes times: a matplotlib tick formatter."""
    n = max(0, int(round(t)))
    h, m, s = n // 3600, n // 60 % 60, n % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def timeline_chunks(duration_s: float, chunk_s: float = TIMELINE_CHUNK_S, max_charts: int = MAX_TIMELINES) -> list[tuple[float, float]]:
    """Time windows covering the recording: a minute each, or longer (multiples of 30 s) so
    that a long call gets at most ``max_charts`` charts; the last may be shorter."""
    if duration_s / chunk_s > max_charts:
        chunk_s = 30.0 * np.ceil(duration_s / max_charts / 30.0)
    n = max(1, int(np.ceil(duration_s / chunk_s - 1e-9)))
    if n == 1:
        return [(0.0, duration_s)]
    return [(k * chunk_s, min(duration_s, (k + 1) * chunk_s)) for k in range(n)]


def timeline_figure(a, *, start_s: float, end_s: float, lang: str) -> Figure:
    """Pace bars, loudness envelope with pauses, pitch contour with range, drawl and monotone marks:
    one panel per dimension whose chart names one (:data:`PANELS`).

    Parameters
    ----------
    a : Analysis
    start_s, end_s : float
        Window shown, s.
    lang : str
        "zh" or "en" (falls back to "en" without a CJK font).
    """
    lang = chart_lang(lang)
    with chart_style(lang):
        # narrow (PHONE_W_IN), so that its 8-11 pt text reads at 11-15 px on a phone (shown
        # about 370 px wide), at a resolution that stays sharp on a desktop (shown up to 560 px)
        w = PHONE_W_IN
        fig = Figure(figsize=(w, 10.4), dpi=180)  # fixed margins: constrained layout costs 0.2 s a chart
        fig.subplots_adjust(left=0.62 / w, right=1 - 0.12 / w, top=0.96, bottom=0.12, hspace=0.75)
        panels = [PANELS[d.chart.timeline] for d in dimensions.registered() if d.chart.timeline in PANELS]
        axes = np.atleast_1d(fig.subplots(len(panels), 1, sharex=True, height_ratios=[h for _, h in panels]))
        for ax, (draw, _) in zip(axes, panels):
            draw(ax, a, start_s, end_s, lang)
        last = axes[-1]
        last.set_xlim(start_s, end_s)
        last.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 3, 5, 6, 10], integer=True))  # whole seconds
        last.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(mmss))
        last.set_xlabel(_t("time", lang))
        return fig


def _pace_panel(ax, a, t0: float, t1: float, lang: str) -> None:
    # A sentence's rate has no pauses between sentences in it, so it is compared with the
    # articulation band (green), and flagged beyond the sentence band (red fast / blue slow).
    band = a.targets["pace.sentence_rate_cps"]
    ok = a.targets["pace.articulation_rate_cps"]
    for s, sp in zip(a.sentences, a.pace.sentences):
        if sp.end_s < t0 or sp.start_s > t1 or not np.isfinite(sp.rate_cps):
            continue
        if band.max is not None and sp.rate_cps > band.max:
            color = BAD
        elif band.min is not None and sp.rate_cps < band.min:
            color = SLOW
        elif (ok.max is not None and sp.rate_cps > ok.max) or (ok.min is not None and sp.rate_cps < ok.min):
            color = WARN
        else:
            color = GOOD
        ax.barh(0, sp.end_s - sp.start_s, left=sp.start_s, height=0.8, color=color, alpha=0.85, edgecolor="white", gid=f"sentence-{s.index}")
        label = f"{s.index + 1}\n{sp.rate_cps:.1f}"
        if sp.end_s - sp.start_s > _text_width_s(ax, max(label.split(), key=len), t0, t1, 8.0):  # only where it fits
            ax.text((max(sp.start_s, t0) + min(sp.end_s, t1)) / 2, 0, label, ha="center", va="center", fontsize=8, color="white", fontweight="bold", clip_on=True)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_title(_t("pace", lang), loc="left", fontsize=10)
    handles = [matplotlib.patches.Patch(color=c, label=_t(k, lang)) for c, k in ((GOOD, "ok"), (WARN, "edge"), (BAD, "fast"), (SLOW, "slow"))]
    ax.legend(handles=handles, loc="upper center", fontsize=9, ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.12), handlelength=1.2, columnspacing=1.0)
    for sp in ("top", "right", "left"):
        ax.spines[sp].set_visible(False)


def decimate_max(t: np.ndarray, y: np.ndarray, n_max: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep the peaks: the maximum of each group when there are more points than pixels."""
    k = int(np.ceil(len(y) / n_max))
    if k <= 1:
        return t, y
    m = len(y) // k
    return t[: m * k].reshape(m, k)[:, 0], y[: m * k].reshape(m, k).max(axis=1)


def _volume_panel(ax, a, t0: float, t1: float, lang: str) -> None:
    act = a.activity
    sel = (act.times_s >= t0) & (act.times_s <= t1)
    lv = np.clip(np.nan_to_num(act.smooth_db[sel], nan=-90.0), -70, 0)
    tt, lv = decimate_max(act.times_s[sel], lv)
    ax.fill_between(tt, -70, lv, color="#7f8fa6", alpha=0.6, lw=0, label=None)
    band = a.targets["volume.active_level_dbov"]
    ax.axhspan(band.min, band.max, color=GOOD, alpha=0.12, lw=0, label=_t("target", lang))
    ax.axhline(a.loudness.active_level_dbov, color="#2f3640", lw=1, ls="--")
    ax.text(t0, a.loudness.active_level_dbov + 1, f" {_t('your_level', lang)} {a.loudness.active_level_dbov:.1f}", fontsize=8, va="bottom", color="#2f3640")
    for p in a.pauses.pauses:
        if p.end_s < t0 or p.start_s > t1:
            continue
        if p.listening:  # the other channel talks: the agent is listening, not pausing
            ax.axvspan(p.start_s, p.end_s, color=SLOW, alpha=0.10, lw=0)
            if p.duration_s > 0.08 * (t1 - t0):
                ax.text((p.start_s + p.end_s) / 2, -62, _t("listening", lang), ha="center", fontsize=8, color=SLOW)
            continue
        kind = "dead_air" if p in a.pauses.dead_air else "long_pause" if p in a.pauses.long_pauses else None
        color = BAD if kind == "dead_air" else WARN if kind else GREY
        ax.axvspan(p.start_s, p.end_s, color=color, alpha=0.35 if kind else 0.15, lw=0)
        if kind:
            ax.text((p.start_s + p.end_s) / 2, -8, _t(kind, lang) + "\n" + i18n.pgettext(lang, "chart", "{seconds:.1f} s").format(seconds=p.duration_s), ha="center", va="top", fontsize=8, color=color, fontweight="bold")
    ax.set_ylim(-70, 0)
    ax.set_ylabel("dBov", fontsize=9)
    ax.set_title(_t("volume", lang), loc="left", fontsize=10)
    P = matplotlib.patches.Patch
    handles = [P(color="#7f8fa6", alpha=0.6, label=_t("envelope", lang)), P(color=GOOD, alpha=0.25, label=_t("target", lang)),
               matplotlib.lines.Line2D([], [], color="#2f3640", lw=1, ls="--", label=_t("level_line", lang)), P(color=GREY, alpha=0.3, label=_t("short_pause", lang)),
               P(color=WARN, alpha=0.5, label=_t("long_pause", lang)), P(color=BAD, alpha=0.5, label=_t("dead_air", lang))]
    if any(p.listening for p in a.pauses.pauses):
        handles.append(P(color=SLOW, alpha=0.2, label=_t("listening", lang)))
    ax.legend(handles=handles, loc="upper center", fontsize=9, ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.14), handlelength=1.2, columnspacing=1.0)
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)


def _pitch_panel(ax, a, t0: float, t1: float, lang: str) -> None:
    tr = a.pitch_track
    sel = (tr.times_s >= t0) & (tr.times_s <= t1)
    pm = a.pitch
    if np.isfinite(pm.p10_f0_hz):
        ax.axhspan(pm.p10_f0_hz, pm.p90_f0_hz, color=SLOW, alpha=0.10, lw=0, label=_t("your_range", lang))
        ax.axhline(pm.median_f0_hz, color=SLOW, lw=0.8, ls="--")
    ax.plot(tr.times_s[sel], tr.f0_hz[sel], color="#1b3a6b", lw=1.6, gid="f0")
    for s in pm.monotone_stretches:
        if s.end_s < t0 or s.start_s > t1:
            continue
        ax.axvspan(s.start_s, s.end_s, color=WARN, alpha=0.18, lw=0)
        ax.text(max(s.start_s, t0) + 0.1, 0.02, _t("monotone", lang), transform=ax.get_xaxis_transform(), fontsize=8, color=WARN, va="bottom")
    f0 = tr.f0_hz[tr.voiced]
    lo, hi = (np.percentile(f0, 1) / 1.25, np.percentile(f0, 99) * 1.3) if len(f0) else (60, 400)
    ax.set_ylim(lo, hi)
    _drawl_marks(ax, a, t0, t1, lang, lo)
    ax.set_ylabel("Hz", fontsize=9)
    ax.set_title(_t("pitch", lang), loc="left", fontsize=10)
    L, P = matplotlib.lines.Line2D, matplotlib.patches.Patch
    handles = [L([], [], color="#1b3a6b", lw=1.6, label=_t("pitch_line", lang)), P(color=SLOW, alpha=0.15, label=_t("your_range", lang)),
               L([], [], color=SLOW, lw=0.8, ls="--", label=_t("median", lang)), P(color=BAD, alpha=0.3, label=_t("drawl", lang)),
               L([], [], color=GREY, lw=1, label=_t("phrase_end", lang)), P(color=WARN, alpha=0.25, label=_t("monotone", lang))]
    ax.legend(handles=handles, loc="upper center", fontsize=9, ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.2), handlelength=1.2, columnspacing=1.0)


def _text_width_s(ax, text: str, t0: float, t1: float, size_pt: float) -> float:
    """About how many seconds of the time axis a line of text at ``size_pt`` covers (CJK
    characters 1 em, others 0.62 em, plus half an em of room)."""
    width_px = ax.figure.get_figwidth() * ax.figure.dpi * ax.get_position().width
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in text) + 0.5
    return ems * size_pt / 72 * ax.figure.dpi * (t1 - t0) / max(width_px, 1.0)


def _drawl_marks(ax, a, t0: float, t1: float, lang: str, lo: float) -> None:
    """Flagged drawls as red bands, each labelled with its stretch ("drawl 3.0×") where the label
    fits: a label is placed on the lowest of three rows where it clears the labels already
    there, and left out (the band stays) when none has room. Unflagged phrase ends: grey ticks."""
    rows: list[float] = [-np.inf, -np.inf, -np.inf]  # right edge (s) of the last label on each row
    for e in a.drawl.ends:
        if e.end_s < t0 or e.start_s > t1:
            continue
        if not e.flagged:
            ax.plot([e.end_s, e.end_s], [lo, lo * 1.08], color=GREY, lw=1)
            continue
        ax.axvspan(e.start_s, e.end_s, color=BAD, alpha=0.25, lw=0)
        text = f"{_t('drawl', lang)} {e.final_ratio:.1f}×"
        half = 0.5 * _text_width_s(ax, text, t0, t1, 8.0)
        x = min(max((e.start_s + e.end_s) / 2, t0 + half), t1 - half)  # inside the chart
        row = next((k for k, right in enumerate(rows) if x - half > right), None)
        if row is None:
            continue
        rows[row] = x + half
        ax.text(x, 0.98 - 0.09 * row, text, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8, color=BAD, fontweight="bold")
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)


PANELS = {"pace": (_pace_panel, 1.0), "volume": (_volume_panel, 1.5), "pitch": (_pitch_panel, 1.8)}
"""The timeline's panels, by the name a dimension's ``Chart.timeline`` gives (drawing function,
relative height); they are stacked in the registry's order."""


def summary_figure(a, *, lang: str) -> Figure:
    """One row per dimension: the figure its verdict rests on, against that figure's band (green).

    A dimension's row draws its *deciding* check (``DimensionResult.deciding``): the worst
    figure when one is outside its band, the headline figure when all are inside, and for an
    "uncertain" dimension the quality figure that made it so (hollow grey marker).
    """
    lang = chart_lang(lang)
    dims = a.dimensions
    with chart_style(lang):
        # narrow (PHONE_W_IN) with the name above each row, so that it reads on a phone too
        h = 1.1 * len(dims) + 1.6
        fig = Figure(figsize=(PHONE_W_IN, h), dpi=180)
        fig.subplots_adjust(left=0.04, right=0.96, top=1 - 0.75 / h, bottom=0.95 / h, hspace=2.1)
        axes = fig.subplots(len(dims), 1)
        for ax, d in zip(np.atleast_1d(axes), dims):
            _bullet(ax, d, lang)
        total = shown_overall(a)
        fig.suptitle(f"{_t('summary', lang)}  ·  {_t('overall', lang)} {_points(total, lang)}" if total != "–" else _t("summary", lang), fontsize=11)
        L = matplotlib.lines.Line2D
        handles = [matplotlib.patches.Patch(color=GOOD, alpha=0.25, label=_t("target", lang)),
                   L([], [], ls="", marker="o", ms=8, color=GOOD, label=_t("your_figure", lang)),
                   L([], [], ls="", marker="o", ms=8, color=GREY, markerfacecolor="white", markeredgewidth=2, label=_t("uncertain", lang))]
        fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8.5, frameon=False, bbox_to_anchor=(0.5, 0.0))
        return fig


def _bullet(ax, d, lang: str) -> None:
    name = dimension_name(d.name, lang)
    verdict = verdict_name(d.verdict, lang)
    c = d.deciding
    lo, hi, v, unit = (c.min, c.max, c.value, c.unit) if c is not None else (d.target_min, d.target_max, None, d.unit)
    pts = [x for x in (lo, hi, v) if x is not None and np.isfinite(x)]
    if unit in ("ratio", "1/min", "count"):
        pts.append(0.0)
    if not pts:
        pts = [0.0, 1.0]
    span = max(max(pts) - min(pts), abs(max(pts)) * 0.2, 1e-3)
    xmin, xmax = min(pts) - 0.35 * span, max(pts) + 0.35 * span
    if unit in ("ratio", "1/min", "count") and xmin < 0:
        xmin = 0.0
    if unit == "ratio" and max(pts) <= 1.0:  # a share of a whole: no axis past 100 %
        xmax = min(xmax, 1.02)
    ax.axvspan(lo if lo is not None else xmin, hi if hi is not None else xmax, color=GOOD, alpha=0.18, lw=0)
    color = {"na": GREY, "good": GOOD, "warn": WARN, "bad": BAD}[verdict_class(d)]
    if v is not None and np.isfinite(v):
        hollow = d.verdict == "uncertain"
        ax.plot([v], [0], marker="o", ms=13, color=color, markerfacecolor="white" if hollow else color, markeredgewidth=2.5 if hollow else 1.0, gid=f"value-{d.name}")
        ax.annotate(_fmt(v, unit, lo, hi), (v, 0), xytext=(10, 0), textcoords="offset points", ha="left", va="center", fontsize=9)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    score = "–" if d.score is None else _points(f"{d.score:.0f}", lang)
    ax.set_title(name, loc="left", fontsize=10, fontweight="bold", pad=3)
    ax.set_title(f"{score}  {verdict}", loc="right", fontsize=10, color=color, fontweight="bold", pad=3)
    ax.tick_params(axis="x", labelsize=8.5)
    if unit == "ratio":
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_percent_tick))
    elif unit == "count":
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(_axis_label(d, lang), fontsize=8.5, labelpad=1)
    for sp in ("top", "right", "left"):
        ax.spines[sp].set_visible(False)


def _percent_tick(x: float, _pos=None) -> str:
    """A share as a tick reads it: "5%", "2.5%" (never "5.0%")."""
    p = 100 * x
    return f"{p:.0f}%" if abs(p - round(p)) < 1e-6 else f"{p:.1f}%"


def _axis_label(d, lang: str) -> str:
    """What the row's axis measures: the deciding figure's name and unit."""
    c = d.deciding
    if c is None:
        return check_label(d.figure, lang)
    unit = "" if c.unit in ("ratio", "count") else unit_label(c.unit, lang)
    text = check_label(c.key, lang)
    if unit:  # "语速（含停顿，字/秒）", "speaking rate (pauses included, syllables/s)"
        p = i18n.sep(lang)
        close = p["close"]
        sep = "，" if i18n.is_chinese(lang) else ", "
        text = text[:-1] + sep + unit + close if text.endswith(close) else text + p["open"] + unit + close
    if d.verdict == "uncertain":
        text = i18n.pgettext(lang, "chart", "{figure}: why it is uncertain").format(figure=text)
    return text


def _fmt(v: float, unit: str, lo: float | None, hi: float | None) -> str:
    """The value beside its marker, short, but never rounded onto its band's edge."""
    if unit == "ratio":
        return format_value(v, unit, "en", lo=lo, hi=hi)
    if unit == "count":
        return f"{v:.0f}"
    return f"{v:.{edge_digits(v, lo, hi, 1 if abs(v) < 100 else 0)}f}"


def write_charts(a, out_dir: Path, *, lang: str) -> dict[str, list[Path]]:
    """Render the summary and the timeline PNGs into ``out_dir``; returns their paths."""
    with quiet_font_log():
        return _write_charts(a, out_dir, lang=lang)


def _write_charts(a, out_dir: Path, *, lang: str) -> dict[str, list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = out_dir / "summary.png"
    fig = summary_figure(a, lang=lang)
    fig.savefig(summary, pil_kwargs=PNG)
    paths = []
    chunks = timeline_chunks(a.duration_s)
    for k, (t0, t1) in enumerate(chunks, 1):
        p = out_dir / (f"timeline_{k:02d}.png" if len(chunks) > 1 else "timeline.png")
        timeline_figure(a, start_s=t0, end_s=t1, lang=lang).savefig(p, pil_kwargs=PNG)
        paths.append(p)
    return {"summary": [summary], "timeline": paths}
