"""Long recordings cut at quiet moments and recognised piece by piece, for any recogniser.

A recogniser given a whole one-hour call at once may need memory in proportion to it
(faster-whisper computes the spectrogram of everything it is given: about 1 GB for an hour).
:class:`SplittingRecognizer` cuts the audio into pieces of at most ``max_piece_s``, at the
quietest moment before each nominal boundary (so no word is cut in two), recognises each piece
with the inner recogniser and joins the results on the recording's time axis.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from voicecoach.audio import frame_power_db
from voicecoach.recognize.models import ModelSpec
from voicecoach.recognize.types import Recognizer, Transcript, load_model

MAX_PIECE_S = 300.0
_FRAME_S = 0.01


def cut_points(samples: np.ndarray, *, sample_rate_hz: int, max_piece_s: float, search_s: float = 30.0, quiet_s: float = 0.3) -> list[tuple[int, int]]:
    """Sample ranges that cover ``samples`` in pieces of at most ``max_piece_s``.

    Parameters
    ----------
    samples : numpy.ndarray
        Mono audio, shape (n,).
    sample_rate_hz : int
    max_piece_s : float
        Longest piece, s.
    search_s : float
        Each cut lies within this much before its nominal boundary, s.
    quiet_s : float
        The cut is at the centre of the quietest stretch of this length (frame power in
        10 ms frames, smoothed), s.

    Returns
    -------
    list of (int, int)
        (start, end) sample indices, in order, end exclusive; one range when the audio is
        short enough.
    """
    sr = sample_rate_hz
    n = len(samples)
    if n <= max_piece_s * sr:
        return [(0, n)]
    db = frame_power_db(samples, sample_rate_hz=sr, frame_s=_FRAME_S)
    k = max(1, int(quiet_s / _FRAME_S))
    smooth = np.convolve(db, np.ones(k) / k, mode="same")
    cuts, start = [], 0
    while n - start > max_piece_s * sr:
        hi = int((start / sr + max_piece_s) / _FRAME_S)
        lo = max(int(start / sr / _FRAME_S) + 1, hi - int(search_s / _FRAME_S))
        frame = lo + int(np.argmin(smooth[lo:hi]))
        end = frame * int(_FRAME_S * sr)
        cuts.append((start, end))
        start = end
    cuts.append((start, n))
    return cuts


class SplittingRecognizer:
    """A :class:`~voicecoach.recognize.types.Recognizer` that gives ``inner`` at most
    ``max_piece_s`` of audio at a time.

    Parameters
    ----------
    inner : Recognizer
    max_piece_s : float
        Longest piece handed to ``inner``, s.
    """

    def __init__(self, inner: Recognizer, *, max_piece_s: float = MAX_PIECE_S) -> None:
        self.inner = inner
        self.max_piece_s = max_piece_s

    def fingerprint(self) -> str:
        return f"split(max_piece_s={self.max_piece_s:g}) {self.inner.fingerprint()}"

    def load(self) -> ModelSpec | None:
        return load_model(self.inner)

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        pieces = cut_points(samples, sample_rate_hz=sample_rate_hz, max_piece_s=self.max_piece_s)
        if len(pieces) == 1:
            return self.inner.recognize(samples, sample_rate_hz=sample_rate_hz)
        return join([(a / sample_rate_hz, self.inner.recognize(samples[a:b], sample_rate_hz=sample_rate_hz)) for a, b in pieces])


def join(pieces: list[tuple[float, Transcript]]) -> Transcript:
    """One transcript from ``(offset_s, transcript)`` pieces in time order: times moved by each
    piece's offset (s), the language of the first piece that has one, the model and settings
    of the first piece."""
    chars, segments, dropped = [], [], []
    language = ""
    for offset, t in pieces:
        chars += [dataclasses.replace(c, start_s=round(c.start_s + offset, 4), end_s=round(c.end_s + offset, 4)) for c in t.chars]
        segments += [dataclasses.replace(g, start_s=g.start_s + offset, end_s=g.end_s + offset) for g in t.segments]
        dropped += list(t.dropped)
        language = language or t.language
    first = pieces[0][1]
    return Transcript(tuple(chars), tuple(segments), language, first.model, first.settings, tuple(dropped),
                      sum(t.n_gap_windows for _, t in pieces))


__all__ = ["MAX_PIECE_S", "SplittingRecognizer", "cut_points", "join"]
