"""Frame levels and the speech/silence decision that pauses, drawl and articulation share.

Two 10 ms level tracks are computed once per recording: the full-band level (for levels,
SNR and charts) and the level in the telephone band, 300-3400 Hz, on which speech and silence
are decided. Deciding in the telephone band makes a wideband recording and its telephone copy
agree on where pauses start and end (soft word onsets carry most of their energy below 300
Hz; on the real clips of ../shared/audio pauses differed by up to 0.5 s between the two
before this). The silence threshold sits between the background and the speech level:
``max(noise + min(10, SNR/2), speech - 30)`` dB, so a clean studio take and a noisy call
centre both get a threshold in the gap between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio import FRAME_S, Audio, frame_power_db

FLOOR_DB = -120.0  # frames below this are digital silence


@dataclass(frozen=True, eq=False)
class Activity:
    """Frame-wise level and speech decision.

    Attributes
    ----------
    times_s : numpy.ndarray
        Frame centres, s, shape (n,).
    level_db : numpy.ndarray
        Mean-square level of each 10 ms frame, dBov (0 dBov = full-scale square wave);
        NaN for digital silence.
    smooth_db : numpy.ndarray
        ``level_db`` smoothed over 30 ms, dBov (NaN where silent).
    is_speech : numpy.ndarray
        bool, True where the frame is above the silence threshold.
    threshold_db : float
        Full-band silence threshold of the recording as a whole, dBov, for judgements made on
        the full-band track (syllable ends, the other channel's level). ``is_speech`` itself
        is decided with the same rule on the telephone-band track.
    noise_floor_db : float
        Background level (5th percentile of frame levels), dBov.
    speech_level_db : float
        Typical speech frame level (median of speech frames), dBov.
    frame_s : float
        Hop, s.
    local_threshold_db : numpy.ndarray
        The full-band threshold in force at each frame (raised where the background is
        louder), dBov.
    """

    times_s: np.ndarray
    level_db: np.ndarray
    smooth_db: np.ndarray
    is_speech: np.ndarray
    threshold_db: float
    noise_floor_db: float
    speech_level_db: float
    frame_s: float = FRAME_S
    local_threshold_db: np.ndarray | None = None

    def threshold_at(self, t_s: float) -> float:
        """The silence threshold in force at a time: raised where the background is louder."""
        if self.local_threshold_db is None or not len(self.local_threshold_db):
            return self.threshold_db
        return float(self.local_threshold_db[self.frame_at(t_s)])

    def frame_at(self, t_s: float) -> int:
        return int(np.clip(round(t_s / self.frame_s - 0.5), 0, max(0, len(self.times_s) - 1)))

    def speech_bounds_s(self, lo_s: float = -np.inf, hi_s: float = np.inf) -> tuple[float, float] | None:
        """First speech onset and last speech offset between two times (frame edges), s;
        None when no frame there is speech."""
        idx = np.flatnonzero(self.is_speech & (self.times_s >= lo_s) & (self.times_s <= hi_s))
        if len(idx) == 0:
            return None
        half = self.frame_s / 2
        return float(self.times_s[idx[0]] - half), float(self.times_s[idx[-1]] + half)

    def speech_ratio(self, start_s: float, end_s: float) -> float:
        """Fraction of frames between two times that are speech."""
        a, b = self.frame_at(start_s), self.frame_at(end_s) + 1
        return float(self.is_speech[a:b].mean()) if b > a else 0.0


def compute_activity(audio: Audio, *, active_level_dbov: float | None = None, frame_s: float = FRAME_S, narrow: Audio | None = None) -> Activity:
    """Frame levels, noise floor and speech/silence decision.

    Parameters
    ----------
    audio : Audio
        Mono analysis audio.
    active_level_dbov : float, optional
        P.56 active level, dBov; used to keep the threshold within 30 dB of speech.
    frame_s : float
        Frame hop and length, s.
    narrow : Audio, optional
        The same audio at 8 kHz, if already made (the telephone band is measured on it).

    Returns
    -------
    Activity
    """
    raw = frame_power_db(audio.samples, sample_rate_hz=audio.sample_rate_hz, frame_s=frame_s)
    n = len(raw)
    times = (np.arange(n) + 0.5) * frame_s
    level = np.where(raw > FLOOR_DB, raw, np.nan)
    smooth = _smooth_db(level, 3)
    finite = smooth[np.isfinite(smooth)]
    if len(finite) == 0:
        return Activity(times, level, smooth, np.zeros(n, bool), 0.0, FLOOR_DB, FLOOR_DB, frame_s)
    # Where >= 5 % of frames are digital silence, the background is that silence.
    silent = np.isnan(smooth).mean() >= 0.05
    noise = FLOOR_DB if silent else float(np.percentile(finite, 5))
    loud = float(np.percentile(finite, 90))
    speech_ref = active_level_dbov if active_level_dbov is not None and np.isfinite(active_level_dbov) else loud - 5
    # the same decision on the telephone-band track, with its own background and speech level
    src = narrow if narrow is not None else audio
    band_raw = band_power_db(src.samples, sample_rate_hz=src.sample_rate_hz, frame_s=frame_s, n_frames=n)
    band = _smooth_db(np.where((band_raw > FLOOR_DB) & np.isfinite(level), band_raw, np.nan), 3)
    both = np.isfinite(band) & np.isfinite(smooth) & (smooth >= np.percentile(finite, 70))
    offset = float(np.median(smooth[both] - band[both])) if both.any() else 0.0
    band_finite = band[np.isfinite(band)]
    band_noise = FLOOR_DB if silent or not len(band_finite) else float(np.percentile(band_finite, 5))
    _, band_local = _thresholds(band, band_noise, speech_ref - offset, frame_s)
    is_speech = _drop_blips(np.nan_to_num(band, nan=FLOOR_DB - 1) > band_local, frame_s)
    speech_level = float(np.median(smooth[is_speech])) if is_speech.any() else FLOOR_DB
    # the full-band threshold, for what is judged on the full-band track (syllable ends, the
    # other channel's level)
    threshold, local = _thresholds(smooth, noise, speech_ref, frame_s)
    return Activity(times, level, smooth, is_speech, float(threshold), float(noise), speech_level, frame_s, local)


def band_power_db(samples: np.ndarray, *, sample_rate_hz: int, frame_s: float, n_frames: int, lo_hz: float = 300.0, hi_hz: float = 3400.0, window_s: float = 0.025) -> np.ndarray:
    """Level of the lo..hi Hz band in each frame, dB re full scale.

    The frame's own mean-square level (the same non-overlapping ``frame_s`` frames as the
    full-band track, so pause edges keep 10 ms precision) times the share of the power that
    lies in the band, estimated from a Hann window of ``window_s`` centred on the frame: the
    window needs 25 ms for 100 Hz bins, but would smear a speech edge by half its length if its
    own level were used. An 8 kHz input (the copy the pitch tracker uses) halves the work.
    """
    hop = int(round(frame_s * sample_rate_hz))
    win = int(round(window_s * sample_rate_hz))
    x = np.asarray(samples, np.float32)
    own = frame_power_db(x, sample_rate_hz=sample_rate_hz, frame_s=frame_s)[:n_frames]
    own = np.concatenate([own, np.full(n_frames - len(own), -np.inf)])
    w = np.hanning(win).astype(np.float32)
    freqs = np.fft.rfftfreq(win, 1.0 / sample_rate_hz)
    sel = (freqs >= lo_hz) & (freqs <= min(hi_hz, sample_rate_hz / 2))
    share_db = np.empty(n_frames)
    for a in range(0, n_frames, 16384):
        b = min(n_frames, a + 16384)
        # frame k's window is centred at (k + 0.5) hop, with zeros beyond the recording's ends;
        # only this block's stretch is copied (a zero-padded copy of everything would cost a
        # third of a GB on a 3-hour call)
        centres = np.minimum(np.arange(a, b) * hop + hop // 2, len(x) + win // 2)
        lo, hi = int(centres[0]) - win // 2, int(centres[-1]) - win // 2 + win
        seg = np.zeros(hi - lo, np.float32)
        s0, s1 = max(lo, 0), min(hi, len(x))
        if s1 > s0:
            seg[s0 - lo:s1 - lo] = x[s0:s1]
        view = np.lib.stride_tricks.sliding_window_view(seg, win)
        spec = np.abs(np.fft.rfft(view[centres - centres[0]] * w, axis=1)) ** 2
        share_db[a:b] = 10 * np.log10((spec[:, sel].sum(axis=1) + 1e-30) / (spec.sum(axis=1) + 1e-30))
    return own + share_db


def _thresholds(track_db: np.ndarray, noise_db: float, speech_db: float, frame_s: float) -> tuple[float, np.ndarray]:
    """The recording's silence threshold on one level track, and the threshold in force at
    each frame (never below the recording's)."""
    threshold = _threshold(noise_db, speech_db)
    return threshold, np.maximum(threshold, _local_thresholds(track_db, speech_db, frame_s))


def _threshold(noise_db: float, speech_db: float) -> float:
    noise_db = max(noise_db, FLOOR_DB)
    return max(noise_db + min(10.0, (speech_db - noise_db) / 2), speech_db - 30.0)


def _local_thresholds(smooth: np.ndarray, speech_db: float, frame_s: float, block_s: float = 10.0) -> np.ndarray:
    """The threshold from each 10 s block's own background, interpolated between block centres.

    A call whose background changes (a door opens, a fan starts) keeps pauses detectable in its
    noisy stretch; the result is only ever used where it is above the recording's threshold.
    """
    n = len(smooth)
    b = max(1, int(round(block_s / frame_s)))
    if n < 2 * b:
        return np.full(n, -np.inf)
    centres, values = [], []
    for a in range(0, n, b):
        block = smooth[a:a + b]
        if len(block) < b // 2:
            break
        finite = block[np.isfinite(block)]
        noise = FLOOR_DB if len(finite) < 0.95 * len(block) else float(np.percentile(finite, 5))
        centres.append(a + len(block) / 2)
        values.append(_threshold(noise, speech_db))
    return np.interp(np.arange(n), centres, values)


def _smooth_db(level_db: np.ndarray, n_frames: int) -> np.ndarray:
    """Average in the power domain over n frames (centred); NaN stays NaN only if all are NaN."""
    power = np.where(np.isfinite(level_db), 10 ** (level_db / 10), 0.0)
    kernel = np.ones(n_frames) / n_frames
    smooth = np.convolve(power, kernel, mode="same")
    with np.errstate(divide="ignore"):
        out = 10 * np.log10(smooth)
    out[~np.isfinite(out)] = np.nan
    return out


def _drop_blips(speech: np.ndarray, frame_s: float, *, max_blip_s: float = 0.05, isolation_s: float = 0.15) -> np.ndarray:
    """Remove isolated speech runs shorter than ``max_blip_s`` (clicks, codec transients)."""
    starts, ends = runs(speech)
    out = speech.copy()
    gap = int(round(isolation_s / frame_s))
    for k, (s, e) in enumerate(zip(starts, ends)):
        if (e - s) * frame_s >= max_blip_s:
            continue
        before = s - ends[k - 1] if k > 0 else gap
        after = starts[k + 1] - e if k + 1 < len(starts) else gap
        if before >= gap and after >= gap:
            out[s:e] = False
    return out


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of a boolean array."""
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges[0::2], edges[1::2]
