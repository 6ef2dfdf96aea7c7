"""ITU-T P.56 method B active speech level ("speech voltmeter").

Our own vectorised implementation of the method described in ITU-T Rec. P.56 (12/2011),
section 6 and Annex B: the rectified signal is smoothed by two cascaded first-order
filters (time constant 0.03 s) into an envelope; for 15 thresholds 6.02 dB apart (from
2**-15 to 0.5 of full scale) the samples whose envelope exceeded the threshold within the
last 0.2 s (hangover) count as active; the active level is where the level over active
samples stands 15.9 dB above its threshold, found by bisection between the two thresholds
that bracket that margin (tolerance 0.5 dB, as in the ITU-T G.191 reference tool).

Levels are in dBov: 0 dBov is the RMS of a full-scale square wave, so a full-scale sine
measures -3.01 dBov.

The signal is processed in blocks with the filter and hangover states carried across, so a
one-hour recording never needs more than a few blocks of float64 in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIME_CONSTANT_S = 0.03
HANGOVER_S = 0.2
MARGIN_DB = 15.9
N_THRESHOLDS = 15
_EPS = 1e-20
_BLOCK = 1 << 21  # samples per processing block (2 M: about 2 min at 16 kHz)
_SUB = 2048  # sub-block of the exact vectorised one-pole filter


@dataclass(frozen=True)
class ActiveLevel:
    """Result of a P.56 measurement.

    Attributes
    ----------
    active_level_dbov : float
        Active speech level, dBov; NaN when no activity is found (see ``is_silent``).
    activity_ratio : float
        Fraction of the samples counted as active, 0..1.
    long_term_level_dbov : float
        Level over all samples, dBov.
    """

    active_level_dbov: float
    activity_ratio: float
    long_term_level_dbov: float

    @property
    def is_silent(self) -> bool:
        return not np.isfinite(self.active_level_dbov)


def one_pole(x: np.ndarray, g: float, state: float = 0.0) -> tuple[np.ndarray, float]:
    """y[n] = g*y[n-1] + (1-g)*x[n], exactly, without a Python loop over samples.

    Within sub-blocks of 2048 samples the zero-state response is a scaled cumulative sum
    (g**-k stays below e**5 for the P.56 time constant at any rate >= 8 kHz, so no precision is
    lost); the state carried from one sub-block to the next is a first-order recurrence over
    the sub-blocks, resolved with a short loop.

    Returns
    -------
    (y, last state)
    """
    n = len(x)
    if n == 0:
        return np.zeros(0), state
    B = _SUB
    nb = -(-n // B)
    xb = np.zeros(nb * B)
    xb[:n] = x
    xb = xb.reshape(nb, B)
    k = np.arange(B)
    up = g ** (-k.astype(np.float64))
    down = g ** k.astype(np.float64)
    zero_state = (1.0 - g) * np.cumsum(xb * up, axis=1) * down
    # state entering each sub-block
    decay = g ** B
    entering = np.empty(nb)
    s = state
    ends = zero_state[:, -1]
    for b in range(nb):
        entering[b] = s
        s = decay * s + ends[b]
    y = zero_state + entering[:, None] * (g * down)[None, :]
    y = y.reshape(-1)[:n]
    return y, float(y[-1])


def _running_max(x: np.ndarray, width: int) -> np.ndarray:
    """max(x[k-width+1 .. k]) for every k (causal window; van Herk / Gil-Werman, O(n))."""
    n = len(x)
    if width <= 1 or n == 0:
        return x.copy()
    m = -(-n // width)
    pad = np.zeros(m * width, dtype=x.dtype)
    pad[:n] = x
    blocks = pad.reshape(m, width)
    prefix = np.maximum.accumulate(blocks, axis=1).reshape(-1)
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    out = prefix[:n].copy()
    k = np.arange(width - 1, n)
    out[width - 1:] = np.maximum(suffix[k - width + 1], prefix[k])
    out[: width - 1] = np.maximum.accumulate(x[: width - 1])
    return out


def active_level(samples: np.ndarray, *, sample_rate_hz: int) -> ActiveLevel:
    """Measure the active speech level of mono samples.

    Parameters
    ----------
    samples : numpy.ndarray
        Mono samples, full scale +-1.0, shape (n,).
    sample_rate_hz : int
        Sample rate, Hz (> 0).

    Returns
    -------
    ActiveLevel

    Notes
    -----
    Counting is vectorised: each sample's envelope is mapped to the number of thresholds it
    reaches (thresholds are powers of two), a running maximum over the hangover window gives
    the same counts as the per-threshold hangover counters, and a histogram of that maximum
    gives all 15 activity counts at once.
    """
    x = np.asarray(samples)
    n = len(x)
    if n == 0:
        return ActiveLevel(float("nan"), 0.0, float("-inf"))
    g = float(np.exp(-1.0 / (sample_rate_hz * TIME_CONSTANT_S)))
    hang = int(np.floor(HANGOVER_S * sample_rate_hz + 0.5))
    sum_sq = 0.0
    s1 = s2 = 0.0
    hist = np.zeros(N_THRESHOLDS + 1, dtype=np.int64)
    tail = np.zeros(0, dtype=np.int8)  # the last `hang` reached-values of the previous block
    for a in range(0, n, _BLOCK):
        block = np.asarray(x[a:a + _BLOCK], dtype=np.float64)
        sum_sq += float(np.dot(block, block))
        p, s1 = one_pole(np.abs(block), g, s1)
        q, s2 = one_pole(p, g, s2)
        # floor(log2 q) = exponent - 1 (q = m * 2**e, 0.5 <= m < 1), so reached = e + 15
        reached = np.where(q > 0, np.clip(np.frexp(q)[1] + N_THRESHOLDS, 0, N_THRESHOLDS), 0).astype(np.int8)
        # q >= c[j] <=> reached > j; a sample is active for threshold j if q reached it within
        # the last `hang` samples (hangover): max(reached[k-hang..k]) > j.
        joined = np.concatenate([tail, reached])
        held = _running_max(joined, hang + 1)[len(tail):]
        hist += np.bincount(held, minlength=N_THRESHOLDS + 1)
        tail = joined[-hang:] if hang else tail
    long_term = 10 * np.log10(sum_sq / n + _EPS)
    counts = np.cumsum(hist[::-1])[::-1][1:]  # counts[j] = number of samples with held > j
    thresholds = 0.5 ** np.arange(N_THRESHOLDS, 0, -1)  # c[0] = 2**-15 ... c[14] = 0.5
    return _interpolate(sum_sq, counts, thresholds, long_term)


def _interpolate(sum_sq: float, counts: np.ndarray, thresholds: np.ndarray, long_term: float) -> ActiveLevel:
    if counts[0] == 0:
        return ActiveLevel(float("nan"), 0.0, long_term)
    level = [10 * np.log10(sum_sq / c + _EPS) if c else None for c in counts]
    thr_db = 20 * np.log10(thresholds + _EPS)
    if level[0] - thr_db[0] < MARGIN_DB:
        return ActiveLevel(float("nan"), 0.0, long_term)
    for j in range(1, N_THRESHOLDS):
        if level[j] is None:
            continue
        if level[j] - thr_db[j] <= MARGIN_DB:
            asl = _bisect(level[j], level[j - 1], thr_db[j], thr_db[j - 1])
            activity = 10 ** ((long_term - asl) / 10)
            return ActiveLevel(float(asl), float(min(activity, 1.0)), float(long_term))
    return ActiveLevel(float("nan"), 0.0, long_term)


def _bisect(up_level: float, low_level: float, up_thr: float, low_thr: float, tol_db: float = 0.5) -> float:
    """Interpolate the level where (level - threshold) equals the margin (P.56 B.4)."""
    if abs(up_level - up_thr - MARGIN_DB) < tol_db:
        return up_level
    if abs(low_level - low_thr - MARGIN_DB) < tol_db:
        return low_level
    mid_level, mid_thr = (up_level + low_level) / 2, (up_thr + low_thr) / 2
    for iteration in range(200):
        diff = mid_level - mid_thr - MARGIN_DB
        if abs(diff) <= tol_db:
            break
        if iteration >= 20:
            tol_db *= 1.1
        if diff > 0:
            mid_level, mid_thr = (up_level + mid_level) / 2, (up_thr + mid_thr) / 2
            low_level, low_thr = mid_level, mid_thr
        else:
            mid_level, mid_thr = (mid_level + low_level) / 2, (mid_thr + low_thr) / 2
            up_level, up_thr = mid_level, mid_thr
    return mid_level
