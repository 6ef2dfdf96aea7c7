"""QA's calls page on a large result store (issue 14, item 4): page time with 20,000 calls.

    python benchmarks/web_store.py [--calls 20000] [--repeat 5]

Fills a fresh SQLite store with generated calls (tests/large_store.py), starts the web app on it
(no analysis workers), signs in as QA and times each page over HTTP (median of --repeat), and,
for comparison, what the page read before it paged in SQL: every row of the store (Store.rows()
with no limit, as the page did, then filtered and cut in Python). Appends a section to
benchmarks/results/web.md and writes web_store.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

PAGES = ["/calls", "/calls?page=50", "/calls?page=100", "/calls?agent=w1", "/calls?dimension=pace&verdict=too_fast",
         "/calls?team=east&since=2026-06-01", "/calls/12345"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import socket

    import uvicorn
    from large_store import fill
    from web_speed import Client

    from voicecoach.web import WebConfig, accounts, create_app

    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        config = WebConfig(db=str(Path(d) / "big.sqlite"), data_dir=Path(d) / "data", workers=1)
        app = create_app(config, start_queue=False)
        accounts.create_user(app.state.engine, "quinn", "benchmark password", "qa")
        for a in ("e1", "e2"):
            accounts.create_user(app.state.engine, a, None, "agent", team="east")
        t0 = time.perf_counter()
        fill(app.state.store, args.calls, agents=["e1", "e2", "w1", "w2", "w3"], rng=np.random.default_rng(1))
        fill_s = time.perf_counter() - t0
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        c = Client(f"http://127.0.0.1:{port}")
        c.login("quinn")
        res = {}
        for p in PAGES:
            ts = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                status, _ = c.get(p)
                ts.append(time.perf_counter() - t)
                assert status == 200, (p, status)
            res[p] = round(statistics.median(ts), 3)
            print(p, res[p], flush=True)
        ts = []
        for _ in range(args.repeat):  # what the page read before: every row, then filtered in Python
            t = time.perf_counter()
            rows = app.state.store.rows()
            _ = [r for r in rows if r.get("pace_verdict") == "too_fast"][-200:]
            ts.append(time.perf_counter() - t)
        before = round(statistics.median(ts), 3)
        server.should_exit = True
    out = {"calls": args.calls, "fill_s": round(fill_s, 1), "page_s": res, "before_all_rows_s": before, "cpu_count": os.cpu_count(),
           "load_before": round(load0, 1), "load_after": round(os.getloadavg()[0], 1)}
    (ROOT / "benchmarks" / "results" / "web_store.json").write_text(json.dumps(out, indent=1))
    lines = ["", f"## QA's calls page on a store of {args.calls:,} calls (benchmarks/web_store.py)", "",
             f"SQLite, {os.cpu_count()} cores; load average {out['load_before']} before, {out['load_after']} after (measured under load). "
             f"Median of {args.repeat} requests over HTTP, the whole page (sign-in check, count, one page of 200 rows, render).", "",
             "| page | s |", "|---|---|"]
    lines += [f"| `{p}` | {v:.3f} |" for p, v in res.items()]
    lines += ["", f"Before (the page read every row of the store, then filtered in Python): {before:.2f} s for reading the rows alone, "
              "before any rendering.", ""]
    web = ROOT / "benchmarks" / "results" / "web.md"
    text = web.read_text()
    mark = "\n## QA's calls page on a store of"
    text = text.split(mark)[0].rstrip("\n") + "\n"
    web.write_text(text + "\n".join(lines))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
