"""How a figure is written in a report: value with its unit, target band, and what it is.

One place for the page, the terminal summary and the charts, so that the figure a verdict
rests on reads the same everywhere: "停顿占说话时间 52%（目标 5% – 35%）",
"speech over background noise 12.0 dB (target ≥ 20)".
"""

from __future__ import annotations

import numpy as np

from voicecoach import i18n
from voicecoach.i18n import NP_
from voicecoach.judge import advice

UNITS = {
    "syllables/s": NP_("unit", "syllables/s"),
    "1/min": NP_("unit", "per min"),
    "1/5 min": NP_("unit", "per 5 min"),
    "st": NP_("unit", "semitones"),
    "s": NP_("unit", "s"),
    "dB": NP_("unit", "dB"),
    "dBov": NP_("unit", "dBov"),
    "probability": NP_("unit", "confidence"),
}
"""The one table of unit labels: unit (as a Figure or Target writes it) -> its label, an English
source string in context "unit" (the catalogues translate it: 字/秒, 次/分钟)."""
TARGET_WORD = NP_("band", "target")
NEEDS_WORD = NP_("band", "needs")  # a quality.* band is a condition, not a goal


def percent(x: float) -> str:
    """A 0..1 ratio as a percentage with the digits a small one needs: 41%, 0.1%, 0.04%."""
    digits = 0 if x == 0 or abs(x) >= 0.01 else 1 if abs(x) >= 0.001 else 2
    return f"{x:.{digits}%}"


def shown_score(d) -> str:
    """A dimension's score as written: "–" when unscored, and never "100" beside a verdict
    other than "within" (a score of 99.6 is a figure just outside its band)."""
    if d.score is None:
        return "–"
    n = round(d.score)
    return str(min(n, 99) if d.verdict != "within" else n)


def shown_overall(a) -> str:
    """The overall score as written: "–" when unscored, and never "100" while a scored
    dimension's verdict is other than "within"."""
    total = a.overall.score
    if total is None:
        return "–"
    n = round(total)
    return str(min(n, 99) if any(d.score is not None and d.verdict != "within" for d in a.dimensions) else n)


def verdict_class(d) -> str:
    """The colour class of a dimension: "na" (unscored), "good" (within its band), "warn"
    (score 60 or more) or "bad"; taken from the verdict, not the rounded score."""
    if d.score is None:
        return "na"
    return "good" if d.verdict == "within" else "warn" if d.score >= 60 else "bad"


def edge_digits(v: float, lo: float | None, hi: float | None, digits: int, scale: float = 1.0) -> int:
    """Digits that keep a value outside its band from reading as on the band's edge
    (35.4 % beside "≤ 35%" shows as 35.4%, not 35%)."""
    for d in range(digits, digits + 4):
        shown = round(v * scale, d)
        if (lo is not None and v < lo and shown >= lo * scale) or (hi is not None and v > hi and shown <= hi * scale):
            continue
        return d
    return digits + 4


def unit_label(unit: str, lang: str) -> str:
    """A unit as the reader sees it ("字/秒", "per min"); unknown units as they are."""
    if unit == "count":
        return i18n.pgettext(lang, "unit", "times") if i18n.is_chinese(lang) else ""
    return i18n.pgettext(lang, "unit", UNITS[unit]) if unit in UNITS else unit


def format_value(v: float | None, unit: str, lang: str, *, lo: float | None = None, hi: float | None = None) -> str:
    """A value with its unit: ratios as percentages, undefined as "–". Given its band
    (``lo``, ``hi``), a value outside it gets the digits that show it is outside."""
    if v is None or not np.isfinite(v):
        return "–"
    if unit == "ratio":
        d = 0 if v == 0 or abs(v) >= 0.01 else 1 if abs(v) >= 0.001 else 2
        return f"{v:.{edge_digits(v, lo, hi, d, 100.0)}%}"
    if unit == "count":
        return f"{v:.0f} {unit_label(unit, lang)}".strip()
    if unit == "x typical syllable":
        return i18n.gettext(lang, "{ratio:.1f}× a typical syllable").format(ratio=v)
    u = unit_label(unit, lang)
    d = edge_digits(v, lo, hi, 2 if abs(v) < 10 else 1)
    return f"{v:.{d}f} {u}".strip()


def format_band(lo: float | None, hi: float | None, unit: str, lang: str) -> str:
    """A target band: "3 – 4.8 字/秒", "≥ 20 dB", "≤ 35%", "0 次"; "" when open both ways."""
    f = percent if unit == "ratio" else (lambda x: f"{x:g}")
    u = "" if unit == "ratio" else unit_label(unit, lang)
    if lo is not None and hi is not None:
        text = f"{f(lo)} – {f(hi)} {u}"
    elif lo is not None:
        text = f"≥ {f(lo)} {u}"
    elif hi is not None:
        text = f"{f(hi)} {u}" if hi == 0 else f"≤ {f(hi)} {u}"
    else:
        text = ""
    return text.strip()


def check_label(key: str, lang: str) -> str:
    """What a figure is ("信噪比（语音高出背景）"), by its target key."""
    return advice.check_label(key, lang)


def band_text(c, lang: str) -> str:
    """The band of a check with its word, without the unit its value already shows:
    "目标 5% – 35%", "target ≥ 20", "needs ≥ 90%"."""
    word = i18n.pgettext(lang, "band", NEEDS_WORD if c.key.startswith("quality.") else TARGET_WORD)
    band = format_band(c.min, c.max, c.unit if c.unit == "ratio" else "", lang)
    return f"{word} {band}" if band else ""


def check_text(c, lang: str) -> str:
    """One check as a phrase: label, value with unit, and band in brackets."""
    band = band_text(c, lang)
    value = f"{check_label(c.key, lang)} {format_value(c.value, c.unit, lang, lo=c.min, hi=c.max)}"
    if not band:
        return value
    p = i18n.sep(lang)
    return f"{value}{p['open']}{band}{p['close']}"
