"""Pauses: every silent gap inside the speech, with its length; long pauses and dead air.

A pause is a run of silent frames (see :mod:`voicecoach.audio.activity`) of at least
``min_pause_s`` between the first and the last speech frame. Silence before the first word
and after the last is not a pause. For a call recording analysed on one channel, a gap while
the other channel talks is *listening*, not a pause, and is never flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio.activity import Activity, runs


@dataclass(frozen=True)
class Pause:
    """One silent gap.

    Attributes
    ----------
    start_s, end_s : float
        Span, s.
    listening : bool
        The other channel was talking for most of it (not a pause of the speaker's).
    """

    start_s: float
    end_s: float
    listening: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "duration_s": round(self.duration_s, 3), "listening": self.listening}


@dataclass(frozen=True)
class PauseMeasures:
    """Summary of the pauses of a recording.

    Attributes
    ----------
    pauses : tuple of Pause
        Every pause (listening gaps included, marked).
    speech_start_s, speech_end_s : float
        First and last speech frame, s.
    n_pauses : int
        Pauses of the speaker (not listening).
    pause_ratio : float
        Share of the speech span spent in the speaker's pauses, 0..1.
    median_pause_ms : float
        Median length of the speaker's pauses, ms (NaN if none).
    long_pauses : tuple of Pause
        Speaker's pauses >= ``long_pause_s`` and < ``dead_air_s``.
    dead_air : tuple of Pause
        Speaker's pauses >= ``dead_air_s``.
    long_pauses_per_min : float
        (long pauses + dead air) per minute of speech span.
    """

    pauses: tuple[Pause, ...]
    speech_start_s: float
    speech_end_s: float
    n_pauses: int
    pause_ratio: float
    median_pause_ms: float
    long_pauses: tuple[Pause, ...]
    dead_air: tuple[Pause, ...]
    long_pauses_per_min: float

    def to_dict(self) -> dict:
        return {
            "speech_start_s": round(self.speech_start_s, 3),
            "speech_end_s": round(self.speech_end_s, 3),
            "n_pauses": self.n_pauses,
            "pause_ratio": round(self.pause_ratio, 4),
            "median_pause_ms": None if np.isnan(self.median_pause_ms) else round(self.median_pause_ms, 1),
            "long_pauses_per_min": round(self.long_pauses_per_min, 3),
            "pauses": [p.to_dict() for p in self.pauses],
            "long_pauses": [p.to_dict() for p in self.long_pauses],
            "dead_air": [p.to_dict() for p in self.dead_air],
        }


LISTEN_MIN_S = 0.3
"""Other-side speech inside a gap (s, in all) that makes the gap listening: a short answer
(嗯, 对, 好的) is 0.2-0.5 s; a 16 s gap in which the customer spoke for 5 s in short bursts is a
turn exchange, not the agent's dead air (the real call in ../shared/audio/calls)."""


def detect_pauses(activity: Activity, *, min_pause_s: float, other_level_db: np.ndarray | None = None) -> tuple[Pause, ...]:
    """Find the silent gaps between the first and last speech frame.

    Parameters
    ----------
    activity : Activity
        Frame-wise speech decision.
    min_pause_s : float
        Shortest silence that counts as a pause, s (> 0). Shorter gaps are stop closures and
        breaths inside speech.
    other_level_db : numpy.ndarray, optional
        Level track of the other channel(s) on the same 10 ms grid, dBov; a gap in which the
        other side speaks (above the silence threshold for ``LISTEN_MIN_S`` in all, or for most
        of a shorter gap) is marked ``listening``: the floor passed to the other side, so it is
        neither the speaker's pause nor dead air (a call's dead air is measured on both sides).

    Returns
    -------
    tuple of Pause
    """
    speech = activity.is_speech
    if not speech.any():
        return ()
    first = int(np.argmax(speech))
    last = len(speech) - int(np.argmax(speech[::-1]))
    starts, ends = runs(~speech[first:last])
    min_frames = int(round(min_pause_s / activity.frame_s))
    out = []
    for s, e in zip(starts + first, ends + first):
        if e - s < min_frames:
            continue
        listening = False
        if other_level_db is not None and len(other_level_db) >= e:
            talking = other_level_db[s:e] > activity.threshold_db
            listening = bool(talking.sum() * activity.frame_s >= LISTEN_MIN_S or talking.mean() > 0.5)
        out.append(Pause(s * activity.frame_s, e * activity.frame_s, listening))
    return tuple(out)


def measure_pauses(activity: Activity, pauses: tuple[Pause, ...], *, long_pause_s: float, dead_air_s: float) -> PauseMeasures:
    """Summarise pauses and flag the long ones.

    Parameters
    ----------
    activity : Activity
    pauses : tuple of Pause
        From :func:`detect_pauses`.
    long_pause_s : float
        A speaker's pause this long or longer is flagged as long, s.
    dead_air_s : float
        This long or longer is dead air, s (>= ``long_pause_s``).
    """
    speech = activity.is_speech
    if speech.any():
        start = int(np.argmax(speech)) * activity.frame_s
        end = (len(speech) - int(np.argmax(speech[::-1]))) * activity.frame_s
    else:
        start = end = 0.0
    own = [p for p in pauses if not p.listening]
    span = max(end - start - sum(p.duration_s for p in pauses if p.listening), 1e-9)
    dead = tuple(p for p in own if p.duration_s >= dead_air_s)
    long = tuple(p for p in own if long_pause_s <= p.duration_s < dead_air_s)
    return PauseMeasures(
        pauses=pauses,
        speech_start_s=start,
        speech_end_s=end,
        n_pauses=len(own),
        pause_ratio=float(sum(p.duration_s for p in own) / span) if span > 0 else 0.0,
        median_pause_ms=float(np.median([p.duration_s for p in own]) * 1000) if own else float("nan"),
        long_pauses=long,
        dead_air=dead,
        long_pauses_per_min=(len(long) + len(dead)) / (span / 60.0),
    )
