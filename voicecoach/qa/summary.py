"""QA summary: by agent and by dimension, against the target bands, with the calls worth a listen.

``voicecoach summary --db voicecoach.sqlite --by agent -o summary/`` writes summary.html (self-
contained) and the chart PNGs: the distribution of each dimension's headline figure against its
target band, a score grid of agents x dimensions, and scores over time.
"""

from __future__ import annotations

import datetime as dt

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach import i18n
from voicecoach.judge import dimensions
from voicecoach.judge.advice import check_label, dimension_name, verdict_names
from voicecoach.qa.store import Store
from voicecoach.judge.targets import Targets, load_targets


@dataclass(frozen=True)
class GroupSummary:
    """Scores of one agent (or other group).

    Attributes
    ----------
    name : str
    n_calls, n_failed : int
    overall : float
        Mean overall score.
    dimension_scores : dict
        Mean score per dimension.
    weakest : str
        The dimension with the lowest mean score.
    out_of_band : dict
        Share of calls whose verdict on each dimension was outside its target (not "within", "uncertain" or "not_measured").
    """

    name: str
    n_calls: int
    n_failed: int
    overall: float
    dimension_scores: dict
    weakest: str
    out_of_band: dict


NO_AGENT = "(no agent)"  # the group of calls whose manifest row names no agent


def summarise(rows: list[dict], *, by: str = "agent") -> list[GroupSummary]:
    """Group results by ``agent`` (agent_id), ``date`` or ``all``."""
    key = {"agent": lambda r: r.get("agent_id") or NO_AGENT, "date": lambda r: str(r.get("call_date") or "(no date)"), "all": lambda r: "all"}[by]
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    out = []
    for name, rs in sorted(groups.items()):
        done = [r for r in rs if r["status"] == "done"]
        names = dimensions.names()
        scores = {d: _mean([r.get(f"{d}_score") for r in done]) for d in names}
        finite = {d: v for d, v in scores.items() if np.isfinite(v)}
        out.append(GroupSummary(
            name=name, n_calls=len(done), n_failed=len(rs) - len(done), overall=_mean([r["overall_score"] for r in done]),
            dimension_scores=scores, weakest=min(finite, key=finite.get) if finite else "",
            out_of_band={d: (np.mean([r.get(f"{d}_verdict") not in ("within", "not_measured", "uncertain", None) for r in done]) if done else float("nan")) for d in names},
        ))
    return out


def worth_a_listen(rows: list[dict], n: int = 15) -> list[dict]:
    """The lowest-scoring calls first (ties: more dimensions out of band)."""
    done = [r for r in rows if r["status"] == "done" and r["overall_score"] is not None]
    names = dimensions.names()
    return sorted(done, key=lambda r: (r["overall_score"], -sum(r.get(f"{d}_verdict") not in ("within", "not_measured", "uncertain", None) for d in names)))[:n]


def _mean(vals) -> float:
    v = [x for x in vals if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


# ------------------------------------------------------------------------------------ charts


def distribution_figure(rows: list[dict], targets: Targets, *, lang: str):
    """Each dimension's headline figure over the calls (one dot per call), target band shaded
    (three dimensions a row)."""
    from matplotlib.figure import Figure

    from voicecoach.report.charts import GOOD
    from voicecoach.report.fonts import chart_lang, chart_style

    lang = chart_lang(lang)
    done = [r for r in rows if r["status"] == "done"]
    agents = sorted({r.get("agent_id") or NO_AGENT for r in done})
    shown = [d for d in dimensions.registered() if d.headline_figure is not None]
    n_rows = max(1, -(-len(shown) // 3))
    with chart_style(lang):
        h = 3.25 * n_rows
        fig = Figure(figsize=(12, h), dpi=100)
        top_in = 0.52 if n_rows <= 2 else 0.8  # room for the title (six dimensions: as before)
        fig.subplots_adjust(left=0.06, right=0.98, top=1 - top_in / h, bottom=0.91 / h, wspace=0.35, hspace=0.55)
        axes = fig.subplots(n_rows, 3, squeeze=False).ravel()
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        rng = np.random.default_rng(0)
        for ax, dim in zip(axes, shown):
            d, col = dim.name, dim.headline_figure.key
            t = targets[dim.headline]
            for i, ag in enumerate(agents):
                v = np.array([r[col] for r in done if (r.get("agent_id") or NO_AGENT) == ag and r.get(col) is not None], float)
                ax.scatter(i + rng.uniform(-0.15, 0.15, len(v)), v, s=14, alpha=0.7, color="#1b3a6b", gid=f"dots-{d}-{ag}")
            lo = t.min if t.min is not None else ax.get_ylim()[0]
            hi = t.max if t.max is not None else ax.get_ylim()[1]
            ax.axhspan(lo, hi, color=GOOD, alpha=0.15, lw=0)
            ax.set_title(f"{dimension_name(d, lang)} · {check_label(dim.headline, lang)}", fontsize=9)  # the figure's name, not its column key
            ax.set_xticks(range(len(agents)), agents, rotation=45, ha="right", fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            for sp in ("top", "right"):
                ax.spines[sp].set_visible(False)
        fig.suptitle(i18n.pgettext(lang, "chart", "Each dimension over the calls; green = target band"), fontsize=11)
        return fig


def grid_figure(groups: list[GroupSummary], *, lang: str):
    """Mean score of each agent on each dimension."""
    from matplotlib.figure import Figure

    from voicecoach.report.fonts import chart_lang, chart_style

    lang = chart_lang(lang)
    with chart_style(lang):
        h = 1.2 + 0.35 * max(3, len(groups))
        fig = Figure(figsize=(8.5, h), dpi=100)
        fig.subplots_adjust(left=0.22, right=0.97, top=1 - 0.7 / h, bottom=0.35 / h)
        ax = fig.subplots()
        names = dimensions.names()
        data = np.array([[g.dimension_scores.get(d, np.nan) for d in names] for g in groups]) if groups else np.zeros((0, len(names)))
        im = ax.imshow(np.nan_to_num(data, nan=0.0), cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                ax.text(j, i, "–" if not np.isfinite(data[i, j]) else f"{data[i, j]:.0f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(names)), [dimension_name(d, lang) for d in names], fontsize=8)
        ax.set_yticks(range(len(groups)), [g.name for g in groups], fontsize=8)
        ax.xaxis.tick_top()
        ax.set_title(i18n.pgettext(lang, "chart", "Mean score"), fontsize=10, pad=22)
        im.set_gid("score-grid")
        return fig


def trend_figure(rows: list[dict], *, lang: str):
    """Mean overall score per day, per agent; None when the calls carry fewer than two dates
    (an empty time axis says nothing)."""
    from matplotlib.figure import Figure

    from voicecoach.report.fonts import chart_lang, chart_style

    lang = chart_lang(lang)
    done = []
    for r in rows:
        if r["status"] == "done" and r.get("call_date"):
            try:
                done.append({**r, "call_date": dt.date.fromisoformat(str(r["call_date"])[:10])})
            except ValueError:
                continue
    if len({r["call_date"] for r in done}) < 2:
        return None
    with chart_style(lang):
        fig = Figure(figsize=(9, 3.4), dpi=100)
        fig.subplots_adjust(left=0.08, right=0.82, top=0.88, bottom=0.18)
        ax = fig.subplots()
        by_agent: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        for r in done:
            by_agent[r.get("agent_id") or NO_AGENT][r["call_date"]].append(r["overall_score"])
        for ag, days in sorted(by_agent.items()):
            xs = sorted(days)
            ax.plot(xs, [np.mean(days[x]) for x in xs], marker="o", ms=3, label=ag)
        ax.set_ylim(0, 100)
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        ax.set_title(i18n.pgettext(lang, "chart", "Overall score over time"), loc="left", fontsize=10)
        if by_agent:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        ax.tick_params(axis="x", labelsize=7, rotation=30)
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
        return fig


# -------------------------------------------------------------------------------------- page


def write_summary(store: Store, out_dir: str | os.PathLike, *, by: str = "agent", lang: str = "zh", targets: str | None = None, **filters) -> Path:
    """Write summary.html and its charts; returns the HTML path."""
    from voicecoach.report.charts import PNG
    from voicecoach.report.html import environment, png_data_uri

    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    rows = store.rows(**filters)
    tgt = load_targets(targets)
    groups = summarise(rows, by=by)
    charts = {}
    for name, fig in (("distribution", distribution_figure(rows, tgt, lang=lang)), ("grid", grid_figure(groups, lang=lang)), ("trend", trend_figure(rows, lang=lang))):
        if fig is None:
            continue
        p = out / "charts" / f"{name}.png"
        fig.savefig(p, pil_kwargs=PNG)
        charts[name] = png_data_uri(p)
    env = environment(lang)
    failed = [r for r in rows if r["status"] != "done"]
    html = env.get_template("summary.html.j2").render(
        by=by, groups=groups, dims=dimensions.names(), dim_names={d: dimension_name(d, lang) for d in dimensions.names()},
        verdicts=verdict_names(lang), listen=worth_a_listen(rows), failed=failed,
        n_done=sum(r["status"] == "done" for r in rows), n_failed=len(failed), charts=charts, filters=filters,
        audio=_hm(sum((r["duration_s"] or 0) for r in rows if r["status"] == "done")),
    )
    path = out / "summary.html"
    path.write_text(html, encoding="utf-8")
    return path


def _hm(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"
