"""The rules a report's verdicts must keep with the figures shown beside them.

:func:`contradictions` lists every way one analysis breaks them (empty when none):

* every judged dimension shows a *deciding* figure, and that figure is the measure itself;
* "within": every figure of the dimension is inside its band, score 100;
* any other verdict: the deciding figure is outside its band on the side that verdict names
  (``Dimension.criteria``, ``scoring.QUALITY_WORDS``), it is the dimension's worst check, and the score is its score;
* "uncertain": a reason, a note, the failed quality figure outside its band, no score, no tip,
  left out of the overall score and of the page's advice;
* the overall score is the weighted mean of the scored dimensions;
* the terminal line and the page's card of each dimension show the deciding figure (value,
  unit and band) with the verdict; report.json carries it.

``tests/conftest.py`` applies these rules to every analysis the test session makes.
"""

from __future__ import annotations

import html as _html
import math
import re
import tempfile
from functools import lru_cache
from pathlib import Path

from voicecoach.judge import dimensions
from voicecoach.judge.advice import dimension_name, verdict_name
from voicecoach.report.figures import band_text, format_value
from voicecoach.report.text import dimension_line
from voicecoach.judge.scoring import QUALITY_WORDS, UNCERTAIN_REASONS

# where each checked figure lives on the Analysis
MEASURE_OF = {
    "pace.speaking_rate_cps": lambda a: a.pace.speaking_rate_cps,
    "pace.articulation_rate_cps": lambda a: a.pace.articulation_rate_cps,
    "pauses.long_pauses_per_min": lambda a: a.pauses.long_pauses_per_min,
    "pauses.pause_ratio": lambda a: a.pauses.pause_ratio,
    "pauses.n_dead_air": lambda a: len(a.pauses.dead_air),
    "volume.active_level_dbov": lambda a: a.loudness.active_level_dbov,
    "volume.level_variation_db": lambda a: a.loudness.level_variation_db,
    "volume.snr_db": lambda a: a.loudness.snr_db,
    "volume.clipped_ratio": lambda a: a.loudness.clipped_ratio,
    "pitch.range_st": lambda a: a.pitch.range_st,
    "pitch.monotone_ratio": lambda a: a.pitch.monotone_ratio,
    "pitch.position_ratio": lambda a: a.pitch.position_ratio,
    "drawl.flagged_ratio": lambda a: a.drawl.flagged_ratio,
    "articulation.low_confidence_ratio": lambda a: a.articulation.low_confidence_ratio,
    "quality.speech_s": lambda a: a.pace.speaking_time_s,
    "quality.acoustic_count_ratio": lambda a: a.acoustic_syllables / a.pace.n_syllables,
}


def _close(x: float, y: float) -> bool:
    return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9)


def _words(key: str) -> tuple[str, str]:
    c = dimensions.criterion(key)
    return (c.below, c.above) if c is not None else QUALITY_WORDS.get(key, ("too_low", "too_high"))


def _below(c) -> bool:
    return c.min is not None and c.value < c.min


def _above(c) -> bool:
    return c.max is not None and c.value > c.max


def dimension_contradictions(d, a=None) -> list[str]:
    """What is wrong with one dimension's verdict against its figures (``a``: check the figures against the measures too)."""
    where = f"{d.name}: verdict {d.verdict!r}"
    if d.verdict == "not_measured":
        return [f"{where} but has a score or deciding figure"] if d.score is not None or d.deciding is not None else []
    c = d.deciding
    if c is None:
        return [f"{where} with no deciding figure"]
    out = []
    if not math.isfinite(c.value):
        out.append(f"{where}: deciding figure {c.key} is undefined")
    if a is not None and c.key in MEASURE_OF and not _close(c.value, MEASURE_OF[c.key](a)):
        out.append(f"{where}: shows {c.key} = {c.value} but the analysis measured {MEASURE_OF[c.key](a)}")
    if d.verdict == "uncertain":
        if d.score is not None or d.tip:
            out.append(f"{where} but scored ({d.score}) or advised ({d.tip!r})")
        if UNCERTAIN_REASONS.get(d.reason) != c.key or not d.note:
            out.append(f"{where}: reason {d.reason!r} / note {d.note!r} do not name the failed check {c.key}")
        if c.inside:
            out.append(f"{where} but its quality figure {c.key} = {c.value} is inside [{c.min}, {c.max}]")
        return out
    if d.score is None:
        return out + [f"{where} with no score"]
    if d.verdict == "within":
        out += [f"{where} but {x.key} = {x.value} is outside [{x.min}, {x.max}]" for x in d.checks if not x.inside]
        if d.score != 100:
            out.append(f"{where} with score {d.score}")
        if c.key not in {x.key for x in d.checks}:
            out.append(f"{where}: deciding figure {c.key} is not one of its checks")
        return out
    low, high = _words(c.key)
    if not ((d.verdict == low and _below(c)) or (d.verdict == high and _above(c))):
        out.append(f"{where} but the figure shown, {c.key} = {c.value}, is not {'below' if d.verdict == low else 'above'} its band [{c.min}, {c.max}]")
    if c.verdict != d.verdict or not _close(c.score, d.score):
        out.append(f"{where}, score {d.score}: deciding {c.key} says {c.verdict!r}, score {c.score}")
    if d.checks and not _close(d.score, min(x.score for x in d.checks)):
        out.append(f"{where}: score {d.score} is not its worst check's ({min(x.score for x in d.checks)})")
    return out


def overall_contradictions(a) -> list[str]:
    """The overall score: exactly the scored dimensions, weighted."""
    scored = {d.name: d for d in a.dimensions if d.scored and a.targets.weights.get(d.name, 0) > 0}
    if set(a.overall.weights) != set(scored):
        return [f"overall score weighs {sorted(a.overall.weights)} but the scored dimensions are {sorted(scored)}"]
    if scored and not math.isclose(a.overall.score, sum(a.overall.weights[n] * d.score for n, d in scored.items()), abs_tol=1e-6):
        return [f"overall score {a.overall.score} is not the weighted mean of the scored dimensions"]
    return []


def terminal_contradictions(a) -> list[str]:
    """Each terminal line names the verdict and shows the deciding figure with unit and band."""
    out = []
    for d in a.dimensions:
        line = dimension_line(d, lang=a.lang)
        out += [f"{d.name}: terminal line {line!r} lacks {p!r}" for p in _shown(d, a.lang) if p not in line]
    return out


def page_contradictions(a, page: str) -> list[str]:
    """Each dimension's card shows its verdict and deciding figure; uncertain ones head no advice."""
    out = []
    todo = re.search(r'<div class="card todo">(.*?)</div>', page, re.S)
    advice = re.search(r"<ol>(.*?)</ol>", todo.group(1), re.S) if todo else None
    for d in a.dimensions:
        card = re.search(rf'<div class="card dim" id="dim-{d.name}">(.*?)\n</div>\n', page, re.S)
        if card is None:
            out.append(f"{d.name}: no card on the page")
            continue
        text = _html.unescape(card.group(1))
        out += [f"{d.name}: page card lacks {p!r}" for p in _shown(d, a.lang) if p not in text]
        if d.deciding is not None and f'data-key="{d.deciding.key}"' not in text.split('class="checks"')[0]:
            out.append(f"{d.name}: page card does not show {d.deciding.key} as its deciding figure")
        name = dimension_name(d.name, a.lang)
        if not d.scored and advice and f"<b>{name}</b>" in advice.group(1):
            out.append(f"{d.name}: verdict {d.verdict!r} but it heads the advice")
    return out


def _shown(d, lang: str) -> list[str]:
    """Strings that must appear where a dimension is shown: verdict, deciding value and band."""
    parts = [verdict_name(d.verdict, lang)]
    if d.deciding is not None:
        parts.append(format_value(d.deciding.value, d.deciding.unit, lang))
        band = band_text(d.deciding, lang)
        if band:
            parts.append(band)
    return parts


@lru_cache(maxsize=1)
def _blank_png() -> Path:
    import zlib, struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    path = Path(tempfile.mkdtemp(prefix="vc-verdicts-")) / "blank.png"
    path.write_bytes(png)
    return path


def render_page(a) -> str:
    """The report page as the user gets it, with placeholder charts and no audio (fast)."""
    from voicecoach.report.html import render_html

    blank = _blank_png()
    return render_html(a, {"summary": [blank], "timeline": [blank]}, lang=a.lang, audio_src="")


def contradictions(a) -> list[str]:
    """Every way analysis ``a`` shows a verdict its figures do not support (empty when none)."""
    out = []
    for d in a.dimensions:
        out += dimension_contradictions(d, a)
    out += overall_contradictions(a)
    data = a.to_dict()
    for d, j in zip(a.dimensions, data["dimensions"]):
        want = None if d.deciding is None else d.deciding.to_dict()
        if j.get("deciding") != want or j.get("reason") != d.reason or j["verdict"] != d.verdict:
            out.append(f"{d.name}: report.json deciding/reason/verdict differ from the analysis")
    out += terminal_contradictions(a)
    out += page_contradictions(a, render_page(a))
    return out
