"""What a recogniser returns, and what a recogniser is: audio in, :class:`Transcript` out.

Nothing here knows which engine recognised the speech. A :class:`Transcript` records what
produced it as plain values: the model (:class:`~voicecoach.recognize.models.ModelSpec`: name, path,
checksum, source) and the decoding settings (:class:`RecognizerSettings`: name/value pairs),
so a cached transcript is rebuilt without the engine's own types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping, Protocol, runtime_checkable

import numpy as np

from voicecoach.recognize.models import ModelSpec


@dataclass(frozen=True)
class Char:
    """One spoken syllable as recognised.

    Attributes
    ----------
    text : str
        The syllable as one character (``"二"`` for part of a recognised "24").
    written : str
        The written token it came from (``"24"``), for display.
    start_s, end_s : float
        Time span in the recording, s.
    probability : float
        Recogniser confidence of the token, 0..1.
    punct_after : str
        Punctuation the recogniser wrote right after it ('' if none), full-width.
    """

    text: str
    written: str
    start_s: float
    end_s: float
    probability: float
    punct_after: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Segment:
    """A stretch the recogniser decoded as one piece, kept for its quality figures.

    Attributes
    ----------
    start_s, end_s : float
        Time span in the recording, s.
    text : str
    avg_logprob : float
        Mean log probability of its tokens (natural log, <= 0).
    no_speech_prob : float
        The recogniser's probability that it holds no speech, 0..1.
    """

    start_s: float
    end_s: float
    text: str
    avg_logprob: float
    no_speech_prob: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RecognizerSettings:
    """The decoding settings a transcript was made with, as plain name/value pairs (JSON
    scalars), whatever type the recogniser keeps them in.

    Attributes
    ----------
    items : tuple of (str, value)
        In the recogniser's own order.
    """

    items: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, object]) -> "RecognizerSettings":
        return cls(tuple(values.items()))

    def to_dict(self) -> dict:
        return dict(self.items)


@dataclass(frozen=True)
class Transcript:
    """What was recognised, one :class:`Char` per spoken syllable.

    Attributes
    ----------
    chars : tuple of Char
    segments : tuple of Segment
    language : str
        Language code of the speech (``"zh"``), as given or detected.
    model : ModelSpec
        The model that recognised it.
    settings : RecognizerSettings
        How it was decoded.
    dropped : tuple of str
        Text the recogniser produced and removed (stock phrases over silence, repetition
        loops), for the record.
    n_gap_windows : int
        Windows decoded again by the second pass over unrecognised speech
        (:mod:`voicecoach.recognize.gapfill`).
    """

    chars: tuple[Char, ...]
    segments: tuple[Segment, ...]
    language: str
    model: ModelSpec
    settings: RecognizerSettings = RecognizerSettings()
    dropped: tuple[str, ...] = field(default_factory=tuple)
    n_gap_windows: int = 0

    @property
    def text(self) -> str:
        """Display text: written tokens with punctuation."""
        return display_text(self.chars)

    def to_dict(self) -> dict:
        return {
            "language": self.language,
            "text": self.text,
            "chars": [c.to_dict() for c in self.chars],
            "segments": [s.to_dict() for s in self.segments],
            "model": self.model.to_dict(),
            "settings": self.settings.to_dict(),
            "dropped": list(self.dropped),
            "n_gap_windows": self.n_gap_windows,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        """The inverse of :meth:`to_dict` (``text`` is derived, so it is not read)."""
        return cls(
            chars=tuple(Char(**c) for c in d["chars"]),
            segments=tuple(Segment(**s) for s in d["segments"]),
            language=d["language"],
            model=ModelSpec(**d["model"]),
            settings=RecognizerSettings.of(d["settings"]),
            dropped=tuple(d.get("dropped", ())),
            n_gap_windows=int(d.get("n_gap_windows", 0)),
        )


def display_text(chars: tuple[Char, ...]) -> str:
    """Rebuild the written text: a multi-syllable token ("24") is shown once."""
    out: list[str] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        j = i + 1
        if c.written != c.text:
            while j < len(chars) and chars[j].written == c.written and chars[j].start_s == c.start_s and not chars[j - 1].punct_after:
                j += 1
            out.append(c.written)
        else:
            out.append(c.text)
        out.append(chars[j - 1].punct_after)
        i = j
    return "".join(out)


@runtime_checkable
class Recognizer(Protocol):
    """Anything that turns audio into a :class:`Transcript`: the real model, a wrapper
    (splitter, cache) or a test fake.

    Two methods are required:

    ``recognize(samples, *, sample_rate_hz) -> Transcript``
        ``samples`` is mono float32, shape (n,), full scale +-1.0, at ``sample_rate_hz`` Hz
        (the analysis rate, 16 kHz; a recogniser may refuse another rate with
        :class:`~voicecoach.errors.InputError`). Times in the transcript are seconds from the
        first sample. It may be called again on short windows of the same recording (the
        second pass, :mod:`voicecoach.recognize.gapfill`); those are plain audio too.
    ``fingerprint() -> str``
        A stable text naming everything that changes the transcript of given audio (engine,
        model and its checksum, decoding settings; not the device or thread count). Equal
        fingerprints promise equal transcripts: the transcript cache and the QA batch's keys
        are built from it.

    One method is optional:

    ``load() -> ModelSpec``
        Do now the start-up work the first ``recognize`` would do (load the weights) and
        return the model loaded. Recognisers made by
        :func:`voicecoach.recognize.build_recognizer` have it; the shells call it only to
        warm up (``voicecoach setup``, batch workers).
    """

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript: ...

    def fingerprint(self) -> str: ...


def load_model(recognizer: Recognizer) -> ModelSpec | None:
    """Call the optional ``load()`` of ``recognizer``; None when it has none."""
    fn = getattr(recognizer, "load", None)
    return fn() if callable(fn) else None


__all__ = ["Char", "Segment", "RecognizerSettings", "Transcript", "Recognizer", "display_text", "load_model"]
