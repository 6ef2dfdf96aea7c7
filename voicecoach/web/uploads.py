"""Uploaded recordings: size limit while receiving, type sniffed from the content, duration
probed, stored under the SHA-256 of the content. The uploaded name is kept only as a label;
no part of it ever reaches the file system."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from voicecoach.web.library import N_, InputError

CHUNK = 1 << 20


class UploadError(InputError):
    """An upload that is refused (one sentence: what is wrong, what to do)."""

    code = "bad_upload"


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    ext: str
    size_bytes: int
    duration_s: float | None
    label: str

    @property
    def name(self) -> str:
        return f"{self.sha256}.{self.ext}"


def sniff(head: bytes) -> str | None:
    """The audio container a file's first bytes announce (an extension), or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"RF64" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"  # Matroska/WebM: what MediaRecorder writes in Chromium and Firefox
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0):
        return "mp3"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"caff":
        return "caf"
    return None


def label_of(filename: str | None) -> str:
    """The uploaded name as a display label: base name only, printable, at most 120 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:120] or "recording"


async def receive(upload, folder: Path, *, max_bytes: int, max_duration_s: float) -> StoredUpload:
    """Stream an upload (Starlette ``UploadFile``) into ``folder`` under its content hash.

    Raises
    ------
    UploadError
        Too large, not audio, unreadable or too long; nothing is left on disk.
    """
    folder.mkdir(parents=True, exist_ok=True)
    label = label_of(getattr(upload, "filename", None))
    h = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            head = b""
            while True:
                block = await upload.read(CHUNK)
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise UploadError.of(N_("{label} is larger than {mb:.0f} MB; upload a shorter recording or a compressed copy (MP3, M4A, Opus)"), label=label, mb=max_bytes / 2**20)
                if len(head) < 64:
                    head += block[:64]
                h.update(block)
                out.write(block)
        if size == 0:
            raise UploadError.of(N_("{label} is empty; choose the recording file again"), label=label)
        ext = sniff(head)
        if ext is None:
            raise UploadError.of(N_("{label} is not an audio recording this app reads (WAV, FLAC, MP3, M4A, OGG/Opus, WebM); choose an audio file"), label=label)
        duration = probe_duration(Path(tmp))
        if duration is None:
            raise UploadError.of(N_("{label} looks like {format} but cannot be read as audio; it may be cut short or damaged: export it again"), label=label, format=ext.upper())
        if duration > max_duration_s:
            raise UploadError.of(N_("{label} is {minutes:.1f} min long; at most {limit:.0f} min can be analysed here: cut it or ask QA to run it as a batch"), label=label, minutes=duration / 60, limit=max_duration_s / 60)
        digest = h.hexdigest()
        final = folder / f"{digest}.{ext}"
        if final.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, final)
        return StoredUpload(digest, ext, size, duration, label)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def probe_duration(path: Path) -> float | None:
    """Duration from the container (FFmpeg through PyAV), s; None when it cannot be opened as audio.

    A container without a duration (a MediaRecorder WebM) is decoded to find it."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            streams = [s for s in c.streams if s.type == "audio"]
            if not streams:
                return None
            if c.duration is not None and c.duration > 0:
                return c.duration / 1_000_000
            end = 0.0
            for packet in c.demux(streams[0]):
                if packet.pts is not None and packet.time_base is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            return end if end > 0 else None
    except Exception:  # noqa: BLE001 - anything FFmpeg cannot open is "not audio" to the user
        return None
