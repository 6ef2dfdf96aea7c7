"""The short terminal summary of an analysis."""

from __future__ import annotations

import unicodedata

from voicecoach import i18n
from voicecoach.judge.advice import dimension_name, notice_text, verdict_name
from voicecoach.report.figures import check_text, shown_overall, shown_score


def _pad(text: str, width: int) -> str:
    """Pad to a display width (CJK characters take two columns)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def dimension_line(d, *, lang: str) -> str:
    """One dimension: name, score, the figure its verdict rests on (value, unit, target), verdict.

    ``停顿  29  停顿占说话时间 52%（目标 5% – 35%）  停顿太多``; an uncertain dimension shows the
    quality figure that made it so; a dimension not measured has no figure.
    """
    name = dimension_name(d.name, lang)
    verdict = verdict_name(d.verdict, lang)
    score = f"{shown_score(d):>3}"
    if d.deciding is None:
        return f"  {_pad(name, 14)} {score}  {verdict}"
    return f"  {_pad(name, 14)} {score}  {_pad(check_text(d.deciding, lang), 50)} {verdict}"


def summary_lines(a, *, lang: str) -> list[str]:
    """A few lines: overall score, then one line per dimension with the figure behind its verdict."""
    total = shown_overall(a)
    head = i18n.gettext(lang, "Overall") + (f" {total}/100" if total != "–" else " –")
    n = a.pace.n_syllables
    count = i18n.ngettext(lang, "{n} syllable", "{n} syllables", n).format(n=n)
    lines = [f"{head}   ({a.duration_s:.1f} s, {count})"]
    lines += [dimension_line(d, lang=lang) for d in a.dimensions]
    fillers = filled_pauses_line(a.measures.filled_pauses, lang=lang)
    if fillers:
        lines.append(fillers)
    note = i18n.gettext(lang, "note:")
    for n in a.notices:
        lines.append(f"  {note} " + notice_text(n, lang))
    return lines


def filled_pauses_line(fp, *, lang: str) -> str:
    """One line: how many filled pauses (嗯/呃), per minute of speech, how many the signal alone
    found; "" when they were not measured."""
    if fp is None:
        return ""
    n = len(fp.moments)
    if n == 0:
        return "  " + i18n.gettext(lang, "Filled pauses (嗯/呃): none")
    text = i18n.gettext(lang, "Filled pauses (嗯/呃): {n}, {per_min:.1f} per minute of speech, {n_signal} of them heard only in the signal (not in the transcript)")
    return "  " + text.format(n=n, per_min=fp.per_min, n_signal=fp.signal_count)
