"""Who speaks when: talk spurts, turns, overlaps, interruptions, response latency, dead air, holds.

Everything here works on two speech tracks on one 10 ms grid (the agent's and the customer's,
from :func:`voicecoach.audio.activity.compute_activity` on each side of the call, or any
other per-side speech decision: the tests feed Praat's). Times are frame edges, s.

The model follows the talk-spurt analysis of Brady (1968, "A statistical analysis of on-off
patterns in 16 conversations", *Bell System Technical Journal* 47) and the floor-transfer
measures of Heldner & Edlund (2010, "Pauses, gaps and overlaps in conversations",
*Journal of Phonetics* 38):

* a **spurt** is a run of one side's speech, with gaps shorter than ``bridge_s`` bridged (stop
  closures, breaths);
* a **backchannel** is a short spurt (``<= backchannel_max_s``) of one side that does not take
  the floor: the other side has been talking just before it starts and goes on talking after
  it (:func:`find_backchannels`);
* a **turn** is a maximal run of one side's floor-taking spurts with no floor-taking spurt of
  the other side starting in between (dead air inside one side's turn stays in it); a spurt
  that starts and ends inside one spurt of the other side never takes the floor (it is
  overlap, not a turn);
* an **overlap** is a stretch where both sides' spurts run at once (backchannels included);
* an **interruption by the agent** is an agent turn that starts while a customer spurt (not a
  backchannel) is running, where that customer spurt then ends before the agent's turn does
  (the customer yields);
* a **response latency** is the start of an agent turn minus the end of the customer turn
  before it (negative when the agent started before the customer finished: Heldner & Edlund's
  floor-transfer offset); a transfer with a hold in between has none;
* **dead air** is mutual silence (neither side's spurts, holds excluded) of at least
  ``dead_air_s`` between the first and the last speech of the call;
* a **hold** is what can be told from the signal alone: one side's channel sounding (above its
  recording-wide silence threshold) without a single pause of ``bridge_s`` for at least
  ``hold_min_s`` while the other side is (nearly) silent: hold music, tones, a recorded
  message. Speech always pauses within that time; music does not. A muted hold (plain
  silence) cannot be told from dead air and is reported as dead air.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio.activity import runs

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
        """Longest turn of one side, s (0 when the side never takes the floor)."""
        return max((t.duration_s for t in self.side_turns(side)), default=0.0)

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


def _finite_or_none(x: float) -> float | None:
    return round(float(x), 3) if np.isfinite(x) else None


def bridge(is_speech: np.ndarray, *, bridge_frames: int, min_frames: int = 0) -> Spurts:
    """Spurts of one side: runs of speech frames with gaps shorter than ``bridge_frames``
    closed, then those shorter than ``min_frames`` dropped."""
    starts, ends = runs(np.asarray(is_speech, bool))
    if len(starts) == 0:
        return Spurts(starts, ends)
    keep = np.concatenate(([True], starts[1:] - ends[:-1] >= bridge_frames))
    new_starts = starts[keep]
    new_ends = np.concatenate((ends[np.flatnonzero(keep)[1:] - 1], ends[-1:]))
    long_ = new_ends - new_starts >= min_frames
    return Spurts(new_starts[long_], new_ends[long_])


def analyze_turns(agent_speech: np.ndarray, customer_speech: np.ndarray, *, frame_s: float, settings: TurnSettings = TurnSettings(),
                  agent_sound: np.ndarray | None = None, customer_sound: np.ndarray | None = None) -> TurnTaking:
    """Turn-taking measures from two speech tracks on one grid.

    Parameters
    ----------
    agent_speech, customer_speech : numpy.ndarray
        bool, shape (n,): speech decision of each side per frame (equal lengths).
    frame_s : float
        Frame step, s (> 0).
    settings : TurnSettings
    agent_sound, customer_sound : numpy.ndarray, optional
        bool, shape (n,): where each channel carries any sound above its background (holds
        are looked for here: an adaptive speech detector learns steady music as background
        within seconds). Default: the speech tracks.

    Returns
    -------
    TurnTaking
    """
    a = np.asarray(agent_speech, bool)
    c = np.asarray(customer_speech, bool)
    if a.shape != c.shape or a.ndim != 1:
        raise ValueError(f"both speech tracks must be 1-D and equally long; got {a.shape} and {c.shape}")
    n = len(a)
    fr = lambda s: int(round(s / frame_s))  # noqa: E731
    sound = {AGENT: a if agent_sound is None else np.asarray(agent_sound, bool)[:n], CUSTOMER: c if customer_sound is None else np.asarray(customer_sound, bool)[:n]}
    speech = {AGENT: a, CUSTOMER: c}
    holds_by_side = {side: find_holds(sound[side], speech[_other(side)], bridge_frames=fr(settings.bridge_s), min_frames=fr(settings.hold_min_s)) for side in speech}
    hold_mask = np.zeros(n, bool)
    for side in speech:
        own = speech[side].copy()
        for s, e in holds_by_side[side]:
            own[s:e] = False  # hold sound is not talk
            hold_mask[s:e] = True
        speech[side] = own
    sp = {side: bridge(speech[side], bridge_frames=fr(settings.bridge_s), min_frames=fr(settings.min_spurt_s)) for side in speech}
    masks = {side: sp[side].mask(n) for side in sp}
    any_speech = masks[AGENT] | masks[CUSTOMER]
    if not any_speech.any():
        span = Interval(0.0, 0.0)
    else:
        idx = np.flatnonzero(any_speech)
        span = Interval(float(idx[0] * frame_s), float((idx[-1] + 1) * frame_s))
    bc = {side: find_backchannels(sp[side], sp[_other(side)], max_frames=fr(settings.backchannel_max_s), resume_frames=fr(settings.backchannel_max_s)) for side in sp}
    inside = {side: _enclosed(sp[side], sp[_other(side)]) for side in sp}
    turns = _turns(sp, {side: bc[side] | inside[side] for side in sp}, masks, frame_s)
    overlaps = _intervals(*runs(masks[AGENT] & masks[CUSTOMER]), frame_s)
    lo, hi = fr(span.start_s), fr(span.end_s)
    silent = ~any_speech & ~hold_mask
    silent[:lo] = False
    silent[hi:] = False
    s_, e_ = runs(silent)
    long_ = (e_ - s_) >= fr(settings.dead_air_s)
    dead = _intervals(s_[long_], e_[long_], frame_s)
    holds = tuple(sorted((Interval(s * frame_s, e * frame_s) for side in sp for s, e in holds_by_side[side]), key=lambda i: i.start_s))
    return TurnTaking(
        frame_s=frame_s, span=span,
        agent_speech_s=float(masks[AGENT].sum() * frame_s), customer_speech_s=float(masks[CUSTOMER].sum() * frame_s),
        turns=turns, overlaps=overlaps,
        agent_interruptions=_interruptions(turns, _keep(sp[CUSTOMER], ~bc[CUSTOMER]), AGENT, frame_s),
        customer_interruptions=_interruptions(turns, _keep(sp[AGENT], ~bc[AGENT]), CUSTOMER, frame_s),
        latencies=_latencies(turns, holds), dead_air=dead, holds=holds,
        agent_backchannels=_intervals(sp[AGENT].starts[bc[AGENT]], sp[AGENT].ends[bc[AGENT]], frame_s),
        customer_backchannels=_intervals(sp[CUSTOMER].starts[bc[CUSTOMER]], sp[CUSTOMER].ends[bc[CUSTOMER]], frame_s),
        settings=settings,
    )


def find_backchannels(own: Spurts, other: Spurts, *, max_frames: int, resume_frames: int) -> np.ndarray:
    """Which of one side's spurts are backchannels (bool mask over ``own``).

    A spurt is a backchannel when it is at most ``max_frames`` long, the other side has
    spoken before it starts (its latest spurt began earlier, and is running or ended at most
    ``resume_frames`` before), and the other side speaks again or is still speaking within
    ``resume_frames`` of its end, with no floor-taking spurt of this side in between: the
    other side keeps the floor.
    """
    out = np.zeros(len(own), bool)
    if len(own) == 0 or len(other) == 0:
        return out
    for k, (s, e) in enumerate(zip(own.starts, own.ends)):
        if e - s > max_frames:
            continue
        j = np.searchsorted(other.starts, s, side="right") - 1  # the other's latest spurt started before
        if j < 0 or other.ends[j] < s - resume_frames:
            continue
        if other.ends[j] > e:  # the other side talks right through it
            out[k] = True
            continue
        nxt = j + 1
        if nxt < len(other) and other.starts[nxt] <= e + resume_frames:
            # and this side says nothing long before the other resumes
            own_next = k + 1
            if own_next < len(own) and own.starts[own_next] < other.starts[nxt] and own.ends[own_next] - own.starts[own_next] > max_frames:
                continue
            out[k] = True
    return out


def _keep(sp: Spurts, mask: np.ndarray) -> Spurts:
    return Spurts(sp.starts[mask], sp.ends[mask])


def _enclosed(own: Spurts, other: Spurts) -> np.ndarray:
    """Spurts of one side that start after and end before one spurt of the other side: talk
    over the other side that never gets the floor (Heldner & Edlund's within-speaker overlap)."""
    if len(own) == 0 or len(other) == 0:
        return np.zeros(len(own), bool)
    j = np.searchsorted(other.starts, own.starts, side="right") - 1
    ok = j >= 0
    out = np.zeros(len(own), bool)
    out[ok] = other.ends[j[ok]] > own.ends[ok]
    return out


def _turns(sp: dict, bc: dict, masks: dict, frame_s: float) -> tuple[Turn, ...]:
    events = sorted(
        [(int(s), int(e), side) for side in sp for s, e, b in zip(sp[side].starts, sp[side].ends, bc[side]) if not b],
        key=lambda x: (x[0], x[1]),
    )
    turns: list[list] = []
    for s, e, side in events:
        if turns and turns[-1][2] == side:
            turns[-1][1] = max(turns[-1][1], e)
        else:
            turns.append([s, e, side])
    return tuple(Turn(side, s * frame_s, e * frame_s, float(masks[side][s:e].sum() * frame_s)) for s, e, side in turns)


def _interruptions(turns: tuple[Turn, ...], other: Spurts, side: str, frame_s: float) -> tuple[Interval, ...]:
    """Turns of ``side`` that start inside a spurt of the other side which then ends before the
    turn does; each as (turn start, the other's yield)."""
    out = []
    for t in turns:
        if t.side != side:
            continue
        s = int(round(t.start_s / frame_s))
        j = np.searchsorted(other.starts, s, side="right") - 1
        if j < 0 or other.ends[j] <= s:
            continue
        yield_f = int(other.ends[j])
        if yield_f * frame_s < t.end_s - 1e-9:
            out.append(Interval(t.start_s, yield_f * frame_s))
    return tuple(out)


def _latencies(turns: tuple[Turn, ...], holds: tuple[Interval, ...]) -> tuple[Latency, ...]:
    """Customer-to-agent floor transfers; one with a hold in between is not a response time."""
    out = []
    for prev, nxt in zip(turns[:-1], turns[1:]):
        if prev.side == CUSTOMER and nxt.side == AGENT and not any(h.start_s < nxt.start_s and h.end_s > prev.end_s for h in holds):
            out.append(Latency(prev.end_s, nxt.start_s))
    return tuple(out)


def find_holds(sound: np.ndarray, other_speech: np.ndarray, *, bridge_frames: int, min_frames: int, max_other_ratio: float = 0.1) -> list[tuple[int, int]]:
    """Stretches where one channel sounds without a pause of ``bridge_frames`` for at least
    ``min_frames`` while the other side speaks in at most ``max_other_ratio`` of it (a cough,
    a "hello?"), as (start, end) frame indices."""
    sp = bridge(sound, bridge_frames=bridge_frames)
    other = np.asarray(other_speech, bool)
    return [(int(s), int(e)) for s, e in zip(sp.starts, sp.ends) if e - s >= min_frames and other[s:e].mean() <= max_other_ratio]


def _intervals(starts: np.ndarray, ends: np.ndarray, frame_s: float) -> tuple[Interval, ...]:
    return tuple(Interval(float(s * frame_s), float(e * frame_s)) for s, e in zip(starts, ends))


def _other(side: str) -> str:
    return CUSTOMER if side == AGENT else AGENT
