"""Articulation: how sure the recogniser was of each syllable, and where speech is hard to follow.

The guide asks agents to pronounce every word clearly; customers who miss a word mostly do not
ask again. A recogniser's per-syllable confidence is a cheap proxy for how easy a stretch is to
understand. Stretches of low confidence are flagged with their likely cause when the signal
shows one: low level (mumbling, turned away from the microphone), noise, clipping, or speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.audio import CLIP_LEVEL, Audio
from voicecoach.audio.activity import Activity, runs


@dataclass(frozen=True)
class UnclearStretch:
    """A run of syllables the recogniser was unsure of.

    Attributes
    ----------
    first_char, last_char : int
        Inclusive character indices.
    start_s, end_s : float
    text : str
    mean_probability : float
    causes : tuple of str
        Any of ``"low_level"``, ``"noise"``, ``"clipping"``, ``"fast"``; empty when the signal
        shows no reason (mumbling, an unusual word, or a recognition error).
    """

    first_char: int
    last_char: int
    start_s: float
    end_s: float
    text: str
    mean_probability: float
    causes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "first_char": self.first_char, "last_char": self.last_char, "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3), "text": self.text, "mean_probability": round(self.mean_probability, 3),
            "causes": list(self.causes),
        }


@dataclass(frozen=True)
class ArticulationMeasures:
    """Recognition confidence of a recording.

    Attributes
    ----------
    mean_confidence : float
        Mean per-syllable probability, 0..1.
    low_confidence_ratio : float
        Share of syllables below the confidence threshold, 0..1.
    stretches : tuple of UnclearStretch
    """

    mean_confidence: float
    low_confidence_ratio: float
    stretches: tuple[UnclearStretch, ...]

    def to_dict(self) -> dict:
        return {
            "mean_confidence": round(self.mean_confidence, 4),
            "low_confidence_ratio": round(self.low_confidence_ratio, 4),
            "stretches": [s.to_dict() for s in self.stretches],
        }


def measure_articulation(
    chars: Sequence,
    *,
    audio: Audio,
    activity: Activity,
    articulation_rate_cps: float,
    low_probability: float,
    min_stretch_syllables: int = 2,
    low_level_db: float = 10.0,
    min_snr_db: float = 15.0,
    fast_factor: float = 1.3,
) -> ArticulationMeasures:
    """Flag stretches of low recognition confidence and explain them from the signal.

    Parameters
    ----------
    chars : sequence of Char-like
        With ``probability``, ``start_s``, ``end_s``, ``text``.
    audio : Audio
    activity : Activity
    articulation_rate_cps : float
        The speaker's articulation rate, syllables/s.
    low_probability : float
        A syllable below this confidence is unclear, 0..1.
    min_stretch_syllables : int
        Shortest flagged run (single-syllable gaps of good confidence are bridged).
    low_level_db : float
        A stretch this much below the speaker's speech level is "low_level", dB.
    min_snr_db : float
        A stretch closer than this to the noise floor is "noise", dB.
    fast_factor : float
        A stretch faster than this times the articulation rate is "fast".
    """
    if not len(chars):
        return ArticulationMeasures(float("nan"), 0.0, ())
    prob = np.array([c.probability for c in chars], float)
    low = prob < low_probability
    bridged = low.copy()
    bridged[1:-1] |= low[:-2] & low[2:]  # bridge one good syllable between two bad ones
    stretches = []
    for s, e in zip(*runs(bridged)):
        if e - s < min_stretch_syllables:
            continue
        start, end = chars[s].start_s, chars[e - 1].end_s
        stretches.append(UnclearStretch(
            int(s), int(e - 1), float(start), float(end), "".join(c.text for c in chars[s:e]),
            float(prob[s:e].mean()), _causes(audio, activity, start, end, e - s, articulation_rate_cps, low_level_db, min_snr_db, fast_factor),
        ))
    return ArticulationMeasures(float(prob.mean()), float(low.mean()), tuple(stretches))


def _causes(audio: Audio, activity: Activity, start: float, end: float, n: int, rate: float, low_level_db: float, min_snr_db: float, fast_factor: float) -> tuple[str, ...]:
    causes = []
    a, b = activity.frame_at(start), activity.frame_at(end) + 1
    lv = activity.level_db[a:b]
    lv = lv[np.isfinite(lv) & activity.is_speech[a:b]]
    if len(lv):
        level = 10 * np.log10(np.mean(10 ** (lv / 10)))
        if level < activity.speech_level_db - low_level_db:
            causes.append("low_level")
        if level - activity.noise_floor_db < min_snr_db:
            causes.append("noise")
    seg = audio.slice_s(start, end)
    if len(seg) and np.mean(np.abs(seg) >= CLIP_LEVEL) > 0.001:
        causes.append("clipping")
    if end > start and np.isfinite(rate) and n / (end - start) > fast_factor * rate and n >= 3:
        causes.append("fast")
    return tuple(causes)
