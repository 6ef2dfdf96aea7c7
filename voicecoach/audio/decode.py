"""Load any recording once: decode, pick or mix channels, resample to the analysis rate.

Every later stage (recognition, level, pitch, pauses, drawl) works on the one
:class:`Audio` value this module returns, at :data:`ANALYSIS_RATE_HZ`. Decoding is done in
blocks and resampled as a stream, so a one-hour call never exists as several full-rate
copies in memory. What only the original samples can tell (clipping, whether the channels
carry different talkers) is measured on the way through.

Conventions: see :mod:`voicecoach.audio.types`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from voicecoach.i18n import N_
from voicecoach.audio.blocks import DecodeState, Header, duration_text
from voicecoach.audio.mix import channel_selector, consume
from voicecoach.audio.types import BLOCK_S, LoadedAudio
from voicecoach.errors import (
    AudioTooLongError,
    AudioTooShortError,
    CorruptAudioError,
    EmptyAudioError,
    UnsupportedAudioError,
    display_name,
)
from voicecoach.audio.filecheck import MIN_DURATION_S, check_path, check_shape, check_wav, looks_like_text, ogg_complete

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".oga", ".mp3", ".m4a", ".aac", ".mp4", ".wma", ".amr", ".webm", ".aif", ".aiff", ".caf")


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
            raise EmptyAudioError.of(N_("{name} holds no audio samples (0 frames); record or export it again"), name=name)
        if header.n_frames is not None and header.n_frames / header.sample_rate_hz > max_duration_s:
            raise AudioTooLongError.of(
                N_("{name} is {duration} long; at most {limit} is analysed at once: split the recording, or raise --max-duration"),
                name=name, duration=duration_text(header.n_frames / header.sample_rate_hz), limit=duration_text(max_duration_s),
            )
        selector = channel_selector(channel, header.n_channels, name)
        loaded = consume(blocks, header, selector, str(p), channel, max_duration_s, state)
    finally:
        state.close()
    if loaded.source.duration_s < MIN_DURATION_S:
        if any(n.code == "truncated" for n in loaded.notices):
            short = N_("{name} is too short ({duration_s:.2f} s (the file is cut short)); at least {min_s:.0f} s of speech is needed: record a longer sample")
        else:
            short = N_("{name} is too short ({duration_s:.2f} s); at least {min_s:.0f} s of speech is needed: record a longer sample")
        raise AudioTooShortError.of(short, name=name, duration_s=loaded.source.duration_s, min_s=MIN_DURATION_S)
    return loaded


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
        raise EmptyAudioError.of(N_("the audio array is empty; pass at least a few seconds of speech"))
    if not np.all(np.isfinite(x)):
        raise CorruptAudioError.of(N_("the audio array holds NaN or infinite samples; check how it was produced"))
    header = Header("array", "float32", int(sample_rate_hz), x.shape[1], x.shape[0])
    selector = channel_selector(channel, x.shape[1], "the array")
    step = int(BLOCK_S * sample_rate_hz)
    blocks = (x[i:i + step] for i in range(0, len(x), step))
    return consume(blocks, header, selector, "<array>", channel, float("inf"))


# ---------------------------------------------------------------------------------- decoding


def _open_blocks(p: Path, name: str) -> tuple[Header, Iterator[np.ndarray], DecodeState]:
    import soundfile as sf

    with open(p, "rb") as f:
        head = f.read(4096)
    state = DecodeState()
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
            header = Header(info.format, info.subtype, int(info.samplerate), int(info.channels), int(info.frames))
        except Exception as sf_error:  # libsndfile cannot read it: try FFmpeg
            log.debug("soundfile cannot open %s (%s); trying FFmpeg", name, sf_error)
        else:
            if header.n_frames == 0 and os.path.getsize(p) > 4096:  # e.g. a cut Ogg: FFmpeg decodes what is there
                log.debug("libsndfile finds no frames in %s; trying FFmpeg", name)
                return _av_checked(p, name, head, state)
            check_shape(header.sample_rate_hz, header.n_channels, name)
            return header, _sf_blocks(p, name, header, state), state
    return _av_checked(p, name, head, state)


def _av_checked(p: Path, name: str, head: bytes, state: DecodeState) -> tuple[Header, Iterator[np.ndarray], DecodeState]:
    header, blocks = _av_open(p, name, head, state)
    try:
        check_shape(header.sample_rate_hz, header.n_channels, name)
    except BaseException:
        state.close()
        raise
    return header, blocks, state


def _sf_read(p: Path, *, start: int, frames: int) -> Iterator[np.ndarray]:
    """Blocks of ``frames`` frames from frame ``start`` on, until the end (or an exception)."""
    import soundfile as sf

    with sf.SoundFile(os.fsencode(p)) as f:
        if start:
            f.seek(start)
        while len(block := f.read(frames, dtype="float32", always_2d=True)):
            yield block


def _sf_blocks(p: Path, name: str, header: Header, state: DecodeState) -> Iterator[np.ndarray]:
    """Blocks from libsndfile; a damaged or cut body yields what precedes the damage."""
    n_read = 0
    try:
        for block in _sf_read(p, start=0, frames=int(BLOCK_S * header.sample_rate_hz)):
            n_read += len(block)
            yield block
        return
    except Exception as e:  # a truncated or damaged body: read up to the damage in small steps
        log.debug("%s: libsndfile stopped after %d frames (%s)", name, n_read, e)
    try:
        for block in _sf_read(p, start=n_read, frames=max(1, header.sample_rate_hz // 20)):
            n_read += len(block)
            yield block
    except Exception as e:
        log.debug("%s: damaged at frame %d (%s)", name, n_read, e)
    state.stopped_early = True
    if n_read == 0:
        raise CorruptAudioError.of(N_("{name} is damaged right after its header and holds no readable audio; copy or export it again"), name=name)


def _av_open(p: Path, name: str, head: bytes, state: DecodeState) -> tuple[Header, Iterator[np.ndarray]]:
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
                raise UnsupportedAudioError.of(N_("{name} is not audio (it reads as a picture); give a recording (WAV, FLAC, MP3, M4A, OGG)"), name=name)
            raise UnsupportedAudioError.of(N_("{name} has no audio stream (it holds {kinds} only); give a recording with sound"), name=name, kinds=', '.join(kinds))
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
        header = Header(container.format.name, ctx.name, rate, n_ch, n_frames if n_frames else None)
    except BaseException:
        state.close()
        raise
    return header, _av_blocks(name, container, stream, n_ch, state)


def _av_blocks(name: str, container, stream, n_ch: int, state: DecodeState) -> Iterator[np.ndarray]:
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
            raise CorruptAudioError.of(N_("{name} cannot be decoded: its audio is damaged from the start; copy or export it again"), name=name) from None
        log.warning("%s: decoding stopped early (%s); analysing the %d samples before the damage", name, e, n_decoded)
        state.stopped_early = True
    finally:
        container.close()


def _undecodable(name: str, head: bytes) -> Exception:
    if looks_like_text(head):
        return UnsupportedAudioError.of(N_("{name} is a text file, not audio; give a recording (WAV, FLAC, MP3, M4A, OGG)"), name=name)
    if head[4:8] == b"ftyp":
        return CorruptAudioError.of(N_("{name} is an incomplete MP4/M4A file (its index is missing: it was cut off while saving or copying); copy or export it again"), name=name)
    return CorruptAudioError.of(N_("{name} cannot be decoded as audio (not a format voicecoach reads, or damaged); check that it is a recording, or convert it to WAV"), name=name)


