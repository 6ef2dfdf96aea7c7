"""Trailing drawl (拉长尾音): is the last syllable before a pause dragged out?

In Mandarin the phrase-final syllable is normally the longest (Xu & Wang 2009), so some
lengthening is normal; a drawl is lengthening well beyond the speaker's own habit. For each
phrase end that is followed by a pause (or ends the recording) we measure the final
syllable's duration and divide it by the speaker's typical syllable duration
and flag it when that ratio reaches ``drawl.final_ratio`` *and* the syllable is voiced for at
least ``drawl.voiced_ratio`` typical syllables: a drawl is a dragged-out vowel, while long
phrase ends in real speech are mostly breathy or noisy unvoiced tails (calibrated on
../shared/audio: the duration rule alone flagged 1.5 ends per minute of unmodified real
speech, the pair flags none, and still catches every stretched end).

The recogniser's timestamps are too coarse for this (20 ms steps, and the end of a token
before a pause is often placed inside the pause). The syllable's *end* is taken from the
signal: the last frame, before the pause, whose level is within ``tail_db`` of the
syllable's peak and above the silence threshold. The *start* is the recogniser's: on the TTS
drawl set it is consistent to +-0.08 s, and moving it to nearby level dips (tried) made it
worse, because fricative initials put dips inside syllables.

The yardstick is the median duration of the *non-final* syllables (recogniser timings), so a
speaker who drawls every ending does not lengthen their own yardstick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.measures.activity import Activity
from voicecoach.measures.pitch import PitchTrack
from voicecoach.segmentation import Span, TimedChar


@dataclass(frozen=True)
class PhraseEnd:
    """The final syllable of one phrase.

    Attributes
    ----------
    phrase_index : int
    char_index : int
        Index of the final syllable in the character sequence.
    text : str
        The final syllable.
    start_s, end_s : float
        Its span, s (signal-refined).
    final_ratio : float
        Duration over the speaker's typical syllable duration.
    voiced_ratio : float
        Voiced time inside the syllable over the typical syllable duration.
    flagged : bool
        Both ratios reached their drawl thresholds.
    """

    phrase_index: int
    char_index: int
    text: str
    start_s: float
    end_s: float
    final_ratio: float
    voiced_ratio: float
    flagged: bool

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {
            "phrase_index": self.phrase_index, "char_index": self.char_index, "text": self.text,
            "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
            "duration_ms": round(self.duration_s * 1000, 1), "final_ratio": round(self.final_ratio, 3),
            "voiced_ratio": round(self.voiced_ratio, 3), "flagged": self.flagged,
        }


@dataclass(frozen=True)
class DrawlMeasures:
    """Phrase-final lengthening of a recording.

    Attributes
    ----------
    typical_syllable_ms : float
        The speaker's typical syllable duration, ms.
    ends : tuple of PhraseEnd
    n_flagged : int
    flagged_ratio : float
        Share of phrase ends flagged, 0..1.
    median_final_ratio : float
    """

    typical_syllable_ms: float
    ends: tuple[PhraseEnd, ...]
    n_flagged: int
    flagged_ratio: float
    median_final_ratio: float

    def to_dict(self) -> dict:
        return {
            "typical_syllable_ms": round(self.typical_syllable_ms, 1),
            "n_ends": len(self.ends), "n_flagged": self.n_flagged,
            "flagged_ratio": round(self.flagged_ratio, 4),
            "median_final_ratio": None if not np.isfinite(self.median_final_ratio) else round(self.median_final_ratio, 3),
            "ends": [e.to_dict() for e in self.ends],
        }


def measure_drawl(
    chars: Sequence[TimedChar],
    phrases: Sequence[Span],
    activity: Activity,
    pitch: PitchTrack,
    *,
    typical_syllable_s: float,
    final_ratio_threshold: float,
    voiced_ratio_threshold: float,
    tail_db: float = 25.0,
) -> DrawlMeasures:
    """Measure every phrase-final syllable that is followed by a pause.

    Parameters
    ----------
    chars : sequence of Char-like
    phrases : sequence of Span
        With ``pause_after_s`` (0 = not followed by a pause) and signal-refined ``end_s``.
    activity : Activity
    pitch : PitchTrack
        Its voicing tells a sustained (voiced) vowel from a breathy or noisy tail.
    typical_syllable_s : float
        The speaker's typical syllable duration, s (> 0).
    final_ratio_threshold : float
        Duration ratio at or above which an end may be a drawl.
    voiced_ratio_threshold : float
        Voiced-time ratio the end must also reach: a drawl is a dragged-out *voiced* vowel.
    tail_db : float
        The syllable ends at the last frame within this many dB of its peak, dB.
    """
    ends: list[PhraseEnd] = []
    if typical_syllable_s <= 0 or not np.isfinite(typical_syllable_s):
        return DrawlMeasures(float("nan"), (), 0, 0.0, float("nan"))
    for k, ph in enumerate(phrases):
        last_phrase = k == len(phrases) - 1
        if ph.pause_after_s <= 0 and not last_phrase:
            continue
        i = ph.last_char
        start = max(chars[i].start_s, ph.start_s)
        # The end is looked for up to the next speech (or the end of the recording): the pause
        # is part of the search, since the telephone-band speech decision ends a soft low tail
        # before the full-band level has fallen.
        until = activity.times_s[-1] if last_phrase else ph.end_s + ph.pause_after_s
        end = _signal_end(activity, start, until, tail_db)
        if end is None or end - start < 0.03:
            continue
        ratio = (end - start) / typical_syllable_s
        inside = (pitch.times_s >= start) & (pitch.times_s <= end)
        voiced = float(pitch.voiced[inside].sum() * pitch.frame_s) / typical_syllable_s
        flagged = ratio >= final_ratio_threshold and voiced >= voiced_ratio_threshold
        ends.append(PhraseEnd(ph.index, i, chars[i].text, float(start), float(end), float(ratio), voiced, bool(flagged)))
    n_flag = sum(e.flagged for e in ends)
    return DrawlMeasures(
        typical_syllable_ms=typical_syllable_s * 1000,
        ends=tuple(ends),
        n_flagged=n_flag,
        flagged_ratio=n_flag / len(ends) if ends else 0.0,
        median_final_ratio=float(np.median([e.final_ratio for e in ends])) if ends else float("nan"),
    )


def _signal_end(activity: Activity, start_s: float, until_s: float, tail_db: float, *, nucleus_s: float = 0.35, quiet_s: float = 0.1) -> float | None:
    """Where the final syllable ends: the level first falls more than ``tail_db`` below its
    nucleus peak (or below the speaker's speech level minus ``tail_db``, or below the silence
    threshold, whichever is highest) and stays there for ``quiet_s``.

    The nucleus peak is the loudest frame in the first ``nucleus_s`` after the onset. A click or
    breath after a quiet gap does not extend the syllable, nor does a faint tail far below the
    speaker's normal level. Returns None when the level never
    falls that far for ``quiet_s`` before ``until_s`` (noise, or speech running on): the end
    cannot be seen, so it is not judged.
    """
    db = np.nan_to_num(activity.smooth_db, nan=-200.0)
    a = activity.frame_at(start_s)
    b = min(len(db), activity.frame_at(until_s) + 1)
    peak_end = max(a + 1, min(b, activity.frame_at(min(start_s + nucleus_s, until_s)) + 1))
    if b - a < 3:
        return None
    k_peak = a + int(np.argmax(db[a:peak_end]))
    floor = max(db[k_peak] - tail_db, activity.speech_level_db - tail_db, activity.threshold_at(start_s))
    quiet = db[k_peak:b] < floor
    need = max(1, int(round(quiet_s / activity.frame_s)))
    run = np.convolve(quiet.astype(int), np.ones(need, int), mode="valid")  # run[k] = quiet frames in k..k+need-1
    hits = np.flatnonzero(run == need)
    if len(hits) == 0:
        return None
    return float(activity.times_s[k_peak + hits[0]] - activity.frame_s / 2)


def typical_syllable_s(chars: Sequence[TimedChar], phrases: Sequence[Span], *, fallback_s: float) -> float:
    """The speaker's typical syllable duration: median length of the non-final syllables, s.

    Phrase-final syllables are left out, so a drawl cannot inflate its own yardstick. With
    fewer than five non-final syllables, ``fallback_s`` (phonation time / syllables) is used.
    """
    finals = {p.last_char for p in phrases}
    durations = [c.end_s - c.start_s for i, c in enumerate(chars) if i not in finals and c.end_s > c.start_s]
    if len(durations) < 5:
        return fallback_s
    return float(np.median(durations))
