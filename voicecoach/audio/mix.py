"""Channels and mixing: pick or mix the decoded blocks, resample them as a stream to the
analysis rate, and measure on the way what only the original samples tell (clipping, the
other channel's level, whether the channels carry different talkers, cancelling channels)."""

from __future__ import annotations

import logging
from typing import Iterator

import numpy as np

from voicecoach.i18n import N_
from voicecoach.audio.blocks import DecodeState, Header, duration_text
from voicecoach.audio.types import ANALYSIS_RATE_HZ, CLIP_LEVEL, FRAME_S, Audio, LoadedAudio, SourceInfo
from voicecoach.errors import AudioTooLongError, ChannelError, CorruptAudioError, EmptyAudioError, Notice, display_name

log = logging.getLogger(__name__)

_CLIP_RUN = 3  # consecutive full-scale samples that count as a clipped run
_QUIET_PEAK_DBFS = -40.0  # a recording peaking below this gets a "very quiet" notice
_CANCEL_DB = 30.0  # a mix this far below its channels means they cancel (phase-inverted)


def channel_selector(channel: str, n_channels: int, name: str) -> int | None:
    """Index of the channel to analyse, or None to mix them all."""
    c = str(channel).strip().lower()
    if c in ("mix", "mono", "all", ""):
        return None
    names = {"left": 0, "l": 0, "right": 1, "r": 1}
    if c in names:
        index = names[c]
    elif c.isdigit():
        index = int(c) - 1
    else:
        raise ChannelError.of(N_("unknown channel '{channel}'; use mix, left, right or a channel number from 1 to {n_channels}"), channel=channel, n_channels=n_channels)
    if not 0 <= index < n_channels:
        raise ChannelError.of(N_("{name} has {n_channels} channel(s), so channel '{channel}' does not exist; use mix or 1..{n_channels}"), name=name, n_channels=n_channels, channel=channel)
    return index


class _Accumulator:
    """Consumes native-rate blocks; keeps only the 16 kHz analysis copy and small tracks."""

    def __init__(self, header: Header, selector: int | None, name: str = "the recording") -> None:
        import soxr

        self.header = header
        self.name = name
        self.mix_energy = 0.0
        self.channel_energy = 0.0
        self.selector = selector
        rate = header.sample_rate_hz
        self.stream = None if rate == ANALYSIS_RATE_HZ else soxr.ResampleStream(rate, ANALYSIS_RATE_HZ, 1, dtype="float32")
        expected = None if header.n_frames is None else int(np.ceil(header.n_frames * ANALYSIS_RATE_HZ / rate)) + 64
        self.out = np.empty(expected, dtype=np.float32) if expected else None
        self.parts: list[np.ndarray] = []
        self.n_out = 0
        self.n_in = 0
        self.peak = 0.0
        self.n_clipped = 0
        self.frame = max(1, int(round(FRAME_S * rate)))
        self.carry = np.zeros((0, header.n_channels), dtype=np.float32)
        self.channel_db: list[np.ndarray] = []
        self.run_tail = 0

    def feed(self, block: np.ndarray, last: bool = False) -> None:
        if not np.isfinite(block).all():
            bad = int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise CorruptAudioError(
                f"{self.name} holds samples that are not numbers (NaN or infinite) at {(self.n_in + bad) / self.header.sample_rate_hz:.1f} s; "
                "the file is damaged or was written by a faulty program: export it again"
            )
        self.n_in += len(block)
        mono = block.mean(axis=1) if self.selector is None else block[:, self.selector]
        if self.selector is None and self.header.n_channels > 1:
            self.mix_energy += float(np.dot(mono, mono))
            self.channel_energy += float(np.einsum("ij,ij->", block, block, dtype=np.float64)) / self.header.n_channels
        if len(mono):
            self.peak = max(self.peak, float(np.max(np.abs(mono))))
            self._count_clipping(block if self.selector is None else block[:, [self.selector]])
        if self.header.n_channels > 1:
            self._channel_levels(block)
        y = mono if self.stream is None else self.stream.resample_chunk(np.ascontiguousarray(mono), last=last)
        self._append(np.asarray(y, dtype=np.float32))

    def finish(self) -> np.ndarray:
        if self.stream is not None:
            self._append(np.asarray(self.stream.resample_chunk(np.zeros(0, np.float32), last=True), dtype=np.float32))
        if self.out is not None and not self.parts:
            return self.out[: self.n_out]
        head = [self.out[: self.n_out]] if self.out is not None else []
        return np.concatenate(head + self.parts) if (head or self.parts) else np.zeros(0, np.float32)

    def _append(self, y: np.ndarray) -> None:
        if not len(y):
            return
        if self.out is not None and not self.parts and self.n_out + len(y) <= len(self.out):
            self.out[self.n_out:self.n_out + len(y)] = y
            self.n_out += len(y)
        else:
            self.parts.append(y)

    def _count_clipping(self, block: np.ndarray) -> None:
        # A clipped run: >= _CLIP_RUN consecutive samples at full scale in any analysed channel.
        at_max = (np.abs(block) >= CLIP_LEVEL).any(axis=1)
        if not at_max.any():
            self.run_tail = 0
            return
        padded = np.concatenate(([0], at_max.astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(padded))
        starts, ends = edges[0::2], edges[1::2]
        lengths = ends - starts
        if len(starts) and starts[0] == 0:
            lengths[0] += self.run_tail
        self.n_clipped += int(lengths[lengths >= _CLIP_RUN].sum())
        self.run_tail = int(lengths[-1]) if ends[-1] == len(at_max) else 0

    def _channel_levels(self, block: np.ndarray) -> None:
        x = np.concatenate([self.carry, block]) if len(self.carry) else block
        m = len(x) // self.frame
        frames = x[: m * self.frame].reshape(m, self.frame, x.shape[1])
        self.channel_db.append(10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20))
        self.carry = x[m * self.frame:]


def consume(blocks: Iterator[np.ndarray], header: Header, selector: int | None, path: str, channel: str, max_duration_s: float,
             state: DecodeState | None = None) -> LoadedAudio:
    name = display_name(path) if path != "<array>" else "the array"
    acc = _Accumulator(header, selector, name)
    state = state or DecodeState()
    for block in blocks:
        acc.feed(block)
        if acc.n_in / header.sample_rate_hz > max_duration_s:
            raise AudioTooLongError(
                f"{name} is longer than {duration_text(max_duration_s)}, the most analysed at once; "
                "split the recording, or raise --max-duration"
            )
    samples = acc.finish()
    if acc.n_in == 0 or len(samples) == 0:
        raise EmptyAudioError.of(N_("{name} holds no audio samples; record or export it again"), name=name)
    notices: list[Notice] = list(state.notices)
    rate = header.sample_rate_hz
    promised = max(header.n_frames or 0, state.promised_frames or 0)
    held_s = acc.n_in / rate
    if promised and acc.n_in < 0.98 * promised - rate * 0.05:
        log.warning("%s: header promises %d samples, file holds %d (truncated)", name, promised, acc.n_in)
        notices.append(Notice("truncated", f"the file is truncated: its header promises {promised / rate:.1f} s but it holds {held_s:.1f} s; the analysis covers what is there", {"promised_s": round(promised / rate, 1), "held_s": round(held_s, 1)}))
    elif state.stopped_early:
        notices.append(Notice("truncated", f"the file is truncated (it ends in the middle of its audio, as a cut copy does); the analysis covers the {held_s:.1f} s that are there", {"promised_s": None, "held_s": round(held_s, 1)}))
    if acc.channel_energy > 0 and 10 * np.log10(acc.channel_energy / acc.n_in + 1e-30) > -80 and acc.mix_energy < acc.channel_energy * 10 ** (-_CANCEL_DB / 10):
        raise ChannelError.of(N_("the {n_channels} channels of {name} cancel each other out when mixed (one is phase-inverted); analyse one with --channel left (or 1)"), n_channels=header.n_channels, name=name)
    if 0 < acc.peak < 10 ** (_QUIET_PEAK_DBFS / 20):
        peak_db = 20 * np.log10(acc.peak)
        notices.append(Notice("very_quiet", f"the recording is very quiet (peak {peak_db:.0f} dBFS); it was measured as it is, but check the microphone gain", {"peak_dbfs": round(float(peak_db), 1)}))
    similarity, other_db = None, None
    if header.n_channels > 1 and acc.channel_db:
        levels = np.concatenate(acc.channel_db)
        similarity = _envelope_similarity(levels)
        if selector is not None:
            others = np.delete(levels, selector, axis=1)
            other_db = others.max(axis=1)
            other_db = _to_analysis_frames(other_db, len(samples))
        elif similarity is not None and similarity < 0.5:
            notices.append(Notice(
                "channels_differ",
                f"the {header.n_channels} channels carry different sound (level correlation {similarity:.2f}), "
                "probably different speakers; they were mixed: choose the agent's channel with --channel left/right",
                {"n_channels": header.n_channels, "similarity": round(similarity, 2)},
            ))
    clipped_ratio = acc.n_clipped / max(1, acc.n_in)
    source = SourceInfo(
        path=path,
        format=header.format,
        codec=header.codec,
        sample_rate_hz=header.sample_rate_hz,
        n_channels=header.n_channels,
        channel=str(channel),
        duration_s=acc.n_in / header.sample_rate_hz,
        peak_dbfs=float(20 * np.log10(acc.peak)) if acc.peak > 0 else float("-inf"),
        clipped_ratio=float(clipped_ratio),
        channel_similarity=similarity,
    )
    return LoadedAudio(Audio(samples, ANALYSIS_RATE_HZ), source, other_db, tuple(notices))


def _envelope_similarity(levels_db: np.ndarray) -> float | None:
    """Correlation of the channels' level envelopes over frames where any channel is active."""
    if len(levels_db) < 50:
        return None
    top = np.percentile(levels_db.max(axis=1), 95)
    active = levels_db.max(axis=1) > top - 40
    if active.sum() < 20:
        return None
    x = np.clip(levels_db[active], top - 60, None)
    corr = np.corrcoef(x.T)
    off = corr[~np.eye(len(corr), dtype=bool)]
    off = off[np.isfinite(off)]
    return float(np.clip(off.min(), 0.0, 1.0)) if len(off) else 1.0


def _to_analysis_frames(track_db: np.ndarray, n_samples: int) -> np.ndarray:
    n_frames = n_samples // int(FRAME_S * ANALYSIS_RATE_HZ)
    if len(track_db) >= n_frames:
        return track_db[:n_frames]
    return np.concatenate([track_db, np.full(n_frames - len(track_db), -np.inf)])  # past its end the other channel is silent
