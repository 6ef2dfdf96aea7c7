"""Trailing drawl (拉长尾音): is the last syllable before a pause dragged out?

In Mandarin the phrase-final syllable is normally the longest (Xu & Wang 2009), and how much
longer differs from speaker to speaker: a final 2.0 times a voice's typical syllable is habit
for one speaker and a drawl for another. So each phrase end is judged against what is usual at
phrase ends *for that speaker*:

* ``final_ratio``: the final syllable's duration over the speaker's typical syllable (the median
  non-final syllable, so a drawl does not lengthen its own yardstick);
* the speaker's usual phrase-final ratio: the median ``final_ratio`` of the *other* phrase ends
  of the same recording (a median, so one drawl does not shift it), once there are at least
  ``min_other_ends`` of them; taken at most ``max_usual_ratio``, so a speaker who drags every
  ending is still judged against a normal ending;
* flagged when ``final_ratio`` reaches ``relative_ratio`` times that usual ratio, and never
  below ``final_ratio`` (the rule's ``final_ratio`` threshold), which is also the whole rule
  when the recording has too few other ends to know the speaker's habit;
* and only when the syllable is voiced for at least ``voiced_share`` of its duration: a drawl
  is a dragged-out vowel, while long phrase ends in real speech are often breathy or noisy
  unvoiced tails.

The numbers are in the ``[drawl]`` targets, calibrated with folds that leave one voice out
(benchmarks/drawl_folds.py; table in benchmarks/results/drawl_folds.md). That table is also
what the rule does *not* do: on held-out voices it catches about three in four finals whose
vowel was stretched x2 (four in five at x3), not all of them, because doubling a vowel
lengthens the syllable by less than the spread of one speaker's natural phrase ends.

Every phrase end followed by a pause is measured, and the last syllable of the recording when
its decay is visible: at least ``end_quiet_s`` (50 ms) below the syllable's level before the
recording stops, as when an agent stops recording right after the last word. There the last
syllable is the last recognised character that holds a syllable in the signal (at least
``min_syllable_s`` from its start to where the level falls): hearing a dragged last vowel, the
recogniser may add words from context over the silence after it, or stack hallucinated words at
the recording's end; such characters are passed over, not taken for the final. A final whose
level never falls (speech runs on, or the recording is cut inside it) is still not judged.
Before a mid-recording pause the same passing-over (and bridging a gap the recogniser leaves
over a dragged vowel) measured the two stretched finals it hid, but also more natural ends,
and one of those lowered a voice's usual phrase end so that one more untouched end was flagged;
so it is not done there (benchmarks/results/drawl_rel.md, "Stretched finals the detector does
not measure").

The recogniser's timestamps are too coarse for this (20 ms steps, and the end of a token
before a pause is often placed inside the pause). The syllable's *end* is taken from the
signal: where the level falls more than ``tail_db`` below the syllable's peak (and below the
speaker's level minus ``tail_db`` and the silence threshold) and stays there for 0.1 s. The
*start* is the recogniser's. Moving it to nearby level dips (tried) made it worse, because
fricative initials put dips inside syllables; moving it back to where a steady voiced stretch
begins, when the recogniser put it inside the vowel (as it does when it hears a dragged vowel
as two syllables), caught one more x3-stretched final of 57 and also lengthened natural
finals with voiced initials, so it was left out. Measuring the final's steady voiced stretch
from the signal instead of the syllable (benchmarks/drawl_signal.py), or using it only to move a
split syllable's start back, did not raise the held-out figures of the same folds (at best
equal; benchmarks/results/drawl_folds.md, "Signal measures tried instead").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from voicecoach.audio.activity import Activity
from voicecoach.measures.pitch import PitchTrack
from voicecoach.measures.segmentation import Span, TimedChar


@dataclass(frozen=True)
class DrawlRule:
    """When a phrase end is a drawl: the ``[drawl]`` targets.

    Attributes
    ----------
    relative_ratio : float
        Flagged at this many times the speaker's usual phrase-final ratio (> 1).
    final_ratio : float
        Never flagged below this final ratio (final syllable over the typical syllable); the
        whole rule when the speaker's usual ratio is unknown.
    max_usual_ratio : float
        The speaker's usual phrase-final ratio is taken at most this long.
    min_other_ends : int
        Other measured phrase ends the recording needs before the speaker's own usual ratio is
        used (>= 1).
    voiced_share : float
        A flagged final is voiced for at least this share of its duration, 0..1: a drawl is a
        dragged-out vowel, while long phrase ends in real speech are often breathy or noisy
        unvoiced tails.
    """

    relative_ratio: float
    final_ratio: float
    max_usual_ratio: float
    min_other_ends: int
    voiced_share: float

    def thresholds(self, final_ratios: Sequence[float]) -> list[float]:
        """The final ratio at which each end of one recording is flagged (its voicing allowing)."""
        out = []
        for i in range(len(final_ratios)):
            usual = usual_final_ratio(final_ratios, i, min_other_ends=self.min_other_ends)
            out.append(self.final_ratio if not np.isfinite(usual) else max(self.final_ratio, self.relative_ratio * min(usual, self.max_usual_ratio)))
        return out

    def flags(self, final_ratios: Sequence[float], voiced_ratios: Sequence[float]) -> list[bool]:
        """Which ends of one recording are drawls, from their final and voiced ratios."""
        return [bool(r >= thr and v >= self.voiced_share * r) for r, v, thr in zip(final_ratios, voiced_ratios, self.thresholds(final_ratios))]


def usual_final_ratio(final_ratios: Sequence[float], i: int, *, min_other_ends: int) -> float:
    """The speaker's usual phrase-final ratio, for judging end ``i``: the median of the other
    ends' ratios, NaN when there are fewer than ``min_other_ends`` of them."""
    others = [r for j, r in enumerate(final_ratios) if j != i and np.isfinite(r)]
    return float(np.median(others)) if len(others) >= max(1, min_other_ends) else float("nan")


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
    usual_ratio : float
        The speaker's usual phrase-final ratio it was judged against (median of the other ends
        of the recording); NaN when the recording has too few other ends.
    threshold_ratio : float
        The final ratio at which it is flagged.
    flagged : bool
        ``final_ratio`` reached ``threshold_ratio`` and the syllable is voiced enough.
    at_recording_end : bool
        The last syllable of the recording (no pause after it, the recording stops).
    phrase_last_char : int
        The phrase's last recognised character: ``char_index`` unless characters after the final
        that hold no syllable in the signal were passed over (-1: not given).
    """

    phrase_index: int
    char_index: int
    text: str
    start_s: float
    end_s: float
    final_ratio: float
    voiced_ratio: float
    usual_ratio: float
    threshold_ratio: float
    flagged: bool
    at_recording_end: bool = False
    phrase_last_char: int = -1

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {
            "phrase_index": self.phrase_index, "char_index": self.char_index, "text": self.text,
            "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
            "duration_ms": round(self.duration_s * 1000, 1), "final_ratio": round(self.final_ratio, 3),
            "voiced_ratio": round(self.voiced_ratio, 3),
            "usual_ratio": round(self.usual_ratio, 3) if np.isfinite(self.usual_ratio) else None,
            "threshold_ratio": round(self.threshold_ratio, 3), "flagged": self.flagged,
            "at_recording_end": self.at_recording_end, "phrase_last_char": self.phrase_last_char,
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
        The speaker's usual phrase-final ratio over all measured ends (NaN if none).
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
    rule: DrawlRule,
    tail_db: float = 25.0,
    end_quiet_s: float = 0.05,
    min_syllable_s: float = 0.05,
) -> DrawlMeasures:
    """Measure every phrase-final syllable followed by a pause, and the recording's last one.

    Parameters
    ----------
    chars : sequence of Char-like
    phrases : sequence of Span
        With ``pause_after_s`` (0 = not followed by a pause) and signal-refined ``end_s``.
    activity : Activity
    pitch : PitchTrack
        Its voicing gives the voiced time inside each final syllable.
    typical_syllable_s : float
        The speaker's typical syllable duration, s (> 0).
    rule : DrawlRule
        When an end is flagged.
    tail_db : float
        The syllable ends where the level stays more than this many dB below its peak, dB.
    end_quiet_s : float
        The recording's last syllable is measured when at least this much of its decay is
        recorded below the end level, s.
    min_syllable_s : float
        A recognised character whose span holds less than this much syllable in the signal
        (from its start to where the level falls) is not a final syllable, s (> 0); at the
        recording's end the character before it is tried instead.
    """
    if typical_syllable_s <= 0 or not np.isfinite(typical_syllable_s):
        return DrawlMeasures(float("nan"), (), 0, 0.0, float("nan"))
    found = []
    phrase_start = np.full(len(chars), -np.inf)
    for ph in phrases:
        phrase_start[ph.first_char:ph.last_char + 1] = ph.start_s
    lowest = 0  # the first character after the previous measured phrase end
    for k, ph in enumerate(phrases):
        last_phrase = k == len(phrases) - 1
        if ph.pause_after_s <= 0 and not last_phrase:
            continue
        # The end is looked for up to the next speech (or the end of the recording): the pause
        # is part of the search, since the telephone-band speech decision ends a soft low tail
        # before the full-band level has fallen.
        until = activity.times_s[-1] if last_phrase else ph.end_s + ph.pause_after_s
        # At the recording's end only, characters that hold no syllable are passed over (mid-recording
        # this measured more natural ends and raised false flags: benchmarks/results/drawl_rel.md)
        candidates = range(ph.last_char, lowest - 1, -1) if last_phrase else range(ph.last_char, ph.last_char - 1, -1)
        hit = _final_syllable(chars, phrase_start, candidates, activity, until, tail_db,
                              at_recording_end=last_phrase, end_quiet_s=end_quiet_s, min_syllable_s=min_syllable_s)
        lowest = ph.last_char + 1
        if hit is None:
            continue
        i, start, end = hit
        inside = (pitch.times_s >= start) & (pitch.times_s <= end)
        voiced = float(pitch.voiced[inside].sum() * pitch.frame_s) / typical_syllable_s
        found.append((ph.index, i, float(start), float(end), (end - start) / typical_syllable_s, voiced, last_phrase and ph.pause_after_s <= 0, ph.last_char))
    ratios = [f[4] for f in found]
    flags = rule.flags(ratios, [f[5] for f in found])
    ends = tuple(
        PhraseEnd(p, i, chars[i].text, s, e, float(r), v, usual_final_ratio(ratios, n, min_other_ends=rule.min_other_ends), float(thr), flag, bool(last), int(j))
        for n, ((p, i, s, e, r, v, last, j), thr, flag) in enumerate(zip(found, rule.thresholds(ratios), flags))
    )
    n_flag = sum(e.flagged for e in ends)
    return DrawlMeasures(
        typical_syllable_ms=typical_syllable_s * 1000,
        ends=ends,
        n_flagged=n_flag,
        flagged_ratio=n_flag / len(ends) if ends else 0.0,
        median_final_ratio=float(np.median(ratios)) if ratios else float("nan"),
    )


def _final_syllable(chars: Sequence[TimedChar], phrase_start: np.ndarray, candidates: range, activity: Activity, until_s: float,
                    tail_db: float, *, at_recording_end: bool, end_quiet_s: float, min_syllable_s: float) -> tuple[int, float, float] | None:
    """The phrase's final syllable: (character index, start s, signal end s), or None.

    The first of ``candidates`` (character indices, last first) that holds a syllable in the
    signal: one whose span, from its start to where the level falls (:func:`_signal_end`), lasts
    at least ``min_syllable_s``. Characters that hold none lie over the final's decay or the
    silence (the recogniser filled the silence after a dragged vowel with words from context,
    or stacked hallucinated words at the recording's end) and are passed over. Where the level
    never falls (speech runs on, or the recording is cut inside the syllable), the end is not
    seen and nothing is measured.
    """
    for i in candidates:
        start = max(chars[i].start_s, phrase_start[i])
        end = _signal_end(activity, start, until_s, tail_db, at_recording_end=at_recording_end, end_quiet_s=end_quiet_s)
        if end is None:
            return None
        if end - start >= min_syllable_s:
            return i, float(start), float(end)
    return None


def _signal_end(activity: Activity, start_s: float, until_s: float, tail_db: float, *, at_recording_end: bool = False,
                end_quiet_s: float = 0.05, nucleus_s: float = 0.35, quiet_s: float = 0.1) -> float | None:
    """Where the final syllable ends: the level first falls more than ``tail_db`` below its
    nucleus peak (or below the speaker's speech level minus ``tail_db``, or below the silence
    threshold, whichever is highest) and stays there for ``quiet_s``; at the end of the
    recording, at least ``end_quiet_s`` until the recording stops will do.

    The nucleus peak is the loudest frame in the first ``nucleus_s`` after the onset. A click or
    breath after a quiet gap does not extend the syllable, nor does a faint tail far below the
    speaker's normal level. Returns None when the level never falls that far (noise, speech
    running on, or a recording cut inside the syllable): the end cannot be seen, so it is not
    judged.
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
    if len(hits):
        return float(activity.times_s[k_peak + hits[0]] - activity.frame_s / 2)
    if at_recording_end and b == len(db):
        # the recording stops soon after the last syllable: its decay is visible when the
        # level stays below the floor from some frame to the end, for at least end_quiet_s
        loud = np.flatnonzero(~quiet)
        tail = len(quiet) - (loud[-1] + 1 if len(loud) else 0)
        if tail * activity.frame_s >= end_quiet_s - 1e-9:
            return float(activity.times_s[k_peak + len(quiet) - tail] - activity.frame_s / 2)
    return None


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
