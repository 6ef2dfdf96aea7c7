"""The comparison report: report.html (both takes playable per sentence), report.json, charts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape

from voicecoach.judge import dimensions
from voicecoach.judge.advice import dimension_name, label, verdict_name
from voicecoach.report import ReportFiles, background
from voicecoach.report.figures import check_text
from voicecoach.report.figures import unit_label
from voicecoach.report.html import TEMPLATES, fmt_time, page_audio, png_data_uri

UI = {
    "title": {"zh": "学员与标杆对比", "en": "Trainee against benchmark"},
    "same": {"zh": "同一稿件：逐句对比", "en": "Same script: compared sentence by sentence"},
    "different": {"zh": "两段内容不同：只做整体对比", "en": "The two takes say different things: whole recordings compared only"},
    "similarity": {"zh": "内容一致度", "en": "content match"},
    "changes": {"zh": "最该改的几点", "en": "What to change first"},
    "no_changes": {"zh": "与标杆没有听得出的差别。", "en": "No difference a listener would hear."},
    "matched": {"zh": "以标杆为目标", "en": "With the benchmark as the target"},
    "sentences": {"zh": "逐句对比（点击收听）", "en": "Sentence by sentence (click to play)"},
    "overall": {"zh": "整体差别", "en": "Whole recordings"},
    "bench": {"zh": "标杆", "en": "benchmark"},
    "trainee": {"zh": "学员", "en": "trainee"},
    "missing": {"zh": "漏说", "en": "missing"},
    "extra": {"zh": "多说", "en": "extra"},
    "figure": {"zh": "指标", "en": "figure"},
    "thresholds": {"zh": "小于这些差别的不算问题（听不出来）", "en": "Differences smaller than these are not reported (a listener would not hear them)"},
    "details": {"zh": "技术信息", "en": "Technical details"},
}
DIRECTIONS = {
    "faster": {"zh": "偏快", "en": "faster"}, "slower": {"zh": "偏慢", "en": "slower"},
    "louder": {"zh": "偏响", "en": "louder"}, "quieter": {"zh": "偏轻", "en": "quieter"},
    "livelier": {"zh": "起伏更大", "en": "livelier"}, "flatter": {"zh": "更平", "en": "flatter"},
    "more_drawl": {"zh": "拖音更多", "en": "more drawl"}, "less_drawl": {"zh": "拖音更少", "en": "less drawl"},
    "less_clear": {"zh": "不如标杆清楚", "en": "less clear"}, "clearer": {"zh": "更清楚", "en": "clearer"},
    "more_pauses": {"zh": "停顿更多", "en": "more pauses"}, "fewer_pauses": {"zh": "停顿更少", "en": "fewer pauses"},
    "longer_pause": {"zh": "停顿更长", "en": "longer pause"}, "shorter_pause": {"zh": "停顿更短", "en": "shorter pause"},
    "longer_ending": {"zh": "句尾更长", "en": "longer ending"}, "shorter_ending": {"zh": "句尾更短", "en": "shorter ending"},
}
def _sentence_contrasts():
    """The figures compared sentence by sentence, one per dimension that declares one (the table's columns)."""
    return [d.sentence_contrast for d in dimensions.registered() if d.sentence_contrast is not None]


def _ui(lang: str) -> dict:
    lang = lang if lang in ("zh", "en") else "zh"
    return {k: v[lang] for k, v in UI.items()}


def _fmt(v, f: str) -> str:
    return "–" if v is None or not np.isfinite(v) else f.format(v)


def render_compare_html(cmp, charts: dict, *, lang: str, trainee_src: str, bench_src: str) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    env.filters["t"] = fmt_time
    ui = _ui(lang)
    code = lang if lang in ("zh", "en") else "zh"
    contrasts = _sentence_contrasts()
    rows = []
    for p in cmp.pairs:
        diffs = {d.figure: d for d in p.differences}
        cells = []
        for c in contrasts:
            b = getattr(p.benchmark, c.key) if p.benchmark else None
            t = getattr(p.trainee, c.key) if p.trainee else None
            d = diffs.get(c.key)
            cells.append({"b": _fmt(b, c.cell), "t": _fmt(t, c.cell), "flag": bool(d and d.perceptible), "dir": label(DIRECTIONS, d.direction, lang) if d else ""})
        rows.append({"p": p, "cells": cells})
    thresholds = [(c.threshold_label[code], cmp_threshold(cmp, c.threshold, lang)) for c in contrasts if c.threshold]
    overall = [{"d": d, "name": _contrast_name(d.figure, lang), "dir": label(DIRECTIONS, d.direction, lang)} for d in cmp.overall]
    return env.get_template("compare.html.j2").render(
        c=cmp, lang=lang, ui=ui, rows=rows, overall=overall, cells=[c.column[code] for c in contrasts], thresholds=thresholds,
        matched=[{"d": d, "name": dimension_name(d.name, lang), "verdict": verdict_name(d.verdict, lang),
                  "figure": "" if d.deciding is None else check_text(d.deciding, lang)} for d in cmp.matched],
        charts={k: [png_data_uri(p) for p in v] for k, v in charts.items()}, trainee_src=trainee_src, bench_src=bench_src,
        trainee_name=Path(cmp.trainee.loaded.source.path).name, bench_name=Path(cmp.benchmark.loaded.source.path).name,
    )


def _contrast_name(figure: str, lang: str) -> str:
    """A whole-recording figure's name on the page, as its dimension declares it."""
    c = next((c for d in dimensions.registered() for c in d.contrasts if c.key == figure), None)
    return c.label.get(lang if lang in ("zh", "en") else "zh", figure) if c is not None else figure


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
