"""From measures to the judged dimensions: each registered dimension judged, with tips.

Each dimension's figures and moments are picked by its judge (:mod:`voicecoach.judge.judges` for
the built-in ones, named in :mod:`voicecoach.judge.dimensions`); here the tips are attached and the
figures too doubtful to judge are marked (verdict "uncertain", see :func:`quality_checks`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from voicecoach.judge import dimensions
from voicecoach.judge.advice import not_measured_note, tip, uncertain_note
from voicecoach.measures.measure_set import MeasureSet
from voicecoach.judge.scoring import UNCERTAIN_REASONS, Check, DimensionResult, check, make_uncertain
from voicecoach.judge.targets import Targets

MIN_SYLLABLES_FOR_COUNT_CHECK = 10  # fewer, and one syllable more or less is already 10 %

# Which dimensions each doubt makes "uncertain" is declared with each dimension
# (``Dimension.doubted_by``; README, "Verdicts"). Pace counts the recognised syllables: a
# transcript that misses speech or disagrees with the signal's count makes it doubtful, unless
# a script supplies the count or nothing was recognised (then the signal's syllable nuclei are
# counted). Drawl and articulation are judged on the recognised syllables only, so speech the
# transcript misses is speech they never saw. Pace and pitch need a few seconds of speech.


def uncertain_dimensions() -> dict[str, tuple[str, ...]]:
    """Reason -> the dimensions it makes "uncertain" (every reason of ``UNCERTAIN_REASONS``)."""
    return {r: tuple(d.name for d in dimensions.registered() if r in d.doubted_by) for r in UNCERTAIN_REASONS}


def assess(m: MeasureSet, targets: Targets, *, lang: str) -> tuple[DimensionResult, ...]:
    """Judge every registered dimension, attach tips in ``lang``, and mark doubtful ones "uncertain"."""
    doubts = quality_checks(m, targets)
    return tuple(assess_one(dim, m, targets, lang=lang, doubts=doubts) for dim in dimensions.registered())


def quality_checks(m: MeasureSet, t: Targets) -> dict[str, Check]:
    """The checks of the figures' own reliability that failed, by reason (``UNCERTAIN_REASONS``).

    * ``separated_mono``: how often separations of mono mixes kept the agent's figures within
      tolerance (``quality.separation_reliability``), for a side separated from a mono mix;
    * ``second_voice``: share of the speech in a second voice, when the detector is confident
      there are two (``quality.second_voice_share``): every dimension then mixes two people;
    * ``little_speech``: speaking time (``quality.speech_s``);
    * ``low_coverage``: share of the detected speech the transcript covers (``quality.covered_ratio``);
    * ``low_confidence``: the recogniser's mean probability over the syllables the wording
      coach searched (``quality.transcript_confidence``; a script's own syllables are not doubted);
    * ``count_disagreement``: syllable nuclei counted in the signal over the transcript's
      syllables (``quality.acoustic_count_ratio``), from ``MIN_SYLLABLES_FOR_COUNT_CHECK`` syllables.
    """
    figures = {}
    reliability = getattr(m, "separation_reliability", None)  # a MeasureSet, or a call's CallFigures
    if reliability is not None and np.isfinite(reliability):
        figures["separated_mono"] = reliability
    if not isinstance(m, MeasureSet):  # a call's figures: only the separation is in doubt
        return _failed(figures, t)
    figures["little_speech"] = m.pace.speaking_time_s
    if m.voices is not None and m.voices.confident:  # only a confident detector speaks of a second voice
        figures["second_voice"] = m.voices.share_of_second_voice
    if m.coverage is not None:
        figures["low_coverage"] = m.coverage.covered_ratio
    if m.wording is not None and m.wording.n_chars and m.wording.source == "transcript":
        figures["low_confidence"] = m.wording.mean_probability
    if m.n_acoustic_syllables and m.pace.n_syllables >= MIN_SYLLABLES_FOR_COUNT_CHECK:
        figures["count_disagreement"] = m.n_acoustic_syllables / m.pace.n_syllables
    return _failed(figures, t)


def _failed(figures: dict[str, float], t: Targets) -> dict[str, Check]:
    """The quality checks of ``figures`` (reason -> value) that fall outside their bands."""
    out = {}
    for reason, value in figures.items():
        key = UNCERTAIN_REASONS[reason]
        c = check(key, value, t[key])
        if c is not None and not c.inside:
            out[reason] = c
    return out


def assess_one(dim, m, targets: Targets, *, lang: str, doubts: dict[str, Check] | None = None) -> DimensionResult:
    """Judge one registered dimension on its measures ``m`` (a MeasureSet, or a call's
    CallFigures), with its tip in ``lang``, made "uncertain" when one of its doubts holds."""
    doubts = quality_checks(m, targets) if doubts is None else doubts
    d = dim.assess(m, targets)
    t, rule = tip(d.name, d.verdict, lang)
    d = dataclasses.replace(d, tip=t if d.scored else "", rule=rule, note=d.note if d.measured else not_measured_note(d.note, lang))
    reason = _doubt(d, dim.doubted_by, m, doubts)
    if reason:
        d = make_uncertain(d, doubts[reason], reason, uncertain_note(reason, _note_params(reason, doubts[reason], m), lang))
    return d


def _doubt(d: DimensionResult, doubted_by: tuple[str, ...], m: MeasureSet, doubts: dict[str, Check]) -> str:
    """The reason ``d`` is uncertain ("" when it is not): the first of ``doubted_by`` found."""
    if not d.measured:
        return ""
    if "separated_mono" in doubts:  # every dimension, registered ones too: no verdict rests on a split mono call
        return "separated_mono"
    for reason in doubted_by:
        if reason not in doubts:
            continue
        if d.name == "pace" and reason in ("low_coverage", "count_disagreement") and m.count_source != "transcript":
            continue  # the script or the signal supplies the count, not the recogniser
        return reason
    return ""


def _note_params(reason: str, c: Check, m: MeasureSet) -> dict:
    if reason == "count_disagreement":
        return {"n": m.pace.n_syllables, "nuclei": m.n_acoustic_syllables}
    return {"value": c.value, "min": c.min if c.min is not None else float("nan")}  # an organisation may drop a min
