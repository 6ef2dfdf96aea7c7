"""Signal helpers every measure uses: resampling and frame power, both streamed in blocks."""

from __future__ import annotations

import numpy as np

from voicecoach.audio.types import BLOCK_S, FRAME_S


def resample(samples: np.ndarray, *, from_rate_hz: int, to_rate_hz: int) -> np.ndarray:
    """Resample mono float32 samples (soxr, high quality).

    Long inputs are resampled as a stream in 20 s blocks into one output array: the same
    samples as soxr's one-shot call, without its whole-length temporaries (a 3-hour call
    would otherwise need about 1 GB more while its 8 kHz copy is made).
    """
    if from_rate_hz == to_rate_hz:
        return samples.astype(np.float32, copy=False)
    import soxr

    x = np.asarray(samples)
    step = int(BLOCK_S * from_rate_hz)
    if len(x) <= 4 * step:
        return soxr.resample(x, from_rate_hz, to_rate_hz).astype(np.float32, copy=False)
    stream = soxr.ResampleStream(from_rate_hz, to_rate_hz, 1, dtype="float32")
    out = np.empty(int(np.ceil(len(x) * to_rate_hz / from_rate_hz)) + 64, np.float32)
    n = 0
    for a in range(0, len(x), step):
        y = stream.resample_chunk(np.ascontiguousarray(x[a:a + step], dtype=np.float32), last=a + step >= len(x))
        out[n:n + len(y)] = y
        n += len(y)
    return out[:n]


def frame_power_db(samples: np.ndarray, *, sample_rate_hz: int, frame_s: float = FRAME_S) -> np.ndarray:
    """Mean-square level of consecutive non-overlapping frames, dB re full scale.

    Parameters
    ----------
    samples : numpy.ndarray
        Mono samples, shape (n,).
    sample_rate_hz : int
        Rate of ``samples``, Hz.
    frame_s : float
        Frame length and hop, s.

    Returns
    -------
    numpy.ndarray
        Shape (n // frame,), dB; a frame of digital silence is -inf dB (10 log10 0).
    """
    n = max(1, int(round(frame_s * sample_rate_hz)))
    m = len(samples) // n
    if m == 0:
        return np.zeros(0)
    power = np.empty(m)
    step = max(1, (1 << 22) // n)  # frames per block: no full-length temporary (a 3-hour call is 700 MB at 16 kHz)
    for a in range(0, m, step):
        b = min(m, a + step)
        frames = np.asarray(samples[a * n: b * n], dtype=np.float32).reshape(b - a, n)
        power[a:b] = np.einsum("ij,ij->i", frames, frames) / n
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power)
