"""benchmarks/separation_guard.py: the BAD verdict, the threshold fit and the held-out customers
(known answers; no audio, no encoder)."""

from __future__ import annotations


from benchmarks.separation_guard import bad_reasons, fit, flagged
from benchmarks.separation_heldout import MORE_AGENTS, more_real_agents


def _fig(lat=(1.0, 1.0), dead=(1, 1), turns=(9, 9), level=(-20.0, -20.0)):
    return {"latency_median_s": list(lat), "n_dead_air": list(dead), "n_turns": list(turns), "agent_level_db": list(level)}


def test_bad_reasons_follow_the_tolerances():
    assert bad_reasons(_fig(lat=(1.0, 1.14), level=(-20.0, -20.9))) == []
    assert bad_reasons(_fig(lat=(1.0, 1.16))) == ["latency 1.00/1.16"]
    assert bad_reasons(_fig(lat=(float("nan"), 1.0)))[0].startswith("latency")  # no latency on mono is a miss
    assert [r.split()[0] for r in bad_reasons(_fig(dead=(0, 1), turns=(6, 9), level=(-20, -22)))] == ["dead", "turns", "level"]


def test_fit_finds_the_separating_threshold_and_its_direction():
    rows = [{"q": v, "bad": b} for v, b in [(0.1, True), (0.2, True), (0.6, False), (0.7, False), (0.8, False)]]
    sign, t, score = fit(rows, "q")
    assert sign == -1 and 0.2 < t < 0.6 and score == 2
    assert [flagged(r, "q", sign, t) for r in rows] == [True, True, False, False, False]
    rows_up = [{"q": -r["q"], "bad": r["bad"]} for r in rows]
    assert fit(rows_up, "q")[0] == 1
    assert not flagged({"q": float("nan")}, "q", 1, 0.0)


def test_fit_prefers_losing_no_good_split_when_scores_tie():
    rows = [{"q": v, "bad": b} for v, b in [(0.1, True), (0.2, False), (0.3, True), (0.9, False)]]
    sign, t, score = fit(rows, "q")
    lost = sum(flagged(r, "q", sign, t) and not r["bad"] for r in rows)
    assert score == 1 and lost == 0


def test_more_agents_get_customers_of_other_sources():
    m = more_real_agents()
    assert len(m) == len(MORE_AGENTS)
    for agent, customers in m.values():
        assert len(set(customers)) == 4 and all(c.split("_")[0] != agent.split("_")[0] for c in customers)
