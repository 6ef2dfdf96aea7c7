"""The agent's backchannels: 嗯, 对, 好的, 是的 said while the customer holds the floor.

The guide asks the agent to acknowledge while listening (guide 000 §2.1, 004). From the signal
a backchannel is a short agent spurt inside a customer turn
(:func:`voicecoach.conversation.turns.find_backchannels`); with the agent's transcript, each
one is also checked for a listening word, so a reader can tell "嗯" from a cut-off attempt to
take the floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from voicecoach.conversation.turns import Interval

BACKCHANNEL_WORDS = frozenset({"嗯", "嗯嗯", "对", "对对", "对的", "好", "好的", "是", "是的", "哦", "噢", "啊", "明白", "了解", "行"})
"""Listening words (guide 000 §2.1, 004: 嗯/对/好的/是的, with their common variants)."""

_PUNCT = " \t，。、！？,.!?…~～-"


class TimedText(Protocol):
    """Anything with a time span and text: a recognised word or character."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Backchannel:
    """One short agent spurt inside a customer turn.

    Attributes
    ----------
    start_s, end_s : float
        The spurt, s.
    text : str or None
        What the agent's transcript has there (None without a transcript).
    is_listening_word : bool or None
        Whether ``text`` is one of :data:`BACKCHANNEL_WORDS` (None without a transcript).
    """

    start_s: float
    end_s: float
    text: str | None = None
    is_listening_word: bool | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "text": self.text, "is_listening_word": self.is_listening_word}


def label_backchannels(spurts: Iterable[Interval], *, words: Iterable[TimedText] | None = None, margin_s: float = 0.1) -> tuple[Backchannel, ...]:
    """Attach the transcript's text to each backchannel spurt.

    Parameters
    ----------
    spurts : iterable of Interval
        The agent's backchannel spurts, s.
    words : iterable of TimedText, optional
        The agent's recognised words or characters with times, s.
    margin_s : float
        A word counts when its centre lies within the spurt widened by this, s (>= 0).

    Returns
    -------
    tuple of Backchannel
    """
    spurts = tuple(spurts)
    if words is None:
        return tuple(Backchannel(s.start_s, s.end_s) for s in spurts)
    words = sorted(words, key=lambda w: w.start_s)
    out = []
    for s in spurts:
        inside = [w.text for w in words if s.start_s - margin_s <= (w.start_s + w.end_s) / 2 <= s.end_s + margin_s]
        text = "".join(inside).strip(_PUNCT)
        out.append(Backchannel(s.start_s, s.end_s, text, is_listening_word(text)))
    return tuple(out)


def is_listening_word(text: str) -> bool:
    """True when ``text`` (punctuation ignored) is a listening word or a repeat of one (嗯嗯嗯, 对对对)."""
    t = "".join(ch for ch in text if ch not in _PUNCT)
    if not t:
        return False
    if t in BACKCHANNEL_WORDS:
        return True
    return len(set(t)) == 1 and t[0] in BACKCHANNEL_WORDS
