"""A result store of many generated calls (the QA pages on a large store: tests/test_web.py and
benchmarks/web_store.py), written in one transaction, with the truth kept to check against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

VERDICTS = ("within", "too_fast", "too_slow", "too_quiet", "monotone")


@dataclass(frozen=True)
class Call:
    id: int
    agent: str
    call_date: dt.date
    verdicts: dict


def fill(store, n: int, *, agents: list[str], rng: np.random.Generator, start: dt.date = dt.date(2026, 1, 1)) -> list[Call]:
    """``n`` done calls spread over 300 days and ``agents``, each with a score and a verdict per
    registered dimension and one figure per dimension; returns what was written."""
    import sqlalchemy as sa

    from voicecoach.judge import dimensions

    dims = dimensions.registered()
    now = dt.datetime(2026, 12, 1)
    t = store.t
    calls, results, dim_rows, fig_rows = [], [], [], []
    with store.engine.begin() as conn:
        first = (conn.execute(sa.select(sa.func.max(t.results.c.id))).scalar() or 0) + 1
        for k in range(n):
            rid = first + k
            agent = agents[int(rng.integers(len(agents)))]
            day = start + dt.timedelta(days=int(rng.integers(300)))
            v = {d.name: VERDICTS[int(rng.integers(len(VERDICTS)))] for d in dims}
            calls.append(Call(rid, agent, day, v))
            results.append({"id": rid, "key": f"gen{rid:08d}:{'0' * 64}", "file_sha256": f"{rid:064d}", "settings_sha256": "0" * 64,
                            "path": f"/calls/gen-{rid}.wav", "call_id": f"gen-{rid:06d}", "agent_id": agent, "call_date": day, "channel": "mix",
                            "status": "done", "attempts": 1, "duration_s": 180.0, "overall_score": float(rng.uniform(40, 100)), "created_at": now})
            for d in dims:
                dim_rows.append({"result_id": rid, "dimension": d.name, "score": float(rng.uniform(0, 100)), "verdict": v[d.name]})
                if d.figures:
                    f = d.figures[0]
                    fig_rows.append({"result_id": rid, "figure": f.key, "dimension": d.name, "value": float(rng.uniform(0, 10)), "unit": ""})
        for table, rows in ((t.results, results), (t.dimension_results, dim_rows), (t.figures, fig_rows)):
            for i in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[i:i + 5000])
    return calls
