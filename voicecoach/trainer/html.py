"""The comparison report: report.html (both takes playable per sentence), report.json, charts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from voicecoach import i18n
from voicecoach.i18n import N_, NP_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import dimension_name, label, moment_label, verdict_name
from voicecoach.report import ReportFiles, background
from voicecoach.report.figures import check_text, format_band, format_value, unit_label
from voicecoach.report.html import environment, page_audio, png_data_uri

DIRECTIONS = {
    "faster": NP_("direction", "faster"), "slower": NP_("direction", "slower"),
    "louder": NP_("direction", "louder"), "quieter": NP_("direction", "quieter"),
    "livelier": NP_("direction", "livelier"), "flatter": NP_("direction", "flatter"),
    "more_drawl": NP_("direction", "more drawl"), "less_drawl": NP_("direction", "less drawl"),
    "less_clear": NP_("direction", "less clear"), "clearer": NP_("direction", "clearer"),
    "more_pauses": NP_("direction", "more pauses"), "fewer_pauses": NP_("direction", "fewer pauses"),
    "longer_pause": NP_("direction", "longer pause"), "shorter_pause": NP_("direction", "shorter pause"),
    "longer_ending": NP_("direction", "longer ending"), "shorter_ending": NP_("direction", "shorter ending"),
}


def _sentence_contrasts():
    """The figures compared sentence by sentence, one per dimension that declares one (the table's columns)."""
    return [d.sentence_contrast for d in dimensions.registered() if d.sentence_contrast is not None]


def _fmt(v, f: str) -> str:
    return "–" if v is None or not np.isfinite(v) else f.format(v)


def render_compare_html(cmp, charts: dict, *, lang: str, trainee_src: str, bench_src: str) -> str:
    env = environment(lang)
    contrasts = _sentence_contrasts()
    rows = []
    for p in cmp.pairs:
        diffs = {d.figure: d for d in p.differences}
        cells = []
        for c in contrasts:
            b = getattr(p.benchmark, c.key) if p.benchmark else None
            t = getattr(p.trainee, c.key) if p.trainee else None
            d = diffs.get(c.key)
            cells.append({"b": _fmt(b, c.cell), "t": _fmt(t, c.cell), "flag": bool(d and d.perceptible), "dir": label(DIRECTIONS, d.direction, lang, "direction") if d else ""})
        rows.append({"p": p, "cells": cells})
    thresholds = [(i18n.text(lang, c.threshold_label, "threshold"), cmp_threshold(cmp, c.threshold, lang)) for c in contrasts if c.threshold]
    overall = [{"d": d, "name": _contrast_name(d.figure, lang), "dir": label(DIRECTIONS, d.direction, lang, "direction"),
                "b": format_value(d.benchmark, d.unit, lang), "t": format_value(d.trainee, d.unit, lang)} for d in cmp.overall]
    verdicts = dimension_verdicts(cmp, lang)
    by_dim = {v["name"]: v for v in verdicts}
    from voicecoach.trainer.compare import _dimension_of_change

    owner = _dimension_of_change()
    changes = [{"ch": ch, "text": ch.tip if ch.sentences or owner.get(ch.key) not in by_dim else by_dim[owner[ch.key]]["line"]} for ch in cmp.changes]
    return env.get_template("compare.html.j2").render(
        c=cmp, rows=rows, overall=overall, verdicts=verdicts, changes=changes, cells=[i18n.text(lang, c.column, "column") for c in contrasts], thresholds=thresholds,
        matched=[{"d": d, "name": dimension_name(d.name, lang), "verdict": verdict_name(d.verdict, lang),
                  "figure": "" if d.deciding is None else check_text(d.deciding, lang)} for d in cmp.matched],
        charts={k: [png_data_uri(p) for p in v] for k, v in charts.items()}, trainee_src=trainee_src, bench_src=bench_src,
        trainee_name=Path(cmp.trainee.loaded.source.path).name, bench_name=Path(cmp.benchmark.loaded.source.path).name,
        wording_kinds={w.kind: i18n.gettext(lang, "required line missing") if w.kind == "missing_line" else moment_label(w.kind, lang) for w in cmp.wording},
    )


VERDICT_LINES = {
    "by": N_("{direction} than your trainer by {amount}: you {trainee}, your trainer {benchmark}"),
    "same": N_("as your trainer: you {trainee}, your trainer {benchmark}"),
    "off": N_("Your trainer is outside the guide here ({benchmark}; guide {band}): aim for the guide, not for your trainer."),
}


def _amount(d, lang: str) -> str:
    """How far apart the two are, in one unit: a relative difference in percent, a level in dB,
    a share in percentage points, anything else in its own unit."""
    if d.figure in _relative_figures():
        return f"{abs(d.delta):.0%}"
    if d.unit in ("dBov", "dB"):
        return format_value(abs(d.delta), "dB", lang)
    if d.unit == "ratio":
        return i18n.pgettext(lang, "unit", "{n} percentage points").format(n=f"{100 * abs(d.delta):.0f}")
    return format_value(abs(d.delta), d.unit, lang)


def _relative_figures() -> set[str]:
    return {c.key for d in dimensions.registered() for c in d.contrasts if c.relative}


def dimension_verdicts(cmp, lang: str) -> list[dict]:
    """One line per dimension: how the trainee stands against the trainer (on the dimension's
    first whole-recording figure), against the guide, and with the benchmark as the target
    (the same results "what to change" is ranked from); and where the benchmark itself is off
    the guide, a note saying so."""
    whole = {d.figure: d for d in cmp.overall}
    matched = {d.name: d for d in cmp.matched}
    off = {o.dimension: o for o in cmp.benchmark_off_target}
    out = []
    for dim in dimensions.registered():
        d = next((whole[c.key] for c in dim.contrasts if c.key in whole), None)
        m = matched.get(dim.name)
        if d is None and m is None:
            continue
        fmt = dict(trainee=format_value(d.trainee, d.unit, lang), benchmark=format_value(d.benchmark, d.unit, lang)) if d else {}
        if d is None:
            line = ""
        elif d.perceptible:
            line = i18n.gettext(lang, VERDICT_LINES["by"]).format(direction=label(DIRECTIONS, d.direction, lang, "direction"), amount=_amount(d, lang), **fmt)
        else:
            line = i18n.gettext(lang, VERDICT_LINES["same"]).format(**fmt)
        note = ""
        if dim.name in off:
            o = off[dim.name]
            unit = cmp.trainee.targets[o.key].unit
            note = i18n.gettext(lang, VERDICT_LINES["off"]).format(benchmark=format_value(o.benchmark_value, unit, lang), band=format_band(o.guide_min, o.guide_max, unit, lang))
        try:
            g = cmp.trainee.dimension(dim.name)
        except (KeyError, StopIteration, ValueError):
            g = None
        out.append({"name": dim.name, "label": dimension_name(dim.name, lang), "line": line, "note": note, "m": m,
                    "matched": verdict_name(m.verdict, lang) if m else "", "guide": verdict_name(g.verdict, lang) if g else "",
                    "guide_class": _badge(g), "matched_class": _badge(m), "guide_figure": check_text(g.deciding, lang) if g is not None and g.deciding is not None else ""})
    return out


def _badge(d) -> str:
    """The colour of a verdict badge: the verdict decides, as on the agent report."""
    if d is None or d.score is None:
        return "na"
    return "good" if d.verdict == "within" else "warn" if d.score >= 60 else "bad"


def _contrast_name(figure: str, lang: str) -> str:
    """A whole-recording figure's name on the page, as its dimension declares it."""
    c = next((c for d in dimensions.registered() for c in d.contrasts if c.key == figure), None)
    return i18n.text(lang, c.label, "contrast") if c is not None and c.label else figure


def cmp_threshold(cmp, key: str, lang: str = "zh") -> str:
    """The audibility threshold of a comparison in words a reader knows: 8 %, 3 dB, 0.6×."""
    t = cmp.trainee.targets[key]
    v = t.value
    if key == "compare.rate_ratio":
        return f"{v:.0%}"
    if key == "compare.final_ratio":
        return f"{v:g}×"
    if t.unit == "probability":
        return f"{v:.0%}"
    return f"{v:g} {unit_label(t.unit, lang)}"


def default_compare_dir(trainee: str | os.PathLike, benchmark: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    t, b = Path(trainee), Path(benchmark)
    base = Path(out) if out is not None else t.parent
    return base / f"{t.stem}_vs_{b.stem}.report"


def write_compare_report(cmp, folder: str | os.PathLike, *, lang: str | None = None) -> ReportFiles:
    """report.json, charts and the self-contained report.html of a comparison."""
    from voicecoach.trainer.charts import write_compare_charts
    from voicecoach.report.jsonio import json_safe, write_json

    lang = lang or cmp.lang
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    t = time.perf_counter()
    json_path = write_json(json_safe(cmp.to_dict()), out / "report.json")
    with background() as pool:
        ta = pool.submit(page_audio, cmp.trainee.loaded.audio, None)
        ba = pool.submit(page_audio, cmp.benchmark.loaded.audio, None)
        charts = write_compare_charts(cmp, out / "charts", lang=lang)
        trainee_src, bench_src = ta.result(), ba.result()
    html = out / "report.html"
    html.write_text(render_compare_html(cmp, charts, lang=lang, trainee_src=trainee_src, bench_src=bench_src), encoding="utf-8")
    timings["total"] = time.perf_counter() - t
    return ReportFiles(out, json_path, html, tuple(p for v in charts.values() for p in v), timings)
