"""The spectrum of a candidate filled pause: how much its shape changes, how many harmonics stand out.

Used by :mod:`voicecoach.measures.fillers` on the few candidate stretches of a recording (a held
vowel or nasal changes little and shows a voice's harmonics; a ring-back tone has one or two).
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio import Audio

_BAND_EDGES_HZ = np.geomspace(100.0, 3400.0, 17)


def spectral_figures(audio: Audio, start_s: float, end_s: float, f0_hz: float) -> tuple[float, int]:
    """Spectral change (dB, see :class:`~voicecoach.measures.fillers.FillerRule`) and the number of distinct harmonics of a stretch."""
    sr = audio.sample_rate_hz
    win = int(round(0.032 * sr))
    hop = int(round(0.010 * sr))
    x = audio.samples[max(0, int(start_s * sr)): int(end_s * sr)].astype(np.float64)
    if len(x) < win + 2 * hop:
        return float("inf"), 0
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop]
    nfft = 1 << int(np.ceil(np.log2(max(win, 0.064 * sr))))  # <= 16 Hz bins, harmonics of 60 Hz apart
    power = np.abs(np.fft.rfft(frames * np.hanning(win), n=nfft, axis=1)) ** 2 + 1e-20
    f = np.fft.rfftfreq(nfft, 1.0 / sr)
    band = np.searchsorted(_BAND_EDGES_HZ, f) - 1
    inside = (band >= 0) & (band < len(_BAND_EDGES_HZ) - 1)
    levels = np.stack([power[:, inside & (band == k)].sum(axis=1) for k in range(len(_BAND_EDGES_HZ) - 1)], axis=1)
    db = 10 * np.log10(levels + 1e-20)
    db -= db.mean(axis=1, keepdims=True)  # shape, not level: an onset ramp is not a change
    change = float(np.median(np.mean(np.abs(db[2:] - db[:-2]), axis=1)))
    mean_db = 10 * np.log10(power.mean(axis=0))
    n = 0
    for k in range(1, int(3400 // f0_hz) + 1):
        peak = mean_db[(f >= (k - 0.2) * f0_hz) & (f <= (k + 0.2) * f0_hz)]
        valley = mean_db[(f >= (k + 0.35) * f0_hz) & (f <= (k + 0.65) * f0_hz)]
        if len(peak) and len(valley) and peak.max() - np.median(valley) >= 6.0:
            n += 1
    return change, n
