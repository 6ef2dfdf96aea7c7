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
from voicecoach.i18n import N_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import check_label, dimension_name, verdict_names
from voicecoach.qa.calls import iso_week
from voicecoach.qa.store import Store
from voicecoach.judge.targets import Targets, load_targets
from voicecoach.report.fonts import quiet_font_log


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


def agent_label(name: str, lang: str) -> str:
    """An agent as the page names it: the group without an agent in the page's language."""
    return i18n.gettext(lang, "(no agent)") if name == NO_AGENT else name


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
    """The lowest-scoring calls first (ties: more dimensions out of band). The summary page
    ranks with :func:`voicecoach.qa.queue.listening_queue` instead (what must be heard)."""
    done = [r for r in rows if r["status"] == "done" and r["overall_score"] is not None]
    names = dimensions.names()
    return sorted(done, key=lambda r: (r["overall_score"], -sum(r.get(f"{d}_verdict") not in ("within", "not_measured", "uncertain", None) for d in names)))[:n]


PASS_SCORE = 90.0
"""A mean score at or above this is green (on target on nearly every call); below
:data:`voicecoach.qa.queue.LOW_SCORE` red; between, amber. The table and the heatmap share it."""


def score_class(v: float | None) -> str:
    """"good", "warn", "bad" or "" (no score) for a mean score, by :data:`PASS_SCORE` and
    :data:`~voicecoach.qa.queue.LOW_SCORE`."""
    from voicecoach.qa.queue import LOW_SCORE

    if v is None or not np.isfinite(v):
        return ""
    return "good" if v >= PASS_SCORE else "warn" if v >= LOW_SCORE else "bad"


@dataclass(frozen=True)
class WeekSummary:
    """One agent's calls in one ISO week: the group's :class:`GroupSummary` and the week."""

    week: str
    group: GroupSummary


def weekly(rows: list[dict]) -> list[WeekSummary]:
    """Mean scores per agent and ISO week (newest week first); calls without a date are left out."""
    weeks: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if wk := iso_week(r.get("call_date")):
            weeks[wk].append(r)
    return [WeekSummary(wk, g) for wk in sorted(weeks, reverse=True) for g in summarise(weeks[wk], by="agent")]


def team(row: dict) -> str:
    """The call's team, from its manifest's ``team`` column ("" when none)."""
    import json

    try:
        return str((json.loads(row["extra"]) if row.get("extra") else {}).get("team") or "")
    except (ValueError, AttributeError):
        return ""


def _mean(vals) -> float:
    v = [x for x in vals if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


# ------------------------------------------------------------------------------------ charts


def distribution_figure(rows: list[dict], targets: Targets, *, lang: str, columns: int = 3):
    """Each dimension's headline figure over the calls (one dot per call), target band shaded
    (``columns`` dimensions a row: 3 on a desktop, 1 for a phone)."""
    from matplotlib.figure import Figure

    from voicecoach.report.charts import GOOD
    from voicecoach.report.figures import unit_label
    from voicecoach.report.fonts import chart_lang, chart_style

    lang = chart_lang(lang)
    done = [r for r in rows if r["status"] == "done"]
    agents = sorted({r.get("agent_id") or NO_AGENT for r in done})
    shown = [d for d in dimensions.registered() if d.headline_figure is not None]
    n_rows = max(1, -(-len(shown) // columns))
    with chart_style(lang):
        h = 3.25 * n_rows
        fig = Figure(figsize=(4 * columns, h), dpi=100 if columns > 1 else 200)  # a phone: sharp on a 2x screen
        top_in = 0.52 if n_rows <= 2 else 0.8  # room for the title (six dimensions: as before)
        fig.subplots_adjust(left=0.06 * 3 / columns, right=0.98, top=1 - top_in / h, bottom=0.91 / h, wspace=0.35, hspace=0.55)
        axes = fig.subplots(n_rows, columns, squeeze=False).ravel()
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        rng = np.random.default_rng(0)
        for ax, dim in zip(axes, shown):
            d, col = dim.name, dim.headline_figure.key
            scale = 100.0 if dim.headline_figure.unit == "0-1" else 1.0  # a share in percent, as the page and the export show it
            t = targets[dim.headline]
            for i, ag in enumerate(agents):
                v = scale * np.array([r[col] for r in done if (r.get("agent_id") or NO_AGENT) == ag and r.get(col) is not None], float)
                ax.scatter(i + rng.uniform(-0.15, 0.15, len(v)), v, s=14, alpha=0.7, color="#1b3a6b", gid=f"dots-{d}-{ag}")
            lo = scale * t.min if t.min is not None else ax.get_ylim()[0]
            hi = scale * t.max if t.max is not None else ax.get_ylim()[1]
            ax.axhspan(lo, hi, color=GOOD, alpha=0.15, lw=0)
            base = dim.headline_figure.unit.split(" (")[0]
            unit = "%" if scale == 100.0 else unit_label({"semitones": "st"}.get(base, base), lang)
            ax.set_title(f"{dimension_name(d, lang)} · {check_label(dim.headline, lang)}" + (f" ({unit})" if unit else ""), fontsize=9 if columns > 1 else 10)  # the figure's name and unit, not its column key
            fs = 7 if columns > 1 else 8.5  # one column: shown about 360 px wide on a phone, 8.5 pt reads at 10.5 px
            ax.set_xticks(range(len(agents)), [agent_label(a, lang) for a in agents], rotation=45, ha="right", fontsize=fs)
            ax.tick_params(axis="y", labelsize=fs)
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
        from matplotlib.colors import BoundaryNorm, ListedColormap

        from voicecoach.qa.queue import LOW_SCORE
        from voicecoach.report.charts import BAD, GOOD, WARN

        # three colours with the page's thresholds: a pass is green, a fail red, never a pale shade of one
        cmap = ListedColormap([BAD, WARN, GOOD]).with_extremes(bad="#e4e7eb")
        im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, norm=BoundaryNorm([0, LOW_SCORE, PASS_SCORE, 100.001], 3), aspect="auto")
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                ax.text(j, i, "–" if not np.isfinite(data[i, j]) else f"{data[i, j]:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if score_class(data[i, j]) == "bad" else "#1f2933")
        ax.set_xticks(range(len(names)), [dimension_name(d, lang) for d in names], fontsize=8)
        ax.set_yticks(range(len(groups)), [agent_label(g.name, lang) for g in groups], fontsize=8)
        ax.xaxis.tick_top()
        ax.set_title(i18n.pgettext(lang, "chart", "Mean score: green {good} or more, red under {low}").format(good=f"{PASS_SCORE:.0f}", low=f"{LOW_SCORE:.0f}"), fontsize=10, pad=22)
        im.set_gid("score-grid")
        return fig


def trend_figure(rows: list[dict], *, lang: str, narrow: bool = False):
    """Each agent's mean overall score per ISO week (a line; one colour per agent) over its
    single calls (faint dots); None when the calls carry fewer than two dates (an empty time
    axis says nothing). ``narrow``: the phone's variant, legend below the axes."""
    from matplotlib.figure import Figure

    from voicecoach.report.fonts import chart_lang, chart_style

    lang = chart_lang(lang)
    done = []
    for r in rows:
        if r["status"] == "done" and r.get("call_date") and r.get("overall_score") is not None:
            try:
                done.append({**r, "call_date": dt.date.fromisoformat(str(r["call_date"])[:10])})
            except ValueError:
                continue
    if len({r["call_date"] for r in done}) < 2:
        return None
    with chart_style(lang):
        n_agents = len({r.get("agent_id") or NO_AGENT for r in done})
        h = 3.4 + (0.2 * -(-n_agents // 2) + 0.4 if narrow else 0)
        fig = Figure(figsize=(3.9, h) if narrow else (9, 3.4), dpi=200 if narrow else 100)
        fig.subplots_adjust(left=0.13 if narrow else 0.08, right=0.96 if narrow else 0.82, top=1 - 0.55 / h if narrow else 0.88, bottom=(1.0 + 0.2 * -(-n_agents // 2)) / h if narrow else 0.18)
        ax = fig.subplots()
        by_agent: dict[str, list[dict]] = defaultdict(list)
        for r in done:
            by_agent[r.get("agent_id") or NO_AGENT].append(r)
        for i, (ag, rs) in enumerate(sorted(by_agent.items())):
            colour = f"C{i % 10}"
            ax.scatter([r["call_date"] for r in rs], [r["overall_score"] for r in rs], s=8, alpha=0.3, color=colour, lw=0, gid=f"calls-{ag}")
            weeks: dict[dt.date, list[float]] = defaultdict(list)
            for r in rs:  # the Monday of the call's ISO week
                weeks[r["call_date"] - dt.timedelta(days=r["call_date"].weekday())].append(r["overall_score"])
            xs = sorted(weeks)
            ax.plot(xs, [np.mean(weeks[x]) for x in xs], marker="o", ms=4, color=colour, label=agent_label(ag, lang), gid=f"weekly-{ag}")
        ax.set_ylim(0, 100)
        import matplotlib.dates as mdates

        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=5 if narrow else 10))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        ax.set_title(i18n.pgettext(lang, "chart", "Overall score: weekly mean per agent (line), single calls (dots)"), loc="left", fontsize=10, wrap=narrow)
        if narrow:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8.5, frameon=False, ncol=2)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        ax.tick_params(axis="x", labelsize=8.5 if narrow else 7, rotation=30)
        ax.tick_params(axis="y", labelsize=8.5 if narrow else 10)
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
        return fig


# -------------------------------------------------------------------------------------- page


ERROR_LABELS = {
    "not_found": N_("file not found"), "not_a_file": N_("not a file"), "empty": N_("empty file"), "corrupt": N_("damaged or unreadable file"),
    "unsupported": N_("format not supported"), "too_long": N_("recording too long"), "too_short": N_("recording too short"),
    "silent": N_("silent recording"), "no_speech": N_("no speech found"), "bad_channel": N_("no such channel"),
    "time_limit": N_("took too long to score"), "model": N_("speech model problem"), "targets": N_("targets problem"),
    "script": N_("script problem"), "internal": N_("internal error"),
}
"""A failed call's reason by its stored error code, in the page's language (the stored message,
English, goes in the cell's tooltip)."""


def reason_texts(entry, lang: str) -> list[str]:
    """Why a call is in the listening queue, one short line per reason, in ``lang``."""
    from voicecoach.qa.queue import LOW_SCORE

    sep, colon = i18n.sep(lang)["comma"], i18n.sep(lang)["colon"]
    out = []
    for r in entry.reasons:
        dims = sep.join(dimension_name(d, lang) for d in r.dimensions)
        if r.code == "failed":
            code = entry.row.get("error_code")
            out.append(i18n.gettext(lang, "failed: {reason}").format(reason=i18n.gettext(lang, ERROR_LABELS[code]) if code in ERROR_LABELS else r.detail))
        elif r.code == "dead_air" and r.detail:  # a two-sided call: how many stretches, how long
            n, total = r.detail.split()
            out.append(i18n.gettext(lang, "dead air: both sides silent {n} times, {total} s in all").format(n=n, total=total))
        elif r.code == "dead_air":
            out.append(i18n.gettext(lang, "dead air: both sides silent too long"))
        elif r.code == "interrupts":
            out.append(i18n.gettext(lang, "the agent interrupted the customer {n} times").format(n=r.detail))
        elif r.code == "two_voices":
            out.append(i18n.gettext(lang, "two voices on the agent's channel"))
        elif r.code == "uncertain":
            out.append(i18n.gettext(lang, "figures uncertain, check by ear: {dimensions}").format(dimensions=dims))
        elif r.code == "low_score":
            out.append(i18n.gettext(lang, "overall score under {low}").format(low=f"{LOW_SCORE:.0f}"))
        else:  # out of band: one line per dimension, "Pace: too fast"
            verdicts = verdict_names(lang)
            out += [f"{dimension_name(d, lang)}{colon}{verdicts.get(entry.row.get(f'{d}_verdict'), entry.row.get(f'{d}_verdict'))}" for d in r.dimensions]
    return out


def _href(target: str | os.PathLike, base: Path) -> str:
    """A relative URL from the page's folder to ``target``."""
    import urllib.parse

    return urllib.parse.quote(os.fsencode(os.path.relpath(os.path.abspath(target), os.path.abspath(base))))


def call_links(row: dict, out: Path, reports_dir: Path) -> dict:
    """Where the page links for one call: its report page (written by ``batch --reports``) and
    its recording, each a relative URL, or None when the file is not there."""
    from voicecoach.qa.work import report_page_name

    page = reports_dir / report_page_name(row.get("call_id"), row["key"], row["path"]) if row.get("key") else None
    path = row.get("path")
    return {"report": _href(page, out) if page is not None and page.is_file() else None,
            "audio": _href(path, out) if path and row.get("status") == "done" and os.path.isfile(path) else None}


def write_summary(store: Store, out_dir: str | os.PathLike, *, by: str = "agent", lang: str = "zh", targets: str | None = None,
                  reports_dir: str | os.PathLike | None = None, **filters) -> Path:
    """Write summary.html and its charts; returns the HTML path.

    ``reports_dir``: the folder of per-call report pages (``voicecoach batch --reports``);
    default ``<out_dir>/reports``. Each call links to its page there when it exists, and plays
    its recording (linked, relative to the page) when the file is where the store says.
    """
    from voicecoach.qa.queue import LOW_SCORE, listening_queue
    from voicecoach.report.charts import PNG
    from voicecoach.report.html import environment, png_data_uri

    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    reports = Path(reports_dir) if reports_dir is not None else out / "reports"
    from voicecoach.qa.call_summary import summarise_calls
    from voicecoach.qa.calls import has_delivery, is_call

    every = store.rows(**filters)
    rows = [r for r in every if not is_call(r) or has_delivery(r)]  # delivery scores, charts, weeks: takes, and calls with the agent's delivery
    tgt = load_targets(targets)
    groups = summarise(rows, by=by)
    charts = {}
    figures = (("distribution", distribution_figure(rows, tgt, lang=lang)), ("distribution_phone", distribution_figure(rows, tgt, lang=lang, columns=1)),
               ("grid", grid_figure(groups, lang=lang)), ("trend", trend_figure(rows, lang=lang)), ("trend_phone", trend_figure(rows, lang=lang, narrow=True)))
    for name, fig in figures:
        if fig is None:
            continue
        p = out / "charts" / f"{name}.png"
        with quiet_font_log():
            fig.savefig(p, pil_kwargs=PNG)
        charts[name] = png_data_uri(p)
    env = environment(lang)
    env.globals.update(score_class=score_class, agent_label=lambda name: agent_label(name, lang))
    failed = [r for r in every if r["status"] != "done"]
    view = lambda r: {"r": r, "week": iso_week(r.get("call_date")), "team": team(r), "file": os.path.basename(r.get("path") or ""), **call_links(r, out, reports)}  # noqa: E731
    queue = [{**view(e.row), "why": reason_texts(e, lang), "dims": sorted({d for x in e.reasons for d in x.dimensions})} for e in listening_queue(every)]
    html = env.get_template("summary.html.j2").render(
        by=by, groups=groups, dims=dimensions.names(), dim_names={d: dimension_name(d, lang) for d in dimensions.names()},
        verdicts=verdict_names(lang), queue=queue, calls=[view(r) for r in rows if r["status"] == "done"], weeks=weekly(rows),
        failed=[{**view(r), "why": i18n.gettext(lang, ERROR_LABELS[r["error_code"]]) if r.get("error_code") in ERROR_LABELS else (r.get("error_message") or "")} for r in failed],
        call_groups=summarise_calls(every),
        n_done=sum(r["status"] == "done" for r in every), n_failed=len(failed), charts=charts, filters=filters,
        agents=sorted({r.get("agent_id") or NO_AGENT for r in rows}), teams=sorted({t for r in rows if (t := team(r))}),
        week_list=sorted({w for r in rows if (w := iso_week(r.get("call_date")))}, reverse=True),
        audio=_hm(sum((r["duration_s"] or 0) for r in every if r["status"] == "done")), no_agent=NO_AGENT, pass_score=PASS_SCORE, low_score=LOW_SCORE,
    )
    path = out / "summary.html"
    path.write_text(html, encoding="utf-8")
    return path


def _hm(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"
