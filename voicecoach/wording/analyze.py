"""The wording coach (话术): the rules applied to one recording's syllables.

:func:`analyze_wording` searches the syllables (the recognised ones, or a script's aligned to
the speech) for every discouraged and forbidden phrase, checks the required lines where they
belong in the call, counts 你 and 您 and the polite words, and flags lexical fillers (那个/就是/
然后 followed by a pause) and pet phrases said again and again. Each flagged moment carries its
time and a confidence (:mod:`voicecoach.wording.match`).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from voicecoach.wording.match import SyllableIndex
from voicecoach.wording.rules import load_rules
from voicecoach.wording.types import PhraseHit, RequiredLine, Rule, Rules, WordingResult

SENTENCE_END = "。？！?!"
_NOT_SPOKEN = re.compile(r"[^\u3400-\u9fffA-Za-z0-9]")


def analyze_wording(chars: Sequence, rules: Rules | None = None, *, script_text: str | None = None, whole_call: bool = True) -> WordingResult:
    """Apply the wording rules to one recording.

    Parameters
    ----------
    chars : sequence of Char
        The syllables with their times (s) and probabilities: the recognised ones, or the
        script's aligned to the speech (``ScriptAlignment.chars``).
    rules : Rules, optional
        Default: :func:`~voicecoach.wording.rules.load_rules` (the defaults).
    script_text : str, optional
        The script, when the recording was read from one: a required line it does not hold
        is "not_in_script" rather than missing, and the syllables searched are the script's.
    whole_call : bool
        False for a practice take (a part of a call): without a script, its required lines are
        "not_checked" (a take that starts mid-call has no greeting to miss), never "missing".

    Returns
    -------
    WordingResult
    """
    rules = rules if rules is not None else load_rules()
    cfg = rules.settings
    chars = tuple(chars)
    source = "script" if script_text is not None else "transcript"
    checked = whole_call or script_text is not None
    if not chars:
        lines = tuple(RequiredLine(r.id, r.stage, r.required, "missing" if checked else "not_checked", None, r.source) for r in rules.of_kind("required"))
        return WordingResult((), lines, 0.0, 0, float("nan"), source=source)
    index = SyllableIndex([c.text for c in chars], [c.probability for c in chars])
    hits = _phrase_hits(index, chars, rules.of_kind("discouraged") + rules.of_kind("forbidden"), cfg.tolerance, cfg.min_confidence)
    hits += _pointing_you(chars, rules)
    hits += _fillers(index, chars, rules)
    hits += _pet_phrases(index, chars, rules)
    lines = tuple(_required_line(r, chars, index, cfg, script_text) if checked else RequiredLine(r.id, r.stage, r.required, "not_checked", None, r.source)
                  for r in rules.of_kind("required"))
    text = "".join(c.text for c in chars)
    n_polite = sum(text.count(w) for w in rules.polite)
    return WordingResult(
        hits=tuple(sorted(hits, key=lambda h: (h.start_s, h.kind))), lines=lines,
        speech_s=max(0.0, chars[-1].end_s - chars[0].start_s), n_chars=len(chars),
        mean_probability=float(np.mean([c.probability for c in chars])), n_polite=n_polite,
        n_you_polite=text.count(rules.polite_you), n_you_pointing=text.count(rules.pointing_you), source=source,
    )


def _hit(kind: str, rule_id: str, phrase: str, chars: Sequence, start: int, end: int, confidence: float, suggest: str = "", source: str = "") -> PhraseHit:
    return PhraseHit(kind, rule_id, phrase, "".join(c.text for c in chars[start:end]), chars[start].start_s, chars[end - 1].end_s, confidence, suggest, source)


def _phrase_hits(index: SyllableIndex, chars: Sequence, rules: Sequence[Rule], tolerance: float, min_confidence: float) -> list[PhraseHit]:
    """Every discouraged or forbidden phrase found; where two overlap, the closer match wins,
    then the longer phrase (我没办法 said exactly over 没办法; 没办法 over 我没办法 heard as 声没办法)."""
    found = []
    for r in rules:
        for phrase in r.phrases:
            n = len(_NOT_SPOKEN.sub("", phrase))
            for m in index.find(phrase, tolerance=tolerance):
                conf = index.confidence(m)
                if conf >= min_confidence:
                    found.append((round(m.similarity, 2), n, conf, m, r, phrase))
    found.sort(key=lambda f: (-f[0], -f[1], -f[2]))
    taken = np.zeros(len(chars), dtype=bool)
    out = []
    for _, _, conf, m, r, phrase in found:
        if taken[m.start:m.end].any():
            continue
        taken[m.start:m.end] = True
        out.append(_hit(r.kind, r.id, phrase, chars, m.start, m.end, conf, r.suggest, r.source))
    return out


def _pointing_you(chars: Sequence, rules: Rules) -> list[PhraseHit]:
    """Each 你: matched by character (你 ni3 and 您 nin2 are different syllables, and the
    recogniser writes what it heard), its confidence the recogniser's probability."""
    src = rules.sources.get("you", "")
    return [PhraseHit("pointing_you", rules.pointing_you, rules.pointing_you, c.text, c.start_s, c.end_s, float(c.probability), rules.polite_you, src)
            for c in chars if c.text == rules.pointing_you]


def _fillers(index: SyllableIndex, chars: Sequence, rules: Rules) -> list[PhraseHit]:
    """那个/就是/然后... used as fillers: followed by a pause of ``filler_gap_s`` or more (not at
    a sentence's end), or said twice in a row."""
    cfg = rules.settings
    out = []
    src = rules.sources.get("fillers", "")
    for word in rules.fillers:
        matches = index.find(word, tolerance=cfg.tolerance)
        for k, m in enumerate(matches):
            last = chars[m.end - 1]
            if m.end >= len(chars) or any(p in last.punct_after for p in SENTENCE_END):
                continue
            gap_s = chars[m.end].start_s - last.end_s
            repeated = k + 1 < len(matches) and matches[k + 1].start == m.end
            conf = index.confidence(m)
            if (gap_s >= cfg.filler_gap_s or repeated) and conf >= cfg.min_confidence:
                out.append(_hit("filler", word, word, chars, m.start, m.end, conf, "", src))
    return out


def _pet_phrases(index: SyllableIndex, chars: Sequence, rules: Rules) -> list[PhraseHit]:
    """Every use of a pet phrase said ``pet_min_count`` times or more."""
    cfg = rules.settings
    out = []
    src = rules.sources.get("pet", "")
    for word in rules.pet:
        found = [(m, index.confidence(m)) for m in index.find(word, tolerance=cfg.tolerance)]
        found = [(m, c) for m, c in found if c >= cfg.min_confidence]
        if len(found) >= cfg.pet_min_count:
            out += [_hit("pet_phrase", word, word, chars, m.start, m.end, c, "", src) for m, c in found]
    return out


def _required_line(rule: Rule, chars: Sequence, whole: SyllableIndex, cfg, script_text: str | None) -> RequiredLine:
    """Whether a required line was said where it belongs (stage window)."""
    if script_text is not None:
        spoken = _NOT_SPOKEN.sub("", script_text)
        in_script = [p for p in rule.phrases if _NOT_SPOKEN.sub("", p) in spoken]
        if not in_script:
            return RequiredLine(rule.id, rule.stage, rule.required, "not_in_script", None, rule.source)
    first, last = chars[0].start_s, chars[-1].end_s
    lo, hi = 0, len(chars)
    if rule.stage == "start":
        hi = sum(1 for c in chars if c.start_s <= first + cfg.start_window_s)
    elif rule.stage == "end":
        lo = next(i for i, c in enumerate(chars) if c.end_s >= last - cfg.end_window_s)
    sub, index = chars[lo:hi], whole.window(lo, hi)
    best = None
    for phrase in rule.phrases:
        for m in index.find(phrase, tolerance=cfg.tolerance):
            conf = index.confidence(m)
            if conf >= cfg.min_confidence and (best is None or conf > best.confidence):
                best = _hit("required", rule.id, phrase, sub, m.start, m.end, conf, "", rule.source)
    return RequiredLine(rule.id, rule.stage, rule.required, "said" if best else "missing", best, rule.source)
