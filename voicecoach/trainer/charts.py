"""Charts of a trainer comparison: aligned pitch and loudness of both takes, and per-sentence pace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from voicecoach import i18n
from voicecoach.i18n import NP_
from voicecoach.report.charts import BAD, GREY, PHONE_W_IN, PNG, decimate_max, mmss, timeline_chunks
from voicecoach.report.fonts import chart_lang, chart_style, quiet_font_log

import matplotlib  # noqa: E402  (rc_context, ticker)
import matplotlib.lines  # noqa: E402
import matplotlib.ticker  # noqa: E402

BENCH, TRAINEE = "#1f5fa8", "#e07b00"
T = {
    "bench": NP_("chart", "benchmark"),
    "trainee": NP_("chart", "trainee"),
    "pitch": NP_("chart", "Pitch: semitones from each speaker's own median"),
    "level": NP_("chart", "Loudness: dB from each speaker's active level"),
    "time": NP_("chart", "time in the benchmark (min:s); the trainee is aligned to it by content"),
    "pace": NP_("chart", "Pace per sentence (syllables/s)"),
    "missing": NP_("chart", "missing"),
    "drawl": NP_("chart", "drawl"),
    "sentence": NP_("chart", "sentence"),
    "audible": NP_("chart", "audible difference"),
}


def _t(k: str, lang: str) -> str:
    return i18n.pgettext(lang, "chart", T[k])


def overlay_figure(cmp, *, start_s: float, end_s: float, lang: str, narrow: bool = False) -> Figure:
    """Pitch contours and loudness envelopes of both takes on the benchmark's time axis.

    ``narrow``: the phone's variant, :data:`~voicecoach.report.charts.PHONE_W_IN` wide and
    taller, so that its text reads at 11-14 px when shown 370 px wide.
    """
    lang = chart_lang(lang)
    a, b = cmp.trainee, cmp.benchmark
    with chart_style(lang):
        w = PHONE_W_IN if narrow else max(8.0, 4.0 + 10.0 * min(1.0, (end_s - start_s) / 60.0))
        fig = Figure(figsize=(w, 7.0 if narrow else 6.0), dpi=200 if narrow else 100)
        fig.subplots_adjust(left=0.55 / w, right=1 - 0.15 / w, top=0.92, bottom=0.13 if narrow else 0.10, hspace=0.35)
        ax_p, ax_l = fig.subplots(2, 1, sharex=True)
        for an, color, label, warp in ((b, BENCH, _t("bench", lang), False), (a, TRAINEE, _t("trainee", lang), True)):
            tr = an.pitch_track
            med = an.pitch.median_f0_hz
            t = cmp.to_benchmark_time(tr.times_s) if warp else tr.times_s
            st = 12 * np.log2(tr.f0_hz / med) if np.isfinite(med) else tr.f0_hz * np.nan
            sel = (t >= start_s) & (t <= end_s)
            ax_p.plot(t[sel], st[sel], color=color, lw=1.5, label=label, gid=f"pitch-{'trainee' if warp else 'benchmark'}")
            act = an.activity
            t2 = cmp.to_benchmark_time(act.times_s) if warp else act.times_s
            lv = np.clip(np.nan_to_num(act.smooth_db, nan=-90.0) - an.loudness.active_level_dbov, -40, 15)
            sel2 = (t2 >= start_s) & (t2 <= end_s)
            tt, ll = decimate_max(t2[sel2], lv[sel2])
            ax_l.plot(tt, ll, color=color, lw=1.0, alpha=0.85, gid=f"level-{'trainee' if warp else 'benchmark'}")
            last_x, level = -np.inf, 0
            for e in an.drawl.ends:
                if e.flagged:
                    x = float(cmp.to_benchmark_time(np.array([e.end_s]))[0]) if warp else e.end_s
                    if start_s <= x <= end_s:
                        level = (level + 1) % 2 if x - last_x < 0.08 * (end_s - start_s) else 0
                        last_x = x
                        y = (7.0 if warp else 9.5) - 1.6 * level
                        edge = (x - start_s) / max(end_s - start_s, 1e-9)  # a label near an edge grows inwards
                        ha = "right" if edge > 0.85 else "left" if edge < 0.15 else "center"
                        ax_p.annotate(f"{_t('drawl', lang)} {e.final_ratio:.1f}×", xy=(x, y), color=color, fontsize=8, ha=ha, fontweight="bold")
        for s in b.segmentation.sentences:
            if start_s <= s.start_s <= end_s:
                for ax in (ax_p, ax_l):
                    ax.axvline(s.start_s, color=GREY, lw=0.6, ls=":")
                ax_p.text(s.start_s, 11, str(s.index + 1), fontsize=8, color=GREY)
        ax_p.set_ylim(-12, 12.5)
        ax_p.axhline(0, color=GREY, lw=0.5)
        ax_p.set_title(_t("pitch", lang), loc="left", fontsize=10, wrap=narrow)
        ax_p.legend(loc="lower right", fontsize=8, frameon=False, ncol=2)
        ax_l.set_ylim(-40, 15)
        ax_l.set_title(_t("level", lang), loc="left", fontsize=10, wrap=narrow)
        ax_l.set_xlim(start_s, end_s)
        ax_l.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(mmss))
        if narrow:
            ax_l.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, steps=[1, 2, 3, 5, 6, 10], integer=True))
        ax_l.set_xlabel(_t("time", lang), fontsize=9, wrap=narrow)
        for ax in (ax_p, ax_l):
            for sp in ("top", "right"):
                ax.spines[sp].set_visible(False)
        return fig


def pace_figure(cmp, *, lang: str, narrow: bool = False) -> Figure:
    """Per-sentence pace of both takes, side by side; missing sentences marked.

    ``narrow``: the phone's variant (see :func:`overlay_figure`), its legend below the bars.
    """
    lang = chart_lang(lang)
    pairs = [p for p in cmp.pairs if p.status != "extra"]
    with chart_style(lang):
        w = PHONE_W_IN if narrow else min(16.0, max(7.0, 0.55 * len(pairs) + 2.5))
        fig = Figure(figsize=(w, 3.9 if narrow else 3.4), dpi=200 if narrow else 100)
        fig.subplots_adjust(left=(0.55 if narrow else 0.9) / w, right=1 - (0.15 if narrow else 0.3) / w, top=0.9 if narrow else 0.86, bottom=0.3 if narrow else 0.18)
        ax = fig.subplots()
        x = np.arange(len(pairs))
        bv = [p.benchmark.rate_cps if p.benchmark else np.nan for p in pairs]
        tv = [p.trainee.rate_cps if p.trainee else np.nan for p in pairs]
        ax.bar(x - 0.2, bv, 0.4, color=BENCH, label=_t("bench", lang), gid="pace-benchmark")
        ax.bar(x + 0.2, tv, 0.4, color=TRAINEE, label=_t("trainee", lang), gid="pace-trainee")
        top = np.nanmax(bv + tv + [1.0])
        for i, p in enumerate(pairs):
            if p.status == "missing":
                ax.text(i + 0.2, 0.05 * top, _t("missing", lang), rotation=90, color=BAD, fontsize=8, ha="center", va="bottom")
            elif any(d.figure == "rate_cps" and d.perceptible for d in p.differences):
                ax.text(i + 0.2, tv[i] + 0.02 * top, "●", color=BAD, fontsize=9, ha="center")
        every = 1 if not narrow or len(pairs) <= 14 else int(np.ceil(len(pairs) / 14))  # labels that do not touch
        ax.set_xticks(x, [str(i + 1) if i % every == 0 else "" for i in range(len(pairs))], fontsize=8)
        ax.set_xlabel(_t("sentence", lang), fontsize=9)
        ax.set_title(_t("pace", lang), loc="left", fontsize=10, pad=6)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(matplotlib.lines.Line2D([], [], marker="o", color=BAD, ls="", ms=5))
        labels.append(_t("audible", lang))
        if narrow:
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8.5, frameon=False, ncol=3, handlelength=1.0, columnspacing=0.8)
        else:
            ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.01), fontsize=8, frameon=False, ncol=3)
        ax.set_ylim(0, top * 1.12)
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
        return fig


def write_compare_charts(cmp, out_dir: Path, *, lang: str) -> dict[str, list[Path]]:
    with quiet_font_log():
        return _write_compare_charts(cmp, out_dir, lang=lang)


def _write_compare_charts(cmp, out_dir: Path, *, lang: str) -> dict[str, list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    # each chart twice: for a desktop, and narrow for a phone ("*_phone"; the page picks by width)
    paths = {"pace": [], "overlay": [], "pace_phone": [], "overlay_phone": []}
    if cmp.pairs:
        for narrow, suffix in ((False, ""), (True, "_phone")):
            p = out_dir / f"pace{suffix}.png"
            pace_figure(cmp, lang=lang, narrow=narrow).savefig(p, pil_kwargs=PNG)
            paths["pace" + suffix].append(p)
    if cmp.same_content:
        chunks = timeline_chunks(cmp.benchmark.duration_s)
        for k, (t0, t1) in enumerate(chunks, 1):
            for narrow, suffix in ((False, ""), (True, "_phone")):
                p = out_dir / (f"overlay_{k:02d}{suffix}.png" if len(chunks) > 1 else f"overlay{suffix}.png")
                overlay_figure(cmp, start_s=t0, end_s=t1, lang=lang, narrow=narrow).savefig(p, pil_kwargs=PNG)
                paths["overlay" + suffix].append(p)
    return paths
