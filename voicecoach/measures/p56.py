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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIME_CONSTANT_S = 0.03
HANGOVER_S = 0.2
MARGIN_DB = 15.9
N_THRESHOLDS = 15
_EPS = 1e-20
SILENCE_DBOV = -100.0


@dataclass(frozen=True)
class ActiveLevel:
    """Result of a P.56 measurement.

    Attributes
    ----------
    active_level_dbov : float
        Active speech level, dBov; -100 when no activity is found.
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
        return self.active_level_dbov <= SILENCE_DBOV


def envelope(samples: np.ndarray, *, sample_rate_hz: int) -> np.ndarray:
    """P.56 envelope q: |x| through two cascaded one-pole smoothers (T = 0.03 s)."""
    from scipy.signal import lfilter

    g = np.exp(-1.0 / (sample_rate_hz * TIME_CONSTANT_S))
    b, a = [1.0 - g], [1.0, -g]
    p = lfilter(b, a, np.abs(samples.astype(np.float64)))
    return lfilter(b, a, p)


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
    from scipy.ndimage import maximum_filter1d

    x = np.asarray(samples, dtype=np.float64)
    n = len(x)
    if n == 0:
        return ActiveLevel(SILENCE_DBOV, 0.0, SILENCE_DBOV)
    sum_sq = float(np.dot(x, x))
    long_term = 10 * np.log10(sum_sq / n + _EPS)
    q = envelope(x, sample_rate_hz=sample_rate_hz)
    thresholds = 0.5 ** np.arange(N_THRESHOLDS, 0, -1)  # c[0] = 2**-15 ... c[14] = 0.5
    # level index: how many thresholds q reaches (0..15)
    with np.errstate(divide="ignore"):
        reached = np.floor(np.log2(np.maximum(q, 1e-30))).astype(np.int64) + N_THRESHOLDS + 1
    reached = np.clip(reached, 0, N_THRESHOLDS)
    # q >= c[j] <=> reached > j; a sample is active for threshold j if q reached it within
    # the last I samples (hangover), i.e. max(reached[k-I..k]) > j.
    hang = int(np.floor(HANGOVER_S * sample_rate_hz + 0.5))
    held = maximum_filter1d(reached.astype(np.int8), size=hang + 1, origin=hang // 2, mode="constant", cval=0)
    hist = np.bincount(held, minlength=N_THRESHOLDS + 1)
    counts = np.cumsum(hist[::-1])[::-1][1:]  # counts[j] = number of samples with held > j
    return _interpolate(sum_sq, counts, thresholds, long_term)


def _interpolate(sum_sq: float, counts: np.ndarray, thresholds: np.ndarray, long_term: float) -> ActiveLevel:
    if counts[0] == 0:
        return ActiveLevel(SILENCE_DBOV, 0.0, long_term)
    level = [10 * np.log10(sum_sq / c + _EPS) if c else None for c in counts]
    thr_db = 20 * np.log10(thresholds + _EPS)
    if level[0] - thr_db[0] < MARGIN_DB:
        return ActiveLevel(SILENCE_DBOV, 0.0, long_term)
    for j in range(1, N_THRESHOLDS):
        if level[j] is None:
            continue
        if level[j] - thr_db[j] <= MARGIN_DB:
            asl = _bisect(level[j], level[j - 1], thr_db[j], thr_db[j - 1])
            activity = 10 ** ((long_term - asl) / 10)
            return ActiveLevel(float(asl), float(min(activity, 1.0)), float(long_term))
    return ActiveLevel(SILENCE_DBOV, 0.0, long_term)


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
