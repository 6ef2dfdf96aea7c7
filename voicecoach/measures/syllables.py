"""Acoustic syllable count: syllable nuclei from intensity peaks, with no recognition at all.

After de Jong & Wempe (2009), "Praat script to detect syllable nuclei and measure speech rate
automatically", *Behavior Research Methods* 41(2): a syllable nucleus is an intensity peak
that stands above a silence threshold (the 99th percentile minus ``silence_db``), is separated
from the previous peak by a dip of at least ``min_dip_db``, and is voiced. In Mandarin one
character is one syllable, so this count cross-checks the transcript's character count
without depending on recognition errors.

Calibrated on ../shared/audio (TTS with known counts and the real clips with a human or
documented transcript; benchmarks/results/accuracy.md): a 1 dB dip over a 50 ms power
average counts within 6 % of the true syllables on the median clip (mean bias -0.3 %), within
20 % on 85 % of clips; 2 dB (de Jong & Wempe's default for English) undercounts Mandarin by
10 %, whose syllables run into each other with shallower dips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio.activity import Activity
from voicecoach.measures.pitch import PitchTrack


@dataclass(frozen=True, eq=False)
class SyllableNuclei:
    """Detected nuclei.

    Attributes
    ----------
    times_s : numpy.ndarray
        Time of each nucleus, s.
    n_syllables : int
    """

    times_s: np.ndarray

    @property
    def n_syllables(self) -> int:
        return int(len(self.times_s))


def detect_nuclei(activity: Activity, pitch: PitchTrack, *, silence_db: float = 25.0, min_dip_db: float = 1.0, smooth_frames: int = 5) -> SyllableNuclei:
    """Find syllable nuclei.

    Parameters
    ----------
    activity : Activity
        10 ms level track.
    pitch : PitchTrack
        Voicing decides whether a peak is a vowel.
    silence_db : float
        Peaks more than this below the 99th-percentile level are ignored, dB.
    min_dip_db : float
        Required dip between consecutive peaks, dB.
    smooth_frames : int
        Power-domain moving average before peak picking, frames (10 ms each).
    """
    lv = np.where(np.isfinite(activity.level_db), activity.level_db, -np.inf)  # NaN: digital silence
    if len(lv) < 3:
        return SyllableNuclei(np.zeros(0))
    power = np.convolve(10 ** (lv / 10), np.ones(smooth_frames) / smooth_frames, mode="same")
    with np.errstate(divide="ignore"):
        db = 10 * np.log10(power)
    threshold = np.percentile(db, 99) - silence_db
    is_peak = (db[1:-1] > db[:-2]) & (db[1:-1] >= db[2:]) & (db[1:-1] > threshold)
    peaks = np.flatnonzero(is_peak) + 1
    kept: list[int] = []
    last_kept = None
    for p in peaks:
        if last_kept is None:
            kept.append(p)
            last_kept = p
            continue
        dip = db[last_kept:p + 1].min()
        if db[p] - dip >= min_dip_db:
            kept.append(p)
            last_kept = p
        elif db[p] > db[last_kept]:
            kept[-1] = p  # the same nucleus, its real top
            last_kept = p
    times = activity.times_s[np.array(kept, dtype=int)] if kept else np.zeros(0)
    if len(times) and len(pitch.times_s):
        idx = np.clip(np.searchsorted(pitch.times_s, times), 0, len(pitch.times_s) - 1)
        near = pitch.voiced[idx] | pitch.voiced[np.clip(idx - 1, 0, None)] | pitch.voiced[np.clip(idx + 1, None, len(pitch.voiced) - 1)]
        times = times[near]
    return SyllableNuclei(times)
