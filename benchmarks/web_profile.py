"""Where a web worker's processor time goes for a 2-minute take (issue 14, item 8).

    python benchmarks/web_profile.py [--seconds 120] [--runs 2] [--out NAME]

Does what one analysis worker does (voicecoach.web.worker: the recogniser built and loaded once,
then analyze() and write_report() per job) on 2-minute takes made as benchmarks/web_speed.py
makes them (one take, --seed, in every run; no transcript cache), and records the
processor time of each stage: the analysis stages by analyze()'s progress callback, the report
by write_report()'s own parts (json, charts + the page's audio, html). Processor time is this
process's (all its threads: CTranslate2's too) plus its waited-for children (the report's audio
helper); on a loaded machine wall time is not meaningful, processor time still is.

The last run is also profiled with cProfile on processor time; the top functions by cumulative and own time
go into benchmarks/results/<out>.md with the stage table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def cpu_s() -> float:
    own, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ch.ru_utime + ch.ru_stime


def one_job(path: Path, out: Path, recognizer, targets, profile: cProfile.Profile | None) -> dict:
    """analyze + write_report as the worker runs them; CPU seconds per stage."""
    from voicecoach.analysis import analyze
    from voicecoach.report import write_report

    marks: list[tuple[str, float]] = []
    c0 = cpu_s()
    if profile:
        profile.enable()
    a = analyze(str(path), recognizer=recognizer, targets=targets, lang="zh", max_duration_s=120 * 60, use_cache=False,
                progress=lambda stage: marks.append((stage, cpu_s())))
    marks.append(("report", cpu_s()))
    files = write_report(a, out, lang="zh")
    if profile:
        profile.disable()
    end = cpu_s()
    stages: dict[str, float] = {}
    bounds = [("start", c0), *marks, ("end", end)]
    for (name, t), (_, t_next) in zip(bounds[:-1], bounds[1:]):
        if name != "start":
            stages[name] = stages.get(name, 0.0) + t_next - t
    if bounds[1][1] - c0 > 0.01:
        stages["before decode"] = bounds[1][1] - c0
    # the report's own wall split (json / charts / html), its CPU share in proportion
    stages["report"] = end - marks[-1][1]
    return {"stages_cpu_s": {k: round(v, 3) for k, v in stages.items()}, "total_cpu_s": round(end - c0, 3),
            "report_wall_s": {k: round(v, 3) for k, v in files.timings_s.items()}, "analysis_wall_s": {k: round(v, 3) for k, v in a.timings_s.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="web_profile")
    ap.add_argument("--seed", type=int, default=20261202, help="the take's pauses and noise: the same take in every run and version")
    args = ap.parse_args()
    from web_speed import take

    from voicecoach.judge.targets import load_targets

    load0 = os.getloadavg()[0]
    c = cpu_s()
    from voicecoach.recognize import build_recognizer

    # once per worker, as web.worker.init (make_recognizer), but without the transcript cache so
    # that the same take can be recognised in each run (the cache's lookup, a hash of the
    # samples, is about 0.2 s of a real job's processor time)
    recognizer = build_recognizer("base", cpu_threads=args.threads, use_cache=False)
    recognizer.load()
    targets = load_targets(None)
    from voicecoach.web import worker

    if hasattr(worker, "_warm"):
        worker._warm()  # what web.worker.init loads besides the recogniser
    load_cpu = cpu_s() - c
    runs = []
    with tempfile.TemporaryDirectory() as d:
        prof = cProfile.Profile(time.process_time)  # processor time (all threads), not wall: meaningful under load
        for i in range(args.runs):
            p = Path(d) / f"take{i}.flac"
            p.write_bytes(take(args.seconds, seed=args.seed))
            last = i == args.runs - 1
            t0 = time.perf_counter()
            r = one_job(p, Path(d) / f"report{i}", recognizer, targets, prof if last else None)
            r["wall_s"] = round(time.perf_counter() - t0, 2)
            runs.append(r)
            print(json.dumps(r), flush=True)
        s = io.StringIO()
        st = pstats.Stats(prof, stream=s)
        st.sort_stats("cumulative").print_stats(45)
        st.sort_stats("tottime").print_stats(30)
    res = {"seconds": args.seconds, "threads": args.threads, "cpu_count": os.cpu_count(), "load_before": round(load0, 1),
           "load_after": round(os.getloadavg()[0], 1), "model_load_cpu_s": round(load_cpu, 2), "runs": runs}
    out = ROOT / "benchmarks" / "results" / args.out
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    names = list(dict.fromkeys(k for r in runs for k in r["stages_cpu_s"]))
    lines = [f"# Processor time per stage of a {args.seconds:.0f}-s take in a web worker (benchmarks/web_profile.py)", "",
             f"{os.cpu_count()} cores, {args.threads} recogniser threads; load average {res['load_before']} before, {res['load_after']} after "
             "(measured under load: processor seconds are meaningful, wall seconds are not). Models and fonts loaded once per worker: "
             f"{res['model_load_cpu_s']} s of CPU (not per job).", "",
             "| stage | " + " | ".join(f"run {i + 1} CPU s" for i in range(len(runs))) + " |", "|---|" + "---|" * len(runs)]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(f"{r['stages_cpu_s'].get(n, 0):.2f}" for r in runs) + " |")
    lines.append("| **total** | " + " | ".join(f"**{r['total_cpu_s']:.2f}**" for r in runs) + " |")
    lines += ["", "Report parts, wall s (last run): " + json.dumps(runs[-1]["report_wall_s"]), "",
              "## cProfile of the last run", "", "```", s.getvalue()[:20000], "```"]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(out.with_suffix(".md"))


if __name__ == "__main__":
    main()
