"""Second pass over speech the first recognition left without a transcript.

On long recordings Whisper loses stretches of speech: a 30 s decoding window in which the
decoder stops early is consumed whole, a window it judges to hold no speech is skipped, and a
repetition loop is cut away. On a 5-minute recording built from ../shared/audio, one third of
the speech time came back with no syllable (benchmarks/longform.py). This pass finds every
stretch of detected speech with no recognised syllable near it
(:func:`voicecoach.recognize.coverage.uncovered_spans`), decodes those stretches again, packed into
short windows, and inserts what it hears. What is still not recognised after this pass is
reported as unrecognised speech, with its times; it is never silently lost.

It works with any :class:`~voicecoach.recognize.types.Recognizer`: the windows are plain audio,
so it needs no capability beyond ``recognize``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import Audio
from voicecoach.recognize.coverage import uncovered_spans
from voicecoach.audio.activity import Activity
from voicecoach.recognize.splitter import cut_points
from voicecoach.recognize.types import Char, Recognizer, Transcript


@dataclass(frozen=True)
class GapFillSettings:
    """How the second pass decodes.

    Attributes
    ----------
    window_s : float
        Longest stretch decoded as one piece, s; longer uncovered stretches are cut at their
        quietest moments.
    pack_s : float
        Pieces are packed, separated by ``join_s`` of silence, into windows of at most this
        length, s, and each window is decoded once: one decoder call costs about the same for
        1 s as for 25 s of audio, so ten short gaps cost one call, not ten. (Whisper's own VAD
        joins speech chunks the same way.)
    join_s : float
        Silence between packed pieces, s.
    pad_s : float
        Audio kept either side of an uncovered stretch, s (the decoder needs a run-in).
    max_share_ratio : float
        Both rounds together decode at most this share of the recording's speech time, in
        audio sent to the recogniser (pads and joins included): the second pass costs at most
        about what the first did, on a recording the recogniser cannot follow at all. 0.6 ran
        out on the 5-minute long-form recording, whose first pass left a third of the speech.
    alone_window_s : float
        Round two's pieces are at most this long, s: a window that made the decoder stop early
        twice is given to it in shorter pieces.
    round_two_pack_s, round_two_join_s : float
        Round two packs its pieces, in time order, into windows of at most this length with
        this much silence between them, s: two pieces a call. A call costs the decoder a whole
        30 s window whatever it holds; on the 5- and 10-minute long-form recordings two pieces
        a call took 9 -> 6 and 13 -> 10 calls, for a count 0.4 points lower and coverage
        100 % -> 100 % and 99.3 % -> 98.9 %.
    dedupe_s : float
        A new syllable whose centre lies within this of an already recognised one is the same
        syllable heard again in the pad, s.
    """

    window_s: float = 12.0
    pack_s: float = 24.0
    join_s: float = 0.5
    pad_s: float = 0.4
    max_share_ratio: float = 1.0
    alone_window_s: float = 6.0
    round_two_pack_s: float = 13.0
    round_two_join_s: float = 1.0
    dedupe_s: float = 0.1


@dataclass(frozen=True)
class _Piece:
    start_sample: int  # range in the recording
    end_sample: int

    def duration_s(self, sample_rate_hz: int) -> float:
        return (self.end_sample - self.start_sample) / sample_rate_hz


def fill_gaps(transcript: Transcript, audio: Audio, activity: Activity, recognizer: Recognizer, *, settings: GapFillSettings | None = None) -> Transcript:
    """Decode the uncovered speech again and merge what is heard into ``transcript``.

    Round one packs every uncovered piece into as few windows as possible. Round two decodes
    again, in pieces of at most ``alone_window_s`` packed two to a window, what round one left
    uncovered and had not already decoded alone (a long packed window can itself make Whisper
    stop early), at most twice as many pieces as round one made calls. Both rounds share one budget of audio time
    (``max_share_ratio`` of the speech).

    Parameters
    ----------
    transcript : Transcript
        First-pass result over the whole of ``audio``.
    audio : Audio
        The recording at the recogniser's rate.
    activity : Activity
        Its speech decision (which frames are speech).
    recognizer : Recognizer
        Used for each window.
    settings : GapFillSettings, optional

    Returns
    -------
    Transcript
        With the new syllables in time order, the windows decoded counted in ``n_gap_windows``.
    """
    s = settings or GapFillSettings()
    sr = audio.sample_rate_hz
    pieces = _pieces(transcript.chars, audio, activity, s)
    if not pieces:
        return transcript
    fill = _Fill(transcript.chars, list(transcript.dropped), s.max_share_ratio * float(activity.is_speech.sum() * activity.frame_s))
    alone: set[_Piece] = set()
    round_one = _pack(pieces, sr, s)
    for window in round_one:
        window = fill.decode(window, audio, recognizer, s, s)
        if not window:
            break
        if len(window) == 1:
            alone.add(window[0])
    n_round_one = fill.n_windows
    tried = {(p.start_sample, p.end_sample) for w in round_one for p in w}
    done_alone = {(q.start_sample, q.end_sample) for q in alone}
    still = [p for p in _pieces(fill.chars, audio, activity, s, window_s=s.alone_window_s)
             if (p.start_sample, p.end_sample) not in done_alone and any(p.start_sample < b and a < p.end_sample for a, b in tried)]
    chosen = sorted(sorted(still, key=lambda p: -p.duration_s(sr))[: 2 * n_round_one], key=lambda p: p.start_sample)
    two = dataclasses.replace(s, pack_s=s.round_two_pack_s, join_s=s.round_two_join_s)
    for window in _pack(chosen, sr, two):
        fill.decode(window, audio, recognizer, two, s)
    chars, dropped, n_windows = fill.chars, fill.dropped, fill.n_windows
    return dataclasses.replace(transcript, chars=chars, dropped=tuple(dropped), n_gap_windows=transcript.n_gap_windows + n_windows)


@dataclass
class _Fill:
    """What the second pass has so far: the syllables, the dropped text, the audio time it may
    still decode (s) and the decoder calls made."""

    chars: tuple[Char, ...]
    dropped: list
    budget_s: float
    n_windows: int = 0

    def decode(self, window: list[_Piece], audio: Audio, recognizer: Recognizer, packing: GapFillSettings, s: GapFillSettings) -> list[_Piece]:
        """Decode the leading pieces of ``window`` that fit the budget (joined as ``packing``
        says) and merge what is heard; returns the pieces decoded (none: the budget is spent)."""
        window = _within(window, self.budget_s, audio.sample_rate_hz, packing)
        if window:
            self.budget_s -= sum(p.duration_s(audio.sample_rate_hz) for p in window) + packing.join_s * (len(window) - 1)
            heard, lost = _decode(window, audio, recognizer, packing)
            self.chars, self.dropped, self.n_windows = _merge(self.chars, heard, s), self.dropped + lost, self.n_windows + 1
        return window


def _pieces(chars: tuple[Char, ...], audio: Audio, activity: Activity, s: GapFillSettings, *, window_s: float | None = None) -> list[_Piece]:
    """The uncovered speech, padded, stretches whose pads touch merged, cut into pieces of at
    most ``window_s`` (default ``s.window_s``) at quiet moments; in time order."""
    window_s = window_s or s.window_s
    sr = audio.sample_rate_hz
    ranges: list[list[float]] = []
    for span in uncovered_spans(activity, [(c.start_s, c.end_s) for c in chars]):
        lo, hi = max(0.0, span.start_s - s.pad_s), min(audio.duration_s, span.end_s + s.pad_s)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1][1] = hi
        else:
            ranges.append([lo, hi])
    out = []
    for lo, hi in ranges:
        a, b = int(lo * sr), int(hi * sr)
        for i, j in cut_points(audio.samples[a:b], sample_rate_hz=sr, max_piece_s=window_s, search_s=min(5.0, window_s / 2), quiet_s=0.15):
            out.append(_Piece(a + i, a + j))
    return out


def _pack(pieces: list[_Piece], sample_rate_hz: int, s: GapFillSettings) -> list[list[_Piece]]:
    """Group pieces, in time order, into windows of at most ``pack_s`` (with the joins)."""
    groups: list[list[_Piece]] = []
    length = 0.0
    for p in pieces:
        d = p.duration_s(sample_rate_hz)
        if groups and length + s.join_s + d <= s.pack_s:
            groups[-1].append(p)
            length += s.join_s + d
        else:
            groups.append([p])
            length = d
    return groups


def _within(window: list[_Piece], budget_s: float, sample_rate_hz: int, s: GapFillSettings) -> list[_Piece]:
    """The leading pieces of a window that fit in ``budget_s`` of audio, joins included."""
    out, used = [], -s.join_s
    for p in window:
        used += s.join_s + p.duration_s(sample_rate_hz)
        if used > budget_s:
            break
        out.append(p)
    return out


def _decode(window: list[_Piece], audio: Audio, recognizer: Recognizer, s: GapFillSettings) -> tuple[list[Char], list[str]]:
    """Decode pieces joined by silence; map each syllable back to the recording's time.

    A syllable belongs to the piece nearest its centre (one that Whisper timed into a join goes
    to the nearer neighbour) and is clamped into that piece.
    """
    sr = audio.sample_rate_hz
    join = np.zeros(int(s.join_s * sr), dtype=audio.samples.dtype)
    parts, bounds = [], []  # bounds: (start, end) of each piece in the window, s
    t = 0
    for k, p in enumerate(window):
        if k:
            parts.append(join)
            t += len(join)
        bounds.append((t / sr, (t + p.end_sample - p.start_sample) / sr))
        parts.append(audio.samples[p.start_sample:p.end_sample])
        t += p.end_sample - p.start_sample
    result = recognizer.recognize(np.concatenate(parts), sample_rate_hz=sr)
    heard = []
    for c in result.chars:
        centre = (c.start_s + c.end_s) / 2
        k = int(np.argmin([0.0 if w0 <= centre <= w1 else min(abs(centre - w0), abs(centre - w1)) for w0, w1 in bounds]))
        w0, w1 = bounds[k]
        start, end = min(max(c.start_s, w0), w1), min(max(c.end_s, w0), w1)
        if end - start < 0.02:  # wholly in a join: a short syllable at the nearer edge
            start, end = (w0, min(w1, w0 + 0.1)) if centre < w0 else (max(w0, w1 - 0.1), w1)
        offset = window[k].start_sample / sr - w0
        heard.append(dataclasses.replace(c, start_s=round(start + offset, 4), end_s=round(end + offset, 4)))
    return heard, list(result.dropped)


def _merge(old: tuple[Char, ...], new: list[Char], s: GapFillSettings) -> tuple[Char, ...]:
    """``old`` plus the new syllables that are not an old one heard again (in the pads)."""
    if not old:
        return tuple(sorted(new, key=lambda c: (c.start_s, c.end_s)))
    starts = np.array([c.start_s for c in old]) - s.dedupe_s
    ends = np.array([c.end_s for c in old]) + s.dedupe_s
    fresh = []
    for c in new:
        centre = (c.start_s + c.end_s) / 2
        k = int(np.searchsorted(starts, centre)) - 1
        if not (k >= 0 and ends[k] > centre):
            fresh.append(c)
    return tuple(sorted(old + tuple(fresh), key=lambda c: (c.start_s, c.end_s)))


__all__ = ["GapFillSettings", "fill_gaps"]
