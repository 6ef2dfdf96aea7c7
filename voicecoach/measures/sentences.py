"""Per-sentence figures: pace, pause before, level, pitch range, final drawl, confidence.

The trainer comparison and the QA store work sentence by sentence; this gathers, for each
sentence, the figures the whole-recording measures already computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.audio.activity import Activity
from voicecoach.measures.drawl import DrawlMeasures
from voicecoach.measures.pitch import ST_REF_HZ, PitchTrack, hz_to_st
from voicecoach.measures.segmentation import Span


@dataclass(frozen=True)
class SentenceDetail:
    """Figures of one sentence.

    Attributes
    ----------
    index : int
    start_s, end_s : float
    text : str
    n_syllables : int
    rate_cps : float
        Syllables over the sentence duration, syllables/s.
    pause_before_s : float
    level_dbov : float
        Mean power of its speech frames, dBov.
    pitch_median_hz : float
    pitch_range_st : float
        10-90 % range inside the sentence, semitones.
    final_ratio : float
        Drawl ratio of its last syllable (NaN when its end was not measured).
    mean_confidence : float
        Mean recognition probability of its syllables.
    """

    index: int
    start_s: float
    end_s: float
    text: str
    n_syllables: int
    rate_cps: float
    pause_before_s: float
    level_dbov: float
    pitch_median_hz: float
    pitch_range_st: float
    final_ratio: float
    mean_confidence: float

    def to_dict(self) -> dict:
        def f(v, d=3):
            return None if v is None or not np.isfinite(v) else round(float(v), d)

        return {
            "index": self.index, "start_s": f(self.start_s), "end_s": f(self.end_s), "text": self.text,
            "n_syllables": self.n_syllables, "rate_cps": f(self.rate_cps), "pause_before_s": f(self.pause_before_s),
            "level_dbov": f(self.level_dbov, 2), "pitch_median_hz": f(self.pitch_median_hz, 1),
            "pitch_range_st": f(self.pitch_range_st), "final_ratio": f(self.final_ratio), "mean_confidence": f(self.mean_confidence),
        }


def sentence_details(sentences: Sequence[Span], chars: Sequence, *, activity: Activity, pitch: PitchTrack, drawl: DrawlMeasures) -> tuple[SentenceDetail, ...]:
    """Collect per-sentence figures.

    Parameters
    ----------
    sentences : sequence of Span
    chars : sequence of Char-like (``probability``)
    activity : Activity
    pitch : PitchTrack
    drawl : DrawlMeasures
    """
    return tuple(
        span_detail(s.index, s.start_s, s.end_s, s.first_char, s.last_char, s.text, s.pause_before_s, chars, activity=activity, pitch=pitch, drawl=drawl)
        for s in sentences
    )


def span_detail(index: int, start_s: float, end_s: float, first_char: int, last_char: int, text: str, pause_before_s: float,
                chars: Sequence, *, activity: Activity, pitch: PitchTrack, drawl: DrawlMeasures) -> SentenceDetail:
    """Figures of any stretch of a recording given by its characters (a sentence, or the part of
    a trainee's take that matches one benchmark sentence)."""
    a, b = activity.frame_at(start_s), activity.frame_at(end_s) + 1
    lv = activity.level_db[a:b][activity.is_speech[a:b]]
    lv = lv[np.isfinite(lv)]
    level = float(10 * np.log10(np.mean(10 ** (lv / 10)))) if len(lv) else float("nan")
    sel = (pitch.times_s >= start_s) & (pitch.times_s <= end_s) & pitch.voiced
    f0 = pitch.f0_hz[sel]
    if len(f0) >= 5:
        st = hz_to_st(f0, ref_hz=ST_REF_HZ)
        p10, p90 = np.percentile(st, [10, 90])
        med, rng = float(np.median(f0)), float(p90 - p10)
    else:
        med = rng = float("nan")
    probs = [c.probability for c in chars[first_char:last_char + 1]]
    n = last_char - first_char + 1
    final = next((e.final_ratio for e in drawl.ends if last_char in (e.char_index, e.phrase_last_char)), float("nan"))
    return SentenceDetail(
        index=index, start_s=start_s, end_s=end_s, text=text, n_syllables=n,
        rate_cps=n / (end_s - start_s) if end_s > start_s else float("nan"),
        pause_before_s=pause_before_s, level_dbov=level, pitch_median_hz=med, pitch_range_st=rng,
        final_ratio=final, mean_confidence=float(np.mean(probs)) if probs else float("nan"),
    )
