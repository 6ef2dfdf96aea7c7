"""How much of the detected speech the transcript accounts for.

A recogniser can return nothing for a stretch of speech (a decoding window that stops early,
a repetition loop that is cut away, speech it cannot make out). Every figure that counts
syllables (pace, drawl, articulation) then silently rests on part of the recording. This
module makes the gap visible: the *coverage* is the share of speech time that lies near a
recognised syllable, and the *unrecognised spans* are the stretches of speech with none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.audio.activity import Activity, runs

PAD_S = 0.25  # a syllable "covers" speech this close to its recognised span (token times are coarse)
MIN_SPAN_S = 0.4  # uncovered speech shorter than this is a breath, click or coarse timing, not lost words
MERGE_GAP_S = 0.3  # uncovered stretches closer than this are one span


@dataclass(frozen=True)
class UnrecognisedSpan:
    """A stretch of detected speech with no recognised syllable.

    Attributes
    ----------
    start_s, end_s : float
        Its bounds in the recording, s.
    speech_s : float
        Speech time inside it, s.
    """

    start_s: float
    end_s: float
    speech_s: float

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "speech_s": round(self.speech_s, 3)}


@dataclass(frozen=True)
class Coverage:
    """Share of speech the transcript covers.

    Attributes
    ----------
    speech_s : float
        Detected speech time, s.
    covered_ratio : float
        Speech time lying within ``PAD_S`` of a recognised syllable, over ``speech_s``, 0..1
        (NaN when there is no speech). Uncovered bits shorter than ``MIN_SPAN_S`` count as
        covered: they are breaths, clicks and coarse token times, not lost words.
    unrecognised : tuple of UnrecognisedSpan
        The uncovered stretches that do count.
    """

    speech_s: float
    covered_ratio: float
    unrecognised: tuple[UnrecognisedSpan, ...]

    @property
    def unrecognised_s(self) -> float:
        return float(sum(u.speech_s for u in self.unrecognised))

    def to_dict(self) -> dict:
        return {
            "speech_s": round(self.speech_s, 3),
            "covered_ratio": None if not np.isfinite(self.covered_ratio) else round(self.covered_ratio, 4),
            "unrecognised_s": round(self.unrecognised_s, 3),
            "unrecognised": [u.to_dict() for u in self.unrecognised],
        }


def covered_mask(activity: Activity, spans_s: Sequence[tuple[float, float]], *, pad_s: float = PAD_S) -> np.ndarray:
    """Frames of ``activity`` that lie within ``pad_s`` of one of the (start_s, end_s) spans."""
    n = len(activity.times_s)
    delta = np.zeros(n + 1, dtype=np.int32)
    for a, b in spans_s:
        i = max(0, activity.frame_at(a - pad_s))
        j = min(n, activity.frame_at(b + pad_s) + 1)
        if j > i:
            delta[i] += 1
            delta[j] -= 1
    return np.cumsum(delta[:n]) > 0


def uncovered_spans(activity: Activity, spans_s: Sequence[tuple[float, float]], *, pad_s: float = PAD_S, min_span_s: float = MIN_SPAN_S, merge_gap_s: float = MERGE_GAP_S) -> tuple[UnrecognisedSpan, ...]:
    """Stretches of speech not near any of ``spans_s`` holding at least ``min_span_s`` of speech."""
    speech = activity.is_speech & ~covered_mask(activity, spans_s, pad_s=pad_s)
    starts, ends = runs(speech)
    if len(starts) == 0:
        return ()
    gap = int(round(merge_gap_s / activity.frame_s))
    groups: list[list[int]] = [[int(starts[0]), int(ends[0])]]
    for s, e in zip(starts[1:], ends[1:]):
        if s - groups[-1][1] <= gap:
            groups[-1][1] = int(e)
        else:
            groups.append([int(s), int(e)])
    out = []
    for s, e in groups:
        speech_s = float(speech[s:e].sum() * activity.frame_s)
        if speech_s >= min_span_s:
            out.append(UnrecognisedSpan(float(s * activity.frame_s), float(e * activity.frame_s), speech_s))
    return tuple(out)


def measure_coverage(activity: Activity, spans_s: Sequence[tuple[float, float]]) -> Coverage:
    """Coverage of the detected speech by recognised syllables.

    Parameters
    ----------
    activity : Activity
        The recording's speech decision.
    spans_s : sequence of (start_s, end_s)
        Time spans of the recognised syllables, s.
    """
    speech_s = float(activity.is_speech.sum() * activity.frame_s)
    if speech_s <= 0:
        return Coverage(0.0, float("nan"), ())
    lost = uncovered_spans(activity, spans_s)
    lost_s = sum(u.speech_s for u in lost)
    return Coverage(speech_s, max(0.0, 1.0 - lost_s / speech_s), lost)
