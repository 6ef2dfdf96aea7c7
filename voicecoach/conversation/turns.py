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

import numpy as np

from voicecoach.audio.activity import runs
from voicecoach.conversation.turn_types import AGENT, CUSTOMER, Interval, Latency, Spurts, Turn, TurnSettings, TurnTaking

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
