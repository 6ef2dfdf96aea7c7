"""Transcripts kept on disk, keyed by the audio's content and the recogniser's fingerprint.

Re-running a report, re-scoring with other targets, or comparing against a benchmark never
recognises the same audio twice. An entry is checked before it is trusted
(:mod:`voicecoach.recognize.cache_check`); a damaged one is recognised again and replaced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from voicecoach.audio import Audio
from voicecoach.recognize.cache_check import read_entry, write_entry
from voicecoach.recognize.models import ModelSpec, cache_root
from voicecoach.recognize.types import Recognizer, Transcript, load_model

log = logging.getLogger(__name__)

TRANSCRIPT_FORMAT = 6
"""Bumped when Char/Transcript or the key change shape: older entries are then never found
(6: settings stored as plain name/value pairs, key from the recogniser's fingerprint)."""


class CachedRecognizer:
    """A :class:`~voicecoach.recognize.types.Recognizer` that answers from the disk cache
    when it can and asks ``inner`` otherwise.

    Parameters
    ----------
    inner : Recognizer
    cache_dir : path-like, optional
        Default ``<user cache>/transcripts``.

    Attributes
    ----------
    hits : int
        Answers given from the cache.
    """

    def __init__(self, inner: Recognizer, cache_dir: str | os.PathLike | None = None) -> None:
        self.inner = inner
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root() / "transcripts"
        self.hits = 0

    def fingerprint(self) -> str:
        return self.inner.fingerprint()  # the cache changes no transcript

    def load(self) -> ModelSpec | None:
        return load_model(self.inner)

    def key(self, samples: np.ndarray, *, sample_rate_hz: int) -> str:
        """SHA-256 of the audio's content, the recogniser's fingerprint and the format."""
        payload = json.dumps({
            "audio": Audio(samples, sample_rate_hz).content_sha256(),
            "recognizer": self.inner.fingerprint(),
            "format": TRANSCRIPT_FORMAT,
        }, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        key = self.key(samples, sample_rate_hz=sample_rate_hz)
        path = self.cache_dir / key[:2] / f"{key}.json"
        if path.exists():
            try:
                transcript = Transcript.from_dict(read_entry(path))
                self.hits += 1
                return transcript
            except (ValueError, KeyError, TypeError, OSError) as e:
                log.warning("replacing invalid cache entry %s (%s)", path.name, e)
        transcript = self.inner.recognize(samples, sample_rate_hz=sample_rate_hz)
        try:
            write_entry(path, transcript.to_dict())
        except OSError as e:
            log.warning("cannot write transcript cache %s: %s", path, e)
        return transcript


__all__ = ["CachedRecognizer", "TRANSCRIPT_FORMAT"]
