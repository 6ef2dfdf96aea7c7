"""The short terminal summary of an analysis."""

from __future__ import annotations

import unicodedata

from voicecoach.advice import DIMENSION_NAMES, VERDICT_NAMES, label


def _pad(text: str, width: int) -> str:
    """Pad to a display width (CJK characters take two columns)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def summary_lines(a, *, lang: str) -> list[str]:
    """A few lines: overall score, then one line per dimension with value, target and verdict."""
    zh = lang == "zh"
    total = a.overall.score
    head = ("总分" if zh else "Overall") + (f" {total:.0f}/100" if total is not None else " –")
    lines = [f"{head}   ({a.duration_s:.1f} s, {a.pace.n_syllables} {'字' if zh else 'syllables'})"]
    for d in a.dimensions:
        name = label(DIMENSION_NAMES, d.name, lang)
        verdict = label(VERDICT_NAMES, d.verdict, lang)
        if d.value is None:
            lines.append(f"  {_pad(name, 14)} {verdict}")
            continue
        from voicecoach.report.html import unit_label

        value = f"{d.value:.0%}" if d.unit == "ratio" else f"{d.value:.2f} {unit_label(d.unit, lang)}"
        score = "" if d.score is None else f"{d.score:3.0f}"
        lines.append(f"  {_pad(name, 14)} {score}  {_pad(value, 20)} {verdict}")
    from voicecoach.advice import notice_text

    for n in a.notices:
        lines.append(("  注意: " if zh else "  note: ") + notice_text(n, lang))
    return lines
