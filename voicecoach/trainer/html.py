"""The comparison report: report.html (both takes playable per sentence), report.json, charts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from voicecoach import i18n
from voicecoach.i18n import NP_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import dimension_name, label, verdict_name
from voicecoach.report import ReportFiles, background
from voicecoach.report.figures import check_text
from voicecoach.report.figures import unit_label
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
    overall = [{"d": d, "name": _contrast_name(d.figure, lang), "dir": label(DIRECTIONS, d.direction, lang, "direction")} for d in cmp.overall]
    return env.get_template("compare.html.j2").render(
        c=cmp, rows=rows, overall=overall, cells=[i18n.text(lang, c.column, "column") for c in contrasts], thresholds=thresholds,
        matched=[{"d": d, "name": dimension_name(d.name, lang), "verdict": verdict_name(d.verdict, lang),
                  "figure": "" if d.deciding is None else check_text(d.deciding, lang)} for d in cmp.matched],
        charts={k: [png_data_uri(p) for p in v] for k, v in charts.items()}, trainee_src=trainee_src, bench_src=bench_src,
        trainee_name=Path(cmp.trainee.loaded.source.path).name, bench_name=Path(cmp.benchmark.loaded.source.path).name,
    )


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
