"""The measured alternative to the voice encoder: signal statistics as window embeddings.

Per 10 ms frame, 12 mel-cepstra on the telephone band (8 kHz copy, 25 ms windows, 24 mel bands
200-3700 Hz, c0 dropped so loudness does not decide) and F0 in semitones; per window, the mean
and standard deviation of each cepstrum and the median F0, standardised over the recording.
It lost to the d-vectors on every mix but one (benchmarks/results/separation.md), so it lives
here, for the comparison, not in the package.
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio import FRAME_S, NARROW_RATE_HZ, Audio, resample
from voicecoach.measures.voices import VoiceSettings


def frame_features(audio: Audio, *, n_frames: int, narrow: Audio | None = None, f0_hz: np.ndarray | None = None,
                   frame_s: float = FRAME_S) -> np.ndarray:
    """Mel-cepstral coefficients 1-12 and F0 (semitones re 100 Hz, NaN unvoiced) per frame.

    Parameters
    ----------
    audio : Audio
        Mono analysis copy.
    n_frames : int
        Frames wanted (the activity track's length).
    narrow : Audio, optional
        The same audio at 8 kHz, if already made.
    f0_hz : numpy.ndarray, optional
        F0 per frame on the same grid, Hz (NaN unvoiced); without it the F0 column is NaN.

    Returns
    -------
    numpy.ndarray
        Shape (n_frames, 13).
    """
    x = narrow if narrow is not None else Audio(resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
    sr = x.sample_rate_hz
    hop, win, n_fft = int(round(frame_s * sr)), int(round(0.025 * sr)), 256
    pad = (win - hop) // 2
    s = np.concatenate([np.zeros(pad, np.float32), np.asarray(x.samples, np.float32), np.zeros(win + hop * 2, np.float32)])
    need = n_frames * hop + win
    if len(s) < need:
        s = np.concatenate([s, np.zeros(need - len(s), np.float32)])
    idx = np.arange(n_frames)[:, None] * hop + np.arange(win)[None, :]
    fb = _mel_bank(sr, n_fft, 24, 200.0, 3700.0)
    dct = _dct_matrix(24, 13)[1:]
    window = np.hamming(win).astype(np.float32)
    out = np.empty((n_frames, 13))
    step = 20000
    for a in range(0, n_frames, step):
        frames = s[idx[a:a + step]] * window
        power = np.abs(np.fft.rfft(frames, n_fft)) ** 2
        logmel = np.log(power @ fb.T + 1e-10)
        out[a:a + step, :12] = logmel @ dct.T
    out[:, 12] = np.nan
    if f0_hz is not None:
        f0 = np.asarray(f0_hz, float)[:n_frames]
        ok = np.isfinite(f0) & (f0 > 0)
        out[:len(f0), 12] = np.where(ok, 12 * np.log2(np.where(ok, f0, 1.0) / 100.0), np.nan)
    return out


def signal_embeddings(features: np.ndarray, speech: np.ndarray, starts: np.ndarray, *, settings: VoiceSettings = VoiceSettings(),
                      frame_s: float = FRAME_S) -> np.ndarray:
    """Per window: mean and standard deviation of the mel-cepstra and the median F0 over its
    speech frames, standardised over the recording, shape (len(starts), 25)."""
    filled = _fill_f0(features, np.asarray(speech, bool))
    w = int(round(settings.window_s / frame_s))
    rows = []
    for a in starts:
        x = filled[a:a + w][speech[a:a + w]]
        rows.append(np.concatenate([x[:, :-1].mean(axis=0), x[:, :-1].std(axis=0), [np.median(x[:, -1])]]))
    if not rows:
        return np.zeros((0, 2 * features.shape[1] - 1))
    emb = np.array(rows)
    return (emb - emb.mean(axis=0)) / (emb.std(axis=0) + 1e-9)


def f0_on_grid(audio: Audio, *, n_frames: int, narrow: Audio | None = None, frame_s: float = FRAME_S) -> np.ndarray:
    """F0 per 10 ms frame, Hz (NaN unvoiced): :func:`track_pitch` read at the frame centres."""
    from voicecoach.measures.pitch import track_pitch

    p = track_pitch(audio, narrow=narrow)
    t = (np.arange(n_frames) + 0.5) * frame_s
    if len(p.times_s) == 0:
        return np.full(n_frames, np.nan)
    k = np.clip(np.searchsorted(p.times_s, t), 0, len(p.times_s) - 1)
    k0 = np.clip(k - 1, 0, len(p.times_s) - 1)
    nearest = np.where(np.abs(p.times_s[k0] - t) < np.abs(p.times_s[k] - t), k0, k)
    return np.where(p.voiced[nearest], p.f0_hz[nearest], np.nan)


def _mel_bank(sr: int, n_fft: int, n_mels: int, lo_hz: float, hi_hz: float) -> np.ndarray:
    mel = lambda f: 2595 * np.log10(1 + np.asarray(f) / 700.0)  # noqa: E731
    hz = lambda m: 700 * (10 ** (np.asarray(m) / 2595) - 1)  # noqa: E731
    edges = hz(np.linspace(mel(lo_hz), mel(hi_hz), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    fb = np.zeros((n_mels, len(freqs)), np.float32)
    for m in range(n_mels):
        a, c, b = edges[m], edges[m + 1], edges[m + 2]
        fb[m] = np.clip(np.minimum((freqs - a) / (c - a), (b - freqs) / (b - c)), 0, None)
    return fb


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    k = np.arange(n_out)[:, None]
    return np.cos(np.pi * k * (np.arange(n_in)[None, :] + 0.5) / n_in) * np.sqrt(2.0 / n_in)


def _fill_f0(feats: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """F0 where unvoiced: the recording's median voiced F0 (so the column is neutral there)."""
    out = feats.copy()
    f0 = out[:, -1]
    ok = np.isfinite(f0) & speech
    out[:, -1] = np.where(np.isfinite(f0), f0, np.median(f0[ok]) if ok.any() else 0.0)
    return out


