"""Write tests/data/store_v3.sqlite with the store code of schema version 3 (run from a checkout
of that code: ``cd <checkout> && PYTHONPATH=$PWD python <this file> OUT``)."""

import sqlite3
import sys
from datetime import date

from voicecoach.store import DIMENSIONS, FIGURES, SCHEMA_VERSION, Store

assert SCHEMA_VERSION == 3
out = sys.argv[1]
store = Store(out)
base = {"file_sha256": "f" * 64, "settings_sha256": "s" * 64, "channel": "mix", "model_name": "base", "model_sha256": "m" * 64,
        "targets_sha256": "t" * 64, "voicecoach_version": "0.1.0", "worker": "host:1", "elapsed_s": 3.5}
verdicts = {"pace": "too_fast", "pauses": "within", "volume": "noisy", "pitch": "flat", "articulation": "uncertain", "drawl": "not_measured"}
for i, agent in enumerate(["张伟", "A02", None]):
    row = {**base, "key": f"k{i}", "path": f"calls/call_{i}.wav", "call_id": f"C{i}", "agent_id": agent, "call_date": date(2026, 11, 20 + i),
           "status": "done", "duration_s": 60.0 + i, "overall_score": 70.5 + i, "n_notices": i, "extra": '{"team": "north"}', "report": '{"schema": "voicecoach.report"}'}
    for j, d in enumerate(DIMENSIONS):
        row[f"{d}_verdict"] = "within" if i == 1 else verdicts[d]
        row[f"{d}_score"] = None if row[f"{d}_verdict"] in ("uncertain", "not_measured") else 50.0 + 7 * j + i
    for k, (name, _, _) in enumerate(FIGURES):
        row[name] = None if (i == 0 and name == "drawl_flagged_ratio") else round(0.1 * (k + 1) + i, 4)
    store.put(row, [{"idx": 0, "start_s": 0.1, "end_s": 2.0, "text": "您好", "n_syllables": 2, "rate_cps": 4.1, "pause_before_s": 0.0,
                     "level_dbov": -22.0, "pitch_range_st": 5.0, "final_ratio": 1.1, "mean_confidence": 0.9}])
store.put({**base, "key": "k3", "path": "calls/empty.wav", "call_id": "C3", "agent_id": "A02", "status": "error",
           "error_code": "empty", "error_message": "empty.wav is empty; record it again"})
store.add_alias("k0", "calls/copy_of_0.wav", "C0b")
store.put({**base, "key": "k1", "path": "calls/call_1.wav", "call_id": "C1", "agent_id": "A02", "call_date": date(2026, 11, 21), "status": "done",
           "duration_s": 61.0, "overall_score": 88.0, **{f"{d}_score": 88.0 for d in DIMENSIONS}, **{f"{d}_verdict": "within" for d in DIMENSIONS},
           **{name: 1.5 for name, _, _ in FIGURES}})  # a re-run: attempts 2
store.claim("k9", "otherhost:42")
store.close()
con = sqlite3.connect(out)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
con.close()
