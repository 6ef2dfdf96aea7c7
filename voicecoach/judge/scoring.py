"""Compare measures with targets: a verdict and a 0-100 score per check and per dimension.

A check is one figure against one target band. Inside the band it scores 100; outside, the
score falls linearly to 0 at ``falloff`` beyond the edge. A dimension's score is its worst
check's score, and its verdict is that check's verdict ("within" when all are inside); that
check is the dimension's *deciding* figure, which every report shows beside the verdict. The
overall score is the weighted mean of the scored dimensions, weights from the targets file.

A dimension whose figure the analysis itself doubts (the transcript covers too little of the
speech, its syllable count disagrees with the signal's, too little speech) gets the verdict
"uncertain": its deciding figure is the quality check that failed, it has no score, and it
stays out of the overall score and the advice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from voicecoach.judge.targets import Target, Targets

UNCERTAIN = "uncertain"
NOT_MEASURED = "not_measured"

# verdict words for a quality figure below / above its band: outside these bands a dimension
# is "uncertain". A dimension's own figures have their words in its declaration
# (voicecoach.judge.dimensions, ``Dimension.checks``), passed in as ``Rubric.words``.
QUALITY_WORDS: dict[str, tuple[str, str]] = {
    "quality.covered_ratio": (UNCERTAIN, "within"),
    "quality.acoustic_count_ratio": (UNCERTAIN, UNCERTAIN),
    "quality.speech_s": (UNCERTAIN, "within"),
    "quality.transcript_confidence": (UNCERTAIN, "within"),
    "quality.separation_reliability": (UNCERTAIN, "within"),
}
DEFAULT_WORDS = ("too_low", "too_high")

# why a dimension is uncertain: reason code -> the quality check that found it
UNCERTAIN_REASONS = {"separated_mono": "quality.separation_reliability", "second_voice": "quality.second_voice_share", "low_coverage": "quality.covered_ratio", "count_disagreement": "quality.acoustic_count_ratio", "little_speech": "quality.speech_s",
                     "low_confidence": "quality.transcript_confidence"}


@dataclass(frozen=True)
class Rubric:
    """What judging one dimension needs to know of its declaration.

    Attributes
    ----------
    name : str
        The dimension.
    headline : str
        Target key of its headline figure.
    words : Mapping[str, tuple[str, str]]
        Target key -> verdict words for a value below / above its band.
    """

    name: str
    headline: str
    words: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """One figure against its target.

    Attributes
    ----------
    key : str
        Target key, e.g. ``"pace.speaking_rate_cps"``.
    value : float
    unit : str
    min, max : float or None
    score : float
        0..100.
    verdict : str
    """

    key: str
    value: float
    unit: str
    min: float | None
    max: float | None
    score: float
    verdict: str

    @property
    def inside(self) -> bool:
        """Whether the value lies inside its band (edges included)."""
        return (self.min is None or self.value >= self.min) and (self.max is None or self.value <= self.max)

    def to_dict(self) -> dict:
        return {"key": self.key, "value": _round(self.value), "unit": self.unit, "min": self.min, "max": self.max, "score": round(self.score, 1), "verdict": self.verdict}


@dataclass(frozen=True)
class Moment:
    """A point in the recording where something fell outside its target.

    Attributes
    ----------
    start_s, end_s : float
    kind : str
        ``"fast_sentence"``, ``"slow_sentence"``, ``"long_pause"``, ``"dead_air"``,
        ``"quiet_phrase"``, ``"monotone"``, ``"drawl"``, ``"unclear"``, ``"omitted"``,
        ``"added"``.
    text : str
        Transcript of that moment.
    value : float or None
        The figure that fell outside (rate, ratio, seconds...).
    unit : str
    """

    start_s: float
    end_s: float
    kind: str
    text: str
    value: float | None = None
    unit: str = ""

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "kind": self.kind, "text": self.text, "value": _round(self.value), "unit": self.unit}


@dataclass(frozen=True)
class DimensionResult:
    """One dimension of delivery judged against the targets.

    Attributes
    ----------
    name : str
        A registered dimension (voicecoach.judge.dimensions): pace, pauses, volume, pitch, articulation, drawl...
    figure : str
        Key of the headline figure (``"pace.speaking_rate_cps"``): the same figure on every
        recording, for comparing calls. The verdict may rest on another: see ``deciding``.
    value : float or None
        Headline value (None when not measured).
    unit : str
    target_min, target_max : float or None
        Band of the headline figure.
    verdict : str
        "within", "too_fast", "too_quiet", "flat", "drawled"..., "uncertain" or "not_measured".
    score : float or None
        0..100 (None when not measured or uncertain).
    checks : tuple of Check
        The dimension's own figures against their bands.
    moments : tuple of Moment
    tip : str
        Advice in the report's language.
    rule : str
        The guide rule the tip serves.
    note : str
        Why it was not measured or is uncertain (in the report's language), or a caveat.
    deciding : Check or None
        The figure that decided the verdict: the worst check when one is outside its band,
        the headline check when all are inside, the failed quality check when uncertain;
        None when not measured.
    reason : str
        Why the verdict is "uncertain": a key of ``UNCERTAIN_REASONS``; "" otherwise.
    """

    name: str
    figure: str
    value: float | None
    unit: str
    target_min: float | None
    target_max: float | None
    verdict: str
    score: float | None
    checks: tuple[Check, ...] = ()
    moments: tuple[Moment, ...] = ()
    tip: str = ""
    rule: str = ""
    note: str = ""
    deciding: Check | None = None
    reason: str = ""

    @property
    def measured(self) -> bool:
        """A figure was measured (it may still be uncertain)."""
        return self.verdict != NOT_MEASURED

    @property
    def scored(self) -> bool:
        """Judged against its targets: counts in the overall score and may head the advice."""
        return self.score is not None

    def to_dict(self) -> dict:
        return {
            "name": self.name, "figure": self.figure, "value": _round(self.value), "unit": self.unit,
            "target_min": self.target_min, "target_max": self.target_max, "verdict": self.verdict,
            "score": None if self.score is None else round(self.score, 1),
            "checks": [c.to_dict() for c in self.checks], "moments": [m.to_dict() for m in self.moments],
            "tip": self.tip, "rule": self.rule, "note": self.note,
            "deciding": None if self.deciding is None else self.deciding.to_dict(), "reason": self.reason,
        }


def _round(v):
    if v is None:
        return None
    v = float(v)
    return None if not np.isfinite(v) else round(v, 4)


def check(key: str, value: float, target: Target, words: tuple[str, str] | None = None) -> Check | None:
    """Score one figure against its band; None when the value is undefined.

    ``words`` name a value below / above the band (default: a quality figure's words, else
    "too_low"/"too_high").
    """
    if value is None or not np.isfinite(value):
        return None
    lo, hi = target.min, target.max
    falloff = target.falloff or (abs(hi - lo) if lo is not None and hi is not None else 1.0)
    below = lo is not None and value < lo
    above = hi is not None and value > hi
    distance = (lo - value) if below else (value - hi) if above else 0.0
    score = 100.0 * max(0.0, 1.0 - distance / falloff) if distance > 0 else 100.0
    low_word, high_word = words or QUALITY_WORDS.get(key, DEFAULT_WORDS)
    verdict = low_word if below else high_word if above else "within"
    return Check(key, float(value), target.unit, lo, hi, score, verdict)


def judge(rubric: Rubric, figures: dict[str, float], targets: Targets, moments: tuple[Moment, ...] = ()) -> DimensionResult:
    """Judge one dimension from its figures.

    Parameters
    ----------
    rubric : Rubric
        The dimension, its headline figure and its verdict words.
    figures : dict
        Target key -> measured value, for every figure that is checked.
    targets : Targets
    moments : tuple of Moment
    """
    name, headline = rubric.name, rubric.headline
    checks = tuple(c for k, v in figures.items() if (c := check(k, v, targets[k], rubric.words.get(k))) is not None)
    head = targets[headline]
    value = figures.get(headline)
    if not checks:
        return DimensionResult(name, headline, None, head.unit, head.min, head.max, NOT_MEASURED, None, (), moments)
    worst = min(checks, key=lambda c: c.score)
    if worst.score < 100:
        deciding, verdict = worst, worst.verdict
    else:  # all inside: the headline figure stands for them
        deciding, verdict = next((c for c in checks if c.key == headline), checks[0]), "within"
    return DimensionResult(name, headline, value, head.unit, head.min, head.max, verdict, worst.score, checks, moments, deciding=deciding)


def not_measured(rubric: Rubric, targets: Targets, reason: str) -> DimensionResult:
    head = targets[rubric.headline]
    return DimensionResult(rubric.name, rubric.headline, None, head.unit, head.min, head.max, NOT_MEASURED, None, note=reason)


def make_uncertain(result: DimensionResult, quality: Check, reason: str, note: str) -> DimensionResult:
    """The same figures, judged "uncertain" because ``quality`` fell outside its band.

    The moments are dropped with the verdict: a sentence flagged "too fast" on a count the
    analysis itself doubts would be advice that outruns its figure.

    Parameters
    ----------
    result : DimensionResult
        The dimension as judged on its figures.
    quality : Check
        The failed quality check (a ``quality.*`` key), shown as the deciding figure.
    reason : str
        A key of ``UNCERTAIN_REASONS``.
    note : str
        The reason in the report's language.
    """
    if reason not in UNCERTAIN_REASONS:
        raise ValueError(f"unknown reason {reason!r}; use one of {', '.join(UNCERTAIN_REASONS)}")
    return dataclasses.replace(result, verdict=UNCERTAIN, score=None, deciding=quality, reason=reason, note=note, tip="", moments=())


@dataclass(frozen=True)
class Overall:
    """The overall score.

    Attributes
    ----------
    score : float or None
        Weighted mean of the measured dimensions' scores, 0..100.
    weights : dict
        Weights used (renormalised over measured dimensions).
    """

    score: float | None
    weights: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"score": None if self.score is None else round(self.score, 1), "weights": {k: round(v, 4) for k, v in self.weights.items()}}


def overall(dimensions: tuple[DimensionResult, ...], targets: Targets) -> Overall:
    """Weighted mean of the scored dimensions (not measured and uncertain ones left out)."""
    measured = [d for d in dimensions if d.scored and targets.weights.get(d.name, 0) > 0]
    total = sum(targets.weights[d.name] for d in measured)
    if not measured or total <= 0:
        return Overall(None, {})
    weights = {d.name: targets.weights[d.name] / total for d in measured}
    return Overall(sum(weights[d.name] * d.score for d in measured), weights)

