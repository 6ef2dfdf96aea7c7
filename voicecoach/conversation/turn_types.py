"""What turn-taking analysis returns: its settings, intervals, turns, latencies, spurts and
:class:`TurnTaking` (definitions of each term in :mod:`voicecoach.conversation.turns`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AGENT = "agent"
CUSTOMER = "customer"


@dataclass(frozen=True)
class TurnSettings:
    """The knobs of turn segmentation, each default once (the targets file's
    ``[conversation]`` section supplies the judged thresholds; see
    :func:`voicecoach.conversation.analyze.settings_from_targets`).

    Attributes
    ----------
    bridge_s : float
        Gaps in one side's speech shorter than this are bridged into one spurt, s (> 0).
    min_spurt_s : float
        Bridged spurts shorter than this are dropped: clicks and breath noise near the
        silence threshold, not talk (Praat's default shortest sounding interval), s.
    backchannel_max_s : float
        Longest spurt that can be a backchannel, s.
    overlap_min_s : float
        An overlap at least this long is counted (MiiTel: 1 s), s.
    dead_air_s : float
        Mutual silence at least this long is dead air, s.
    long_wait_s : float
        A response latency at least this long is reported as a moment, s.
    hold_min_s : float
        One side sounding without a pause this long, the other silent, is a hold, s.
    """

    bridge_s: float = 0.3
    min_spurt_s: float = 0.1
    backchannel_max_s: float = 1.0
    overlap_min_s: float = 1.0
    dead_air_s: float = 5.0
    long_wait_s: float = 3.0
    hold_min_s: float = 30.0

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Interval:
    """A stretch of the call, s (frame edges)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "duration_s": round(self.duration_s, 3)}


@dataclass(frozen=True)
class Turn:
    """One side holding the floor.

    Attributes
    ----------
    side : str
        ``"agent"`` or ``"customer"``.
    start_s, end_s : float
        First onset and last offset of the turn's spurts, s.
    speech_s : float
        Time inside the turn that this side actually speaks (bridged spurts), s.
    """

    side: str
    start_s: float
    end_s: float
    speech_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"side": self.side, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "speech_s": round(self.speech_s, 3)}


@dataclass(frozen=True)
class Latency:
    """The agent answering a customer turn.

    Attributes
    ----------
    customer_end_s : float
        End of the customer's turn, s.
    agent_start_s : float
        Start of the agent's next turn, s.
    """

    customer_end_s: float
    agent_start_s: float

    @property
    def latency_s(self) -> float:
        """Agent start minus customer end, s; negative when the agent started first."""
        return self.agent_start_s - self.customer_end_s

    def to_dict(self) -> dict:
        return {"customer_end_s": round(self.customer_end_s, 3), "agent_start_s": round(self.agent_start_s, 3), "latency_s": round(self.latency_s, 3)}


@dataclass(frozen=True)
class Spurts:
    """One side's bridged spurts, as frame indices (start inclusive, end exclusive)."""

    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def mask(self, n_frames: int) -> np.ndarray:
        m = np.zeros(n_frames, bool)
        for s, e in zip(self.starts, self.ends):
            m[s:e] = True
        return m


@dataclass(frozen=True, eq=False)
class TurnTaking:
    """Everything about who spoke when.

    Attributes
    ----------
    frame_s : float
        Grid step, s.
    span : Interval
        First speech to last speech of either side, s; rates are per minute of this span.
    agent_speech_s, customer_speech_s : float
        Time each side speaks (bridged spurts, backchannels included, holds excluded), s.
    turns : tuple of Turn
        In order of start.
    overlaps : tuple of Interval
        Every stretch of simultaneous speech, however short.
    agent_interruptions, customer_interruptions : tuple of Interval
        Each: the interrupting turn's start to the moment the other side yielded, s.
    latencies : tuple of Latency
        One per customer-to-agent floor transfer.
    dead_air : tuple of Interval
        Mutual silences of at least ``settings.dead_air_s``.
    holds : tuple of Interval
    agent_backchannels, customer_backchannels : tuple of Interval
        Short spurts inside the other side's turn.
    settings : TurnSettings
    """

    frame_s: float
    span: Interval
    agent_speech_s: float
    customer_speech_s: float
    turns: tuple[Turn, ...]
    overlaps: tuple[Interval, ...]
    agent_interruptions: tuple[Interval, ...]
    customer_interruptions: tuple[Interval, ...]
    latencies: tuple[Latency, ...]
    dead_air: tuple[Interval, ...]
    holds: tuple[Interval, ...]
    agent_backchannels: tuple[Interval, ...]
    customer_backchannels: tuple[Interval, ...]
    settings: TurnSettings

    @property
    def talk_ratio(self) -> float:
        """Agent share of all speech, 0..1 (NaN when nobody speaks)."""
        total = self.agent_speech_s + self.customer_speech_s
        return self.agent_speech_s / total if total > 0 else float("nan")

    @property
    def span_min(self) -> float:
        return self.span.duration_s / 60.0

    def side_turns(self, side: str) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.side == side)

    def longest_monologue_s(self, side: str) -> float:
        """Longest stretch of one side holding the floor, s (0 when the side never takes it).

        A turn keeps the dead air inside it (the other side did not take the floor), but a
        monologue ends at dead air: the side stopped talking for at least
        ``settings.dead_air_s``, so what follows is a new monologue. Each turn is cut at the
        dead-air stretches inside it and the longest piece counts.
        """
        return max((piece for t in self.side_turns(side) for piece in _pieces(t, self.dead_air)), default=0.0)

    @property
    def turns_per_min(self) -> float:
        return len(self.turns) / self.span_min if self.span_min > 0 else float("nan")

    @property
    def overtalk_s(self) -> float:
        return float(sum(o.duration_s for o in self.overlaps))

    @property
    def long_overlaps(self) -> tuple[Interval, ...]:
        """Overlaps of at least ``settings.overlap_min_s`` (the counted ones)."""
        return tuple(o for o in self.overlaps if o.duration_s >= self.settings.overlap_min_s - 1e-9)

    @property
    def longest_overlap_s(self) -> float:
        return max((o.duration_s for o in self.overlaps), default=0.0)

    @property
    def latency_median_s(self) -> float:
        return float(np.median([x.latency_s for x in self.latencies])) if self.latencies else float("nan")

    @property
    def latency_p90_s(self) -> float:
        return float(np.percentile([x.latency_s for x in self.latencies], 90)) if self.latencies else float("nan")

    @property
    def long_waits(self) -> tuple[Latency, ...]:
        return tuple(x for x in self.latencies if x.latency_s >= self.settings.long_wait_s - 1e-9)

    def to_dict(self) -> dict:
        f = _finite_or_none
        return {
            "span": self.span.to_dict(),
            "agent_speech_s": round(self.agent_speech_s, 3), "customer_speech_s": round(self.customer_speech_s, 3),
            "talk_ratio": f(self.talk_ratio),
            "longest_monologue_agent_s": round(self.longest_monologue_s(AGENT), 3),
            "longest_monologue_customer_s": round(self.longest_monologue_s(CUSTOMER), 3),
            "n_turns": len(self.turns), "turns_per_min": f(self.turns_per_min),
            "overtalk_s": round(self.overtalk_s, 3), "n_overlaps": len(self.long_overlaps),
            "longest_overlap_s": round(self.longest_overlap_s, 3),
            "n_agent_interruptions": len(self.agent_interruptions), "n_customer_interruptions": len(self.customer_interruptions),
            "latency_median_s": f(self.latency_median_s), "latency_p90_s": f(self.latency_p90_s),
            "n_dead_air": len(self.dead_air), "dead_air_s": round(sum(d.duration_s for d in self.dead_air), 3),
            "n_holds": len(self.holds), "hold_s": round(sum(h.duration_s for h in self.holds), 3),
            "n_agent_backchannels": len(self.agent_backchannels),
            "turns": [t.to_dict() for t in self.turns],
            "overlaps": [o.to_dict() for o in self.long_overlaps],
            "agent_interruptions": [i.to_dict() for i in self.agent_interruptions],
            "latencies": [x.to_dict() for x in self.latencies],
            "long_waits": [x.to_dict() for x in self.long_waits],
            "dead_air": [d.to_dict() for d in self.dead_air],
            "holds": [h.to_dict() for h in self.holds],
            "agent_backchannels": [b.to_dict() for b in self.agent_backchannels],
            "settings": self.settings.to_dict(),
        }


def _pieces(turn: Turn, dead_air: tuple[Interval, ...]) -> list[float]:
    """Durations of a turn cut at the dead-air stretches inside it, s."""
    out, start = [], turn.start_s
    for d in dead_air:
        if d.start_s >= start and d.end_s <= turn.end_s:
            out.append(d.start_s - start)
            start = d.end_s
    out.append(turn.end_s - start)
    return out


def _finite_or_none(x: float) -> float | None:
    return round(float(x), 3) if np.isfinite(x) else None
