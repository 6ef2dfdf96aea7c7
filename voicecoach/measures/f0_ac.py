"""Autocorrelation pitch tracker after Boersma (1993), vectorised in numpy, with a two-pass range.

Method (P. Boersma, "Accurate short-term analysis of the fundamental frequency and the
harmonics-to-noise ratio of a sampled sound", Proc. Institute of Phonetic Sciences 17, 1993),
our own implementation:

1. Frames every ``time_step_s``; each frame is 3 periods of the pitch floor long, has its local
   mean removed and a Hanning window applied.
2. Its autocorrelation (via FFT) is normalised by its value at lag 0 and divided by the
   window's own autocorrelation (paper eq. 9), giving r(lag) close to 1 for a periodic signal.
3. Voiced candidates are the local maxima of r between 1/ceiling and 1/floor (parabolic
   interpolation), with strength r + octave_cost * log2(f / floor) (eq. 24); the unvoiced
   candidate has strength voicing_threshold + max(0, 2 - (local peak / global peak) /
   (silence_threshold / (1 + voicing_threshold))) (eq. 23).
4. A Viterbi path through the candidates minimises octave jumps (octave_jump_cost * |log2
   f1/f2|) and voiced/unvoiced switches (voiced_unvoiced_cost), costs scaled by 0.01/time_step.

Two passes (Hirst 2011; De Looze & Rauzy 2009): a first path over 60-500 Hz gives the
quartiles; the second path keeps only candidates within 0.75 * Q1 .. 1.5 * Q3, which removes
most octave errors without a second pass over the signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio import NARROW_RATE_HZ, Audio, resample



@dataclass(frozen=True)
class AcSettings:
    """Tracker constants (Praat's defaults for To Pitch (ac), except the 10 ms step)."""

    time_step_s: float = 0.01
    floor_hz: float = 60.0
    ceiling_hz: float = 500.0
    max_candidates: int = 15
    silence_threshold: float = 0.03
    voicing_threshold: float = 0.45
    octave_cost: float = 0.01
    octave_jump_cost: float = 0.35
    voiced_unvoiced_cost: float = 0.14
    periods_per_window: float = 3.0
    chunk_frames: int = 4000


@dataclass(frozen=True, eq=False)
class Candidates:
    """Per-frame pitch candidates: frequencies (NaN = none) and strengths, shape (n, K)."""

    times_s: np.ndarray
    f0_hz: np.ndarray
    strength: np.ndarray
    unvoiced_strength: np.ndarray


def candidates(audio: Audio, s: AcSettings = AcSettings(), narrow: Audio | None = None) -> Candidates:
    """Autocorrelation candidates of every frame (steps 1-3).

    Frames whose peak is below 1 % of the recording's peak are not analysed: their unvoiced
    strength (eq. 23) is at least 2.0, above any voiced candidate's (at most ~1.05), so the
    path can never be voiced there.
    """
    sr = NARROW_RATE_HZ
    if narrow is not None and narrow.sample_rate_hz == sr:
        x = np.asarray(narrow.samples, np.float32)  # no copy: a 3-hour call's 8 kHz copy is 350 MB
    else:
        x = resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=sr).astype(np.float32, copy=False)
    # the recording's mean is taken out of each chunk of frames below, not out of a copy of it
    mean = np.float32(x.mean(dtype=np.float64)) if len(x) else np.float32(0.0)
    global_peak = float(max(x.max() - mean, mean - x.min())) if len(x) else 0.0
    win = int(round(s.periods_per_window / s.floor_hz * sr))
    hop = int(round(s.time_step_s * sr))
    n_frames = max(0, (len(x) - win) // hop + 1)
    max_lag = int(np.ceil(sr / s.floor_hz)) + 1
    min_lag = max(2, int(np.floor(sr / s.ceiling_hz)))
    nfft = _fast_size(win + max_lag + 1)
    window = np.hanning(win + 2)[1:-1].astype(np.float32)
    rw = np.fft.irfft(np.abs(np.fft.rfft(window.astype(np.float64), nfft)) ** 2, nfft)[: max_lag + 2]
    rw = (rw / rw[0]).astype(np.float32)
    k = s.max_candidates - 1
    times = (np.arange(n_frames) * hop + win / 2) / sr
    f0 = np.full((n_frames, k), np.nan)
    strength = np.full((n_frames, k), -np.inf)
    unvoiced = np.zeros(n_frames)
    if n_frames == 0:
        return Candidates(times, f0, strength, unvoiced)
    view = np.lib.stride_tricks.sliding_window_view(x, win)[::hop][:n_frames]
    for a in range(0, n_frames, s.chunk_frames):
        frames = view[a:a + s.chunk_frames] - mean
        frames = frames - frames.mean(axis=1, keepdims=True)
        local_peak = np.abs(frames).max(axis=1)
        ratio = local_peak / global_peak if global_peak > 0 else np.zeros(len(frames))
        unvoiced[a:a + len(frames)] = s.voicing_threshold + np.maximum(0.0, 2.0 - ratio / (s.silence_threshold / (1.0 + s.voicing_threshold)))
        loud = np.flatnonzero(ratio >= 0.01)
        if not len(loud):
            continue
        ac = np.fft.irfft(np.abs(np.fft.rfft(frames[loud] * window, nfft, axis=1)) ** 2, nfft, axis=1)[:, : max_lag + 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = ac / ac[:, :1] / rw[None, :]
        r[~np.isfinite(r)] = 0.0
        fa, sa = _peaks(r, min_lag, max_lag, sr, s)
        f0[a + loud], strength[a + loud] = fa, sa
    return Candidates(times, f0, strength, unvoiced)


def _fast_size(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n: FFT sizes that are fast without padding to a power of two."""
    best = 1 << int(np.ceil(np.log2(n)))
    for a in range(0, 12):
        for b in range(0, 8):
            for c in range(0, 6):
                v = 2 ** a * 3 ** b * 5 ** c
                if n <= v < best:
                    best = v
    return best


def _peaks(r: np.ndarray, min_lag: int, max_lag: int, sr: int, s: AcSettings) -> tuple[np.ndarray, np.ndarray]:
    """The K strongest local maxima of r in [min_lag, max_lag], parabolically interpolated."""
    mid = r[:, min_lag:max_lag]
    left = r[:, min_lag - 1:max_lag - 1]
    right = r[:, min_lag + 1:max_lag + 1]
    is_peak = (mid > left) & (mid >= right) & (mid > 0.5 * s.voicing_threshold)
    denom = left - 2 * mid + right
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(denom < 0, 0.5 * (left - right) / denom, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    value = mid - 0.25 * (left - right) * shift
    lag = np.arange(min_lag, max_lag)[None, :] + shift
    freq = sr / lag
    score = np.where(is_peak, value + s.octave_cost * np.log2(freq / s.floor_hz), -np.inf)
    k = s.max_candidates - 1
    if score.shape[1] > k:
        top = np.argpartition(-score, k - 1, axis=1)[:, :k]
    else:
        top = np.tile(np.arange(score.shape[1]), (len(score), 1))
    rows = np.arange(len(score))[:, None]
    sc = score[rows, top]
    fr = np.where(np.isfinite(sc), freq[rows, top], np.nan)
    out_f = np.full((len(score), k), np.nan)
    out_s = np.full((len(score), k), -np.inf)
    out_f[:, :fr.shape[1]], out_s[:, :sc.shape[1]] = fr, sc
    return out_f, out_s


def viterbi(c: Candidates, *, lo_hz: float, hi_hz: float, s: AcSettings = AcSettings()) -> np.ndarray:
    """Best path through the candidates within [lo_hz, hi_hz]; returns F0 per frame (NaN = unvoiced).

    The per-frame tables (strength, log F0, voicing of every candidate plus the unvoiced state)
    are built for one chunk of frames at a time, so a 3-hour call never holds five of them for
    the whole recording at once; the path is the same as with whole tables.
    """
    f_all = c.f0_hz
    n = len(f_all)
    if n == 0:
        return np.zeros(0)
    k1 = f_all.shape[1] + 1
    scale = 0.01 / s.time_step_s
    back = np.zeros((n, k1), dtype=np.int16)
    score = _rows(c, 0, 1, lo_hz, hi_hz)[0][0].copy()
    cols = np.arange(k1)
    unv = k1 - 1
    any_voiced = np.zeros(n, bool)
    for a in range(0, n, 65536):
        fa = f_all[a:a + 65536]
        any_voiced[a:a + 65536] = ((fa >= lo_hz) & (fa <= hi_hz) & np.isfinite(fa)).any(axis=1)
    # Frames with no voiced candidate in range (silence, or outside the speaker's range) are
    # stepped over in runs: there the only state is "unvoiced", so the path is forced.
    next_voiced = np.full(n + 1, n)
    for t in range(n - 1, -1, -1):
        next_voiced[t] = t if any_voiced[t] else next_voiced[t + 1]
    cum_unv = np.concatenate([[0.0], np.cumsum(c.unvoiced_strength.astype(float, copy=False))])
    chunk = 2048
    t = 1
    cost_from = cost = rows_strength = None
    while t < n:
        if not any_voiced[t] and not any_voiced[t - 1]:
            e = int(next_voiced[t])
            back[t:e] = unv
            su = score[unv] + cum_unv[e] - cum_unv[t]
            score = np.full(k1, -np.inf)
            score[unv] = su
            t = e
            continue
        if cost_from is None or not (cost_from <= t < cost_from + chunk):
            cost_from = t
            b0 = min(n, t + chunk)
            rows_strength, logf, voiced = _rows(c, t - 1, b0, lo_hz, hi_hz)  # frames t-1 .. b0-1
            pv, cv = voiced[:-1, :, None], voiced[1:, None, :]
            jump = np.abs(logf[:-1, :, None] - logf[1:, None, :])
            cost = np.where(pv & cv, s.octave_jump_cost * jump, np.where(pv ^ cv, s.voiced_unvoiced_cost, 0.0)) * scale
        total = score[:, None] - cost[t - cost_from]
        arg = total.argmax(axis=0)
        back[t] = arg
        score = total[arg, cols] + rows_strength[t - cost_from + 1]
        t += 1
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(score))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    on = path < unv
    f = f_all[np.arange(n), np.minimum(path, unv - 1)]
    return np.where(on & (f >= lo_hz) & (f <= hi_hz), f, np.nan)


def _rows(c: Candidates, a: int, b: int, lo_hz: float, hi_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strength, log2 F0 and voicing of frames a..b-1: each candidate within [lo_hz, hi_hz],
    then the unvoiced state (last column)."""
    f_all = c.f0_hz[a:b]
    m = len(f_all)
    inside = (f_all >= lo_hz) & (f_all <= hi_hz)
    f = np.where(inside, f_all, np.nan)
    strength = np.concatenate([np.where(inside, c.strength[a:b], -np.inf), c.unvoiced_strength[a:b, None]], axis=1)
    logf = np.concatenate([np.log2(np.where(np.isfinite(f), f, 1.0)), np.zeros((m, 1))], axis=1)
    voiced = np.concatenate([np.isfinite(f), np.zeros((m, 1), bool)], axis=1)
    return strength, logf, voiced


def track_two_pass(audio: Audio, s: AcSettings = AcSettings(), narrow: Audio | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(times_s, f0_hz) with the second path restricted to 0.75*Q1 .. 1.5*Q3 of the first."""
    c = candidates(audio, s, narrow)
    # (A first pass over every 2nd or 3rd frame would be cheaper, but moved the quartiles of
    # a two-register clip, wenet_nst_ID001, by up to 6 st: the full pass is kept.)
    first = viterbi(c, lo_hz=s.floor_hz, hi_hz=s.ceiling_hz, s=s)
    v = first[np.isfinite(first)]
    if len(v) < 10:
        return c.times_s, first
    q1, q3 = np.percentile(v, [25, 75])
    lo, hi = max(s.floor_hz, 0.75 * q1), min(s.ceiling_hz, 1.5 * q3)
    return c.times_s, viterbi(c, lo_hz=lo, hi_hz=hi, s=s)
