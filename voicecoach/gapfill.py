"""Second pass over speech the first recognition left without a transcript.

On long recordings Whisper loses stretches of speech: a 30 s decoding window in which the
decoder stops early is consumed whole, a window it judges to hold no speech is skipped, and a
repetition loop is cut away. On a 5-minute recording built from ../shared/audio, one third of
the speech time came back with no syllable (benchmarks/longform.py). This pass finds every
stretch of detected speech with no recognised syllable near it
(:func:`voicecoach.coverage.uncovered_spans`), decodes each again on its own, in windows of at
most ``window_s``, and inserts what it hears. What is still not recognised after this pass is
reported as unrecognised speech, with its times; it is never silently lost.

It works with any :class:`~voicecoach.transcribe.Transcriber`: the windows are plain audio.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import Audio
from voicecoach.coverage import uncovered_spans
from voicecoach.measures.activity import Activity
from voicecoach.transcribe import Char, Transcriber, Transcript, cut_points


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
        joins speech chunks the same way.) Pieces still uncovered after that are decoded
        alone.
    join_s : float
        Silence between packed pieces, s.
    pad_s : float
        Audio kept either side of an uncovered stretch, s (the decoder needs a run-in).
    max_share : float
        The second pass decodes at most this share of the recording's speech time (bounds the
        cost on a recording the recogniser cannot follow at all).
    """

    window_s: float = 12.0
    pack_s: float = 24.0
    join_s: float = 0.5
    pad_s: float = 0.4
    max_share: float = 0.6


@dataclass(frozen=True)
class _Piece:
    start: int  # sample range in the recording
    end: int
    keep_from_s: float  # syllables whose centre lies outside this range belong to the neighbours
    keep_to_s: float


def fill_gaps(transcript: Transcript, audio: Audio, activity: Activity, transcriber: Transcriber, *, settings: GapFillSettings | None = None) -> Transcript:
    """Decode the uncovered speech again and merge what is heard into ``transcript``.

    Parameters
    ----------
    transcript : Transcript
        First-pass result over the whole of ``audio``.
    audio : Audio
        The recording at the transcriber's rate.
    activity : Activity
        Its speech decision (which frames are speech).
    transcriber : Transcriber
        Used for each window.
    settings : GapFillSettings, optional

    Returns
    -------
    Transcript
        With the new syllables in time order, the windows decoded counted in ``n_gap_windows``.
    """
    s = settings or GapFillSettings()
    pieces = _pieces(transcript, audio, activity, s)
    if not pieces:
        return transcript
    n_windows = 0
    chars = transcript.chars
    dropped = list(transcript.dropped)
    for group in (_pack(pieces, audio.sample_rate_hz, s), None):
        if group is None:  # second round: what packing left uncovered, one piece at a time
            still = _pieces(dataclasses.replace(transcript, chars=chars), audio, activity, s)
            group = [[p] for p in still if any(p.start < q.end and q.start < p.end for q in pieces)]
        for window in group:
            heard, lost = _decode(window, audio, transcriber, s)
            n_windows += 1
            dropped += lost
            chars = _merge(chars, heard)
    return dataclasses.replace(transcript, chars=chars, dropped=tuple(dropped), n_gap_windows=transcript.n_gap_windows + n_windows)


def _pieces(transcript: Transcript, audio: Audio, activity: Activity, s: GapFillSettings) -> list[_Piece]:
    """The uncovered speech as padded pieces of at most ``window_s``, longest stretches first
    until ``max_share`` of the speech time is used."""
    spans = uncovered_spans(activity, [(c.start_s, c.end_s) for c in transcript.chars])
    budget_s = s.max_share * float(activity.is_speech.sum() * activity.frame_s)
    sr = audio.sample_rate_hz
    out = []
    for span in sorted(spans, key=lambda u: -u.speech_s):
        a = int(max(0.0, span.start_s - s.pad_s) * sr)
        b = int(min(audio.duration_s, span.end_s + s.pad_s) * sr)
        if budget_s <= 0:
            break
        budget_s -= (b - a) / sr
        cuts = cut_points(Audio(audio.samples[a:b], sr), max_piece_s=s.window_s, search_s=min(5.0, s.window_s / 2), quiet_s=0.15)
        for k, (i, j) in enumerate(cuts):
            lo = span.start_s - s.pad_s / 2 if k == 0 else (a + i) / sr
            hi = span.end_s + s.pad_s / 2 if k == len(cuts) - 1 else (a + j) / sr
            out.append(_Piece(a + i, a + j, lo, hi))
    return sorted(out, key=lambda p: p.start)


def _pack(pieces: list[_Piece], sample_rate_hz: int, s: GapFillSettings) -> list[list[_Piece]]:
    """Group pieces, in time order, into windows of at most ``pack_s`` (with the joins)."""
    groups: list[list[_Piece]] = []
    length = 0.0
    for p in pieces:
        d = (p.end - p.start) / sample_rate_hz
        if groups and length + s.join_s + d <= s.pack_s:
            groups[-1].append(p)
            length += s.join_s + d
        else:
            groups.append([p])
            length = d
    return groups


def _decode(window: list[_Piece], audio: Audio, transcriber: Transcriber, s: GapFillSettings) -> tuple[list[Char], list[str]]:
    """Decode pieces joined by silence; map each syllable back to the recording's time."""
    sr = audio.sample_rate_hz
    join = np.zeros(int(s.join_s * sr), dtype=audio.samples.dtype)
    parts, starts = [], []  # starts: (time in the window, piece)
    t = 0
    for k, p in enumerate(window):
        if k:
            parts.append(join)
            t += len(join)
        starts.append((t / sr, p))
        parts.append(audio.samples[p.start:p.end])
        t += p.end - p.start
    result = transcriber.transcribe(Audio(np.concatenate(parts), sr))
    heard = []
    for c in result.chars:
        centre = (c.start_s + c.end_s) / 2
        w0, p = max(((w, q) for w, q in starts if w <= centre + s.join_s / 2), default=starts[0], key=lambda x: x[0])
        offset = p.start / sr - w0
        c = dataclasses.replace(c, start_s=round(max(c.start_s, w0) + offset, 4), end_s=round(min(c.end_s, w0 + (p.end - p.start) / sr) + offset, 4))
        if p.keep_from_s <= (c.start_s + c.end_s) / 2 <= p.keep_to_s and c.end_s > c.start_s:
            heard.append(c)
    return heard, list(result.dropped)


def _merge(old: tuple[Char, ...], new: list[Char]) -> tuple[Char, ...]:
    """``old`` plus the new syllables that do not fall inside an old one's span."""
    return tuple(sorted(old + tuple(_not_already_covered(new, old)), key=lambda c: (c.start_s, c.end_s)))


def _not_already_covered(new: list[Char], old: tuple[Char, ...]) -> list[Char]:
    """Drop new syllables whose centre lies inside an old syllable's span (the pads overlap)."""
    if not old or not new:
        return new
    starts = np.array([c.start_s for c in old])
    ends = np.array([c.end_s for c in old])
    out = []
    for c in new:
        centre = (c.start_s + c.end_s) / 2
        k = np.searchsorted(starts, centre) - 1
        if k >= 0 and ends[k] > centre:
            continue
        out.append(c)
    return out


__all__ = ["GapFillSettings", "fill_gaps"]
