"""Batch throughput: score >= 100 recordings with 1 and N workers; audio hours per wall-clock hour.

    python benchmarks/batch.py [--n 100] [--workers 1 2] [--engine local|ray]

The recordings are the real clips of ../shared/audio and our samples, each copy with a slightly
different gain so that every one is new to the store and to the transcript cache (an empty
cache is used). Writes benchmarks/results/batch.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_calls(n: int, folder: Path, shared: Path) -> float:
    import soundfile as sf

    from voicecoach.audio import load_audio

    sources = sorted((shared / "real").glob("*.wav")) + sorted((ROOT / "samples").glob("*.flac"))
    clips = [load_audio(p).audio.samples for p in sources]
    total = 0.0
    for i in range(n):
        x = clips[i % len(clips)] * (0.7 + 0.3 * ((i * 37) % 100) / 100)
        sf.write(folder / f"call{i:03d}.flac", x, 16000)
        total += len(x) / 16000
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "audio")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--engine", default="local")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="vc-batch-"))
    calls = tmp / "calls"
    calls.mkdir()
    audio_s = make_calls(args.n, calls, args.shared)
    from voicecoach.qa.batch import run_batch
    from voicecoach.qa.inputs import discover
    from voicecoach.qa.work import BatchSettings
    from voicecoach.qa.store import Store

    results = []
    for w in args.workers:
        os.environ["VOICECOACH_CACHE_DIR"] = str(tmp / f"cache{w}")  # no transcript from an earlier run
        store = Store(tmp / f"w{w}.sqlite")
        t = time.perf_counter()
        p = run_batch(discover([calls]), store, BatchSettings(), workers=w, engine=args.engine)
        wall = time.perf_counter() - t
        results.append((w, wall, p.done, p.failed))
        print(f"{w} worker(s): {wall:.1f} s for {p.done} calls ({audio_s / 60:.1f} min of audio): {audio_s / wall:.1f} h of audio per hour", flush=True)
    base = results[0][1]
    lines = ["# Batch throughput", "", f"{args.n} recordings, {audio_s / 60:.1f} min of audio (real clips of ../shared/audio and our samples, 3-38 s each), "
             f"{os.cpu_count()} cores, engine {args.engine}, Whisper base int8, empty transcript cache. Made by `python benchmarks/batch.py`.", "",
             "| workers | wall s | calls done / failed | audio hours per hour | speed-up |", "|---|---|---|---|---|"]
    for w, wall, done, failed in results:
        lines.append(f"| {w} | {wall:.1f} | {done} / {failed} | {audio_s / wall:.1f} | {base / wall:.2f}x |")
    (ROOT / "benchmarks" / "results" / "batch.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
