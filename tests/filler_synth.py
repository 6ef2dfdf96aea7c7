"""Filled pauses made from constructed truth: a source-filter 嗯/呃, and a vowel cut from real
speech and held steady.

``filled_pause``: a glottal pulse train (each period drawn with ``jitter`` relative spread, each
pulse's amplitude with ``shimmer``) at an F0 that drifts linearly by ``drift_st`` over the whole
pause, shaped by a glottal low-pass (two real poles at 100 Hz, -12 dB/octave), a cascade of
formant resonators (Klatt's second-order sections) and lip radiation (a first difference, +6
dB/octave), with a little breath noise, raised-cosine onset and offset ramps, RMS at ``level_dbfs``
dB re full scale (0 dB = RMS 1.0). Schwa/呃 formants 500/1500/2500 Hz; 嗯 (a syllabic nasal)
250/1800/2700 Hz with wide upper bandwidths.

``held_vowel``: a steady stretch of a real vowel looped pitch-synchronously: a Hann-windowed
chunk of ``k`` periods either side of a voiced frame, overlap-added every ``k`` periods, each hop
varied by ``jitter`` so the loop wobbles as a voice does.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

SCHWA = ((500.0, 80.0), (1500.0, 100.0), (2500.0, 140.0))
NASAL = ((250.0, 60.0), (1800.0, 300.0), (2700.0, 300.0))
E_VOWEL = ((550.0, 90.0), (1100.0, 110.0), (2600.0, 150.0))  # 呃 [ɤ]
VOWELS = {"schwa": SCHWA, "nasal": NASAL, "e": E_VOWEL}


def resonator(x: np.ndarray, f_hz: float, bw_hz: float, sr: int) -> np.ndarray:
    """Klatt (1980) second-order resonator, unit gain at 0 Hz."""
    c = -np.exp(-2 * np.pi * bw_hz / sr)
    b = 2 * np.exp(-np.pi * bw_hz / sr) * np.cos(2 * np.pi * f_hz / sr)
    a = 1 - b - c
    return lfilter([a], [1, -b, -c], x)


def filled_pause(duration_s: float, *, sr: int, f0_hz: float, rng: np.random.Generator, vowel: str = "schwa", jitter: float = 0.01,
                 shimmer: float = 0.05, drift_st: float = 0.0, level_dbfs: float = -20.0, edge_s: float = 0.04, breath_db: float = -35.0,
                 contour_st: tuple[tuple[float, float], ...] = ()) -> np.ndarray:
    """See the module docstring; ``contour_st``: (time s, semitones re ``f0_hz``) points F0 follows, linearly between them,
    instead of the linear ``drift_st`` (a real 嗯 rises 2 st and falls 4 st within 0.15 s)."""
    n = int(round(duration_s * sr))
    src = np.zeros(n)
    t = 0.0
    while t < duration_s:
        f = f0_hz * 2 ** ((np.interp(t, *zip(*contour_st)) if contour_st else drift_st * t / duration_s) / 12)
        src[min(n - 1, int(round(t * sr)))] += 1 + shimmer * rng.standard_normal()
        t += (1 + jitter * rng.standard_normal()) / f
    pole = np.exp(-2 * np.pi * 100.0 / sr)
    x = lfilter([1.0], [1, -2 * pole, pole * pole], src)
    for f_hz, bw in VOWELS[vowel]:
        x = resonator(x, f_hz, bw, sr)
    x = np.diff(x, prepend=0.0)
    x = x / np.sqrt(np.mean(x ** 2))
    x = x + 10 ** (breath_db / 20) * rng.standard_normal(n)
    m = min(int(edge_s * sr), n // 2)
    w = np.ones(n)
    w[:m] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, m))
    w[n - m:] = w[:m][::-1]
    x = x * w
    return (x / np.sqrt(np.mean(x ** 2)) * 10 ** (level_dbfs / 20)).astype(np.float32)


def held_vowel(samples: np.ndarray, *, sr: int, centre_s: float, f0_hz: float, duration_s: float, rng: np.random.Generator,
               jitter: float = 0.01, edge_s: float = 0.04) -> np.ndarray:
    """A real vowel held: see the module docstring. ``centre_s`` must lie in a steady voiced stretch."""
    period = sr / f0_hz
    k = max(1, int(np.ceil(0.02 * sr / period)))
    half = int(round(k * period))
    c = int(round(centre_s * sr))
    chunk = samples[c - half: c + half].astype(np.float64) * np.hanning(2 * half)
    n = int(round(duration_s * sr))
    out = np.zeros(n + 2 * half)
    pos = 0.0
    while pos < n:
        p = int(round(pos))
        out[p: p + 2 * half] += chunk
        pos += k * period * (1 + jitter * rng.standard_normal())
    out = out[half: half + n]
    m = min(int(edge_s * sr), n // 2)
    w = np.ones(n)
    w[:m] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, m))
    w[n - m:] = w[:m][::-1]
    return (out * w).astype(np.float32)
