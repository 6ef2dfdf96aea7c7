"""How each built-in dimension is judged: its figures and moments from the measures, against the targets.

One function per dimension, ``(rubric, measures, targets) -> DimensionResult``; the
:mod:`voicecoach.judge.dimensions` registry names which function judges which dimension, and
:func:`voicecoach.judge.assess.assess` runs them, attaches the tips and marks doubtful dimensions.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from voicecoach.measures.measure_set import MeasureSet
from voicecoach.judge.scoring import Check, DimensionResult, Moment, Rubric, judge, not_measured
from voicecoach.judge.targets import Targets

SPREAD_NOTE = "the recogniser could not follow this recording, so the script was laid over the speech: syllable timings and clarity are not known"
MIN_SPEECH_FOR_PAUSE_RATIO_S = 10.0


def _text(chars: Sequence, start_s: float, end_s: float) -> str:
    return "".join(c.text + c.punct_after for c in chars if c.end_s > start_s and c.start_s < end_s)


def _context(chars: Sequence, t_s: float, n: int = 6) -> str:
    """A few syllables either side of a time: '…前面的话 | 后面的话…'."""
    before = [c for c in chars if c.end_s <= t_s + 0.05][-n:]
    after = [c for c in chars if c.start_s >= t_s - 0.05][:n]
    return "".join(c.text + c.punct_after for c in before) + " | " + "".join(c.text for c in after)


def judge_pace(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    p = m.pace
    if p.n_syllables < 3 or not np.isfinite(p.speaking_rate_cps):
        return not_measured(r, t, "too few syllables were recognised to measure pace")
    band = t["pace.sentence_rate_cps"]
    moments = []
    for s, span in zip(p.sentences, m.segmentation.sentences):
        if s.n_syllables < 4 or not np.isfinite(s.rate_cps):
            continue
        if band.max is not None and s.rate_cps > band.max:
            moments.append(Moment(s.start_s, s.end_s, "fast_sentence", span.text, s.rate_cps, "syllables/s"))
        elif band.min is not None and s.rate_cps < band.min:
            moments.append(Moment(s.start_s, s.end_s, "slow_sentence", span.text, s.rate_cps, "syllables/s"))
    figures = {"pace.speaking_rate_cps": p.speaking_rate_cps, "pace.articulation_rate_cps": p.articulation_rate_cps}
    return judge(r, figures, t, tuple(moments))


def judge_pauses(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    pm = m.pauses
    if pm.speech_end_s - pm.speech_start_s < 2.0:
        return not_measured(r, t, "less than 2 s of speech")
    moments = [Moment(p.start_s, p.end_s, "dead_air", _context(m.chars, p.start_s), p.duration_s, "s") for p in pm.dead_air]
    moments += [Moment(p.start_s, p.end_s, "long_pause", _context(m.chars, p.start_s), p.duration_s, "s") for p in pm.long_pauses]
    moments.sort(key=lambda x: x.start_s)
    figures = {"pauses.long_pauses_per_min": pm.long_pauses_per_min}
    if m.pace.speaking_time_s >= MIN_SPEECH_FOR_PAUSE_RATIO_S:  # one short sentence has no pause to make
        figures["pauses.pause_ratio"] = pm.pause_ratio
    result = judge(r, figures, t, tuple(moments))
    if pm.dead_air:  # dead air costs at least half the score and outranks the long pauses it is counted among
        per_min = next((c.score for c in result.checks if c.key == "pauses.long_pauses_per_min"), 100.0)
        dead = Check("pauses.n_dead_air", float(len(pm.dead_air)), "count", None, 0.0, min(per_min, 50.0), "dead_air")
        result = dataclasses.replace(result, checks=result.checks + (dead,))
        if result.score is None or dead.score <= result.score:
            result = dataclasses.replace(result, verdict="dead_air", score=dead.score, deciding=dead)
    return result


def judge_volume(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    lo = m.loudness
    if not np.isfinite(lo.active_level_dbov):
        return not_measured(r, t, "no active speech found")
    quiet = t.value("volume.quiet_phrase_db")
    levels = [p.level_dbov for p in lo.phrase_levels]
    moments = []
    if len(levels) >= 3:
        ref = float(np.median(levels))
        for p in lo.phrase_levels:
            if p.level_dbov < ref - quiet:
                moments.append(Moment(p.start_s, p.end_s, "quiet_phrase", _text(m.chars, p.start_s, p.end_s), p.level_dbov - ref, "dB"))
    figures = {
        "volume.active_level_dbov": lo.active_level_dbov,
        "volume.level_variation_db": lo.level_variation_db,
        "volume.snr_db": lo.snr_db,
        "volume.clipped_ratio": lo.clipped_ratio,
    }
    return judge(r, figures, t, tuple(moments))


def judge_pitch(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    pi = m.pitch
    if pi.voiced_s < 1.0 or not np.isfinite(pi.range_st):
        return not_measured(r, t, "less than 1 s of voiced speech")
    moments = tuple(Moment(s.start_s, s.end_s, "monotone", _text(m.chars, s.start_s, s.end_s), s.value, "st") for s in pi.monotone_stretches)
    figures = {"pitch.range_st": pi.range_st, "pitch.monotone_ratio": pi.monotone_ratio, "pitch.position_ratio": pi.position_ratio}
    return judge(r, figures, t, moments)


def judge_articulation(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    a = m.articulation
    if m.script is not None and m.script.spread:
        return not_measured(r, t, SPREAD_NOTE)
    if not np.isfinite(a.mean_confidence):
        return not_measured(r, t, "the recogniser could not transcribe any of it")
    moments = [Moment(s.start_s, s.end_s, "unclear", s.text + (f" ({', '.join(s.causes)})" if s.causes else ""), s.mean_probability, "probability") for s in a.stretches]
    if m.script is not None:
        for d in m.script.departures:
            text = d.expected if d.kind != "added" else d.heard
            moments.append(Moment(d.start_s, d.end_s, d.kind, text, None, ""))
    moments.sort(key=lambda x: x.start_s)
    return judge(r, {"articulation.low_confidence_ratio": a.low_confidence_ratio}, t, tuple(moments))


def judge_drawl(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    d = m.drawl
    if m.script is not None and m.script.spread:
        return not_measured(r, t, SPREAD_NOTE)
    if not d.ends:
        why = "no syllables were recognised" if not m.chars else "no phrase end followed by a pause was found"
        return not_measured(r, t, why)
    phrases = m.segmentation.phrases
    moments = tuple(
        Moment(e.start_s, e.end_s, "drawl", phrases[e.phrase_index].text if e.phrase_index < len(phrases) else e.text, e.final_ratio, "x typical syllable")
        for e in d.ends if e.flagged
    )
    return judge(r, {"drawl.flagged_ratio": d.flagged_ratio}, t, moments)


WORDING_MOMENTS = ("forbidden", "discouraged", "filler", "pet_phrase")


def judge_wording(r: Rubric, m: MeasureSet, t: Targets) -> DimensionResult:
    """What was said against the wording rules (:mod:`voicecoach.wording`): flagged phrases
    per 5 minutes, required lines missing, the share of 你 among 你 + 您."""
    w = m.wording
    if w is None or not w.n_chars:
        return not_measured(r, t, "no syllables were recognised")
    figures = {
        "wording.forbidden_per_5min": w.forbidden_per_5min,
        "wording.discouraged_per_5min": w.discouraged_per_5min,
        "wording.required_missing": float("nan") if w.n_required_missing is None else float(w.n_required_missing),
        "wording.pointing_you_ratio": w.pointing_you_ratio,
        "wording.fillers_per_5min": w.fillers_per_5min,
    }
    kinds = WORDING_MOMENTS + (("pointing_you",) if w.pointing_you_ratio > t["wording.pointing_you_ratio"].max else ())
    moments = tuple(Moment(h.start_s, h.end_s, h.kind, f"{h.heard} → {h.suggest}" if h.suggest else h.heard, h.confidence, "confidence")
                    for h in w.hits if h.kind in kinds)
    return judge(r, figures, t, moments)


def judge_conversation(r: Rubric, m, t: Targets) -> DimensionResult:
    """A two-sided call: each criterion's figure is the attribute of the call's figures
    (:class:`~voicecoach.conversation.figures.CallFigures`) named after its target key."""
    return judge(r, {key: getattr(m, key.split(".", 1)[1]) for key in r.words}, t)
