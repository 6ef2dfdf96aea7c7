"""What a trainer comparison returns: differences, sentence pairs, ranked changes, the comparison."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from voicecoach.analysis import Analysis
from voicecoach.errors import safe_text
from voicecoach.judge.scoring import DimensionResult
from voicecoach.measures.sentences import SentenceDetail


@dataclass(frozen=True)
class Difference:
    """One figure of the trainee against the benchmark.

    Attributes
    ----------
    figure : str
        ``rate_cps``, ``pause_before_s``, ``level_dbov``, ``pitch_range_st``, ``final_ratio``,
        ``mean_confidence`` (or a whole-recording figure).
    trainee, benchmark : float
    unit : str
    delta : float
        trainee - benchmark (for rates: trainee / benchmark - 1).
    threshold : float
        The smallest difference a listener would notice (same scale as ``delta``).
    perceptible : bool
    direction : str
        ``faster``/``slower``, ``louder``/``quieter``, ``flatter``/``livelier``...
    """

    figure: str
    trainee: float
    benchmark: float
    unit: str
    delta: float
    threshold: float
    perceptible: bool
    direction: str

    @property
    def excess(self) -> float:
        """How many thresholds beyond audibility the difference goes (0 when not audible)."""
        return max(0.0, abs(self.delta) / self.threshold - 1.0) if self.perceptible else 0.0

    def to_dict(self) -> dict:
        return {k: _num(getattr(self, k)) for k in ("figure", "trainee", "benchmark", "unit", "delta", "threshold", "perceptible", "direction")}


@dataclass(frozen=True)
class SentencePair:
    """A benchmark sentence and the stretch of the trainee's take that matches it.

    Attributes
    ----------
    index : int
        Position in the comparison.
    status : str
        ``paired``, ``missing`` (the trainee did not say it) or ``extra`` (not in the benchmark).
    text : str
        The sentence (benchmark's words; the trainee's for extra ones).
    match_ratio : float
        Share of the sentence's syllables found in the trainee's take, 0..1.
    benchmark, trainee : SentenceDetail or None
    differences : tuple of Difference
    """

    index: int
    status: str
    text: str
    match_ratio: float
    benchmark: SentenceDetail | None
    trainee: SentenceDetail | None
    differences: tuple[Difference, ...] = ()

    def to_dict(self) -> dict:
        return {
            "index": self.index, "status": self.status, "text": self.text, "match_ratio": round(self.match_ratio, 3),
            "benchmark": self.benchmark.to_dict() if self.benchmark else None,
            "trainee": self.trainee.to_dict() if self.trainee else None,
            "differences": [d.to_dict() for d in self.differences],
        }


@dataclass(frozen=True)
class Change:
    """One of the few changes that would bring the trainee closest to the benchmark.

    Attributes
    ----------
    key : str
        ``say_missing``, ``slow_down``, ``speed_up``, ``pause_more``, ``pause_less``,
        ``speak_up``, ``speak_softer``, ``more_pitch``, ``shorter_endings``, ``articulate``.
    weight : float
        How much it matters (sum over sentences of the audible excess, by sentence length).
    tip : str
        What to do, in the report's language.
    sentences : tuple of int
        Pair indices where it matters most.
    """

    key: str
    weight: float
    tip: str
    sentences: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"key": self.key, "weight": round(self.weight, 3), "tip": self.tip, "sentences": list(self.sentences)}


@dataclass(frozen=True)
class OffTarget:
    """A figure on which the benchmark itself lies outside the guide's band (so the guide's band,
    not the benchmark, is the trainee's target there).

    Attributes
    ----------
    dimension : str
    key : str
        Target key of the figure.
    benchmark_value : float
        The benchmark's value (median over its takes), in the target's unit.
    guide_min, guide_max : float or None
        The guide's band.
    """

    dimension: str
    key: str
    benchmark_value: float
    guide_min: float | None
    guide_max: float | None

    def to_dict(self) -> dict:
        return {"dimension": self.dimension, "key": self.key, "benchmark_value": round(self.benchmark_value, 4),
                "guide_min": self.guide_min, "guide_max": self.guide_max}


@dataclass(frozen=True, eq=False)
class WordingDifference:
    """A wording rule the trainee breaks and the benchmark keeps (voicecoach.wording).

    Attributes
    ----------
    kind : str
        A flagged phrase's kind ("discouraged", "forbidden", "filler", "pet_phrase"), or
        "missing_line": a required line the benchmark says and the trainee leaves out.
    rule : str
        The rule id.
    heard : str
        What the trainee said ('' for a missing line).
    suggest : str
        What to say instead: the rule's suggestion, or the benchmark's own words.
    start_s, end_s : float or None
        The trainee's moment (None for a missing line).
    """

    kind: str
    rule: str
    heard: str
    suggest: str
    start_s: float | None = None
    end_s: float | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rule": self.rule, "heard": self.heard, "suggest": self.suggest, "start_s": _num(self.start_s), "end_s": _num(self.end_s)}


@dataclass(frozen=True)
class Comparison:
    """A trainee's take against a benchmark take.

    Attributes
    ----------
    trainee, benchmark : Analysis
    same_content : bool
        The two are the same script (content similarity above the threshold).
    content_similarity : float
        Share of the benchmark's syllables found, identical, in the trainee's take.
    pairs : tuple of SentencePair
    overall : tuple of Difference
        Whole-recording differences.
    changes : tuple of Change
        Ranked, at most four.
    matched : tuple of DimensionResult
        The trainee judged against the benchmark's own figures cut to the guide's bands
        ("match your trainer").
    time_map : numpy.ndarray
        Shape (k, 2): (trainee time, benchmark time) anchors of the content alignment, s.
    benchmarks : tuple of str
        All benchmark takes used (the first is the one sentences were paired with).
    lang : str
    benchmark_off_target : tuple of OffTarget
        Figures on which the benchmark itself is outside the guide's band.
    wording : tuple of WordingDifference
        Wording rules the trainee breaks and the benchmark keeps.
    """

    trainee: Analysis
    benchmark: Analysis
    same_content: bool
    content_similarity: float
    pairs: tuple[SentencePair, ...]
    overall: tuple[Difference, ...]
    changes: tuple[Change, ...]
    matched: tuple[DimensionResult, ...]
    time_map: np.ndarray
    benchmarks: tuple[str, ...] = field(default_factory=tuple)
    lang: str = "zh"
    benchmark_off_target: tuple[OffTarget, ...] = ()
    wording: tuple[WordingDifference, ...] = ()

    def to_benchmark_time(self, t_s: np.ndarray) -> np.ndarray:
        """Trainee times mapped onto the benchmark's time axis (piecewise linear)."""
        if len(self.time_map) < 2:
            return np.asarray(t_s, float)
        return np.interp(t_s, self.time_map[:, 0], self.time_map[:, 1])

    def to_dict(self) -> dict:
        from voicecoach import __version__

        return {
            "schema": "voicecoach.comparison", "schema_version": "1.0", "tool": {"name": "voicecoach", "version": __version__},
            # file names, not paths of this machine (as in report.json)
            "trainee": {"path": _file_name(self.trainee.loaded.source.path), "summary": self.trainee.to_dict()["summary"]},
            "benchmark": {"path": _file_name(self.benchmark.loaded.source.path), "summary": self.benchmark.to_dict()["summary"]},
            "benchmarks": [_file_name(b) for b in self.benchmarks], "lang": self.lang,
            "same_content": self.same_content, "content_similarity": round(self.content_similarity, 4),
            "pairs": [p.to_dict() for p in self.pairs], "overall": [d.to_dict() for d in self.overall],
            "changes": [c.to_dict() for c in self.changes], "matched": [d.to_dict() for d in self.matched],
            "benchmark_off_target": [o.to_dict() for o in self.benchmark_off_target],
            "wording": [w.to_dict() for w in self.wording],
        }


def _num(v):
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else round(float(v), 4)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _file_name(path: str) -> str:
    """A recording's file name for the comparison's JSON (no folders; undecodable bytes as U+FFFD)."""

    return safe_text(os.path.basename(path))
