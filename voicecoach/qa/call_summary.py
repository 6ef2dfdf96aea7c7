"""The QA summary of two-sided calls: the conversation figures by agent and ISO week.

Each stored call row holds its figures (the ``conversation`` dimension's, through the
registry); a group's figure is the median or the mean of its calls' stored values, so every
number the summary shows can be recomputed from the export.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from voicecoach.qa.calls import is_call, iso_week

NO_AGENT = "(no agent)"


@dataclass(frozen=True)
class CallGroup:
    """One agent's two-sided calls in one ISO week.

    Attributes
    ----------
    agent, week : str
        ``week``: "2026-W47"; "" for calls without a date.
    n_calls : int
        Calls measured.
    n_failed : int
        Calls that could not be measured (listed, with their reason, in the summary's failed calls).
    latency_median_s : float
        Median over the calls of each call's median response latency, s (NaN: none measured).
    overtalk_s_per_call, dead_air_s_per_call : float
        Mean per call of the time both sides talk at once / of the dead air, s.
    n_dead_air_per_call, n_agent_interruptions_per_call : float
        Mean counts per call.
    talk_ratio_median : float
        Median over the calls of the agent's share of the talking (0-1).
    n_out_of_band : int
        Calls whose conversation verdict is outside the targets.
    """

    agent: str
    week: str
    n_calls: int
    n_failed: int
    latency_median_s: float
    overtalk_s_per_call: float
    dead_air_s_per_call: float
    n_dead_air_per_call: float
    n_agent_interruptions_per_call: float
    talk_ratio_median: float
    n_out_of_band: int

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in self.__dict__.items()}


def summarise_calls(rows: list[dict]) -> list[CallGroup]:
    """The two-sided calls of ``rows`` (flat store rows) by agent and ISO week (newest first):
    the measured calls' figures, and how many failed."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    failed: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if is_call(r):
            at = (r.get("agent_id") or NO_AGENT, iso_week(r.get("call_date")))
            if r.get("status") == "done":
                groups[at].append(r)
            else:
                groups.setdefault(at, [])
                failed[at] += 1
    out = [CallGroup(
        agent=agent, week=week, n_calls=len(rs), n_failed=failed[(agent, week)],
        latency_median_s=_stat(np.median, rs, "latency_median_s"),
        overtalk_s_per_call=_stat(np.mean, rs, "overtalk_s"), dead_air_s_per_call=_stat(np.mean, rs, "dead_air_s"),
        n_dead_air_per_call=_stat(np.mean, rs, "n_dead_air"), n_agent_interruptions_per_call=_stat(np.mean, rs, "n_agent_interruptions"),
        talk_ratio_median=_stat(np.median, rs, "talk_ratio"),
        n_out_of_band=sum(r.get("conversation_verdict") not in ("within", "not_measured", "uncertain", None) for r in rs),
    ) for (agent, week), rs in groups.items()]
    out.sort(key=lambda g: g.agent)
    out.sort(key=lambda g: g.week, reverse=True)  # newest week first, undated last
    return out


def _stat(f, rows: list[dict], key: str) -> float:
    v = [float(r[key]) for r in rows if r.get(key) is not None and np.isfinite(r[key])]
    return float(f(v)) if v else float("nan")
