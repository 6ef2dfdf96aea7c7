"""What a file is before any decoder trusts it: a readable regular file, an honest header.

libsndfile and FFmpeg accept things that then hang (a FIFO), read as empty (/dev/zero), or
decode noise or nothing (a WAV header saying 7 bits per sample, 16-bit "float", a data size
of 0). These checks look at the file system entry and the header fields first, and refuse
with the field that is wrong; or note what decoding must make up for (a header that promises
more than the file holds, an Ogg stream without its last page).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

from voicecoach.i18n import N_
from voicecoach.errors import (
    AudioNotFoundError,
    CorruptAudioError,
    EmptyAudioError,
    NotAFileError,
    Notice,
    UnsupportedAudioError,
)

MIN_RATE_HZ = 4000  # below this there is no speech band left to measure
MAX_RATE_HZ = 768_000  # above this a header is damaged, not hi-fi
MAX_CHANNELS = 64
MIN_DURATION_S = 1.0  # a shorter file cannot hold the 1 s of speech every measure needs


def check_path(p: Path, name: str) -> None:
    """Refuse, with a precise reason, what is not a readable, non-empty regular file."""
    try:
        st = os.stat(p)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotAFileError.of(N_("{name} is a symbolic link that leads back to itself (a loop); give the recording file itself"), name=name) from None
        if os.path.islink(p):
            raise AudioNotFoundError.of(N_("{name} is a link to a file that does not exist; give the recording file itself"), name=name) from None
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            if not p.parent.exists():
                raise AudioNotFoundError.of(N_("the folder holding {name} does not exist; check the path"), name=name) from None
            raise AudioNotFoundError.of(N_("{name} does not exist; check the path and file name"), name=name) from None
        raise AudioNotFoundError.of(N_("{name} cannot be opened ({reason}); check the path and its permissions"), name=name, reason=e.strerror) from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise NotAFileError.of(N_("{name} is a folder, not a recording; give one audio file (or use 'voicecoach batch' for folders)"), name=name)
    if stat.S_ISFIFO(mode):
        raise NotAFileError.of(N_("{name} is a pipe (FIFO), not a file; save the audio to a file first and give that"), name=name)
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise NotAFileError.of(N_("{name} is a device, not a recording file; give an audio file"), name=name)
    if not stat.S_ISREG(mode):
        raise NotAFileError.of(N_("{name} is not a regular file (a socket or similar); give an audio file"), name=name)
    if st.st_size == 0:
        raise EmptyAudioError.of(N_("{name} is empty (0 bytes); the recording was not saved: record or export it again"), name=name)
    if not os.access(p, os.R_OK):
        raise AudioNotFoundError.of(N_("{name} cannot be read (permission denied); check the file's permissions"), name=name)


def check_shape(rate: int, n_ch: int, name: str) -> None:
    """Refuse a sample rate or channel count that no recording has (a damaged header)."""
    if rate <= 0 or rate > MAX_RATE_HZ:
        raise CorruptAudioError.of(N_("{name}'s header gives a sample rate of {rate} Hz, which cannot be right; the file is damaged: export it again"), name=name, rate=rate)
    if rate < MIN_RATE_HZ:
        raise UnsupportedAudioError.of(N_("{name} has a sample rate of {rate} Hz, too low for speech (telephone audio is 8000 Hz); export it at 8000 Hz or more"), name=name, rate=rate)
    if n_ch <= 0:
        raise CorruptAudioError.of(N_("{name}'s header gives {n_ch} channels; the file is damaged: export it again"), name=name, n_ch=n_ch)
    if n_ch > MAX_CHANNELS:
        raise UnsupportedAudioError.of(N_("{name} has {n_ch} channels, more than the {max_channels} voicecoach reads; export the agent's channel on its own"), name=name, n_ch=n_ch, max_channels=MAX_CHANNELS)


def looks_like_text(head: bytes) -> bool:
    """Printable UTF-8 (any script) with at most a cut character at the end."""
    if len(head) < 16 or b"\0" in head:
        return False
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    return all(c.isprintable() or c in "\t\n\r" for c in text)


_WAV_TAGS = {1: "PCM", 2: "MS ADPCM", 3: "float", 6: "A-law", 7: "mu-law", 0x11: "IMA ADPCM", 0x31: "GSM 6.10",
             0x40: "G.721", 0x45: "G.726", 0x50: "MPEG", 0x55: "MP3", 0xFFFE: "extensible"}
_WAV_BITS = {1: (8, 16, 24, 32), 3: (32, 64), 6: (8,), 7: (8,)}
_GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")  # KSDATAFORMAT_SUBTYPE_* after the 2-byte tag


@dataclass(frozen=True)
class WavFacts:
    promised_frames: int | None  # from the data chunk's size, when it promises more than is there
    use_ffmpeg: bool  # the data size says 0 but samples follow: libsndfile would read none
    notice: Notice | None


def check_wav(p: Path, name: str, head: bytes) -> WavFacts | None:
    """Check a RIFF/WAVE header's fields before any decoder trusts them (None: not a WAV).

    libsndfile and FFmpeg accept headers that lie (7 bits per sample, 16-bit "float", a data
    size of 0) and then decode noise, nothing, or fail inside; the fields are checked here
    against each other and the file's size, and refused with the field that is wrong.
    """
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    size = os.path.getsize(p)
    fmt, data_at, data_size = None, None, None
    with open(p, "rb") as f:
        pos = 12
        for _ in range(64):
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            cid, csize = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(min(csize, 64))
            elif cid == b"data":
                data_at, data_size = pos + 8, csize
                break
            pos += 8 + csize + (csize & 1)
    if fmt is None or len(fmt) < 16 or data_at is None:
        return None  # the decoders say "cannot be decoded"
    tag, n_ch, rate, _byte_rate, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE:
        if len(fmt) < 40 or fmt[26:40] != _GUID_TAIL:
            raise UnsupportedAudioError.of(N_("{name} is a WAVE_FORMAT_EXTENSIBLE file with an unknown sub-format; convert it to plain PCM WAV"), name=name)
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag not in _WAV_TAGS or tag == 0xFFFE:
        raise UnsupportedAudioError.of(N_("{name} uses WAV format tag 0x{tag:04X}, an encoding voicecoach cannot decode; convert it to PCM WAV"), name=name, tag=tag)
    check_shape(rate, n_ch, name)
    if align == 0:
        raise CorruptAudioError.of(N_("{name}'s header gives a block size of 0 bytes; the header is damaged: export the file again"), name=name)
    if tag in _WAV_BITS:
        kind = _WAV_TAGS[tag]
        if bits not in _WAV_BITS[tag]:
            allowed = ", ".join(map(str, _WAV_BITS[tag]))
            raise CorruptAudioError.of(N_("{name}'s header gives {bits} bits per sample, which {kind} WAV does not use ({allowed}); the header is damaged: export the file again"), name=name, bits=bits, kind=kind, allowed=allowed)
        if align != n_ch * bits // 8:
            raise CorruptAudioError.of(N_("{name}'s header gives a block size of {align} bytes, which does not fit {n_ch} channel(s) of {bits}-bit samples; the header is damaged: export it again"), name=name, align=align, n_ch=n_ch, bits=bits)
    held = size - data_at
    if data_size == 0 and held >= align:
        note = Notice("bad_header", f"the file's header says it holds no audio, but {held} bytes follow it; all of them were analysed", {"bytes": held})
        return WavFacts(None, True, note)
    if tag in _WAV_BITS and data_size != 0xFFFFFFFF and data_size > held + align:
        return WavFacts(data_size // align, False, None)
    return WavFacts(None, False, None)


def ogg_complete(p: Path) -> bool:
    """Whether an Ogg file ends with its end-of-stream page (a cut file does not)."""
    size = os.path.getsize(p)
    with open(p, "rb") as f:
        f.seek(max(0, size - 65536))
        tail = f.read()
    at = tail.rfind(b"OggS")
    if at < 0 or at + 27 > len(tail):
        return False
    n_segments = tail[at + 26]
    lacing = tail[at + 27:at + 27 + n_segments]
    complete = len(lacing) == n_segments and at + 27 + n_segments + sum(lacing) <= len(tail)
    return complete and bool(tail[at + 5] & 0x04)


def file_sha256(path: str | os.PathLike) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read (the error comes later)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()
