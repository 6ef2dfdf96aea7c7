"""Volume: active speech level (ITU-T P.56), level variation between phrases, clipping, noise.

The guide asks for a level that is audible without effort and not tiring, and blames a badly
placed microphone for breathing and typing noise. So volume is four figures: how loud the
speech is while it is active (P.56, dBov), how much it swings between phrases, whether it
clips, and how far it stands above the background (SNR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.audio.activity import Activity
from voicecoach.measures.p56 import ActiveLevel
from voicecoach.measures.segmentation import Span


@dataclass(frozen=True)
class PhraseLevel:
    """Level of one phrase.

    Attributes
    ----------
    index : int
        Phrase index.
    start_s, end_s : float
    level_dbov : float
        Mean power of the phrase's speech frames, dBov.
    """

    index: int
    start_s: float
    end_s: float
    level_dbov: float

    def to_dict(self) -> dict:
        return {"index": self.index, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "level_dbov": round(self.level_dbov, 2)}


@dataclass(frozen=True)
class LoudnessMeasures:
    """Volume of a recording.

    Attributes
    ----------
    active_level_dbov : float
        ITU-T P.56 active speech level, dBov.
    activity_ratio : float
        P.56 activity factor, 0..1.
    long_term_level_dbov : float
        RMS level over the whole file, dBov.
    phrase_levels : tuple of PhraseLevel
    level_variation_db : float
        Standard deviation of phrase levels, dB (NaN with fewer than 3 phrases).
    noise_floor_dbov : float
        Background level between words, dBov.
    snr_db : float
        Active level minus noise floor, dB.
    peak_dbfs : float
        Sample peak, dB re full scale.
    clipped_ratio : float
        Fraction of samples in clipped runs, 0..1.
    """

    active_level_dbov: float
    activity_ratio: float
    long_term_level_dbov: float
    phrase_levels: tuple[PhraseLevel, ...]
    level_variation_db: float
    noise_floor_dbov: float
    snr_db: float
    peak_dbfs: float
    clipped_ratio: float

    def to_dict(self) -> dict:
        f = lambda v, d=2: None if v is None or not np.isfinite(v) else round(float(v), d)  # noqa: E731
        return {
            "active_level_dbov": f(self.active_level_dbov),
            "activity_ratio": f(self.activity_ratio, 4),
            "long_term_level_dbov": f(self.long_term_level_dbov),
            "level_variation_db": f(self.level_variation_db),
            "noise_floor_dbov": f(self.noise_floor_dbov),
            "snr_db": f(self.snr_db),
            "peak_dbfs": f(self.peak_dbfs),
            "clipped_ratio": f(self.clipped_ratio, 6),
            "phrase_levels": [p.to_dict() for p in self.phrase_levels],
        }


def measure_loudness(
    activity: Activity,
    *,
    level: ActiveLevel,
    phrases: Sequence[Span],
    peak_dbfs: float,
    clipped_ratio: float,
    min_phrase_s: float = 0.3,
    background_known: bool = True,
) -> LoudnessMeasures:
    """Volume figures from the P.56 level, the activity track and the phrases.

    Parameters
    ----------
    activity : Activity
        Frame levels and the speech decision of the analysis audio.
    level : ActiveLevel
        P.56 result for the same audio.
    phrases : sequence of Span
    peak_dbfs : float
        Sample peak of the original samples, dBFS.
    clipped_ratio : float
        From the loader (measured on the original samples).
    min_phrase_s : float
        Phrases shorter than this are left out of the variation, s.
    background_known : bool
        False for a side separated from a mono mix: the other voice's frames were silenced
        there, so the background is not in the recording; noise floor and SNR are NaN.
    """
    levels = []
    for ph in phrases:
        if ph.duration_s < min_phrase_s:
            continue
        a, b = activity.frame_at(ph.start_s), activity.frame_at(ph.end_s) + 1
        sel = activity.is_speech[a:b]
        lv = activity.level_db[a:b][sel]
        lv = lv[np.isfinite(lv)]
        if len(lv):
            levels.append(PhraseLevel(ph.index, ph.start_s, ph.end_s, float(10 * np.log10(np.mean(10 ** (lv / 10))))))
    variation = float(np.std([p.level_dbov for p in levels], ddof=1)) if len(levels) >= 3 else float("nan")
    noise = activity.noise_floor_db if background_known else float("nan")
    return LoudnessMeasures(
        active_level_dbov=level.active_level_dbov,
        activity_ratio=level.activity_ratio,
        long_term_level_dbov=level.long_term_level_dbov,
        phrase_levels=tuple(levels),
        level_variation_db=variation,
        noise_floor_dbov=noise,
        snr_db=level.active_level_dbov - noise,
        peak_dbfs=peak_dbfs,
        clipped_ratio=clipped_ratio,
    )
