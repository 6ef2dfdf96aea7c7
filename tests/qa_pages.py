"""A small result store written without the model: agents in two scripts, two teams, three
weeks, a failed file, a call with two voices, report pages beside some calls."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from conftest import SAMPLES
from voicecoach.judge import dimensions
from voicecoach.qa.store import Store
from voicecoach.qa.work import report_page_name

AGENTS = (("王小明", "north"), ("A02", "south"), ("Ève", "north"))


def make_store(folder: Path, *, pages: bool = True) -> Path:
    """Write ``folder/q.sqlite``, recordings in ``folder/calls`` and report pages in
    ``folder/reports``; returns the store's path."""
    calls, reports = folder / "calls", folder / "reports"
    calls.mkdir(parents=True, exist_ok=True)
    reports.mkdir(exist_ok=True)
    store = Store(folder / "q.sqlite")
    day0 = dt.date(2026, 11, 2)
    names = dimensions.names()
    for i in range(12):
        agent, team = AGENTS[i % 3]
        audio = Path(shutil.copy(SAMPLES / "good_take.flac", calls / f"c{i:02d}.flac"))
        key = f"{i:064x}:s"
        score = [95.0, 72.0, 48.0, 88.0][i % 4]
        row = {"key": key, "file_sha256": f"{i:064x}", "settings_sha256": "s", "path": str(audio), "call_id": f"C{i:02d}", "agent_id": agent,
               "call_date": day0 + dt.timedelta(days=2 * i), "channel": "mix", "status": "done", "overall_score": score, "duration_s": 30.0,
               "extra": json.dumps({"team": team, **({"two_voices": "1"} if i == 5 else {})}, ensure_ascii=False)}
        for j, d in enumerate(names):
            row[f"{d}_score"] = score if j % 2 else min(100.0, score + 10)
            row[f"{d}_verdict"] = "within" if row[f"{d}_score"] >= 90 else ("uncertain" if i == 7 and d == "pace" else dimensions.get(d).verdicts and next(iter(dimensions.get(d).verdicts)))
        if i == 3:
            row["pauses_verdict"] = "dead_air"
        store.put(row)
        if pages and i % 2 == 0:
            (reports / report_page_name(row["call_id"], key, row["path"])).write_text(f"<!DOCTYPE html><title>C{i:02d}</title><p>report of C{i:02d}</p>", encoding="utf-8")
    store.put({"key": "f" * 64 + ":s", "file_sha256": "f" * 64, "settings_sha256": "s", "path": str(calls / "broken.wav"), "call_id": "C99",
               "agent_id": "A02", "call_date": day0, "status": "error", "error_code": "corrupt", "error_message": "broken.wav: Error opening: Format not recognised"})
    store.close()
    return folder / "q.sqlite"
