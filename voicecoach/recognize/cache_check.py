"""Transcript-cache entries that cannot poison a run: validated on read, written atomically.

An entry is trusted only when it is a regular file of sane size holding the exact shape a
:class:`~voicecoach.recognize.types.Transcript` writes, with finite, ordered times and
probabilities in 0..1, and (for entries written since this check exists) a SHA-256 of its
content that still matches: a hand-edited, truncated, or otherwise damaged entry, or a FIFO or
folder in its place, is reported as invalid, and the caller transcribes again and replaces it.
Writes go to a temporary file that is renamed over the entry, and removed if writing fails (a
full disk leaves no 0-byte or half entry behind).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from pathlib import Path

MAX_ENTRY_BYTES = 64 << 20  # a 4-hour call's transcript is a few MB
_CHECKSUM = "_sha256"
_CHAR = {"text": str, "written": str, "start_s": float, "end_s": float, "probability": float, "punct_after": str}
_SEGMENT = {"start_s": float, "end_s": float, "text": str, "avg_logprob": float, "no_speech_prob": float}
_MODEL = {"name": str, "path": str, "source": str}


def read_entry(path: str | os.PathLike) -> dict:
    """The transcript dict cached at ``path``.

    Raises
    ------
    ValueError
        Not a regular file, too large, not UTF-8 JSON, a checksum that does not match, or any
        field missing, of the wrong type, NaN, negative, or out of order; the message says which.
    OSError
        The file cannot be read.
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("the entry is not a regular file")
    if st.st_size > MAX_ENTRY_BYTES:
        raise ValueError(f"the entry is {st.st_size} bytes, more than a transcript can be")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never blocks, even if swapped for a FIFO
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_ENTRY_BYTES + 1)
    try:
        d = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"the entry is not JSON ({e})") from None
    if not isinstance(d, dict):
        raise ValueError("the entry is not a JSON object")
    stored = d.pop(_CHECKSUM, None)
    if stored is not None and stored != _digest(d):
        raise ValueError("the entry's content does not match its checksum (it was changed after it was written)")
    validate(d)
    return d


def validate(d: dict) -> None:
    """Check the shape of a transcript dict (see :func:`read_entry`); raise ValueError."""
    for key, kind in (("chars", list), ("segments", list), ("language", str), ("model", dict), ("settings", dict)):
        if not isinstance(d.get(key), kind):
            raise ValueError(f"'{key}' is missing or not a {kind.__name__}")
    for field, kind in _MODEL.items():
        if not isinstance(d["model"].get(field), kind):
            raise ValueError(f"model.{field} is missing or not a {kind.__name__}")
    last = 0.0
    for i, c in enumerate(d["chars"]):
        _fields(c, _CHAR, f"chars[{i}]")
        if not 0.0 <= c["start_s"] <= c["end_s"]:
            raise ValueError(f"chars[{i}] runs from {c['start_s']} to {c['end_s']} s")
        if c["start_s"] < last - 1.0:
            raise ValueError(f"chars[{i}] starts at {c['start_s']} s, before the syllable ahead of it")
        if not 0.0 <= c["probability"] <= 1.0:
            raise ValueError(f"chars[{i}].probability is {c['probability']}, not in 0..1")
        last = c["start_s"]
    for i, s in enumerate(d["segments"]):
        _fields(s, _SEGMENT, f"segments[{i}]", finite=("start_s", "end_s"))
        if not 0.0 <= s["start_s"] <= s["end_s"]:
            raise ValueError(f"segments[{i}] runs from {s['start_s']} to {s['end_s']} s")
    if not isinstance(d.get("dropped", []), list) or not all(isinstance(x, str) for x in d.get("dropped", [])):
        raise ValueError("'dropped' is not a list of text")


def _fields(item, spec: dict, where: str, finite: tuple[str, ...] | None = None) -> None:
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    if set(item) != set(spec):
        raise ValueError(f"{where} has fields {sorted(item)}, expected {sorted(spec)}")
    for field, kind in spec.items():
        v = item[field]
        if kind is float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{where}.{field} is {v!r}, not a number")
            if (finite is None or field in finite) and not math.isfinite(v):
                raise ValueError(f"{where}.{field} is {v!r}, not a finite number")
        elif not isinstance(v, kind):
            raise ValueError(f"{where}.{field} is {v!r}, not {kind.__name__}")


def write_entry(path: str | os.PathLike, d: dict) -> None:
    """Write a transcript dict with its checksum: a temporary file renamed over the entry.

    Raises
    ------
    OSError
        The entry cannot be written (full disk, read-only cache); nothing is left behind.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    body = dict(d)
    body[_CHECKSUM] = _digest(d)
    tmp = p.with_name(f".{p.name[:100]}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(body, f, ensure_ascii=False)
        os.replace(tmp, p)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def _digest(d: dict) -> str:
    return hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
