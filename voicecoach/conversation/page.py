"""The call report page: one self-contained HTML file for a two-sided call that opens offline.

It holds the conversation figures (each with its unit, target, source, and a verdict taken
from the figure shown beside it), the two-lane turn timeline with every moment (overlap,
interruption, long wait, dead air, hold) as a button that plays that stretch of the embedded
audio, the per-exchange pace chart with the follow slope, and the agent's delivery measured on
the agent's side only (:func:`voicecoach.conversation.agent.agent_recording`). For a mono call
it says whether the two voices were told apart with confidence; when they were not, nothing is
judged and the agent's delivery is not assessed; when they were, everything is shown as measured
and nothing is judged either (``quality.separation_reliability``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from voicecoach import i18n
from voicecoach.i18n import NP_
from voicecoach.judge.advice import notice_text
from voicecoach.measures.voices import SPLIT_RELIABILITY, SPLIT_TESTED, SPLIT_WITHIN
from voicecoach.report.figures import band_text, format_band, format_value, shown_overall
from voicecoach.report.html import MAX_EMBED_S, _dimension, audio_data_uri, environment, first_screen, fmt_created, png_data_uri

LABELS = {
    "conversation.talk_ratio": NP_("figure", "agent's share of the talking"),
    "conversation.longest_monologue_s": NP_("figure", "agent's longest turn"),
    "conversation.turns_per_min": NP_("figure", "turns (both sides)"),
    "conversation.overtalk_ratio": NP_("figure", "time both talk at once"),
    "conversation.agent_interruptions_per_min": NP_("figure", "agent interruptions"),
    "conversation.latency_median_s": NP_("figure", "agent's response time (median)"),
    "conversation.latency_p90_s": NP_("figure", "agent's response time (slowest 10 %)"),
    "conversation.n_dead_air": NP_("figure", "dead air (both silent ≥ 5 s)"),
    "conversation.long_hold_s": NP_("figure", "longest hold"),
    "conversation.pace_gap_cps": NP_("figure", "pace gap to the customer (median)"),
    "conversation.pace_follow_slope": NP_("figure", "pace follow slope"),
}
"""What each call figure is: target key -> English source string in context "figure"."""
PLAIN = {"conversation.pace_follow_slope"}
"""Figures whose target unit says "ratio" but that read as a plain number (a slope, not a share)."""
MOMENTS = {
    "overlap": NP_("moment", "both talking"),
    "interruption": NP_("moment", "agent interrupts"),
    "long_wait": NP_("moment", "long wait"),
    "dead_air": NP_("moment", "dead air"),
    "hold": NP_("moment", "hold"),
}
LAYOUTS = {
    "stereo": NP_("layout", "stereo, one side per channel"),
    "two_files": NP_("layout", "one file per side"),
    "arrays": NP_("layout", "one track per side"),
    "mono": NP_("layout", "mono, voices separated"),
}


def figure_row(c, lang: str, *, none_text: str = "") -> dict:
    """A call check as the page shows it: label, value with unit, band, verdict from the value
    (``none_text`` for a value that is NaN because there was nothing to measure: "no hold")."""
    unit = "" if c.key in PLAIN else c.unit
    value = f"{c.value:.2f}" if c.key in PLAIN and np.isfinite(c.value) else format_value(c.value, unit, lang, lo=c.min, hi=c.max)
    if none_text and not np.isfinite(c.value):
        value = none_text
    band = format_band(c.min, c.max, unit, lang)
    word = band_text(c, lang).split(" ", 1)[0] if band else ""
    if c.within is None:
        verdict, cls = i18n.pgettext(lang, "verdict", "not judged"), "na"
    elif c.within:
        verdict, cls = i18n.pgettext(lang, "verdict", "on target"), "good"
    else:
        verdict, cls = i18n.pgettext(lang, "verdict", "off target"), "bad"
    return {"key": c.key, "label": i18n.pgettext(lang, "figure", LABELS.get(c.key, c.key)), "value": value,
            "band": f"{word} {band}".strip(), "verdict": verdict, "cls": cls, "source": c.source, "within": c.within}


def call_moments(c, lang: str) -> list[dict]:
    """Every moment of the call, in time order: kind, start and end (s), its length in words.

    A mono call has no overlaps or interruptions to show (the separation gives each frame to one
    voice), and no long waits when its two voices were not told apart with confidence."""
    t = c.turns
    raw = []
    if c.layout != "mono":  # one voice per frame after separation: overlaps cannot show
        raw += [("overlap", o.start_s, o.end_s) for o in t.long_overlaps]
        raw += [("interruption", i.start_s, i.end_s) for i in t.agent_interruptions]
    if c.separation is None or c.separation.confident:  # who waited for whom needs the two sides told apart
        raw += [("long_wait", x.customer_end_s, x.agent_start_s) for x in t.long_waits]
    raw += [("dead_air", d.start_s, d.end_s) for d in t.dead_air]
    raw += [("hold", h.start_s, h.end_s) for h in t.holds]
    return [{"kind": k, "label": i18n.pgettext(lang, "moment", MOMENTS[k]), "start_s": s, "end_s": e,
             "value": format_value(e - s, "s", lang)} for k, s, e in sorted(raw, key=lambda r: (r[1], r[0]))]


OTHERS = {
    "overtalk": NP_("figure", "overtalk in all"),
    "overlaps": NP_("figure", "overlaps of 1 s or more"),
    "longest_overlap": NP_("figure", "longest overlap"),
    "interruptions": NP_("figure", "agent interruptions"),
    "long_waits": NP_("figure", "long waits (≥ 3 s)"),
    "customer_turn": NP_("figure", "customer's longest turn"),
    "backchannels": NP_("figure", "agent backchannels"),
}


def other_figures(c, lang: str) -> list[tuple[str, str]]:
    """Figures without a target of their own: (label, value with unit)."""
    t = c.turns
    values = {
        "overtalk": format_value(t.overtalk_s, "s", lang),
        "overlaps": format_value(len(t.long_overlaps), "count", lang),
        "longest_overlap": format_value(t.longest_overlap_s, "s", lang),
        "interruptions": format_value(len(t.agent_interruptions), "count", lang),
        "long_waits": format_value(len(t.long_waits), "count", lang),
        "customer_turn": format_value(t.longest_monologue_s("customer"), "s", lang),
        "backchannels": format_value(len(c.backchannels), "count", lang),
    }
    if c.layout == "mono":  # one voice per frame after separation: overlaps cannot show
        for k in ("overtalk", "overlaps", "longest_overlap", "interruptions"):
            values[k] = i18n.gettext(lang, "not measured (mono)")
    return [(i18n.pgettext(lang, "figure", OTHERS[k]), v) for k, v in values.items()]


def pace_view(c, lang: str) -> dict | None:
    """The follow slope and its target, or why it is not given."""
    if c.pace is None:
        return None
    p, check = c.pace, c.check("pace_follow_slope")
    row = figure_row(check, lang)
    n = len(p.exchanges)
    if not p.enough_exchanges:
        why = i18n.gettext(lang, "{n} exchanges measured; {min} are needed for the follow slope, so it is not given.").format(n=n, min=p.settings.min_exchanges)
    else:
        why = i18n.gettext(lang, "Over {n} exchanges: 1 follows the customer one for one, 0 keeps one pace whatever the customer does.").format(n=n)
    return {"row": row, "n": n, "why": why, "gap": figure_row(c.check("pace_gap_cps"), lang)}


def separation_view(c, lang: str) -> dict | None:
    s = c.separation
    if s is None:
        return None
    d = f"{s.separation:.1f}" if np.isfinite(s.separation) else "–"
    if s.confident and not all(x.judged for x in c.checks):
        text = i18n.gettext(lang, "The two voices of this mono recording were told apart (separation {d}), but such separations are not reliable enough to judge by: checked against the same calls recorded on two tracks, they kept the agent's figures within tolerance in {share} of calls with real agents ({n} of {m}, benchmarks/results/separation_onecustomer.md; at least {min} is needed). So the figures below and the agent's delivery are shown as measured, and none is judged or scored. Listen to the moments before acting on them; record the two sides on two channels for figures you can rely on.").format(
            d=d, share=f"{SPLIT_RELIABILITY:.0%}", n=SPLIT_WITHIN, m=SPLIT_TESTED, min=_needed(c))
    elif s.confident:
        text = i18n.gettext(lang, "The two voices of this mono recording were told apart (separation {d}), but treat the figures below as indicative: checked against two-track recordings, separated mono calls with real agents came out with the wrong number of turns, waits or level in 62 of 73 cases with one customer per call and 12 of 17 with four (benchmarks/results/separation_onecustomer.md). Listen to the moments before acting on them; record the two sides on two channels for figures you can rely on.").format(d=d)
    else:
        text = i18n.gettext(lang, "The two voices of this mono recording could not be told apart with confidence (separation {d}): the call's figures would mix the agent and the customer, so none is judged and the agent's delivery is not assessed. Record the two sides on two channels.").format(d=d)
    return {"confident": s.confident, "judged": all(x.judged for x in c.checks), "text": text}


def _needed(c) -> str:
    """The reliability a separation needs (``quality.separation_reliability``'s min), from the notice that withheld the verdicts."""
    v = next((n.params.get("min") for n in c.notices if n.code == "separation_unreliable"), None)
    return f"{v:.0%}" if isinstance(v, (int, float)) else "–"


def call_mix(call) -> np.ndarray:
    """Both sides in one track for listening (the sum, clipped to full scale)."""
    a, b = call.sides
    n = min(len(a.samples), len(b.samples))
    return np.clip(a.samples[:n] + b.samples[:n], -1.0, 1.0)


def render_call_html(c, call, *, agent=None, charts: dict[str, list[Path]], lang: str, file_name: str = "", audio_src: str | None = None) -> str:
    """The call page as a string.

    Parameters
    ----------
    c : CallAnalysis
    call : CallAudio
        The audio the page embeds (both sides mixed) when ``audio_src`` is not given.
    agent : Analysis, optional
        The agent's delivery on the agent's side only; None when not analysed (then the page says why).
    charts : dict
        ``{"timeline": [png, ...], "pace": [png] or []}`` (:func:`voicecoach.conversation.charts.write_call_charts`).
    lang : str
    file_name : str
        The recording's name as the page shows it.
    audio_src : str, optional
        The page's audio (default: both sides embedded as Opus up to ``MAX_EMBED_S``).
    """
    lang = i18n.normalize(lang)
    env = environment(lang)
    src = audio_src
    if src is None:
        src = audio_data_uri(call_mix(call), call.sides[0].sample_rate_hz) if c.duration_s <= MAX_EMBED_S else ""
    delivery = None
    if agent is not None and agent.lang != lang:  # tips and notes are written at analysis time: in the page's language
        import dataclasses

        from voicecoach.judge.assess import assess

        agent = dataclasses.replace(agent, dimensions=assess(agent.measures, agent.targets, lang=lang), lang=lang)
    if agent is not None:
        dims = [_dimension(d, lang) for d in agent.dimensions]
        doubted = {d.note for d in agent.dimensions if d.measured and d.reason == "separated_mono"}
        shared = next(iter(doubted)) if len(doubted) == 1 and all(d.reason == "separated_mono" for d in agent.dimensions if d.measured) else ""
        delivery = {"a": agent, "dims": dims, "first": first_screen(dims, lang), "overall": shown_overall(agent), "shared_note": shared}
    not_assessed = None
    if agent is None:
        not_assessed = (i18n.gettext(lang, "Not assessed: the agent's speech could not be separated from the customer's with confidence.")
                        if c.separation is not None and not c.separation.confident else
                        i18n.gettext(lang, "Not assessed on this page (the agent's delivery needs speech recognition: run without --no-delivery)."))
    created = agent.created_utc if agent is not None else ""
    return env.get_template("call.html.j2").render(
        c=c, rows=[figure_row(x, lang, none_text=_nothing(c, x.key, lang)) for x in c.checks if x.key != "conversation.pace_follow_slope"],
        others=other_figures(c, lang),
        moments=call_moments(c, lang), pace=pace_view(c, lang), separation=separation_view(c, lang), delivery=delivery,
        not_assessed=not_assessed, timeline_pngs=[png_data_uri(p) for p in charts["timeline"]],
        pace_pngs=[png_data_uri(p) for p in charts["pace"]], audio_src=src, file_name=file_name,
        layout=i18n.pgettext(lang, "layout", LAYOUTS.get(c.layout, c.layout)), created=fmt_created(created) if created else "",
        targets_names=[os.path.basename(f) for f in c.targets_files],
        notices=[(n.code, notice_text(n, lang)) for n in c.notices if n.code not in ("separation_not_confident", "separation_unreliable")],
    )


def _nothing(c, key: str, lang: str) -> str:
    """Why a check has no value when that is because the call had none of it."""
    if key == "conversation.long_hold_s" and not c.turns.holds:
        return i18n.gettext(lang, "no hold")
    if key == "conversation.pace_gap_cps" and c.pace is not None and not c.pace.exchanges:
        return i18n.gettext(lang, "no exchange")
    return ""


def write_call_page(c, call, path: str | os.PathLike, *, agent=None, lang: str, file_name: str = "") -> Path:
    """Draw the charts (in a temporary folder: the page holds them) and write the page to ``path``."""
    from voicecoach.conversation.charts import write_call_charts

    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="voicecoach-call-") as tmp:
        charts = write_call_charts(c, Path(tmp), lang=lang)
        html = render_call_html(c, call, agent=agent, charts=charts, lang=lang, file_name=file_name)
    path.write_text(html, encoding="utf-8")
    return path
