"""Speed benchmark: per-stage wall time, real-time factor and peak memory of `analyze`.

    python benchmarks/speed.py [--runs 3] [--device auto|cpu|cuda] [--hour] [--cold]

Builds a 1-minute and a 10-minute recording from samples/ and ../shared/audio/real (clips
joined with 0.4-1.2 s pauses), then runs, each in a fresh process, exactly what
`voicecoach analyze` does: load the model, decode, transcribe (no transcript cache), measure,
write report.json, charts and report.html. Reports min and median over the runs, the
real-time factor, everything-but-recognition as a share of the audio, and the process's peak
RSS. `--hour` adds a 60-minute recording (one run: peak memory); `--cold` times a first run
with empty model, font and bytecode caches against a second run.

Writes benchmarks/results/speed.md and speed.json, and calls out any stage more than 20 %
slower than in the previous speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import voicecoach
from voicecoach.analysis import analyze
from voicecoach.report import write_report
from voicecoach.recognize import build_recognizer
t_import = time.perf_counter() - t0
t = time.perf_counter()
tr = build_recognizer(device=sys.argv[3], use_cache=False)
tr.load()
t_load = time.perf_counter() - t
a = analyze(sys.argv[1], recognizer=tr, use_cache=False)
files = write_report(a, sys.argv[2])
out = {"import": t_import, "model_load": t_load, **a.timings_s, **{"report_" + k: v for k, v in files.timings_s.items()},
       "duration_s": a.duration_s, "device": "/".join((tr.inner if hasattr(tr, "inner") else tr).device())}  # the splitter wraps Whisper
print("RESULT" + json.dumps(out))
"""


def build_recording(seconds: int, path: Path, shared: Path) -> Path:
    import soundfile as sf

    from voicecoach.audio import load_audio

    rng = np.random.default_rng(seconds)
    sources = sorted((ROOT / "samples").glob("*.flac")) + sorted((shared / "real").glob("*.wav"))
    clips = [load_audio(p).audio.samples for p in sources]
    parts, n, i = [], 0, 0
    while n < seconds * 16000:
        c = clips[i % len(clips)]
        gap = np.zeros(int(rng.uniform(0.4, 1.2) * 16000), np.float32)
        parts += [c, gap]
        n += len(c) + len(gap)
        i += 1
    sf.write(path, np.concatenate(parts)[: seconds * 16000], 16000, subtype="PCM_16")
    return path


def run_once(recording: Path, device: str, env: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(recording), out, device], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, **(env or {})}, cwd=str(ROOT))
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t
    line = next((x for x in stdout.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(f"benchmark run failed: {stderr[-2000:]}")
    r = json.loads(line[6:])
    r["process_wall"] = wall
    return r


def run_measured(recording: Path, device: str, env: dict | None = None) -> dict:
    """One run in a child process; its peak RSS from the kernel's rusage of that child."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = run_once(recording, device, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: runs go from short to long,
    # so a new maximum belongs to this run; otherwise report the earlier maximum as a bound.
    r["peak_rss_mb"] = after / 1024
    r["peak_rss_exact"] = after > before
    return r


def summarise(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)]
    return {k: {"min": min(r[k] for r in runs), "median": statistics.median(r[k] for r in runs)} for k in keys}


RECOGNITION = {"recognition", "recognition_gaps"}  # the first pass and the second over unrecognised speech
SETUP = {"import", "model_load", "duration_s", "process_wall", "peak_rss_mb"}


def non_asr(run: dict) -> float:
    return sum(v for k, v in run.items() if isinstance(v, float) and k not in RECOGNITION | SETUP)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "audio")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--hour", action="store_true", help="also a 60-minute recording (one run, for peak memory)")
    ap.add_argument("--cold", action="store_true", help="first run with empty caches vs a second run")
    ap.add_argument("--tag", default="", help="suffix for the results files (e.g. gpu)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="vc-speed-"))
    lengths = [60, 600] + ([3600] if args.hour else [])
    results = {"machine": _machine(), "runs": {}, "created": time.strftime("%Y-%m-%d %H:%M")}
    run_once(build_recording(10, tmp / "warm.wav", args.shared), args.device)  # warm the OS and caches
    for s in lengths:
        rec = build_recording(s, tmp / f"speech_{s}s.wav", args.shared)
        n = 1 if s >= 3600 else args.runs
        runs = [run_measured(rec, args.device) for _ in range(n)]
        for r in runs:
            r["non_asr"] = non_asr(r)
        results["runs"][str(s)] = {"summary": summarise(runs), "device": runs[0]["device"]}
        m = results["runs"][str(s)]["summary"]
        print(f"{s:5d} s: wall {m['process_wall']['median']:.1f} s (RTF {m['process_wall']['median'] / s:.3f}), recognition {m['recognition']['median']:.1f} s, "
              f"everything else {m['non_asr']['median']:.2f} s ({100 * m['non_asr']['median'] / s:.2f} %), peak RSS {m['peak_rss_mb']['median']:.0f} MB")
    if args.cold:
        results["cold"] = _cold(tmp, args)
    previous = _load_previous(args.tag)
    md = _markdown(results, previous)
    suffix = f"_{args.tag}" if args.tag else ""
    (RESULTS / f"speed{suffix}.md").write_text(md, encoding="utf-8")
    (RESULTS / f"speed{suffix}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(md)
    return 0


def _cold(tmp: Path, args) -> dict:
    """A first run with empty model, matplotlib and bytecode caches, then a second run."""
    rec = tmp / "speech_60s.wav"
    cache = tmp / "cold"
    env = {"VOICECOACH_MODELS_DIR": str(cache / "models"), "VOICECOACH_CACHE_DIR": str(cache / "cache"),
           "MPLCONFIGDIR": str(cache / "mpl"), "PYTHONPYCACHEPREFIX": str(cache / "pyc")}
    first = run_once(rec, args.device, env)
    second = run_once(rec, args.device, env)
    setup_env = {k: v + "-setup" for k, v in env.items()}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "voicecoach.cli", "setup"], env={**os.environ, **setup_env}, check=True, capture_output=True, cwd=str(ROOT))
    setup_s = time.perf_counter() - t
    after_setup = run_once(rec, args.device, setup_env)
    return {"first_s": first["process_wall"], "second_s": second["process_wall"], "setup_s": setup_s, "first_after_setup_s": after_setup["process_wall"]}


def _machine() -> dict:
    return {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "system": platform.system()}


def _load_previous(tag: str) -> dict | None:
    p = RESULTS / (f"speed_{tag}.json" if tag else "speed.json")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _markdown(r: dict, previous: dict | None) -> str:
    m = r["machine"]
    lines = ["# voicecoach speed", "", f"{r['created']}, {m['cores']} cores ({m['cpu']}), Python {m['python']}, no GPU unless the device column says cuda. "
             "Made by `python benchmarks/speed.py`: each run is a fresh process doing what `voicecoach analyze` does "
             "(model load, decode, recognition without the transcript cache, measures, report.json, charts, report.html). Seconds; min / median over the runs.", ""]
    budget = {"600": ("end to end <= 60 s", "everything but recognition <= 6 s (1 %)")}
    for length, data in r["runs"].items():
        s = data["summary"]
        dur = float(length)
        lines += [f"## {int(dur) // 60} min of speech ({data['device']})", "", "| stage | min | median | share of audio |", "|---|---|---|---|"]
        order = ["import", "model_load", "decode", "level", "activity", "recognition", "recognition_gaps", "pitch", "pauses", "syllable_nuclei", "pace", "volume",
                 "pitch_measures", "drawl", "articulation", "script", "assess", "report_json", "report_charts", "report_html", "non_asr", "process_wall"]
        for k in order:
            if k in s:
                name = {"non_asr": "**everything but recognition**", "process_wall": "**whole process (end to end)**"}.get(k, k)
                lines.append(f"| {name} | {s[k]['min']:.3f} | {s[k]['median']:.3f} | {100 * s[k]['median'] / dur:.2f} % |")
        lines += [f"| peak RSS (MB) | {s['peak_rss_mb']['min']:.0f} | {s['peak_rss_mb']['median']:.0f} | |", "",
                  f"Real-time factor end to end: {s['process_wall']['median'] / dur:.3f}; recognition alone {(s['recognition']['median'] + s.get('recognition_gaps', {'median': 0.0})['median']) / dur:.3f}.", ""]
        if length in budget:
            ok1 = s["process_wall"]["median"] <= 60.0
            ok2 = s["non_asr"]["median"] <= 6.0
            lines += [f"Budget: {budget[length][0]}: {'MET' if ok1 else 'MISSED'} ({s['process_wall']['median']:.1f} s); "
                      f"{budget[length][1]}: {'MET' if ok2 else 'MISSED'} ({s['non_asr']['median']:.2f} s).", ""]
        if length == "3600":
            ok = s["peak_rss_mb"]["median"] <= 1536
            lines += [f"Budget: peak memory for 60 min <= 1.5 GB: {'MET' if ok else 'MISSED'} ({s['peak_rss_mb']['median']:.0f} MB).", ""]
        if length == "60":
            ml = s["model_load"]["median"]
            lines += [f"Budget: model load <= 3 s warm: {'MET' if ml <= 3 else 'MISSED'} ({ml:.2f} s, once per process).", ""]
    if "cold" in r:
        c = r["cold"]
        lines += ["## First run after a fresh install", "", f"With empty model, font and bytecode caches: first run {c['first_s']:.1f} s, second {c['second_s']:.1f} s "
                  f"(+{c['first_s'] - c['second_s']:.1f} s). `voicecoach setup` (what `make demo` runs at install) takes {c['setup_s']:.1f} s, after which the "
                  f"first run takes {c['first_after_setup_s']:.1f} s (+{c['first_after_setup_s'] - c['second_s']:.1f} s over a warm run; budget +5 s: "
                  f"{'MET' if c['first_after_setup_s'] - c['second_s'] <= 5 else 'MISSED'}).", ""]
    if previous:
        slower = []
        for length, data in r["runs"].items():
            old = previous.get("runs", {}).get(length, {}).get("summary", {})
            for k, v in data["summary"].items():
                if k in old and old[k]["median"] > 0.05 and v["median"] > 1.2 * old[k]["median"]:
                    slower.append(f"{length} s / {k}: {old[k]['median']:.3f} -> {v['median']:.3f} s (+{100 * (v['median'] / old[k]['median'] - 1):.0f} %)")
        lines += ["## Against the previous results", "", f"Previous run: {previous.get('created', '?')}."]
        lines += [f"- SLOWER by more than 20 %: {x}" for x in slower] or ["- No stage is more than 20 % slower."]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
