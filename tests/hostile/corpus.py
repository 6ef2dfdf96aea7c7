"""A seeded generator of hostile and odd inputs, each with the outcome voicecoach must give.

Nothing here is copied from ``../shared``: every file is synthesised (``tests/synth.py``
speech-like syllables, noise, tones) or built byte by byte (lying WAV headers), from one
``numpy.random.Generator``, so the corpus is the same on every run and machine.

Each :class:`Case` writes one input into a folder and says what ``voicecoach analyze`` must do
with it: a report (carrying some notices, and not others), or an error whose message contains
a given phrase, with a given exit code. ``python -m hostile.corpus OUT`` (from ``tests/``)
writes the whole corpus into ``OUT`` for a look by hand.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from synth import utterance  # noqa: E402

SR = 16_000
Builder = Callable[[Path, np.random.Generator], str]


@dataclass(frozen=True)
class Case:
    """One hostile input and its expected outcome.

    Attributes
    ----------
    id : str
        Test id (ASCII).
    build : callable
        ``build(folder, rng)`` writes the input into ``folder`` and returns the argument to
        give ``voicecoach analyze`` (usually the file's path; ``os.fsdecode`` of bytes names).
    expect : str
        ``"report"``, or the error class: ``"empty"``, ``"corrupt"``, ``"unsupported"``,
        ``"not_found"``, ``"not_a_file"``, ``"too_short"``, ``"silent"``, ``"no_speech"``,
        ``"bad_channel"``, ``"too_long"``.
    message : str
        A phrase the error message must contain (errors only).
    notices : tuple of str
        Notice codes the report must carry.
    absent : tuple of str
        Notice codes the report must not carry.
    args : tuple of str
        Extra command-line arguments; ``{in}`` stands for the folder the case was built in.
    exit_code : int
        Expected exit status (0 for a report, 2 for bad input).
    """

    id: str
    build: Builder
    expect: str
    message: str = ""
    notices: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    args: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return {"report": 0, "script": 4, "targets": 4}.get(self.expect, 2)


# ------------------------------------------------------------------------------------ signals


def speech(sr: int = SR, *, level_dbfs: float = -20.0, phrases: tuple[int, ...] = (7, 7)) -> np.ndarray:
    """About 4.4 s of syllable-like speech (two phrases, a 0.5 s pause) at ``sr``."""
    return utterance(list(phrases), pause_s=0.5, sr=sr, level_dbfs=level_dbfs).samples.astype(np.float64)


def noise(rng: np.random.Generator, n: int, level_dbfs: float) -> np.ndarray:
    return rng.standard_normal(n) * 10 ** (level_dbfs / 20)


def sine(f_hz: float, seconds: float, sr: int = SR, amp: float = 0.3) -> np.ndarray:
    return amp * np.sin(2 * np.pi * f_hz * np.arange(int(seconds * sr)) / sr)


def music(rng: np.random.Generator, seconds: float = 5.0, sr: int = SR) -> np.ndarray:
    """Sustained chords (0.8-1.5 s each, legato, slow attack): music-like, not syllables."""
    out = []
    while sum(map(len, out)) < seconds * sr:
        dur = rng.uniform(0.8, 1.5)
        n = int(dur * sr)
        t = np.arange(n) / sr
        root = 110 * 2 ** (rng.integers(0, 12) / 12)
        chord = sum(np.sin(2 * np.pi * root * r * t) / (i + 1) for i, r in enumerate((1, 1.26, 1.5, 2)))
        env = np.minimum(1, t / 0.15) * np.minimum(1, (dur - t) / 0.05 + 0.7)
        out.append(0.1 * chord * env)
    return np.concatenate(out)[: int(seconds * sr)]


def clicks(seconds: float = 4.0, sr: int = SR) -> np.ndarray:
    x = np.zeros(int(seconds * sr))
    x[:: sr // 3] = 0.9
    return x


# -------------------------------------------------------------------------------------- files


def _write_sf(path: Path, x: np.ndarray, sr: int, fmt: str, subtype: str | None = None) -> None:
    import soundfile as sf

    sf.write(os.fsencode(path), x, sr, format=fmt, subtype=subtype)


def _encode_av(path: Path, x: np.ndarray, sr: int, *, container: str, codec: str, video: bool = False,
               audio: bool = True, options: dict | None = None) -> None:
    """Encode mono or multi-channel float samples (n,) or (n, ch) with PyAV (FFmpeg)."""
    import av

    x = np.asarray(x, np.float32)
    if x.ndim == 1:
        x = x[:, None]
    layout = {1: "mono", 2: "stereo"}[x.shape[1]]
    with av.open(str(path), "w", format=container, options=options or {}) as out:
        vstream = None
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 32, 32, "yuv420p"
        astream = out.add_stream(codec, rate=sr, layout=layout) if audio else None
        if astream is not None:
            fmt = astream.codec_context.format.name if astream.codec_context.format else "fltp"
            dtype = {"flt": np.float32, "dbl": np.float64, "s16": np.int16, "s32": np.int32}[fmt.rstrip("p")]
            scale = 1.0 if dtype in (np.float32, np.float64) else float(np.iinfo(dtype).max)
            step = 1024 * 8
            for i in range(0, len(x), step):
                block = (np.clip(x[i:i + step], -1, 1) * scale).astype(dtype)
                arr = np.ascontiguousarray(block.T if fmt.endswith("p") else block.reshape(1, -1))
                frame = av.AudioFrame.from_ndarray(arr, format=fmt, layout=layout)
                frame.sample_rate = sr
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode(None):
                out.mux(packet)
        if vstream is not None:
            n_frames = max(1, int(len(x) / sr * 10))
            for i in range(n_frames):
                img = np.full((32, 32, 3), (i * 7) % 255, np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                for packet in vstream.encode(frame):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)


def wav_bytes(data: bytes, *, tag: int = 1, channels: int = 1, rate: int = SR, bits: int = 16,
              block_align: int | None = None, byte_rate: int | None = None, data_size: int | None = None,
              riff_size: int | None = None, extensible_guid: bytes | None = None, extra_chunks: bytes = b"") -> bytes:
    """A RIFF/WAVE file whose every header field can lie."""
    block_align = channels * max(1, bits // 8) if block_align is None else block_align
    byte_rate = (rate * block_align) & 0xFFFFFFFF if byte_rate is None else byte_rate
    if extensible_guid is not None:
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, byte_rate, block_align, bits)
        fmt += struct.pack("<HHI", 22, bits, (1 << channels) - 1) + extensible_guid
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, byte_rate, block_align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    body += b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def pcm16(x: np.ndarray) -> bytes:
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")


# ------------------------------------------------------------------------------------- cases


def _file(name: str | bytes, write: Callable[[Path, np.random.Generator], None]) -> Builder:
    def build(folder: Path, rng: np.random.Generator) -> str:
        p = folder / (os.fsdecode(name) if isinstance(name, bytes) else name)
        write(p, rng)
        return str(p)
    return build


def _bytes(name: str, payload: Callable[[np.random.Generator], bytes]) -> Builder:
    return _file(name, lambda p, rng: p.write_bytes(payload(rng)))


def _sf(name: str, signal: Callable[[np.random.Generator], np.ndarray], sr: int, fmt: str, subtype: str | None = None) -> Builder:
    return _file(name, lambda p, rng: _write_sf(p, signal(rng), sr, fmt, subtype))


def _speech_sf(name: str, sr: int = SR, fmt: str = "WAV", subtype: str | None = "PCM_16", **kw) -> Builder:
    return _sf(name, lambda rng: speech(sr, **kw), sr, fmt, subtype)


def room(rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """Speech over a faint room noise (-55 dBFS): lossy codecs then spend real bits on it, so
    a cut at half the file falls in the audio, not in the codec's setup headers."""
    s = speech(sr)
    return s + noise(rng, len(s), -55)


FORMATS = {  # extension -> writer of a clean speech file
    "wav": lambda p, rng: _write_sf(p, room(rng), SR, "WAV", "PCM_16"),
    "flac": lambda p, rng: _write_sf(p, room(rng), SR, "FLAC", "PCM_16"),
    "mp3": lambda p, rng: _write_sf(p, room(rng), SR, "MP3", "MPEG_LAYER_III"),
    "ogg": lambda p, rng: _write_sf(p, room(rng), SR, "OGG", "VORBIS"),
    "opus": lambda p, rng: _write_sf(p, room(rng, 48000), 48000, "OGG", "OPUS"),
    "m4a": lambda p, rng: _encode_av(p, room(rng), SR, container="mp4", codec="aac"),
}


def _cut(ext: str, fraction: float | None, n_bytes: int | None = None) -> Builder:
    def write(p: Path, rng: np.random.Generator) -> None:
        full = p.with_name("full_" + p.name)
        FORMATS[ext](full, rng)
        data = full.read_bytes()
        full.unlink()
        p.write_bytes(data[: n_bytes if n_bytes is not None else int(len(data) * fraction)])
    return _file(f"cut_{fraction if fraction is not None else n_bytes}.{ext}", write)


def truncation_cases() -> list[Case]:
    cases = []
    for ext in FORMATS:
        cases.append(Case(f"cut-{ext}-header", _cut(ext, None, 24), "corrupt", "incomplete" if ext == "m4a" else "cannot be decoded"))
        early = {"m4a": ("corrupt", "incomplete"), "ogg": ("empty", "no audio samples"), "opus": ("corrupt", "cannot be decoded")}
        cases.append(Case(f"cut-{ext}-15pc", _cut(ext, 0.15), *early.get(ext, ("too_short", "too short"))))  # codec headers fill the start
        for frac in (0.5, 0.75, 0.9):
            if ext == "m4a":  # its index (moov) is at the end: any cut loses it
                cases.append(Case(f"cut-{ext}-{int(frac * 100)}pc", _cut(ext, frac), "corrupt", "incomplete"))
            else:
                cases.append(Case(f"cut-{ext}-{int(frac * 100)}pc", _cut(ext, frac), "report", notices=("truncated",)))
        cases.append(Case(f"clean-{ext}", _file(f"clean.{ext}", FORMATS[ext]), "report", absent=("truncated",)))
    # an M4A written for streaming (index first): a cut keeps what is there
    fast = lambda p, rng: _encode_av(p, speech(), SR, container="mp4", codec="aac", options={"movflags": "faststart"})  # noqa: E731
    cases.append(Case("clean-m4a-faststart", _file("fast.m4a", fast), "report", absent=("truncated",)))

    def fast_cut(frac):
        def write(p, rng):
            fast(p, rng)
            data = p.read_bytes()
            p.write_bytes(data[: int(len(data) * frac)])
        return write
    for frac in (0.6, 0.9):
        cases.append(Case(f"cut-m4a-faststart-{int(frac * 100)}pc", _file(f"fastcut{frac}.m4a", fast_cut(frac)), "report", notices=("truncated",)))
    return cases


def encoding_cases() -> list[Case]:
    cases = []
    for subtype in ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW", "IMA_ADPCM", "MS_ADPCM", "GSM610", "G721_32"):
        sr = 8000 if subtype in ("GSM610", "G721_32") else SR
        cases.append(Case(f"wav-{subtype.lower()}", _speech_sf(f"{subtype.lower()}.wav", sr, "WAV", subtype), "report"))
    for fmt, ext, subtype in (("FLAC", "flac", "PCM_24"), ("FLAC", "flac", "PCM_S8"), ("AIFF", "aiff", "PCM_16"), ("AU", "au", "ULAW"),
                              ("W64", "w64", "FLOAT"), ("CAF", "caf", "ALAW"), ("WAV", "wave", "PCM_16"), ("RAW", "raw", "PCM_16")):
        expect = "unsupported" if fmt == "RAW" else "report"  # headerless samples: nothing says what they are
        cases.append(Case(f"{ext}-{subtype.lower()}", _speech_sf(f"{subtype.lower()}.{ext}", SR, fmt, subtype), expect, "not audio" if expect != "report" else ""))
    for name, fill in (("nan", np.nan), ("inf", np.inf), ("neginf", -np.inf)):
        def with_bad(rng, fill=fill):
            x = speech().astype(np.float32)
            x[len(x) // 2: len(x) // 2 + 100] = fill
            return x
        cases.append(Case(f"float-{name}", _sf(f"float_{name}.wav", with_bad, SR, "WAV", "FLOAT"), "corrupt", "NaN or infinite"))
    cases.append(Case("float-all-nan", _sf("all_nan.wav", lambda rng: np.full(SR * 2, np.nan, np.float32), SR, "WAV", "FLOAT"), "corrupt", "NaN or infinite"))
    cases.append(Case("float-over-full-scale", _sf("hot_float.wav", lambda rng: speech() * 8.0, SR, "WAV", "FLOAT"), "report", notices=("clipping",)))
    for container, codec, ext in (("mp4", "aac", "aac.m4a"), ("adts", "aac", "aac"), ("ogg", "libopus", "opus.ogg"), ("mp3", "libmp3lame", "lame.mp3"),
                                  ("matroska", "libopus", "mka"), ("webm", "libopus", "webm"), ("wav", "pcm_s16le", "ff.wav")):
        sr = 48000 if "opus" in codec else SR
        cases.append(Case(f"ffmpeg-{ext}", _file(f"enc.{ext}", lambda p, rng, c=container, k=codec, s=sr: _encode_av(p, speech(s), s, container=c, codec=k)), "report"))
    return cases


def header_cases() -> list[Case]:
    x = speech()
    data = pcm16(x)
    H = lambda name, **kw: _bytes(name, lambda rng: wav_bytes(data, **kw))  # noqa: E731
    return [
        Case("wav-data-size-0", H("size0.wav", data_size=0), "report"),
        Case("wav-data-size-huge", H("size_ffff.wav", data_size=0xFFFFFFFF), "report", absent=("truncated",)),
        Case("wav-data-size-odd", H("size_odd.wav", data_size=len(data) - 1), "report"),
        Case("wav-riff-size-0", H("riff0.wav", riff_size=0), "report"),
        Case("wav-riff-size-huge", H("riffhuge.wav", riff_size=0xFFFFFFF0), "report"),
        Case("wav-header-promises-38s", H("promise38.wav", data_size=38 * SR * 2), "report", notices=("truncated",)),
        Case("wav-byte-rate-wrong", H("byterate.wav", byte_rate=12345), "report"),
        Case("wav-unknown-format-tag", H("tag1234.wav", tag=0x1234), "unsupported", "format tag"),
        Case("wav-format-tag-0", H("tag0.wav", tag=0), "unsupported", "format tag"),
        Case("wav-bits-0", H("bits0.wav", bits=0), "corrupt", "bits per sample"),
        Case("wav-bits-7", H("bits7.wav", bits=7), "corrupt", "bits per sample"),
        Case("wav-bits-12", H("bits12.wav", bits=12), "corrupt", "bits per sample"),
        Case("wav-bits-64-int", H("bits64.wav", bits=64), "corrupt", "bits per sample"),
        Case("wav-float-16bit", H("float16.wav", tag=3, bits=16), "corrupt", "bits per sample"),
        Case("wav-block-align-0", H("align0.wav", block_align=0), "corrupt", "block"),
        Case("wav-block-align-wrong", H("align3.wav", block_align=3), "corrupt", "block"),
        Case("wav-rate-0", H("rate0.wav", rate=0), "corrupt", "sample rate"),
        Case("wav-rate-huge", H("ratehuge.wav", rate=4_000_000_000, byte_rate=16000), "corrupt", "sample rate"),
        Case("wav-channels-0", H("ch0.wav", channels=0), "corrupt", "channels"),
        Case("wav-channels-300", H("ch300.wav", channels=300, block_align=600), "unsupported", "channels"),
        Case("wav-extensible-pcm", H("ext_ok.wav", extensible_guid=PCM_GUID), "report"),
        Case("wav-extensible-bad-guid", H("ext_bad.wav", extensible_guid=bytes(range(16))), "unsupported", "format"),
        Case("wav-extra-chunks", H("chunks.wav", extra_chunks=b"LIST" + struct.pack("<I", 10) + b"INFOxxxxxx" + b"junk" + struct.pack("<I", 3) + b"abc\0"), "report"),
        Case("wav-no-data-chunk", _bytes("nodata.wav", lambda rng: wav_bytes(b"")[:36]), "corrupt", "cannot be decoded"),
        Case("wav-data-empty", _bytes("data_empty.wav", lambda rng: wav_bytes(b"")), "empty", "no audio samples"),
        Case("wav-riff-only", _bytes("riff_only.wav", lambda rng: b"RIFF\x00\x00\x00\x00WAVE"), "corrupt", "cannot be decoded"),
        Case("wav-rifx-garbage", _bytes("rifx.wav", lambda rng: b"RIFX" + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()), "corrupt", "cannot be decoded"),
        Case("wav-ext-says-mp3", _bytes("really_wav.mp3", lambda rng: wav_bytes(data)), "report"),
        Case("flac-ext-says-wav", _speech_sf("really_flac.wav", SR, "FLAC", "PCM_16"), "report"),
    ]


def not_audio_cases() -> list[Case]:
    def rnd(n):
        return lambda rng: rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    pdf = b"%PDF-1.4\n" + bytes(range(128, 256)) * 3
    zipb = b"PK\x03\x04" + b"\x00" * 300
    return [
        Case("zero-length-wav", _bytes("empty.wav", lambda rng: b""), "empty", "is empty"),
        Case("zero-length-mp3", _bytes("empty.mp3", lambda rng: b""), "empty", "is empty"),
        Case("zero-length-noext", _bytes("empty", lambda rng: b""), "empty", "is empty"),
        Case("one-byte", _bytes("one.wav", lambda rng: b"R"), "corrupt", "cannot be decoded"),
        Case("text-file", _bytes("notes.wav", lambda rng: b"hello, this is not audio\n" * 40), "unsupported", "text file"),
        Case("csv-file", _bytes("calls.csv", lambda rng: b"path,agent\na.wav,1\n" * 30), "unsupported", "text file"),
        Case("html-file", _bytes("page.m4a", lambda rng: b"<!doctype html><html><body>x</body></html>\n" * 10), "unsupported", "text file"),
        Case("utf8-chinese-text", _bytes("script.wav", lambda rng: "您好，很高兴为您服务。\n".encode() * 30), "unsupported", "text file"),
        Case("random-bytes-small", _bytes("noise.wav", rnd(300)), "corrupt", "cannot be decoded"),
        Case("random-bytes-large", _bytes("noise.mp3", rnd(200_000)), "corrupt", "cannot be decoded"),
        Case("zeros-bytes", _bytes("zeros.wav", lambda rng: b"\x00" * 50_000), "corrupt", "cannot be decoded"),
        Case("png-image", _bytes("image.wav", lambda rng: png), "unsupported", "not audio"),
        Case("pdf", _bytes("doc.flac", lambda rng: pdf), "corrupt", "cannot be decoded"),
        Case("zip", _bytes("archive.ogg", lambda rng: zipb), "corrupt", "cannot be decoded"),
        Case("elf-binary", _bytes("prog.wav", lambda rng: b"\x7fELF" + bytes(range(256)) * 4), "corrupt", "cannot be decoded"),
    ]


def rate_cases() -> list[Case]:
    cases = []
    for sr in (4000, 6000, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000):
        notices = ("narrowband",) if sr < 16000 else ()
        absent = () if sr < 16000 else ("narrowband",)
        cases.append(Case(f"rate-{sr}-wav", _speech_sf(f"rate{sr}.wav", sr), "report", notices=notices, absent=absent))
        if sr in (8000, 22050, 44100, 96000, 192000):
            cases.append(Case(f"rate-{sr}-flac", _speech_sf(f"rate{sr}.flac", sr, "FLAC", "PCM_16"), "report", notices=notices))
        if sr in (8000, 11025, 22050, 32000, 44100, 48000):
            cases.append(Case(f"rate-{sr}-mp3", _speech_sf(f"rate{sr}.mp3", sr, "MP3", "MPEG_LAYER_III"), "report", notices=notices))
    cases.append(Case("rate-1000-wav", _sf("rate1000.wav", lambda rng: sine(150, 4, 1000) * (np.arange(4000) % 250 < 200), 1000, "WAV", "PCM_16"), "unsupported", "sample rate"))
    cases.append(Case("rate-1-wav", _bytes("rate1.wav", lambda rng: wav_bytes(b"\x00\x01" * 100, rate=1)), "unsupported", "sample rate"))
    return cases


def duration_cases() -> list[Case]:
    s = speech()
    return [
        Case("one-sample", _sf("one_sample.wav", lambda rng: s[SR:SR + 1], SR, "WAV", "PCM_16"), "too_short", "too short"),
        Case("two-samples-flac", _sf("two.flac", lambda rng: s[SR:SR + 2], SR, "FLAC", "PCM_16"), "too_short", "too short"),
        Case("ten-ms-speech", _sf("ten_ms.wav", lambda rng: s[int(0.5 * SR):int(0.51 * SR)], SR, "WAV", "PCM_16"), "too_short", "too short"),
        Case("hundred-ms-speech", _sf("tenth.wav", lambda rng: s[int(0.5 * SR):int(0.6 * SR)], SR, "WAV", "PCM_16"), "too_short", "too short"),
        Case("half-second-speech", _sf("half.wav", lambda rng: s[int(0.3 * SR):int(0.8 * SR)], SR, "WAV", "PCM_16"), "too_short", "speech"),
        Case("one-syllable-in-silence", _sf("one_syl.wav", lambda rng: np.concatenate([np.zeros(SR * 2), s[int(0.3 * SR):int(0.5 * SR)], np.zeros(SR * 2)]), SR, "WAV", "PCM_16"), "too_short", "speech"),
        Case("speech-then-long-silence", _sf("long_tail.flac", lambda rng: np.concatenate([s, np.zeros(SR * 50)]), SR, "FLAC", "PCM_16"), "report"),
        Case("long-speech-8k", _sf("long8k.wav", lambda rng: np.tile(speech(8000), 14), 8000, "WAV", "PCM_16"), "report", notices=("narrowband",)),
        Case("too-long-for-limit", _speech_sf("limit.wav"), "too_long", "--max-duration", args=("--max-duration", "2")),
    ]


def _multi(n_ch: int, kind: str) -> Callable[[np.random.Generator], np.ndarray]:
    def make(rng):
        s = speech()
        if kind == "same":
            return np.stack([s] * n_ch, axis=1)
        if kind == "one-talks":  # speech on channel 1, low hiss on the others
            return np.stack([s] + [noise(rng, len(s), -50) for _ in range(n_ch - 1)], axis=1)
        if kind == "noise-other":  # speech on 1, loud noise on 2
            return np.stack([s] + [noise(rng, len(s), -25) for _ in range(n_ch - 1)], axis=1)
        if kind == "inverted":
            return np.stack([s, -s], axis=1)
        if kind == "silent-left":
            return np.stack([np.zeros_like(s), s], axis=1)
        if kind == "two-talkers":  # one talks in the first half, the other in the second
            half = len(s) // 2
            a, b = s.copy(), s.copy()
            a[half:] = 0
            b[:half] = 0
            return np.stack([a, b], axis=1)
        raise ValueError(kind)
    return make


def channel_cases() -> list[Case]:
    cases = []
    for n in range(1, 9):
        cases.append(Case(f"ch{n}-same", _sf(f"ch{n}_same.wav", _multi(n, "same"), SR, "WAV", "PCM_16"), "report", absent=("channels_differ",)))
        if n >= 2:
            cases.append(Case(f"ch{n}-one-talks", _sf(f"ch{n}_one.wav", _multi(n, "one-talks"), SR, "WAV", "PCM_16"), "report", notices=("channels_differ",)))
    cases += [
        Case("stereo-speech-and-noise", _sf("speech_noise.wav", _multi(2, "noise-other"), SR, "WAV", "PCM_16"), "report", notices=("channels_differ",)),
        Case("stereo-speech-and-noise-left", _sf("speech_noise_l.wav", _multi(2, "noise-other"), SR, "WAV", "PCM_16"), "report", args=("--channel", "left")),
        Case("stereo-phase-inverted", _sf("inverted.wav", _multi(2, "inverted"), SR, "WAV", "PCM_16"), "bad_channel", "cancel"),
        Case("stereo-phase-inverted-flac", _sf("inverted.flac", _multi(2, "inverted"), SR, "FLAC", "PCM_16"), "bad_channel", "cancel"),
        Case("stereo-phase-inverted-left", _sf("inverted_l.wav", _multi(2, "inverted"), SR, "WAV", "PCM_16"), "report", args=("--channel", "left")),
        Case("stereo-silent-left-mix", _sf("silent_left.wav", _multi(2, "silent-left"), SR, "WAV", "PCM_16"), "report"),
        Case("stereo-silent-left-chosen", _sf("silent_left2.wav", _multi(2, "silent-left"), SR, "WAV", "PCM_16"), "silent", "channel", args=("--channel", "left")),
        Case("stereo-two-talkers-right", _sf("talkers.wav", _multi(2, "two-talkers"), SR, "WAV", "PCM_16"), "report", args=("--channel", "right")),
        Case("mono-channel-right", _speech_sf("mono_right.wav"), "bad_channel", "does not exist", args=("--channel", "right")),
        Case("stereo-channel-9", _sf("st9.wav", _multi(2, "same"), SR, "WAV", "PCM_16"), "bad_channel", "does not exist", args=("--channel", "9")),
        Case("stereo-channel-0", _sf("st0.wav", _multi(2, "same"), SR, "WAV", "PCM_16"), "bad_channel", "does not exist", args=("--channel", "0")),
        Case("stereo-channel-word", _sf("stw.wav", _multi(2, "same"), SR, "WAV", "PCM_16"), "bad_channel", "unknown channel", args=("--channel", "centre")),
        Case("stereo-m4a", _file("stereo.m4a", lambda p, rng: _encode_av(p, _multi(2, "same")(rng), SR, container="mp4", codec="aac")), "report"),
        Case("stereo-mp3-one-talks", _sf("stereo_one.mp3", _multi(2, "one-talks"), SR, "MP3", "MPEG_LAYER_III"), "report", notices=("channels_differ",)),
    ]
    return cases


def content_cases() -> list[Case]:
    W = lambda name, f, **kw: _sf(name, f, SR, "WAV", "PCM_16")  # noqa: E731
    return [
        Case("digital-silence", W("silence.wav", lambda rng: np.zeros(SR * 4)), "silent", "silent"),
        Case("digital-silence-float", _sf("silence_f.wav", lambda rng: np.zeros(SR * 4), SR, "WAV", "FLOAT"), "silent", "silent"),
        Case("near-silence-90", W("faint.wav", lambda rng: noise(rng, SR * 4, -90)), "silent", "silent"),
        Case("dc-offset-only", _sf("dc.wav", lambda rng: np.full(SR * 4, 0.3), SR, "WAV", "FLOAT"), "too_short", "0.0 s of speech"),
        Case("hiss", W("hiss.wav", lambda rng: noise(rng, SR * 4, -30)), "no_speech", "no speech"),
        Case("loud-hiss", W("loud_hiss.wav", lambda rng: np.clip(noise(rng, SR * 4, -6), -1, 1)), "no_speech", "no speech"),
        Case("tone-440", W("tone.wav", lambda rng: sine(440, 4)), "no_speech", "no speech"),
        Case("tone-50-hum", W("hum.wav", lambda rng: sine(50, 4)), "too_short", "0.0 s of speech"),
        Case("tone-full-scale-square", _sf("square.wav", lambda rng: np.sign(sine(200, 4) + 1e-9), SR, "WAV", "FLOAT"), "too_short", "0.0 s of speech"),
        Case("sweep", W("sweep.wav", lambda rng: 0.3 * np.sin(2 * np.pi * np.cumsum(np.linspace(100, 4000, SR * 4)) / SR)), "no_speech", "no speech"),
        Case("dtmf-beeps", W("beeps.wav", lambda rng: np.concatenate([np.concatenate([sine(697, 0.9) + sine(1209, 0.9), np.zeros(SR // 10)]) for _ in range(4)])), "no_speech", "no speech"),
        Case("clicks", W("clicks.wav", lambda rng: clicks()), "too_short", "speech"),
        Case("music-like", W("music.wav", lambda rng: music(rng)), "no_speech", "no speech"),
        Case("speech-minus-60", W("quiet60.wav", lambda rng: speech(level_dbfs=-60)), "report", notices=("very_quiet",)),
        Case("speech-minus-60-float", _sf("quiet60f.wav", lambda rng: speech(level_dbfs=-60), SR, "WAV", "FLOAT"), "report", notices=("very_quiet",)),
        Case("speech-peak-minus-60", W("peak60.wav", lambda rng: (lambda s: s / np.abs(s).max() * 1e-3)(speech())), "report", notices=("very_quiet",)),
        Case("speech-minus-45", W("quiet45.wav", lambda rng: speech(level_dbfs=-45)), "report"),
        Case("speech-clipped", W("clipped.wav", lambda rng: np.clip(speech() * 30, -1, 1)), "report", notices=("clipping",)),
        Case("speech-clipped-flac", _sf("clipped.flac", lambda rng: np.clip(speech() * 30, -1, 1), SR, "FLAC", "PCM_16"), "report", notices=("clipping",)),
        Case("speech-in-loud-noise", W("noisy.wav", lambda rng: (lambda s: s + noise(rng, len(s), -32))(speech())), "report", notices=("low_snr",)),
        Case("speech-with-dc", W("speech_dc.wav", lambda rng: speech() + 0.2), "report"),
        Case("speech-with-hum", W("speech_hum.wav", lambda rng: (lambda s: s + sine(50, len(s) / SR, amp=0.02)[: len(s)])(speech())), "report"),
        Case("speech-with-clicks", W("speech_clicks.wav", lambda rng: (lambda s: s + clicks(len(s) / SR)[: len(s)] * 0.5)(speech())), "report"),
        Case("speech-over-music", W("speech_music.wav", lambda rng: (lambda s: s + 0.2 * music(rng, len(s) / SR)[: len(s)])(speech())), "report"),
    ]


def name_cases() -> list[Case]:
    ok = lambda p, rng: _write_sf(p, speech(), SR, "WAV", "PCM_16")  # noqa: E731
    names = {
        "name-non-utf8": b"call_\xff\xfe_2026.wav",
        "name-latin1": b"appel_\xe9t\xe9.wav",
        "name-chinese": "客服通话 第1段.wav",
        "name-spaces": "call   with spaces .wav",
        "name-leading-dash": "-call.wav",
        "name-formula": "=1+1.wav",
        "name-hyperlink": '=HYPERLINK("http:x")&A1.wav',
        "name-quotes": "it's \"quoted\".wav",
        "name-html": "<img src=x onerror=alert(1)>.wav",
        "name-newline": "line\nbreak.wav",
        "name-tab": "tab\there.wav",
        "name-backslash": "back\\slash.wav",
        "name-emoji": "call 🎧.wav",
        "name-long": "x" * 240 + ".wav",
        "name-dots": "..wav",
        "name-no-extension": "recording",
        "name-upper-ext": "CALL.WAV",
        "name-double-ext": "call.wav.flac",
        "name-percent": "100%_%s_%d.wav",
        "name-braces": "{call}[1].wav",
    }
    cases = [Case(k, _file(v, ok), "report") for k, v in names.items()]
    return cases


def special_cases() -> list[Case]:
    def fifo(p, rng):
        os.mkfifo(p)

    def folder(p, rng):
        p.mkdir()

    def folder_with_audio(p, rng):
        p.mkdir()
        _write_sf(p / "inside.wav", speech(), SR, "WAV", "PCM_16")

    def loop(p, rng):
        os.symlink(p.name, p)

    def loop2(p, rng):
        os.symlink(p.name + ".b", p)
        os.symlink(p.name, str(p) + ".b")

    def dangling(p, rng):
        os.symlink("missing_target.wav", p)

    def good_link(p, rng):
        target = p.with_name("target.wav")
        _write_sf(target, speech(), SR, "WAV", "PCM_16")
        os.symlink(target.name, p)

    def missing(p, rng):
        pass

    def good_file(p, rng):
        _write_sf(p, speech(), SR, "WAV", "PCM_16")
        return str(p)

    cases = [
        Case("fifo", _file("pipe.wav", fifo), "not_a_file", "pipe"),
        Case("directory", _file("folder", folder), "not_a_file", "folder"),
        Case("directory-named-wav", _file("dir.wav", folder_with_audio), "not_a_file", "folder"),
        Case("symlink-loop", _file("loop.wav", loop), "not_a_file", "link"),
        Case("symlink-loop-2", _file("loop2.wav", loop2), "not_a_file", "link"),
        Case("symlink-dangling", _file("dangling.wav", dangling), "not_found", "link"),
        Case("symlink-good", _file("link.wav", good_link), "report"),
        Case("missing-file", _file("missing.wav", missing), "not_found", "does not exist"),
        Case("missing-parent", lambda folder, rng: str(folder / "no_such_dir" / "x.wav"), "not_found", "does not exist"),
        Case("trailing-slash", lambda folder, rng: good_file(folder / "slash.wav", rng) + "/", "report"),  # the path is normalised
    ]
    for dev in ("/dev/zero", "/dev/null", "/dev/urandom"):
        if os.path.exists(dev):
            cases.append(Case(f"device-{Path(dev).name}", lambda folder, rng, d=dev: d, "not_a_file", "device"))
    return cases


def video_cases() -> list[Case]:
    s = lambda rng: speech()  # noqa: E731
    return [
        Case("video-mp4-with-audio", _file("clip.mp4", lambda p, rng: _encode_av(p, s(rng), SR, container="mp4", codec="aac", video=True)), "report"),
        Case("video-mkv-with-audio", _file("clip.mkv", lambda p, rng: _encode_av(p, s(rng), SR, container="matroska", codec="aac", video=True)), "report"),
        Case("video-mov-with-audio", _file("clip.mov", lambda p, rng: _encode_av(p, s(rng), SR, container="mov", codec="aac", video=True)), "report"),
        Case("video-avi-with-audio", _file("clip.avi", lambda p, rng: _encode_av(p, s(rng), SR, container="avi", codec="libmp3lame", video=True)), "report"),
        Case("video-mp4-no-audio", _file("silent_film.mp4", lambda p, rng: _encode_av(p, s(rng), SR, container="mp4", codec="aac", video=True, audio=False)), "unsupported", "no audio stream"),
        Case("video-m4a-ext-no-audio", _file("video_only.m4a", lambda p, rng: _encode_av(p, s(rng), SR, container="mp4", codec="aac", video=True, audio=False)), "unsupported", "no audio stream"),
    ]


def option_cases() -> list[Case]:
    """Odd scripts and targets files beside a good recording."""
    def with_file(name: str, content: bytes | None):
        def write(p: Path, rng: np.random.Generator) -> None:
            _write_sf(p, speech(), SR, "WAV", "PCM_16")
            if content is not None:
                (p.parent / name).write_bytes(content)
        return write
    script = lambda text: with_file("script.txt", text.encode("utf-8"))  # noqa: E731
    S = ("--script", "{in}/script.txt")
    T = ("--targets", "{in}/ours.toml")
    return [
        Case("script-latin-word", _file("s1.wav", script("请下载我们的APP，谢谢。")), "report", args=S),
        Case("script-digits-and-latin", _file("s2.wav", script("您好，VIP客户请拨打400-820-8820，24小时服务。")), "report", args=S),
        Case("script-only-punctuation", _file("s3.wav", script("。，！？")), "report", args=S),
        Case("script-mismatch", _file("s4.wav", script("Hello world, this is not the right script at all.")), "report", args=S),
        Case("script-empty", _file("s5.wav", with_file("script.txt", b"  \n")), "script", "is empty", args=S),
        Case("script-latin1", _file("s6.wav", with_file("script.txt", "caf\xe9 \xe9t\xe9".encode("latin-1"))), "script", "UTF-8", args=S),
        Case("script-missing", _file("s7.wav", with_file("script.txt", None)), "script", "not found", args=S),
        Case("targets-typo", _file("t1.wav", with_file("ours.toml", b"[pace.speaking_rate]\nmax = 4.5\n")), "targets", "not a known target", args=T),
        Case("targets-not-toml", _file("t2.wav", with_file("ours.toml", b"max = = 4\n")), "targets", "not valid TOML", args=T),
        Case("targets-good", _file("t3.wav", with_file("ours.toml", b"[pace.speaking_rate_cps]\nmax = 4.5\n")), "report", args=T),
    ]


def all_cases() -> list[Case]:
    cases = (truncation_cases() + encoding_cases() + header_cases() + not_audio_cases() + rate_cases() + duration_cases()
             + channel_cases() + content_cases() + name_cases() + special_cases() + video_cases() + option_cases())
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def build(case: Case, folder: Path, *, seed: int = 11) -> str:
    """Write one case's input into ``folder`` (its own rng, so cases do not depend on order)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, sum(case.id.encode())])
    return case.build(folder, rng)


if __name__ == "__main__":  # python -m hostile.corpus OUT   (from tests/)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for c in all_cases():
        arg = build(c, out / c.id)
        print(f"{c.id}\t{c.expect}\t{c.message or ','.join(c.notices)}\t{arg}")
