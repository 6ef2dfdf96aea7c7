"""Load any recording once: decode, pick or mix channels, resample to the analysis rate.

Every later stage (recognition, level, pitch, pauses, drawl) works on the one
:class:`Audio` value this module returns, at :data:`ANALYSIS_RATE_HZ`. Decoding is done in
blocks and resampled as a stream, so a one-hour call never exists as several full-rate
copies in memory. What only the original samples can tell (clipping, whether the channels
carry different talkers) is measured on the way through.

Conventions
-----------
Samples are float32 with digital full scale at +-1.0. ``peak_dbfs`` is the sample peak
relative to full scale (0 dBFS = a sample at +-1.0). Speech levels elsewhere are in dBov
(ITU-T P.56): 0 dBov is the RMS of a full-scale square wave, so a full-scale sine measures
-3.01 dBov.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from voicecoach.errors import (
    AudioTooLongError,
    AudioTooShortError,
    ChannelError,
    CorruptAudioError,
    EmptyAudioError,
    Notice,
    UnsupportedAudioError,
    display_name,
)
from voicecoach.filecheck import MIN_DURATION_S, MIN_RATE_HZ, check_path, check_shape, check_wav, looks_like_text, ogg_complete

log = logging.getLogger(__name__)

ANALYSIS_RATE_HZ = 16_000
"""Sample rate of the analysis copy: Whisper's rate, enough for speech F0 and level."""

NARROW_RATE_HZ = 8_000
"""Sample rate of the telephone-band copy that speech activity and the pitch tracker share
(F0 <= 500 Hz needs no more; it halves the tracker's FFT work)."""

FRAME_S = 0.010
"""Hop of every frame-wise track in voicecoach (10 ms)."""

_BLOCK_S = 20.0
CLIP_LEVEL = 0.999
"""|x| at or above this counts as a full-scale (clipped) sample, in the file check and in articulation's causes."""

_CLIP_RUN = 3  # consecutive full-scale samples that count as a clipped run
_QUIET_PEAK_DBFS = -40.0  # a recording peaking below this gets a "very quiet" notice
_CANCEL_DB = 30.0  # a mix this far below its channels means they cancel (phase-inverted)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".oga", ".mp3", ".m4a", ".aac", ".mp4", ".wma", ".amr", ".webm", ".aif", ".aiff", ".caf")


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono audio samples with their sample rate.

    Attributes
    ----------
    samples : numpy.ndarray
        float32, shape (n_samples,), full scale +-1.0.
    sample_rate_hz : int
        Samples per second.
    """

    samples: np.ndarray
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz

    def content_sha256(self) -> str:
        """SHA-256 of the samples and rate: the key of every cache."""
        digest = hashlib.sha256(str(self.sample_rate_hz).encode())
        digest.update(np.ascontiguousarray(self.samples, dtype=np.float32).tobytes())
        return digest.hexdigest()

    def slice_s(self, start_s: float, end_s: float) -> np.ndarray:
        """Samples between two times (clamped to the recording)."""
        a = max(0, int(round(start_s * self.sample_rate_hz)))
        b = min(len(self.samples), int(round(end_s * self.sample_rate_hz)))
        return self.samples[a:max(a, b)]


@dataclass(frozen=True)
class SourceInfo:
    """What the original file was and what was measured on its original samples.

    Attributes
    ----------
    path : str
        The file as given ("<array>" when samples were passed in directly).
    format : str
        Container, e.g. ``"WAV"``, ``"FLAC"``, ``"MP3"``, ``"mov,mp4,m4a..."``.
    codec : str
        Sample encoding, e.g. ``"PCM_16"``, ``"ULAW"``, ``"aac"``.
    sample_rate_hz : int
        Original rate.
    n_channels : int
        Channels in the file.
    channel : str
        What was analysed: ``"mix"`` or a channel name/number.
    duration_s : float
        Decoded length.
    peak_dbfs : float
        Sample peak of the analysed channel(s), dB re full scale (-inf for digital silence).
    clipped_ratio : float
        Fraction of samples that sit in runs of >= 3 consecutive full-scale samples.
    channel_similarity : float or None
        Correlation (0..1) of the channels' 10 ms level envelopes; None for mono.
    """

    path: str
    format: str
    codec: str
    sample_rate_hz: int
    n_channels: int
    channel: str
    duration_s: float
    peak_dbfs: float
    clipped_ratio: float
    channel_similarity: float | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class LoadedAudio:
    """The analysis copy of a recording and what is known about its source.

    Attributes
    ----------
    audio : Audio
        The analysed channel (or mix) at :data:`ANALYSIS_RATE_HZ`.
    source : SourceInfo
        The original file's properties.
    other_level_db : numpy.ndarray or None
        For multi-channel input analysed on one channel: the 10 ms frame level (dB re full
        scale, mean square) of the loudest *other* channel, to tell a pause from listening.
    notices : tuple of Notice
        Degraded-input warnings found while loading.
    """

    audio: Audio
    source: SourceInfo
    other_level_db: np.ndarray | None = None
    notices: tuple[Notice, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Header:
    format: str
    codec: str
    sample_rate_hz: int
    n_channels: int
    n_frames: int | None  # None when the container does not say


@dataclass
class _Decode:
    """What decoding learnt about the file's completeness (filled in as blocks are read)."""

    promised_frames: int | None = None  # what the header says, when it says more than is there
    stopped_early: bool = False  # the body is damaged or cut: decoding ended before its end
    notices: list = field(default_factory=list)
    closers: list = field(default_factory=list)  # what to close once decoding ends or is refused

    def close(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing twice or after an error is harmless
                pass


def load_audio(
    path: str | os.PathLike,
    *,
    channel: str = "mix",
    max_duration_s: float = 4 * 3600.0,
) -> LoadedAudio:
    """Decode a recording and return its mono analysis copy at 16 kHz.

    Parameters
    ----------
    path : str or path-like
        WAV (PCM 8/16/24/32-bit, float, mu-law, A-law), FLAC, OGG/Vorbis/Opus, MP3, M4A/AAC,
        or anything else FFmpeg decodes.
    channel : str
        ``"mix"`` (average of all channels), ``"left"``/``"right"``, or a 1-based channel
        number (``"1"``, ``"2"``...).
    max_duration_s : float
        Longer recordings are refused before decoding, s (> 0).

    Returns
    -------
    LoadedAudio

    Raises
    ------
    InputError
        Missing, empty, corrupt, truncated, non-audio, too short or over-long files, things
        that are not files (folders, pipes, devices, looping links), or an unknown channel.
        Messages name the file, never its folder.
    """
    p = Path(path)
    name = display_name(p)
    check_path(p, name)
    header, blocks, state = _open_blocks(p, name)
    try:
        if header.n_frames == 0:
            raise EmptyAudioError(f"{name} holds no audio samples (0 frames); record or export it again")
        if header.n_frames is not None and header.n_frames / header.sample_rate_hz > max_duration_s:
            raise AudioTooLongError(
                f"{name} is {_duration(header.n_frames / header.sample_rate_hz)} long; at most "
                f"{_duration(max_duration_s)} is analysed at once: split the recording, or raise --max-duration"
            )
        selector = _channel_selector(channel, header.n_channels, name)
        loaded = _consume(blocks, header, selector, str(p), channel, max_duration_s, state)
    finally:
        state.close()
    if loaded.source.duration_s < MIN_DURATION_S:
        cut = " (the file is cut short)" if any(n.code == "truncated" for n in loaded.notices) else ""
        raise AudioTooShortError(f"{name} is too short ({loaded.source.duration_s:.2f} s{cut}); at least {MIN_DURATION_S:.0f} s of speech is needed: record a longer sample")
    return loaded


def _duration(seconds: float) -> str:
    """A length as people say it: 40 s, 12 min, 3.5 h."""
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def audio_from_array(samples: np.ndarray, *, sample_rate_hz: int, channel: str = "mix") -> LoadedAudio:
    """Build the analysis copy from samples already in memory (tests, notebooks).

    Parameters
    ----------
    samples : numpy.ndarray
        Shape (n,) or (n, channels), float (full scale +-1.0) or integer PCM.
    sample_rate_hz : int
        Rate of ``samples``, Hz (> 0).
    channel : str
        As in :func:`load_audio`.
    """
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(2 ** (8 * x.dtype.itemsize - 1))
    x = x.astype(np.float32, copy=False)
    if x.ndim == 1:
        x = x[:, None]
    if x.size == 0:
        raise EmptyAudioError("the audio array is empty; pass at least a few seconds of speech")
    if not np.all(np.isfinite(x)):
        raise CorruptAudioError("the audio array holds NaN or infinite samples; check how it was produced")
    header = _Header("array", "float32", int(sample_rate_hz), x.shape[1], x.shape[0])
    selector = _channel_selector(channel, x.shape[1], "the array")
    step = int(_BLOCK_S * sample_rate_hz)
    blocks = (x[i:i + step] for i in range(0, len(x), step))
    return _consume(blocks, header, selector, "<array>", channel, float("inf"))


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
    step = int(_BLOCK_S * from_rate_hz)
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


# ---------------------------------------------------------------------------------- decoding


def _open_blocks(p: Path, name: str) -> tuple[_Header, Iterator[np.ndarray], _Decode]:
    import soundfile as sf

    with open(p, "rb") as f:
        head = f.read(4096)
    state = _Decode()
    wav = check_wav(p, name, head)
    if wav is not None:
        state.promised_frames = wav.promised_frames
        if wav.notice is not None:
            state.notices.append(wav.notice)
    if head[:4] == b"OggS" and not ogg_complete(p):
        state.stopped_early = True
    if wav is None or not wav.use_ffmpeg:
        try:
            info = sf.info(os.fsencode(p))
            header = _Header(info.format, info.subtype, int(info.samplerate), int(info.channels), int(info.frames))
        except Exception as sf_error:  # libsndfile cannot read it: try FFmpeg
            log.debug("soundfile cannot open %s (%s); trying FFmpeg", name, sf_error)
        else:
            if header.n_frames == 0 and os.path.getsize(p) > 4096:  # e.g. a cut Ogg: FFmpeg decodes what is there
                log.debug("libsndfile finds no frames in %s; trying FFmpeg", name)
                return _av_checked(p, name, head, state)
            check_shape(header.sample_rate_hz, header.n_channels, name)
            return header, _sf_blocks(p, name, header, state), state
    return _av_checked(p, name, head, state)


def _av_checked(p: Path, name: str, head: bytes, state: _Decode) -> tuple[_Header, Iterator[np.ndarray], _Decode]:
    header, blocks = _av_open(p, name, head, state)
    try:
        check_shape(header.sample_rate_hz, header.n_channels, name)
    except BaseException:
        state.close()
        raise
    return header, blocks, state


def _sf_blocks(p: Path, name: str, header: _Header, state: _Decode) -> Iterator[np.ndarray]:
    """Blocks from libsndfile; a damaged or cut body yields what precedes the damage."""
    import soundfile as sf

    step = int(_BLOCK_S * header.sample_rate_hz)
    n_read = 0
    try:
        with sf.SoundFile(os.fsencode(p)) as f:
            while True:
                block = f.read(step, dtype="float32", always_2d=True)
                if len(block) == 0:
                    return
                n_read += len(block)
                yield block
    except Exception as e:  # a truncated or damaged body: read up to the damage in small steps
        log.debug("%s: libsndfile stopped after %d frames (%s)", name, n_read, e)
    small = max(1, header.sample_rate_hz // 20)
    try:
        with sf.SoundFile(os.fsencode(p)) as f:
            f.seek(n_read)
            while True:
                block = f.read(small, dtype="float32", always_2d=True)
                if len(block) == 0:
                    break
                n_read += len(block)
                yield block
    except Exception as e:
        log.debug("%s: damaged at frame %d (%s)", name, n_read, e)
    state.stopped_early = True
    if n_read == 0:
        raise CorruptAudioError(f"{name} is damaged right after its header and holds no readable audio; copy or export it again")


def _av_open(p: Path, name: str, head: bytes, state: _Decode) -> tuple[_Header, Iterator[np.ndarray]]:
    import av

    source = str(p) if name == p.name else open(p, "rb")  # a name that is not UTF-8 goes as a file object
    if not isinstance(source, str):
        state.closers.append(source.close)
    try:
        container = av.open(source)
    except Exception as e:
        log.debug("FFmpeg cannot open %s (%s)", name, e)
        state.close()
        raise _undecodable(name, head) from None
    state.closers.insert(0, container.close)
    try:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            kinds = sorted({s.type for s in container.streams} - {"data", "attachment"})
            if not kinds:
                raise _undecodable(name, head)
            if kinds == ["video"] and ("image" in container.format.name or "pipe" in container.format.name):
                raise UnsupportedAudioError(f"{name} is not audio (it reads as a picture); give a recording (WAV, FLAC, MP3, M4A, OGG)")
            raise UnsupportedAudioError(f"{name} has no audio stream (it holds {', '.join(kinds)} only); give a recording with sound")
        stream = streams[0]
        ctx = stream.codec_context
        rate = int(getattr(ctx, "sample_rate", 0) or stream.rate or 0)
        layout = getattr(ctx, "layout", None)
        n_ch = int(getattr(ctx, "channels", 0) or 0) or (len(layout.channels) if layout is not None else 0)
        if rate <= 0 or n_ch <= 0 or layout is None:
            raise _undecodable(name, head)
        n_frames = None
        if stream.duration is not None and stream.time_base is not None:
            n_frames = int(round(float(stream.duration * stream.time_base) * rate))
        elif container.duration:
            n_frames = int(round(container.duration / 1_000_000 * rate))
        header = _Header(container.format.name, ctx.name, rate, n_ch, n_frames if n_frames else None)
    except BaseException:
        state.close()
        raise
    return header, _av_blocks(name, container, stream, n_ch, state)


def _av_blocks(name: str, container, stream, n_ch: int, state: _Decode) -> Iterator[np.ndarray]:
    import av

    n_decoded = 0
    try:
        resampler = av.AudioResampler(format="flt", layout=stream.codec_context.layout, rate=stream.codec_context.sample_rate)
        for packet in container.demux(stream):
            for frame in packet.decode():
                for out in resampler.resample(frame):
                    block = out.to_ndarray().reshape(-1, n_ch)
                    n_decoded += len(block)
                    yield block
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1, n_ch)
    except (av.error.FFmpegError, ValueError) as e:
        if n_decoded == 0:
            log.debug("FFmpeg cannot decode %s (%s)", name, e)
            raise CorruptAudioError(f"{name} cannot be decoded: its audio is damaged from the start; copy or export it again") from None
        log.warning("%s: decoding stopped early (%s); analysing the %d samples before the damage", name, e, n_decoded)
        state.stopped_early = True
    finally:
        container.close()


def _undecodable(name: str, head: bytes) -> Exception:
    if looks_like_text(head):
        return UnsupportedAudioError(f"{name} is a text file, not audio; give a recording (WAV, FLAC, MP3, M4A, OGG)")
    if head[4:8] == b"ftyp":
        return CorruptAudioError(f"{name} is an incomplete MP4/M4A file (its index is missing: it was cut off while saving or copying); copy or export it again")
    return CorruptAudioError(f"{name} cannot be decoded as audio (not a format voicecoach reads, or damaged); check that it is a recording, or convert it to WAV")


# ------------------------------------------------------------------------- channels and mixing


def _channel_selector(channel: str, n_channels: int, name: str) -> int | None:
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
        raise ChannelError(f"unknown channel '{channel}'; use mix, left, right or a channel number from 1 to {n_channels}")
    if not 0 <= index < n_channels:
        raise ChannelError(f"{name} has {n_channels} channel(s), so channel '{channel}' does not exist; use mix or 1..{n_channels}")
    return index


class _Accumulator:
    """Consumes native-rate blocks; keeps only the 16 kHz analysis copy and small tracks."""

    def __init__(self, header: _Header, selector: int | None, name: str = "the recording") -> None:
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


def _consume(blocks: Iterator[np.ndarray], header: _Header, selector: int | None, path: str, channel: str, max_duration_s: float,
             state: _Decode | None = None) -> LoadedAudio:
    name = display_name(path) if path != "<array>" else "the array"
    acc = _Accumulator(header, selector, name)
    state = state or _Decode()
    for block in blocks:
        acc.feed(block)
        if acc.n_in / header.sample_rate_hz > max_duration_s:
            raise AudioTooLongError(
                f"{name} is longer than {_duration(max_duration_s)}, the most analysed at once; "
                "split the recording, or raise --max-duration"
            )
    samples = acc.finish()
    if acc.n_in == 0 or len(samples) == 0:
        raise EmptyAudioError(f"{name} holds no audio samples; record or export it again")
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
        raise ChannelError(f"the {header.n_channels} channels of {name} cancel each other out when mixed (one is phase-inverted); analyse one with --channel left (or 1)")
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
