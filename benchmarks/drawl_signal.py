"""The steady voiced stretch that ends a syllable (its vowel), found in the signal: a measure
the drawl benchmark (benchmarks/drawl_folds.py) tried in place of the recogniser-timed final
syllable. It is not used at run time: with the same leave-one-voice-out folds it did worse
(benchmarks/results/drawl_folds.md, "Signal measures tried instead").

A dragged-out final (拉长尾音) is a dragged-out vowel. The recogniser's timing of that vowel is
unreliable exactly when it is dragged: it hears a long vowel as two syllables, or moves the word
boundary into it. So the vowel is found from the signal instead:

* the last voiced run (the pitch tracker's voicing, unvoiced gaps of up to ``bridge_s`` bridged)
  that ends inside the syllable, searched from an earlier point than the recogniser's start so
  that a vowel the recogniser split in two is seen whole;
* cut where the spectral shape changes fast (a syllable boundary inside a voiced run: a nasal or
  liquid initial, a vowel-to-vowel transition). Spectral shape is the log power in bands of
  300-3400 Hz (the telephone band, so a telephone copy measures like its original) with each
  frame's mean removed (a level change is not a change of shape); its change is the RMS
  difference between frames ``2 * half_span_s`` apart, dB.

Cost: one short FFT per 10 ms over the final syllable only (all the benchmark's phrase ends, from about 290 analyses, took 0.8 s here, the rest of the drawl measure included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.measures.pitch import PitchTrack

BAND_HZ = (300.0, 3400.0)
HOP_S = 0.01
WIN_S = 0.025
N_BANDS = 16


@dataclass(frozen=True)
class Nucleus:
    """The steady voiced stretch that ends a syllable.

    Attributes
    ----------
    start_s, end_s : float
        Its span, s.
    max_change_db : float
        The largest spectral-shape change inside it, dB.
    """

    start_s: float
    end_s: float
    max_change_db: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def spectral_change_db(samples: np.ndarray, *, sample_rate_hz: int, start_s: float, end_s: float, half_span_s: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Frame-wise change of spectral shape over ``start_s``-``end_s``.

    Parameters
    ----------
    samples : numpy.ndarray
        Mono audio, shape (n,).
    sample_rate_hz : int
        >= 8000.
    start_s, end_s : float
        The stretch to analyse, s.
    half_span_s : float
        The change at frame t compares frames t - half_span_s and t + half_span_s, s.

    Returns
    -------
    times_s : numpy.ndarray
        Frame centres, s, shape (m,).
    change_db : numpy.ndarray
        RMS over bands of the difference in mean-removed log band power, dB, shape (m,);
        NaN at the first and last frames where the comparison reaches outside the stretch.
    """
    hop = int(round(HOP_S * sample_rate_hz))
    win = int(round(WIN_S * sample_rate_hz))
    a = max(0, int(round(start_s * sample_rate_hz)) - win // 2)
    b = min(len(samples), int(round(end_s * sample_rate_hz)) + win // 2)
    if b - a < win + 2 * hop:
        return np.zeros(0), np.zeros(0)
    x = np.asarray(samples[a:b], dtype=np.float64)
    n = 1 + (len(x) - win) // hop
    frames = np.lib.stride_tricks.as_strided(x, shape=(n, win), strides=(x.strides[0] * hop, x.strides[0]))
    nfft = 1 << int(np.ceil(np.log2(win)))
    spec = np.abs(np.fft.rfft(frames * np.hanning(win), n=nfft, axis=1)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate_hz)
    edges = np.geomspace(BAND_HZ[0], BAND_HZ[1], N_BANDS + 1)
    idx = np.searchsorted(freqs, edges)
    bands = np.stack([spec[:, idx[k]:max(idx[k] + 1, idx[k + 1])].sum(axis=1) for k in range(N_BANDS)], axis=1)
    log = 10 * np.log10(bands + 1e-12)
    shape = log - log.mean(axis=1, keepdims=True)
    k = max(1, int(round(half_span_s / HOP_S)))
    change = np.full(n, np.nan)
    if n > 2 * k:
        change[k:n - k] = np.sqrt(np.mean((shape[2 * k:] - shape[:-2 * k]) ** 2, axis=1))
    times = (a + win / 2 + hop * np.arange(n)) / sample_rate_hz
    return times, change


def final_nucleus(samples: np.ndarray, pitch: PitchTrack, *, sample_rate_hz: int, search_from_s: float, end_s: float,
                  change_db: float, bridge_s: float = 0.05, min_s: float = 0.04) -> Nucleus | None:
    """The steady voiced stretch that ends the syllable ending at ``end_s``.

    Parameters
    ----------
    samples : numpy.ndarray
        Mono audio, shape (n,).
    pitch : PitchTrack
        Its voicing.
    sample_rate_hz : int
    search_from_s : float
        The earliest the stretch may start, s.
    end_s : float
        The syllable's end (signal-refined), s.
    change_db : float
        The stretch is cut where the spectral-shape change reaches this, dB (> 0).
    bridge_s : float
        Unvoiced gaps up to this long inside a run are bridged (creak, a tracker's dropout), s.
    min_s : float
        Shorter voiced runs are not a vowel, s.

    Returns
    -------
    Nucleus or None
        None when no voiced run of at least ``min_s`` ends inside the window.
    """
    inside = (pitch.times_s >= search_from_s) & (pitch.times_s <= end_s) & pitch.voiced
    idx = np.flatnonzero(inside)
    if len(idx) == 0:
        return None
    gap = max(1, int(round(bridge_s / pitch.frame_s)))
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > gap) + 1)
    fs = pitch.frame_s
    for run in reversed(runs):
        lo, hi = max(search_from_s, float(pitch.times_s[run[0]] - fs / 2)), min(end_s, float(pitch.times_s[run[-1]] + fs / 2))
        if hi - lo >= min_s:
            break
    else:
        return None
    t, c = spectral_change_db(samples, sample_rate_hz=sample_rate_hz, start_s=lo, end_s=hi)
    if len(t) == 0:
        return Nucleus(lo, hi, float("nan"))
    ok = np.isfinite(c)
    cut = np.flatnonzero(ok & (c >= change_db) & (t < hi - min_s))
    start = max(lo, float(t[cut[-1]])) if len(cut) else lo
    inner = ok & (t >= start) & (t <= hi)
    return Nucleus(start, hi, float(np.max(c[inner])) if inner.any() else float("nan"))
