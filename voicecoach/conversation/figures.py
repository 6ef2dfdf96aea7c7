"""A call's whole-call figures in one flat value: the measures of the ``conversation`` dimension.

The registry (:mod:`voicecoach.judge.builtin`) declares which of them are stored and exported
and which target each is judged on; the judged ones carry the name of their target key
(``conversation.<name>``) and the value of the call's check (NaN where a check was not judged:
on a mono call overtalk and interruptions, on a mixed separation every one).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from voicecoach.conversation.turn_types import CUSTOMER
from voicecoach.measures.voices import SPLIT_RELIABILITY


@dataclass(frozen=True)
class CallFigures:
    """Whole-call figures (units in the names; counts ``n_*``; NaN: not measured).

    The first eleven are judged against ``[conversation]`` in the targets.
    """

    talk_ratio: float
    longest_monologue_s: float  # the agent's
    turns_per_min: float
    overtalk_ratio: float
    agent_interruptions_per_min: float
    latency_median_s: float
    latency_p90_s: float
    n_dead_air: float
    long_hold_s: float
    pace_gap_cps: float
    pace_follow_slope: float
    longest_monologue_customer_s: float
    overtalk_s: float
    n_overlaps: float  # overlaps of at least conversation.overlap_min_s
    longest_overlap_s: float
    n_agent_interruptions: float
    dead_air_s: float
    n_holds: float
    hold_s: float
    n_agent_backchannels: float
    separation_reliability: float = math.nan  # a separated mono call: voices.SPLIT_RELIABILITY (quality.separation_reliability)

    def to_dict(self) -> dict:
        return {k: (round(v, 3) if math.isfinite(v) else None) for k, v in asdict(self).items()}


MONO_UNMEASURED = ("overtalk_s", "n_overlaps", "longest_overlap_s", "n_agent_interruptions")
"""Figures a mono call cannot have (one voice per frame after separation), beside its NaN checks."""


def call_figures(call) -> CallFigures:
    """The figures of a :class:`~voicecoach.conversation.analyze.CallAnalysis`."""
    t = call.turns
    checked = {c.key.split(".", 1)[1]: float(c.value) for c in call.checks}
    judged = call.separation is None or call.separation.confident
    nan = float("nan")
    extra = {
        "longest_monologue_customer_s": t.longest_monologue_s(CUSTOMER),
        "overtalk_s": t.overtalk_s, "n_overlaps": len(t.long_overlaps), "longest_overlap_s": t.longest_overlap_s,
        "n_agent_interruptions": len(t.agent_interruptions),
        "dead_air_s": sum(d.duration_s for d in t.dead_air), "n_holds": len(t.holds), "hold_s": sum(h.duration_s for h in t.holds),
        "n_agent_backchannels": len(t.agent_backchannels),
    }
    extra = {k: (float(v) if judged and not (call.layout == "mono" and k in MONO_UNMEASURED) else nan) for k, v in extra.items()}
    fields = CallFigures.__dataclass_fields__
    reliability = SPLIT_RELIABILITY if call.separation is not None else nan
    return CallFigures(**{k: checked.get(k, nan) for k in fields if k not in extra and k != "separation_reliability"}, **extra,
                       separation_reliability=reliability)

