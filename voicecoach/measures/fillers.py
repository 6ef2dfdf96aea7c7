"""Filled pauses (嗯, 呃, 额, 啊 said while thinking), from the transcript and from the signal.

The recogniser deletes many filled pauses, so they are looked for twice:

* **transcript**: a recognised 嗯/呃/额/啊 standing alone: a pause or punctuation on at least
  one side for 嗯/呃, which are rarely anything but hesitations; on both sides for 啊, also a
  sentence-final particle ("不同啊，" is not a filler), and for 额, also a morpheme of words a
  call centre says all the time (金额，额度);
* **signal**: a voiced stretch of at least ``min_s`` where no recognised syllable lies, whose
  pitch is flat (small 10-90 % range and slope), whose spectrum hardly changes (a held vowel or
  nasal, not a sequence of syllables), and which is speech-like: at least ``min_harmonics``
  harmonics stand out of the spectrum (a ring-back tone or a pure tone has one or two), its F0
  wobbles like a voice (an electronic hum or a synthesiser note is steadier than any larynx),
  and it lies within ``context_s`` of recognised speech (hold music far from any word is not a
  hesitation); or such a stretch under a word the recogniser spread over a filler (:func:`_grown`).
  Within those limits a logistic score over its figures decides (:mod:`~voicecoach.measures.filler_model`).

Where the two overlap they are one moment, of source "transcript". Pitch and the speech/silence
decision are the ones the measure stage already made (:mod:`voicecoach.measures.pitch`,
:mod:`voicecoach.audio.activity`); only the candidate stretches get a spectrum of their own.

The score's weights and threshold are the ones benchmarks/fillers.py fitted on every source of
../shared/audio (real clips with filled pauses inserted, untouched TTS and an English call) by
the procedure its leave-one-source-out folds validated; its held-out figures are what a user
gets (benchmarks/results/fillers.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from voicecoach.audio import Audio
from voicecoach.audio.activity import Activity, runs
from voicecoach.measures.filler_frames import close_gaps, median_st, room_s, within
from voicecoach.measures.filler_model import SHIPPED, FillerModel
from voicecoach.measures.filler_spectrum import spectral_figures
from voicecoach.measures.pitch import ST_REF_HZ, PitchTrack, hz_to_st
from voicecoach.measures.syllables import detect_nuclei

FILLER_CHARS = frozenset("嗯呃额啊")
"""Recognised syllables that are filled pauses when they stand alone."""
_PARTICLE = frozenset("啊额")
"""Fillers that are also a particle or part of a word (啊, 金额): a pause is needed on both sides."""


@dataclass(frozen=True)
class FillerRule:
    """What makes a filled pause (every default held once, here).

    Attributes
    ----------
    min_s : float
        Shortest signal filler, s (voiced, outside recognised syllables).
    cut_st : float
        F0 change over 30 ms at which a voiced run is cut into candidates, semitones.
    cut_median : int
        Frames of the running median F0 is smoothed with before that cut (odd; 1: none), so a
        one-frame pitch error does not cut a held sound in two.
    whole_runs : bool
        Also offer each voiced run so cut, uncut (a real 嗯 may rise 2 st and fall 4 st within 0.15 s).
    max_range_st : float
        Largest 10-90 % F0 range inside it, semitones (with ``model``, a loose outer limit).
    max_slope_st_per_s : float
        Largest absolute F0 slope (least squares), semitones per second.
    max_change_db : float
        Largest spectral change: median over frames of the mean absolute change of 16 band
        levels (100-3400 Hz, each frame's mean removed, so a change of level is not one of
        shape) across 20 ms, dB.
    min_harmonics : int
        Harmonics of F0 (below 3.4 kHz) standing >= 6 dB above the valleys beside them.
    min_jitter_st : float
        Smallest median frame-to-frame F0 change, semitones (a voice is never perfectly steady).
    context_s : float
        A signal filler lies within this of a recognised syllable, s.
    smooth : bool
        Hold ``max_range_st`` to the F0 range round its straight-line fit, not the plain range (a
        smooth fall within ``max_slope_st_per_s`` passes: a real 嗯 may fall 3 st in 0.3 s).
    min_spread : float
        Median syllables of recognised time a one-nucleus stretch under them (:func:`_grown`) lies over.
    pause_s : float
        Gap to the next recognised syllable that counts as a pause around a transcript filler, s.
    model : FillerModel or None
        A score a candidate within the limits must also reach (:mod:`~voicecoach.measures.filler_model`); None: limits alone.
    """

    min_s: float = 0.2
    cut_st: float = 1.0
    cut_median: int = 3
    max_range_st: float = 4.0
    max_slope_st_per_s: float = 12.0
    max_change_db: float = 3.5
    min_harmonics: int = 3
    min_jitter_st: float = 0.01
    context_s: float = 3.0
    pause_s: float = 0.15
    smooth: bool = False
    min_spread: float = 1.5
    whole_runs: bool = False
    model: FillerModel | None = SHIPPED


@dataclass(frozen=True)
class FilledPause:
    """One filled pause.

    Attributes
    ----------
    start_s, end_s : float
        Its span in the recording, s.
    source : str
        "signal" (found in the signal only) or "transcript" (recognised; the signal may agree).
    text : str
        The recognised text, "" for a signal-only one.
    confidence : float
        0..1: the recogniser's probability for a transcript one; for a signal one, how far its
        score lies above the rule's threshold (0.5 at it, 1 at certainty; without a model, how far
        its figures lie inside the limits).
    """

    start_s: float
    end_s: float
    source: str
    text: str
    confidence: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "source": self.source,
                "text": self.text, "confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class FilledPauses:
    """The filled pauses of a recording.

    Attributes
    ----------
    moments : tuple of FilledPause
        In time order.
    speech_min : float
        Speaking time they are counted over, minutes (frames decided as speech).
    per_min : float
        ``len(moments) / speech_min``; NaN without speech.
    signal_count : int
        Moments found in the signal only.
    transcript_count : int
        Moments the recogniser wrote (whether or not the signal found them too);
        ``signal_count + transcript_count == len(moments)``.
    """

    moments: tuple[FilledPause, ...]
    speech_min: float
    per_min: float
    signal_count: int
    transcript_count: int

    def to_dict(self) -> dict:
        return {"n_filled_pauses": len(self.moments), "per_min": None if not np.isfinite(self.per_min) else round(self.per_min, 3),
                "speech_min": round(self.speech_min, 3), "signal_count": self.signal_count, "transcript_count": self.transcript_count,
                "moments": [m.to_dict() for m in self.moments]}


@dataclass(frozen=True)
class Candidate:
    """A voiced stretch (outside recognised syllables, or one held sound under them) and its figures, before the rule.

    ``range_st``, ``slope_st_per_s``: F0 10-90 % range and slope; ``change_db``: spectral change;
    ``n_harmonics``; ``jitter_st``: median frame-to-frame F0 change; ``context_s``: distance to
    the nearest recognised syllable, s (inf without any); ``spread``: the median syllables of
    recognised time over a stretch found under them (0 outside); ``curve_st``: F0's 10-90 %
    range round its straight-line fit; ``voiced_share``: its pitched frames' share; ``level_db``:
    its level relative to the speech within 1 s of it; ``pitch_st``: its median F0 relative to the
    recording's; ``pause_touch``: it borders a pause (mostly silence within 0.15 s of one end).
    """

    start_s: float
    end_s: float
    range_st: float
    slope_st_per_s: float
    change_db: float
    n_harmonics: int
    jitter_st: float
    context_s: float
    spread: float = 0.0
    curve_st: float = float("inf")
    voiced_share: float = 1.0
    level_db: float = 0.0
    pitch_st: float = 0.0
    pause_touch: bool = False

    def passes(self, rule: FillerRule) -> bool:
        return (self.end_s - self.start_s >= rule.min_s and (self.curve_st if rule.smooth else self.range_st) <= rule.max_range_st
                and abs(self.slope_st_per_s) <= rule.max_slope_st_per_s and self.change_db <= rule.max_change_db
                and self.n_harmonics >= rule.min_harmonics and self.jitter_st >= rule.min_jitter_st
                and self.context_s <= rule.context_s and (self.spread == 0.0 or self.spread >= rule.min_spread)
                and (rule.model is None or rule.model.score(self) >= rule.model.min_score))

    def confidence(self, rule: FillerRule) -> float:
        if rule.model is not None:
            return float(np.clip(0.5 + 0.5 * (rule.model.score(self) - rule.model.min_score) / max(1 - rule.model.min_score, 1e-9), 0.0, 1.0))
        margins = [1 - (self.curve_st if rule.smooth else self.range_st) / rule.max_range_st,
                   1 - abs(self.slope_st_per_s) / rule.max_slope_st_per_s, 1 - self.change_db / rule.max_change_db]
        return float(np.clip(0.5 + 0.5 * min(margins), 0.0, 1.0))


def transcript_fillers(chars: Sequence, *, pause_s: float) -> list[FilledPause]:
    """Recognised 嗯/呃/额/啊 that stand alone (see the module docstring)."""
    out = []
    for i, c in enumerate(chars):
        if c.text not in FILLER_CHARS:
            continue
        before = i == 0 or bool(chars[i - 1].punct_after) or c.start_s - chars[i - 1].end_s >= pause_s or chars[i - 1].text in FILLER_CHARS
        after = i == len(chars) - 1 or bool(c.punct_after) or chars[i + 1].start_s - c.end_s >= pause_s or chars[i + 1].text in FILLER_CHARS
        if (before and after) if c.text in _PARTICLE else (before or after):
            out.append(FilledPause(float(c.start_s), float(c.end_s), "transcript", c.text, float(np.clip(c.probability, 0, 1))))
    return out


_SYLLABLE_S = 0.1
"""Speech a stretched syllable must keep outside a filler found under it, s."""
_REACH_S = 0.3
"""How far from a filler that syllable's sound may lie, s (the recogniser's times are rough)."""


def signal_candidates(audio: Audio, *, activity: Activity, pitch_track: PitchTrack, chars: Sequence, min_s: float,
                      cut_st: float, cut_median: int, whole_runs: bool) -> list[Candidate]:
    """Voiced speech stretches of at least ``min_s`` where no recognised syllable lies, with their figures.

    The recogniser often stretches a neighbouring syllable over a filler it deleted ("出"
    timed 0.90-1.48 s over a 0.34 s 呃 and its own 0.24 s). So a syllable more than twice the
    recording's median syllable (and over 0.4 s) does not hide what lies under it; but a stretch
    there must leave at least ``_SYLLABLE_S`` of speech near it (within ``_REACH_S``, in no other
    syllable) for that syllable to be. Voiced runs are cut where F0 (its running median over
    ``cut_median`` frames) moves faster than ``cut_st`` per 30 ms (a tone's contour, or the jump to
    the next voice), so a flat stretch is measured apart from the syllable it touches; with
    ``whole_runs``, each run so cut is offered uncut as well.

    Parameters
    ----------
    audio : Audio
        The analysis audio (any rate >= 8 kHz).
    activity : Activity
        The measure stage's speech/silence decision.
    pitch_track : PitchTrack
        The measure stage's F0 track.
    chars : sequence of Char
        Recognised syllables; standing-alone fillers among them are not counted as syllables.
        Without any, no stretch is a candidate (words and hesitations cannot be told apart).
    min_s : float
        Shortest stretch, s.
    cut_st : float
        F0 change over 30 ms at which a voiced run is cut, semitones (0.75: 25 st/s), > 0.
    cut_median : int
        Frames of the running median F0 is smoothed with for that cut (odd, >= 1; 1: none).
    whole_runs : bool
        Also offer each voiced run that F0 moves cut, uncut.
    """
    t = pitch_track.times_s
    if not len(chars) or len(t) < 3:
        return []
    fillers = {(f.start_s, f.end_s) for f in transcript_fillers(chars, pause_s=FillerRule.pause_s)}
    words = [(c.start_s, c.end_s) for c in chars if (c.start_s, c.end_s) not in fillers]
    typical = float(np.median([e - s for s, e in words])) if words else 0.0
    long_s = max(2.0 * typical, 0.4)
    stretched = [(s, e) for s, e in words if e - s > long_s]
    speech = activity.is_speech[np.clip(np.round(t / activity.frame_s - 0.5).astype(int), 0, len(activity.is_speech) - 1)]
    free = pitch_track.voiced & speech
    ordinary = np.array([(s, e) for s, e in words if e - s <= long_s]).reshape(-1, 2)
    free[within(t, ordinary)] = False
    free = close_gaps(free, 2)
    spare = activity.is_speech & ~within(activity.times_s, ordinary)  # speech no ordinary syllable accounts for
    st_all = hz_to_st(pitch_track.f0_hz, ref_hz=ST_REF_HZ)
    moving = np.zeros(len(t), bool)
    sm = median_st(st_all, cut_median)
    moving[3:] = np.abs(sm[3:] - sm[:-3]) > cut_st  # NaN compares False
    edges = np.array(sorted(x for w in words for x in w))
    frame = pitch_track.frame_s

    def free_stretch(a: int, b: int) -> Candidate | None:  # None: too short, or no sound left for a stretched syllable over it
        start, end = float(t[a] - frame / 2), float(t[b - 1] + frame / 2)
        if (b - a) * frame < min_s or any(s < end and start < e and room_s(activity, spare, max(s, start - _REACH_S), min(e, end) + _REACH_S,
                                                                            start, end) < _SYLLABLE_S for s, e in stretched):
            return None
        near = float(np.min(np.abs(edges - np.clip(edges, start, end)))) if len(edges) else np.inf
        return _measure(audio, activity, pitch_track, st_all, a, b, start, end, near)

    out = [c for a, b in zip(*runs(free & ~moving)) if (c := free_stretch(a, b)) is not None]
    steady = close_gaps(pitch_track.voiced & speech, 2) & ~moving
    for a, b, spread in _grown(steady, t, frame, words, typical, activity, detect_nuclei(activity, pitch_track).times_s, out, min_s):
        c = _measure(audio, activity, pitch_track, st_all, a, b, float(t[a] - frame / 2), float(t[b - 1] + frame / 2), 0.0)
        if c is not None:
            out.append(replace(c, spread=spread))
    whole = [c for a, b in zip(*runs(free)) if whole_runs and moving[a:b].any() and (c := free_stretch(a, b)) is not None]
    return sorted(out + whole, key=lambda c: c.start_s)  # uncut runs: a 嗯 whose F0 rises and falls within 0.15 s


def _measure(audio: Audio, activity: Activity, pitch_track: PitchTrack, st_all: np.ndarray, a: int, b: int, start: float, end: float,
             near: float) -> Candidate | None:
    """The figures of frames ``a:b`` (``start``..``end`` s); None with under 5 pitched frames."""
    st, tt = st_all[a:b], pitch_track.times_s[a:b]
    if (ok := np.isfinite(st)).sum() < 5:
        return None
    p10, p90 = np.percentile(st[ok], [10, 90])
    fit = np.polyfit(tt[ok], st[ok], 1)
    c10, c90 = np.percentile(st[ok] - np.polyval(fit, tt[ok]), [10, 90])
    change, n_harm = spectral_figures(audio, start, end, float(np.median(pitch_track.f0_hz[a:b][ok])))
    ta, level = activity.times_s, activity.level_db
    inside = (ta >= start) & (ta <= end) & np.isfinite(level)
    round_it = (np.abs(ta - (start + end) / 2) <= (end - start) / 2 + 1.0) & ~inside & activity.is_speech & np.isfinite(level)
    rel_db = float(np.mean(level[inside]) - np.median(level[round_it])) if inside.any() and round_it.any() else 0.0
    quiet = [np.mean(~activity.is_speech[(ta >= lo) & (ta < hi)]) if ((ta >= lo) & (ta < hi)).any() else 0.0
             for lo, hi in ((start - 0.15, start), (end, end + 0.15))]
    return Candidate(start, end, float(p90 - p10), float(fit[0]), change, n_harm, float(np.median(np.abs(np.diff(st[ok])))), near,
                     curve_st=float(c90 - c10), voiced_share=float(ok.mean()), level_db=rel_db,
                     pitch_st=float(np.median(st[ok]) - np.nanmedian(st_all)), pause_touch=bool(max(quiet) >= 0.5))


_SPREAD_SYLLABLES = 1.5
"""Least recognised time (median syllables) over a one-nucleus stretch for it to be measured (``min_spread`` decides)."""


def _grown(steady: np.ndarray, t: np.ndarray, frame: float, words: Sequence, typical: float, activity: Activity, nuclei: np.ndarray,
           found: Sequence[Candidate], min_s: float) -> list[tuple[int, int, float]]:
    """One-nucleus pieces of steady voiced runs under recognised syllables: (first frame, end frame, spread).

    The recogniser re-times the syllables round a filler it deleted, spreading a word evenly over
    it, so no syllable edge marks it. A voiced run whose F0 never jumps is cut at the level dip
    between the signal's own nuclei (:func:`~voicecoach.measures.syllables.detect_nuclei`); a
    piece lying over ``_SPREAD_SYLLABLES`` median syllables of recognised time or more is one held
    sound where the recogniser put several: a candidate, unless it overlaps one already found.
    """
    if typical <= 0:
        return []
    spans = np.array(words, float).reshape(-1, 2)
    level = np.nan_to_num(activity.level_db, nan=-200.0)
    out = []
    for a, b in zip(*runs(steady)):
        if (b - a) * frame < min_s:
            continue
        inside = nuclei[(nuclei >= t[a]) & (nuclei <= t[b - 1])]
        cuts = [a]
        for n0, n1 in zip(inside[:-1], inside[1:]):
            k0, k1 = np.searchsorted(activity.times_s, [n0, n1])
            dip = activity.times_s[k0 + int(np.argmin(level[k0:k1 + 1]))] if k1 > k0 else n0
            cuts.append(int(np.clip(np.searchsorted(t, dip), a, b)))
        for p, q in zip(cuts, cuts[1:] + [b]):
            if (q - p) * frame < min_s:
                continue
            start, end = float(t[p] - frame / 2), float(t[q - 1] + frame / 2)
            if any(c.start_s < end and start < c.end_s for c in found):
                continue
            covered = float(np.sum(np.clip(np.minimum(spans[:, 1], end) - np.maximum(spans[:, 0], start), 0, None)))
            if covered / typical >= _SPREAD_SYLLABLES:
                out.append((p, q, covered / typical))
    return out




def measure_filled_pauses(audio: Audio, *, activity: Activity, pitch_track: PitchTrack, chars: Sequence, rule: FillerRule = FillerRule()) -> FilledPauses:
    """Filled pauses from the recognised syllables and the signal, merged, counted per minute of speech.

    Parameters
    ----------
    audio : Audio
        The analysis audio.
    activity : Activity
        The measure stage's speech/silence decision (speaking time, where speech is).
    pitch_track : PitchTrack
        The measure stage's F0 track.
    chars : sequence of Char
        Recognised syllables, in time order.
    rule : FillerRule

    Returns
    -------
    FilledPauses
    """
    said = transcript_fillers(chars, pause_s=rule.pause_s)
    found = signal_candidates(audio, activity=activity, pitch_track=pitch_track, chars=chars, min_s=rule.min_s, cut_st=rule.cut_st,
                              cut_median=rule.cut_median, whole_runs=rule.whole_runs)
    return combine(said, found, rule=rule, speech_min=float(activity.is_speech.sum() * activity.frame_s / 60.0))


def combine(said: Sequence[FilledPause], found: Sequence[Candidate], *, rule: FillerRule, speech_min: float) -> FilledPauses:
    """The transcript's fillers and the signal candidates that pass ``rule``, merged where they
    overlap (one moment of source "transcript" spanning both), counted over ``speech_min`` minutes."""
    heard = [FilledPause(c.start_s, c.end_s, "signal", "", c.confidence(rule)) for c in found if c.passes(rule)]
    moments = []
    for f in said:
        match = [h for h in heard if h.start_s < f.end_s and f.start_s < h.end_s]
        if match:
            moments.append(FilledPause(min([f.start_s] + [h.start_s for h in match]), max([f.end_s] + [h.end_s for h in match]),
                                       "transcript", f.text, max([f.confidence] + [h.confidence for h in match])))
            heard = [h for h in heard if h not in match]
        else:
            moments.append(f)
    moments = sorted(moments + heard, key=lambda m: m.start_s)
    per_min = len(moments) / speech_min if speech_min > 0 else float("nan")
    return FilledPauses(tuple(moments), speech_min, per_min, sum(m.source == "signal" for m in moments), sum(m.source == "transcript" for m in moments))
