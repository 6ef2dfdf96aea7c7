"""From measures to the six judged dimensions: figures, moments outside target, tips.

This is where the report's content is decided: which figure heads each dimension, which
moments of the recording are pointed at, which advice is given, and which figures are too
doubtful to judge (verdict "uncertain", see :func:`quality_checks`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.advice import not_measured_note, tip, uncertain_note
from voicecoach.coverage import Coverage
from voicecoach.measures.articulation import ArticulationMeasures
from voicecoach.measures.drawl import DrawlMeasures
from voicecoach.measures.loudness import LoudnessMeasures
from voicecoach.measures.pace import PaceMeasures
from voicecoach.measures.pauses import PauseMeasures
from voicecoach.measures.pitch import PitchMeasures
from voicecoach.scoring import UNCERTAIN_REASONS, Check, DimensionResult, Moment, check, judge, make_uncertain, not_measured
from voicecoach.script import ScriptAlignment
from voicecoach.segmentation import Segmentation
from voicecoach.targets import Targets

SPREAD_NOTE = "the recogniser could not follow this recording, so the script was laid over the speech: syllable timings and clarity are not known"
MIN_SPEECH_FOR_PAUSE_RATIO_S = 10.0
MIN_SYLLABLES_FOR_COUNT_CHECK = 10  # fewer, and one syllable more or less is already 10 %

# Which dimensions each doubt makes "uncertain" (README, "Verdicts"). Pace counts the
# recognised syllables: a transcript that misses speech or disagrees with the signal's count
# makes it doubtful, unless a script supplies the count or nothing was recognised (then the
# signal's syllable nuclei are counted). Drawl and articulation are judged on the recognised
# syllables only, so speech the transcript misses is speech they never saw. Pace and pitch
# need a few seconds of speech to mean anything.
UNCERTAIN_DIMENSIONS = {
    "little_speech": ("pace", "pitch"),
    "low_coverage": ("pace", "drawl", "articulation"),
    "count_disagreement": ("pace",),
}


@dataclass(frozen=True)
class MeasureSet:
    """Everything measured on one recording, as input to the assessment."""

    chars: tuple
    segmentation: Segmentation
    pace: PaceMeasures
    pauses: PauseMeasures
    loudness: LoudnessMeasures
    pitch: PitchMeasures
    drawl: DrawlMeasures
    articulation: ArticulationMeasures
    script: ScriptAlignment | None = None
    coverage: Coverage | None = None
    n_acoustic_syllables: int = 0

    @property
    def count_source(self) -> str:
        """Where pace's syllable count comes from: "script", "transcript" or "signal"."""
        return "script" if self.script is not None else "transcript" if self.chars else "signal"


def assess(m: MeasureSet, targets: Targets, *, lang: str) -> tuple[DimensionResult, ...]:
    """Judge all six dimensions, attach tips in ``lang``, and mark doubtful ones "uncertain"."""
    dims = (_pace(m, targets), _pauses(m, targets), _volume(m, targets), _pitch(m, targets), _articulation(m, targets), _drawl(m, targets))
    doubts = quality_checks(m, targets)
    out = []
    for d in dims:
        t, rule = tip(d.name, d.verdict, lang)
        d = dataclasses.replace(d, tip=t if d.scored else "", rule=rule, note=d.note if d.measured else not_measured_note(d.note, lang))
        reason = _doubt(d, m, doubts)
        if reason:
            d = make_uncertain(d, doubts[reason], reason, uncertain_note(reason, _note_params(reason, doubts[reason], m), lang))
        out.append(d)
    return tuple(out)


def quality_checks(m: MeasureSet, t: Targets) -> dict[str, Check]:
    """The checks of the figures' own reliability that failed, by reason (``UNCERTAIN_REASONS``).

    * ``little_speech``: speaking time (``quality.speech_s``);
    * ``low_coverage``: share of the detected speech the transcript covers (``quality.covered_ratio``);
    * ``count_disagreement``: syllable nuclei counted in the signal over the transcript's
      syllables (``quality.acoustic_count_ratio``), from ``MIN_SYLLABLES_FOR_COUNT_CHECK`` syllables.
    """
    figures = {"little_speech": m.pace.speaking_time_s}
    if m.coverage is not None:
        figures["low_coverage"] = m.coverage.covered_ratio
    if m.n_acoustic_syllables and m.pace.n_syllables >= MIN_SYLLABLES_FOR_COUNT_CHECK:
        figures["count_disagreement"] = m.n_acoustic_syllables / m.pace.n_syllables
    out = {}
    for reason, value in figures.items():
        key = UNCERTAIN_REASONS[reason]
        c = check(key, value, t[key])
        if c is not None and not c.inside:
            out[reason] = c
    return out


def _doubt(d: DimensionResult, m: MeasureSet, doubts: dict[str, Check]) -> str:
    """The reason ``d`` is uncertain ("" when it is not)."""
    if not d.measured:
        return ""
    for reason in UNCERTAIN_DIMENSIONS:
        if reason not in doubts or d.name not in UNCERTAIN_DIMENSIONS[reason]:
            continue
        if d.name == "pace" and reason != "little_speech" and m.count_source != "transcript":
            continue  # the script or the signal supplies the count, not the recogniser
        return reason
    return ""


def _note_params(reason: str, c: Check, m: MeasureSet) -> dict:
    if reason == "count_disagreement":
        return {"n": m.pace.n_syllables, "nuclei": m.n_acoustic_syllables}
    return {"value": c.value, "min": c.min}


def _text(chars: Sequence, start_s: float, end_s: float) -> str:
    return "".join(c.text + c.punct_after for c in chars if c.end_s > start_s and c.start_s < end_s)


def _context(chars: Sequence, t_s: float, n: int = 6) -> str:
    """A few syllables either side of a time: '…前面的话 | 后面的话…'."""
    before = [c for c in chars if c.end_s <= t_s + 0.05][-n:]
    after = [c for c in chars if c.start_s >= t_s - 0.05][:n]
    return "".join(c.text + c.punct_after for c in before) + " | " + "".join(c.text for c in after)


def _pace(m: MeasureSet, t: Targets) -> DimensionResult:
    p = m.pace
    if p.n_syllables < 3 or not np.isfinite(p.speaking_rate_cps):
        return not_measured("pace", "pace.speaking_rate_cps", t, "too few syllables were recognised to measure pace")
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
    return judge("pace", "pace.speaking_rate_cps", figures, t, tuple(moments))


def _pauses(m: MeasureSet, t: Targets) -> DimensionResult:
    pm = m.pauses
    if pm.speech_end_s - pm.speech_start_s < 2.0:
        return not_measured("pauses", "pauses.long_pauses_per_min", t, "less than 2 s of speech")
    moments = [Moment(p.start_s, p.end_s, "dead_air", _context(m.chars, p.start_s), p.duration_s, "s") for p in pm.dead_air]
    moments += [Moment(p.start_s, p.end_s, "long_pause", _context(m.chars, p.start_s), p.duration_s, "s") for p in pm.long_pauses]
    moments.sort(key=lambda x: x.start_s)
    figures = {"pauses.long_pauses_per_min": pm.long_pauses_per_min}
    if m.pace.speaking_time_s >= MIN_SPEECH_FOR_PAUSE_RATIO_S:  # one short sentence has no pause to make
        figures["pauses.pause_ratio"] = pm.pause_ratio
    result = judge("pauses", "pauses.long_pauses_per_min", figures, t, tuple(moments))
    if pm.dead_air:  # dead air costs at least half the score and outranks the long pauses it is counted among
        per_min = next((c.score for c in result.checks if c.key == "pauses.long_pauses_per_min"), 100.0)
        dead = Check("pauses.n_dead_air", float(len(pm.dead_air)), "count", None, 0.0, min(per_min, 50.0), "dead_air")
        result = dataclasses.replace(result, checks=result.checks + (dead,))
        if result.score is None or dead.score <= result.score:
            result = dataclasses.replace(result, verdict="dead_air", score=dead.score, deciding=dead)
    return result


def _volume(m: MeasureSet, t: Targets) -> DimensionResult:
    lo = m.loudness
    if not np.isfinite(lo.active_level_dbov):
        return not_measured("volume", "volume.active_level_dbov", t, "no active speech found")
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
    return judge("volume", "volume.active_level_dbov", figures, t, tuple(moments))


def _pitch(m: MeasureSet, t: Targets) -> DimensionResult:
    pi = m.pitch
    if pi.voiced_s < 1.0 or not np.isfinite(pi.range_st):
        return not_measured("pitch", "pitch.range_st", t, "less than 1 s of voiced speech")
    moments = tuple(Moment(s.start_s, s.end_s, "monotone", _text(m.chars, s.start_s, s.end_s), s.value, "st") for s in pi.monotone_stretches)
    figures = {"pitch.range_st": pi.range_st, "pitch.monotone_ratio": pi.monotone_ratio, "pitch.position_ratio": pi.position_ratio}
    return judge("pitch", "pitch.range_st", figures, t, moments)


def _articulation(m: MeasureSet, t: Targets) -> DimensionResult:
    a = m.articulation
    if m.script is not None and m.script.spread:
        return not_measured("articulation", "articulation.low_confidence_ratio", t, SPREAD_NOTE)
    if not np.isfinite(a.mean_confidence):
        return not_measured("articulation", "articulation.low_confidence_ratio", t, "the recogniser could not transcribe any of it")
    moments = [Moment(s.start_s, s.end_s, "unclear", s.text + (f" ({', '.join(s.causes)})" if s.causes else ""), s.mean_probability, "probability") for s in a.stretches]
    if m.script is not None:
        for d in m.script.departures:
            text = d.expected if d.kind != "added" else d.heard
            moments.append(Moment(d.start_s, d.end_s, d.kind, text, None, ""))
    moments.sort(key=lambda x: x.start_s)
    return judge("articulation", "articulation.low_confidence_ratio", {"articulation.low_confidence_ratio": a.low_confidence_ratio}, t, tuple(moments))


def _drawl(m: MeasureSet, t: Targets) -> DimensionResult:
    d = m.drawl
    if m.script is not None and m.script.spread:
        return not_measured("drawl", "drawl.flagged_ratio", t, SPREAD_NOTE)
    if not d.ends:
        why = "no syllables were recognised" if not m.chars else "no phrase end followed by a pause was found"
        return not_measured("drawl", "drawl.flagged_ratio", t, why)
    phrases = m.segmentation.phrases
    moments = tuple(
        Moment(e.start_s, e.end_s, "drawl", phrases[e.phrase_index].text if e.phrase_index < len(phrases) else e.text, e.final_ratio, "x typical syllable")
        for e in d.ends if e.flagged
    )
    return judge("drawl", "drawl.flagged_ratio", {"drawl.flagged_ratio": d.flagged_ratio}, t, moments)
