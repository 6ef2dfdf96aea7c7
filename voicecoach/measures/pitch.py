"""Pitch: F0 track with a voiced mask, octave errors cleaned, range, variability, monotone stretches.

Two trackers, chosen by the band of the recording (measured in benchmarks/results/accuracy.md):

* wideband audio: our autocorrelation tracker after Boersma (1993) with a two-pass speaker
  range (:mod:`voicecoach.measures.f0_ac`): the same method as Praat's "To Pitch (ac)", so its
  median and range agree with Praat's on real speech;
* narrowband (telephone) audio, where the fundamental itself is filtered out: SwiftF0 (MIT, a
  small CNN run by ONNX Runtime, model inside the wheel), whose voicing decision survives the
  missing low harmonics; the autocorrelation tracker loses the weak low-pitched frames there
  and shifts the median by up to 1.4 semitones.

Semitones: absolute values are relative to ``ST_REF_HZ`` = 100 Hz; ranges and
standard deviations are differences and need no reference.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import Audio

FMIN_HZ = 60.0
FMAX_HZ = 500.0
ST_REF_HZ = 100.0
"""Reference of every absolute semitone value in voicecoach (0 st = 100 Hz)."""
_DETECTORS: dict[int, object] = {}
_LOCK = threading.Lock()


def hz_to_st(f_hz, *, ref_hz: float):
    """Frequency to semitones above ``ref_hz`` (NaN stays NaN)."""
    return 12.0 * np.log2(np.asarray(f_hz, dtype=float) / ref_hz)


def st_to_hz(st, *, ref_hz: float):
    """Semitones above ``ref_hz`` to frequency, Hz."""
    return ref_hz * 2.0 ** (np.asarray(st, dtype=float) / 12.0)


@dataclass(frozen=True, eq=False)
class PitchTrack:
    """Frame-wise F0.

    Attributes
    ----------
    times_s : numpy.ndarray
        Frame centres, s, shape (n,).
    f0_hz : numpy.ndarray
        F0, Hz; NaN where unvoiced.
    voiced : numpy.ndarray
        bool mask, True where ``f0_hz`` is defined.
    n_octave_fixes : int
        Frames moved by an octave (or dropped) by the cleaning step.
    """

    times_s: np.ndarray
    f0_hz: np.ndarray
    voiced: np.ndarray
    n_octave_fixes: int = 0

    @property
    def frame_s(self) -> float:
        return float(self.times_s[1] - self.times_s[0]) if len(self.times_s) > 1 else 0.016


@dataclass(frozen=True)
class Stretch:
    """A time span with a label value (monotone stretch, etc.)."""

    start_s: float
    end_s: float
    value: float

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "value": round(self.value, 3)}


@dataclass(frozen=True)
class PitchMeasures:
    """Pitch figures of a recording.

    Attributes
    ----------
    median_f0_hz : float
    p10_f0_hz, p90_f0_hz : float
    range_st : float
        10-90 % range, semitones.
    std_st : float
        Standard deviation of F0, semitones.
    position_ratio : float
        Where the median sits in the speaker's own 5-95 % range: 0 = bottom, 1 = top.
    voiced_s : float
        Voiced time, s.
    monotone_stretches : tuple of Stretch
        Windows whose 10-90 % range stayed under the monotone threshold; value = range, st.
    monotone_ratio : float
        Share of analysed windows that were monotone, 0..1.
    n_octave_fixes : int
    """

    median_f0_hz: float
    p10_f0_hz: float
    p90_f0_hz: float
    range_st: float
    std_st: float
    position_ratio: float
    voiced_s: float
    monotone_stretches: tuple[Stretch, ...]
    monotone_ratio: float
    n_octave_fixes: int

    def to_dict(self) -> dict:
        f = lambda v, d=3: None if not np.isfinite(v) else round(float(v), d)  # noqa: E731
        return {
            "median_f0_hz": f(self.median_f0_hz, 2), "p10_f0_hz": f(self.p10_f0_hz, 2), "p90_f0_hz": f(self.p90_f0_hz, 2),
            "range_st": f(self.range_st), "std_st": f(self.std_st), "position_ratio": f(self.position_ratio),
            "voiced_s": f(self.voiced_s), "monotone_ratio": f(self.monotone_ratio),
            "monotone_stretches": [s.to_dict() for s in self.monotone_stretches],
            "n_octave_fixes": self.n_octave_fixes,
        }


def _detector(threads: int):
    with _LOCK:
        if threads not in _DETECTORS:
            from swift_f0 import SwiftF0

            _DETECTORS[threads] = SwiftF0(threads=threads)
        return _DETECTORS[threads]


def is_narrowband(audio: Audio, *, max_s: float = 60.0) -> bool:
    """True when the audio holds (almost) nothing above 4 kHz: telephone band.

    Compares the power in 4-7.5 kHz with the power in 0.3-3.4 kHz over the first ``max_s``
    seconds; below -40 dB the recording is narrowband.
    """
    if audio.sample_rate_hz < 16000:
        return True
    x = audio.samples[: int(max_s * audio.sample_rate_hz)]
    if len(x) < 2048:
        return False
    frames = np.lib.stride_tricks.sliding_window_view(x, 1024)[::512]
    p = np.mean(np.abs(np.fft.rfft(frames * np.hanning(1024).astype(np.float32), axis=1)) ** 2, axis=0)
    f = np.fft.rfftfreq(1024, 1.0 / audio.sample_rate_hz)
    low = p[(f >= 300) & (f <= 3400)].sum()
    high = p[(f >= 4000) & (f <= 7500)].sum()
    return bool(low > 0 and high / low < 1e-4)


SWIFT_HOP = 256  # SwiftF0's frame hop, samples at 16 kHz (16 ms)
SWIFT_PAD_S = 0.5  # context kept around each span of `within_s`: the model looks 11 frames back and 10 ahead (0.18 / 0.16 s)


def track_pitch(audio: Audio, *, narrowband: bool | None = None, fmin_hz: float = FMIN_HZ, fmax_hz: float = FMAX_HZ, threads: int = 2, narrow: Audio | None = None,
                within_s: list[tuple[float, float]] | None = None) -> PitchTrack:
    """Track F0: autocorrelation (two-pass) on wideband audio, SwiftF0 on telephone-band audio.

    Parameters
    ----------
    audio : Audio
        Mono audio (16 kHz analysis copy).
    narrowband : bool, optional
        Force the choice; default :func:`is_narrowband`.
    fmin_hz, fmax_hz : float
        Search band of the first pass, Hz (speech: 60-500).
    threads : int
        ONNX Runtime threads for SwiftF0 (>= 1).
    narrow : Audio, optional
        The same audio at 8 kHz, if already made (the autocorrelation tracker works on it).
    within_s : list of (start_s, end_s), optional
        Where pitch is wanted (speech); on telephone-band audio SwiftF0 then runs only there,
        with :data:`SWIFT_PAD_S` of context each side, and every other frame is unvoiced. The
        frames inside give what a run over the whole recording gives (a two-sided call's
        channel is silent half the time: this halves the cost of its pitch). Used only on
        16 kHz audio (the analysis copy); at another rate the whole recording is tracked.
    """
    if narrowband is None:
        narrowband = is_narrowband(audio)
    if narrowband:
        return clean_octaves(_swift(audio, fmin_hz, fmax_hz, threads, within_s))
    from voicecoach.measures.f0_ac import AcSettings, track_two_pass

    times, f0 = track_two_pass(audio, AcSettings(floor_hz=fmin_hz, ceiling_hz=fmax_hz), narrow)
    voiced = np.isfinite(f0)
    return remove_jumps(PitchTrack(times, f0, voiced))


def _swift(audio: Audio, fmin_hz: float, fmax_hz: float, threads: int, within_s: list[tuple[float, float]] | None = None) -> PitchTrack:
    detector = _detector(threads)
    x, rate = audio.samples, audio.sample_rate_hz
    if within_s is None or rate != 16000:
        result = detector.detect(x, rate, fmin=fmin_hz, fmax=fmax_hz)
        times, f0, confidence = np.asarray(result.timestamps, float), np.asarray(result.pitch_hz, float), np.asarray(result.confidence, float)
    else:
        n = max(1, len(x) // SWIFT_HOP)
        frame_s = SWIFT_HOP / rate
        times, f0, confidence = np.arange(n) * frame_s, np.zeros(n), np.zeros(n)
        for a, b in _padded_frames(within_s, SWIFT_PAD_S / frame_s, frame_s, n):
            result = detector.detect(x[a * SWIFT_HOP:(b * SWIFT_HOP if b < n else len(x))], rate, fmin=fmin_hz, fmax=fmax_hz)
            k = min(b - a, len(result.pitch_hz))
            f0[a:a + k], confidence[a:a + k] = np.asarray(result.pitch_hz, float)[:k], np.asarray(result.confidence, float)[:k]
    voiced = (confidence >= 0.5) & (f0 >= fmin_hz) & (f0 <= fmax_hz)
    return PitchTrack(times, np.where(voiced, f0, np.nan), voiced)


def _padded_frames(spans_s: list[tuple[float, float]], pad_frames: float, frame_s: float, n: int) -> list[tuple[int, int]]:
    """``spans_s`` as frame ranges widened by ``pad_frames`` each side, merged where they touch."""
    out: list[list[int]] = []
    pad = int(np.ceil(pad_frames))
    for start_s, end_s in sorted(spans_s):
        a, b = max(0, int(start_s / frame_s) - pad), min(n, int(np.ceil(end_s / frame_s)) + pad)
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def remove_jumps(track: PitchTrack, *, max_jump_st: float = 9.0, context_s: float = 0.75, min_run_frames: int = 3) -> PitchTrack:
    """Unvoice the frame further from the local median wherever adjacent frames jump > ``max_jump_st``.

    Also unvoices voiced runs shorter than ``min_run_frames``. Leaves everything else alone.
    """
    from voicecoach.audio.activity import runs

    voiced = track.voiced.copy()
    if voiced.sum() < 5:
        return track
    st = hz_to_st(track.f0_hz, ref_hz=ST_REF_HZ)
    ref = _local_median(st, voiced, max(1, int(round(context_s / track.frame_s))))
    fixes = 0
    for _ in range(5):
        idx = np.flatnonzero(voiced)
        jumps = np.flatnonzero((np.abs(np.diff(st[idx])) > max_jump_st) & (np.diff(idx) == 1))
        if not len(jumps):
            break
        for j in jumps:
            a, b = idx[j], idx[j + 1]
            voiced[a if abs(st[a] - ref[a]) > abs(st[b] - ref[b]) else b] = False
            fixes += 1
    starts, ends = runs(voiced)
    for s0, e0 in zip(starts, ends):
        if e0 - s0 < min_run_frames:
            voiced[s0:e0] = False
    return PitchTrack(track.times_s, np.where(voiced, track.f0_hz, np.nan), voiced, track.n_octave_fixes + fixes)


def clean_octaves(track: PitchTrack, *, context_s: float = 0.75, min_run_frames: int = 3) -> PitchTrack:
    """Fold octave errors back to the local contour; drop impossible jumps and voiced blips.

    A voiced frame 9-15 st from the median of its +-``context_s`` voiced neighbourhood is moved
    by 12 st towards it when that lands within 3 st (an octave error); a frame more than 15 st
    away is unvoiced. Real pitch movements of up to 9 st around the local median are kept.
    Then, wherever two adjacent voiced frames still differ by more than 9 st, the one further
    from the local median is unvoiced. Voiced runs shorter than ``min_run_frames`` are unvoiced.

    Parameters
    ----------
    track : PitchTrack
    context_s : float
        Half-width of the neighbourhood, s.
    min_run_frames : int
        Shortest voiced run kept, frames.
    """
    voiced = track.voiced.copy()
    if voiced.sum() < 5:
        return track
    st = hz_to_st(track.f0_hz, ref_hz=ST_REF_HZ)
    ref = _local_median(st, voiced, max(1, int(round(context_s / track.frame_s))))
    d = st - ref
    fixes = 0
    for sign in (1, -1):
        off = voiced & (sign * d > 9.0)
        fold = off & (sign * d < 15.0) & (np.abs(st - sign * 12.0 - ref) < 3.0)
        st[fold] -= sign * 12.0
        voiced[off & ~fold] = False
        fixes += int(off.sum())
    f0 = np.where(voiced, st_to_hz(st, ref_hz=ST_REF_HZ), np.nan)
    return remove_jumps(PitchTrack(track.times_s, f0, voiced, track.n_octave_fixes + fixes), context_s=context_s, min_run_frames=min_run_frames)


def _local_median(st: np.ndarray, voiced: np.ndarray, half: int) -> np.ndarray:
    """Running median over the neighbouring voiced frames (2*half+1 of them, edges repeated)."""
    out = np.full(len(st), np.nan)
    vals = st[voiced]
    if len(vals) == 0:
        return out
    padded = np.concatenate([np.full(half, vals[0]), vals, np.full(half, vals[-1])])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    med = np.empty(len(vals))
    for a in range(0, len(vals), 8192):  # bounded memory on long recordings
        med[a:a + 8192] = np.median(windows[a:a + 8192], axis=1)
    out[voiced] = med
    return out


def measure_pitch(track: PitchTrack, *, monotone_range_st: float, window_s: float = 4.0, hop_s: float = 1.0, min_voiced_s: float = 1.0) -> PitchMeasures:
    """Summarise an F0 track.

    Parameters
    ----------
    track : PitchTrack
    monotone_range_st : float
        A window whose 10-90 % range is below this is monotone, semitones.
    window_s, hop_s : float
        Sliding window for monotone detection, s.
    min_voiced_s : float
        A window needs this much voiced time to be judged, s.
    """
    v = track.voiced
    st = hz_to_st(track.f0_hz[v], ref_hz=ST_REF_HZ)
    if len(st) < 3:
        nan = float("nan")
        return PitchMeasures(nan, nan, nan, nan, nan, nan, 0.0, (), 0.0, track.n_octave_fixes)
    p5, p10, p50, p90, p95 = np.percentile(st, [5, 10, 50, 90, 95])
    position = (p50 - p5) / (p95 - p5) if p95 - p5 > 1e-6 else 0.5
    stretches, ratio = _monotone(track, monotone_range_st, window_s, hop_s, min_voiced_s)
    return PitchMeasures(
        median_f0_hz=float(st_to_hz(p50, ref_hz=ST_REF_HZ)),
        p10_f0_hz=float(st_to_hz(p10, ref_hz=ST_REF_HZ)),
        p90_f0_hz=float(st_to_hz(p90, ref_hz=ST_REF_HZ)),
        range_st=float(p90 - p10),
        std_st=float(np.std(st)),
        position_ratio=float(position),
        voiced_s=float(v.sum() * track.frame_s),
        monotone_stretches=stretches,
        monotone_ratio=ratio,
        n_octave_fixes=track.n_octave_fixes,
    )


def _monotone(track: PitchTrack, limit_st: float, window_s: float, hop_s: float, min_voiced_s: float) -> tuple[tuple[Stretch, ...], float]:
    t = track.times_s
    if len(t) == 0:
        return (), 0.0
    vt = t[track.voiced]
    vst = hz_to_st(track.f0_hz[track.voiced], ref_hz=ST_REF_HZ)
    starts = np.arange(t[0], max(t[0], t[-1] - window_s) + 1e-9, hop_s)
    if len(starts) and t[-1] - window_s > starts[-1] + 1e-6:
        starts = np.append(starts, t[-1] - window_s)  # a last window flush with the end
    flagged, judged = [], 0
    for s in starts:
        a, b = np.searchsorted(vt, s), np.searchsorted(vt, s + window_s)
        if (b - a) * track.frame_s < min_voiced_s:
            continue
        judged += 1
        p10, p90 = np.percentile(vst[a:b], [10, 90])
        if p90 - p10 < limit_st:
            flagged.append((s, s + window_s, p90 - p10))
    merged: list[Stretch] = []
    for s, e, r in flagged:
        if merged and s <= merged[-1].end_s:
            last = merged[-1]
            merged[-1] = Stretch(last.start_s, e, min(last.value, r))
        else:
            merged.append(Stretch(s, e, r))
    return tuple(merged), (len(flagged) / judged if judged else 0.0)
