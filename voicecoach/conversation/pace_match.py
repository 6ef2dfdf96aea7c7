"""Pace matching: does the agent move toward the customer's own pace?

The guide asks the agent to match the customer's speed (guide 001 §发音训练 1: 匹配); MiiTel
reports the agent-customer speaking-rate difference. For every exchange (a customer turn and
the agent turn that answers it) the customer's rate over the last ``window_s`` of their turn
is set against the agent's rate over the first ``window_s`` of the answer.

A rate is syllables per second of speech in the window (an articulation rate: the side's own
pauses are left out, so a customer who hesitates is not "slow"). Syllables are the acoustic
syllable nuclei of :func:`voicecoach.measures.syllables.detect_nuclei` (de Jong & Wempe 2009)
by default, so the customer's side needs no recognition; a side's character times from a
transcript can be given instead (one Mandarin character is one syllable).

Over the call, how closely the agent follows is the least-squares slope of the agent's rate
on the customer's (1: the agent moves one for one; 0: the agent keeps their own pace) and
Pearson's r, both only with at least ``min_exchanges`` measured exchanges (NaN otherwise,
with ``enough_exchanges`` False): a slope from three points says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.conversation.turns import AGENT, CUSTOMER, TurnTaking


@dataclass(frozen=True)
class PaceSettings:
    """Attributes
    ----------
    window_s : float
        Length of each side's stretch around the floor transfer, s (> 0).
    min_speech_s : float
        Speech needed in a window for its rate to count, s.
    min_exchanges : int
        Exchanges needed for the follow slope and correlation.
    """

    window_s: float = 10.0
    min_speech_s: float = 1.5
    min_exchanges: int = 5

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Exchange:
    """One customer turn and the agent's answer.

    Attributes
    ----------
    customer_start_s, customer_end_s : float
        The customer's measured window, s.
    agent_start_s, agent_end_s : float
        The agent's measured window, s.
    customer_rate_cps, agent_rate_cps : float
        Syllables per second of speech in each window.
    """

    customer_start_s: float
    customer_end_s: float
    agent_start_s: float
    agent_end_s: float
    customer_rate_cps: float
    agent_rate_cps: float

    @property
    def gap_cps(self) -> float:
        """Agent rate minus customer rate, syllables/s (positive: the agent is faster)."""
        return self.agent_rate_cps - self.customer_rate_cps

    def to_dict(self) -> dict:
        r = lambda x: round(float(x), 3)  # noqa: E731
        return {"customer_start_s": r(self.customer_start_s), "customer_end_s": r(self.customer_end_s),
                "agent_start_s": r(self.agent_start_s), "agent_end_s": r(self.agent_end_s),
                "customer_rate_cps": r(self.customer_rate_cps), "agent_rate_cps": r(self.agent_rate_cps), "gap_cps": r(self.gap_cps)}


@dataclass(frozen=True)
class PaceMatch:
    """Attributes
    ----------
    exchanges : tuple of Exchange
        The exchanges whose both windows held enough speech.
    n_skipped : int
        Exchanges left out for too little speech in a window.
    follow_slope : float
        Slope of agent rate on customer rate over the call (NaN without enough exchanges).
    follow_r : float
        Pearson correlation of the two rates (NaN without enough exchanges or with no spread).
    enough_exchanges : bool
    source_agent, source_customer : str
        ``"nuclei"`` or ``"transcript"``: where each side's syllables came from.
    settings : PaceSettings
    """

    exchanges: tuple[Exchange, ...]
    n_skipped: int
    follow_slope: float
    follow_r: float
    enough_exchanges: bool
    source_agent: str
    source_customer: str
    settings: PaceSettings

    @property
    def gap_median_cps(self) -> float:
        """Median agent-minus-customer gap, syllables/s (NaN with no exchange)."""
        return float(np.median([e.gap_cps for e in self.exchanges])) if self.exchanges else float("nan")

    @property
    def gap_abs_median_cps(self) -> float:
        return float(np.median([abs(e.gap_cps) for e in self.exchanges])) if self.exchanges else float("nan")

    def to_dict(self) -> dict:
        f = lambda x: round(float(x), 3) if np.isfinite(x) else None  # noqa: E731
        return {"n_exchanges": len(self.exchanges), "n_skipped": self.n_skipped,
                "gap_median_cps": f(self.gap_median_cps), "gap_abs_median_cps": f(self.gap_abs_median_cps),
                "follow_slope": f(self.follow_slope), "follow_r": f(self.follow_r), "enough_exchanges": self.enough_exchanges,
                "source_agent": self.source_agent, "source_customer": self.source_customer,
                "exchanges": [e.to_dict() for e in self.exchanges], "settings": self.settings.to_dict()}


def match_pace(turns: TurnTaking, *, agent_speech: np.ndarray, customer_speech: np.ndarray, agent_syllables_s: np.ndarray,
               customer_syllables_s: np.ndarray, settings: PaceSettings = PaceSettings(),
               source_agent: str = "nuclei", source_customer: str = "nuclei") -> PaceMatch:
    """Rates per exchange and how the agent follows the customer.

    Parameters
    ----------
    turns : TurnTaking
        The call's turns (:func:`voicecoach.conversation.turns.analyze_turns`).
    agent_speech, customer_speech : numpy.ndarray
        bool speech decision per frame of each side on the grid of ``turns`` (unbridged: the
        side's own pauses are left out of its rate).
    agent_syllables_s, customer_syllables_s : numpy.ndarray
        Syllable times of each side, s (nuclei, or character centres from a transcript).
    settings : PaceSettings

    Returns
    -------
    PaceMatch
    """
    frame_s = turns.frame_s
    a_syl = np.sort(np.asarray(agent_syllables_s, float))
    c_syl = np.sort(np.asarray(customer_syllables_s, float))
    out: list[Exchange] = []
    skipped = 0
    tl = turns.turns
    for prev, nxt in zip(tl[:-1], tl[1:]):
        if not (prev.side == CUSTOMER and nxt.side == AGENT):
            continue
        cs, ce = max(prev.start_s, prev.end_s - settings.window_s), prev.end_s
        as_, ae = nxt.start_s, min(nxt.end_s, nxt.start_s + settings.window_s)
        c_rate = _rate(c_syl, customer_speech, cs, ce, frame_s, settings.min_speech_s)
        a_rate = _rate(a_syl, agent_speech, as_, ae, frame_s, settings.min_speech_s)
        if np.isfinite(c_rate) and np.isfinite(a_rate):
            out.append(Exchange(cs, ce, as_, ae, c_rate, a_rate))
        else:
            skipped += 1
    enough = len(out) >= settings.min_exchanges
    slope = r = float("nan")
    if enough:
        x = np.array([e.customer_rate_cps for e in out])
        y = np.array([e.agent_rate_cps for e in out])
        if np.std(x) > 1e-9:
            slope = float(np.polyfit(x, y, 1)[0])
            if np.std(y) > 1e-9:
                r = float(np.corrcoef(x, y)[0, 1])
    return PaceMatch(tuple(out), skipped, slope, r, enough, source_agent, source_customer, settings)


def _rate(syllables_s: np.ndarray, speech: np.ndarray, start_s: float, end_s: float, frame_s: float, min_speech_s: float) -> float:
    a, b = int(round(start_s / frame_s)), int(round(end_s / frame_s))
    speech_s = float(np.asarray(speech[a:b], bool).sum() * frame_s)
    if speech_s < min_speech_s:
        return float("nan")
    n = int(np.searchsorted(syllables_s, end_s) - np.searchsorted(syllables_s, start_s))
    return n / speech_s


