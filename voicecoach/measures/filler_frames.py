"""Frame masks and tracks the filled-pause candidates are cut from (:mod:`voicecoach.measures.fillers`)."""

from __future__ import annotations

import warnings

import numpy as np

from voicecoach.audio.activity import Activity, runs


def within(t: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """bool mask of the (sorted) times ``t`` that lie in any of ``spans`` (n, 2), ends included."""
    mark = np.zeros(len(t) + 1, int)
    np.add.at(mark, np.searchsorted(t, spans[:, 0], side="left"), 1)
    np.add.at(mark, np.searchsorted(t, spans[:, 1], side="right"), -1)
    return np.cumsum(mark)[:-1] > 0


def room_s(activity: Activity, spare: np.ndarray, lo_s: float, hi_s: float, start_s: float, end_s: float) -> float:
    """Seconds of ``spare`` speech between ``lo_s`` and ``hi_s`` outside ``start_s``..``end_s``."""
    t = activity.times_s
    inside = (t >= lo_s) & (t <= hi_s) & ~((t >= start_s) & (t <= end_s))
    return float(np.sum(spare & inside) * activity.frame_s)


def close_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill False runs of at most ``max_gap`` frames between True frames."""
    out = mask.copy()
    starts, ends = runs(~mask)
    for s, e in zip(starts, ends):
        if s > 0 and e < len(mask) and e - s <= max_gap:
            out[s:e] = True
    return out


def median_st(st: np.ndarray, n_frames: int) -> np.ndarray:
    """Running median of an F0 track (semitones, NaN where unvoiced) over ``n_frames`` frames centred on each
    (odd, >= 1; 1 returns ``st``), ignoring the unvoiced ones; NaN where ``st`` is. A one-frame pitch error
    (an octave slip, common at 8 kHz) then moves the track by nothing rather than by an octave."""
    if n_frames < 1 or n_frames % 2 == 0:
        raise ValueError(f"the running median's window is {n_frames} frames; it must be odd and >= 1")
    if n_frames == 1:
        return st
    win = np.lib.stride_tricks.sliding_window_view(np.pad(st, n_frames // 2, constant_values=np.nan), n_frames)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows lie where st is NaN anyway
        return np.where(np.isfinite(st), np.nanmedian(win, axis=1), np.nan)
