"""Sentences and phrases: where the speech breaks, from punctuation and measured pauses.

A *phrase* ends at any punctuation mark or at a pause; a *sentence* ends at sentence-final
punctuation (。？！；) or at a pause of at least ``sentence_pause_s``. Punctuation comes from
the script when one is given, else from the recogniser (Whisper base writes little, so pauses
decide most boundaries). Span edges next to a pause are taken from the signal (the pause's
start and end), not from the recogniser's coarse timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from voicecoach.measures.pauses import Pause
from voicecoach.recognize.textnorm import PHRASE_END, SENTENCE_END


class TimedChar(Protocol):
    text: str
    start_s: float
    end_s: float
    punct_after: str


@dataclass(frozen=True)
class Span:
    """A sentence or phrase.

    Attributes
    ----------
    index : int
        Position among its kind.
    first_char, last_char : int
        Inclusive indices into the character sequence.
    start_s, end_s : float
        Span, s (signal-refined where a pause borders it).
    text : str
        The characters with their punctuation.
    n_syllables : int
        Spoken syllables.
    pause_before_s, pause_after_s : float
        Length of the bordering pauses, s (0 when none).
    """

    index: int
    first_char: int
    last_char: int
    start_s: float
    end_s: float
    text: str
    n_syllables: int
    pause_before_s: float
    pause_after_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {
            "index": self.index, "first_char": self.first_char, "last_char": self.last_char,
            "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "text": self.text,
            "n_syllables": self.n_syllables, "pause_before_s": round(self.pause_before_s, 3),
            "pause_after_s": round(self.pause_after_s, 3),
        }


@dataclass(frozen=True)
class Segmentation:
    """Boundaries of a recording.

    Attributes
    ----------
    sentences, phrases : tuple of Span
    pause_after : numpy.ndarray
        For each character, the pause that follows it (length, s; 0 = none), shape (n_chars,).
    pause_after_index : numpy.ndarray
        Index into the pauses tuple of that pause, -1 when none.
    """

    sentences: tuple[Span, ...]
    phrases: tuple[Span, ...]
    pause_after: np.ndarray
    pause_after_index: np.ndarray


def segment(chars: Sequence[TimedChar], pauses: Sequence[Pause], *, sentence_pause_s: float) -> Segmentation:
    """Split characters into sentences and phrases.

    Parameters
    ----------
    chars : sequence of Char-like
        Spoken syllables in order, with ``start_s``, ``end_s``, ``punct_after``.
    pauses : sequence of Pause
        Measured pauses (listening gaps included: a turn change also ends a sentence).
    sentence_pause_s : float
        A pause this long ends a sentence even without punctuation, s.
    """
    n = len(chars)
    pause_len = np.zeros(n)
    pause_idx = np.full(n, -1, dtype=int)
    if n:
        centres = np.array([(c.start_s + c.end_s) / 2 for c in chars])
        for k, p in enumerate(pauses):
            mid = (p.start_s + p.end_s) / 2
            i = int(np.searchsorted(centres, mid)) - 1  # last char before the pause
            if 0 <= i < n and p.duration_s > pause_len[i]:
                pause_len[i], pause_idx[i] = p.duration_s, k
    sentence_end = np.array([_has(c.punct_after, SENTENCE_END) for c in chars], dtype=bool) | (pause_len >= sentence_pause_s)
    phrase_end = sentence_end | np.array([_has(c.punct_after, PHRASE_END) for c in chars], dtype=bool) | (pause_len > 0)
    return Segmentation(
        sentences=_spans(chars, sentence_end, pause_len, pause_idx, pauses),
        phrases=_spans(chars, phrase_end, pause_len, pause_idx, pauses),
        pause_after=pause_len,
        pause_after_index=pause_idx,
    )


def _has(punct: str, marks: str) -> bool:
    return any(p in marks for p in punct)


def _spans(chars, is_end: np.ndarray, pause_len: np.ndarray, pause_idx: np.ndarray, pauses) -> tuple[Span, ...]:
    n = len(chars)
    if n == 0:
        return ()
    ends = list(np.flatnonzero(is_end[:-1])) + [n - 1]
    spans = []
    first = 0
    for k, last in enumerate(ends):
        before = pause_idx[first - 1] if first > 0 else -1
        after = pause_idx[last]
        start = pauses[before].end_s if before >= 0 else chars[first].start_s
        end = pauses[after].start_s if after >= 0 else chars[last].end_s
        if end <= start:
            start, end = chars[first].start_s, max(chars[last].end_s, chars[first].start_s + 1e-3)
        text = "".join(c.text + c.punct_after for c in chars[first:last + 1])
        spans.append(Span(
            index=k, first_char=int(first), last_char=int(last), start_s=float(start), end_s=float(end),
            text=text, n_syllables=last - first + 1,
            pause_before_s=float(pause_len[first - 1]) if first > 0 else 0.0,
            pause_after_s=float(pause_len[last]),
        ))
        first = last + 1
    return tuple(spans)
