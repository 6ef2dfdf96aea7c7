"""Pace: spoken syllables per second, with and without pauses, per sentence and over time.

Definitions (de Jong & Wempe 2009, *Behavior Research Methods* 41(2)):

* speaking rate = syllables / speaking time, where speaking time is the speech span (first
  speech onset to last offset) minus gaps in which another channel was talking;
* articulation rate = syllables / phonation time, where phonation time is the speaking time
  minus the speaker's pauses (>= the minimum pause).

In Mandarin one character is one syllable; digits and letters are counted as read aloud
(see :mod:`voicecoach.recognize.textnorm`). Units: characters (syllables) per second, ``_cps``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.measures.pauses import Pause
from voicecoach.measures.segmentation import Span


@dataclass(frozen=True)
class SentencePace:
    """Pace of one sentence.

    Attributes
    ----------
    index : int
    start_s, end_s : float
    n_syllables : int
    rate_cps : float
        Syllables over the sentence's own duration (its short inner pauses included).
    """

    index: int
    start_s: float
    end_s: float
    n_syllables: int
    rate_cps: float

    def to_dict(self) -> dict:
        return {"index": self.index, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "n_syllables": self.n_syllables, "rate_cps": round(self.rate_cps, 3)}


@dataclass(frozen=True, eq=False)
class PaceMeasures:
    """Pace of a recording.

    Attributes
    ----------
    n_syllables : int
        Spoken syllables counted.
    speaking_time_s, phonation_time_s : float
        Denominators of the two rates, s.
    speaking_rate_cps : float
        Syllables per second, pauses included.
    articulation_rate_cps : float
        Syllables per second of phonation, pauses removed.
    sentences : tuple of SentencePace
    times_s : numpy.ndarray
        Centres of the sliding windows of the rate track, s.
    rate_track_cps : numpy.ndarray
        Speaking rate in each window, syllables/s (NaN where the window holds no speech).
    window_s : float
        Length of the sliding window, s.
    """

    n_syllables: int
    speaking_time_s: float
    phonation_time_s: float
    speaking_rate_cps: float
    articulation_rate_cps: float
    sentences: tuple[SentencePace, ...]
    times_s: np.ndarray
    rate_track_cps: np.ndarray
    window_s: float

    def to_dict(self) -> dict:
        return {
            "n_syllables": self.n_syllables,
            "speaking_time_s": round(self.speaking_time_s, 3),
            "phonation_time_s": round(self.phonation_time_s, 3),
            "speaking_rate_cps": round(self.speaking_rate_cps, 3),
            "articulation_rate_cps": round(self.articulation_rate_cps, 3),
            "sentences": [s.to_dict() for s in self.sentences],
            "track": {"window_s": self.window_s, "times_s": _r(self.times_s), "rate_cps": _r(self.rate_track_cps)},
        }


def _r(a: np.ndarray) -> list:
    return [None if not np.isfinite(v) else round(float(v), 3) for v in a]


def measure_pace(
    char_times_s: np.ndarray,
    *,
    span_s: tuple[float, float],
    pauses: Sequence[Pause],
    sentences: Sequence[Span],
    window_s: float = 10.0,
    hop_s: float = 1.0,
) -> PaceMeasures:
    """Speaking and articulation rate of a recording.

    Parameters
    ----------
    char_times_s : numpy.ndarray
        Centre time of each spoken syllable, s, shape (n,).
    span_s : (float, float)
        Speech span (first onset, last offset), s.
    pauses : sequence of Pause
        Pauses inside the span; ``listening`` ones are taken out of the speaking time.
    sentences : sequence of Span
        Sentence boundaries for the per-sentence rates.
    window_s : float
        Sliding window of the rate track, s (> 0).
    hop_s : float
        Hop of the rate track, s (> 0).

    Returns
    -------
    PaceMeasures
    """
    start, end = span_s
    inside = [p for p in pauses if p.end_s > start and p.start_s < end]
    listening = sum(_overlap(p, start, end) for p in inside if p.listening)
    own = sum(_overlap(p, start, end) for p in inside if not p.listening)
    speaking = max(end - start - listening, 0.0)
    phonation = max(speaking - own, 0.0)
    n = int(len(char_times_s))
    per_sentence = tuple(
        SentencePace(s.index, s.start_s, s.end_s, s.n_syllables, s.n_syllables / s.duration_s if s.duration_s > 0 else float("nan"))
        for s in sentences
    )
    times, track = _rate_track(np.asarray(char_times_s, float), start, end, [p for p in inside if p.listening], window_s, hop_s)
    return PaceMeasures(
        n_syllables=n,
        speaking_time_s=speaking,
        phonation_time_s=phonation,
        speaking_rate_cps=n / speaking if speaking > 0 else float("nan"),
        articulation_rate_cps=n / phonation if phonation > 0 else float("nan"),
        sentences=per_sentence,
        times_s=times,
        rate_track_cps=track,
        window_s=window_s,
    )


def _overlap(p: Pause, start: float, end: float) -> float:
    return max(0.0, min(p.end_s, end) - max(p.start_s, start))


def _rate_track(centres: np.ndarray, start: float, end: float, listening: list[Pause], window_s: float, hop_s: float) -> tuple[np.ndarray, np.ndarray]:
    duration = end - start
    if duration <= 0:
        return np.zeros(0), np.zeros(0)
    window = min(window_s, duration)
    times = np.arange(start + window / 2, end - window / 2 + 1e-9, hop_s) if duration > window else np.array([start + duration / 2])
    lo, hi = times - window / 2, times + window / 2
    sorted_c = np.sort(centres)
    counts = np.searchsorted(sorted_c, hi) - np.searchsorted(sorted_c, lo)
    talk = np.full(len(times), window)
    for p in listening:
        talk -= np.clip(np.minimum(p.end_s, hi) - np.maximum(p.start_s, lo), 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(talk > 0.25 * window, counts / talk, np.nan)
    return times, rate
