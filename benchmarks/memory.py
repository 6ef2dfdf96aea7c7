"""Peak memory of one analysis by stage, on an N-hour recording (issue 11: < 1.5 GB for 3 h).

Writes a 16 kHz mono 16-bit WAV that is mostly quiet room noise (-65 dBFS) with 4.4 s of
syllable-like speech every 20 s, analyses it with the burst-counting stand-in for the
recogniser (``tests/hostile/fake.py``: recognition itself is bounded by its 5-minute pieces
and is not what is measured here), writes the report, and prints the resident memory at its
highest during each stage (polled every 50 ms) and the process's peak (``ru_maxrss``).

    python benchmarks/memory.py --hours 3
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def write_recording(path: Path, hours: float) -> None:
    from hostile.corpus import speech

    s = speech()
    rng = np.random.default_rng(0)
    block = np.zeros(16000 * 20)
    block[: len(s)] = s
    with sf.SoundFile(path, "w", 16000, 1, "PCM_16") as f:
        for _ in range(int(hours * 3600 / 20)):
            f.write(block + rng.standard_normal(len(block)) * 10 ** (-65 / 20))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=3.0)
    args = ap.parse_args()
    from hostile.fake import BurstRecognizer
    from voicecoach.analysis import analyze
    from voicecoach.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / f"long_{args.hours:g}h.wav"
        write_recording(wav, args.hours)
        stage, peaks = ["start"], {}

        def poll() -> None:
            while True:
                peaks[stage[0]] = max(peaks.get(stage[0], 0.0), rss_mb())
                time.sleep(0.05)

        maxrss: dict[str, float] = {}

        def progress(name: str) -> None:  # the process's peak so far, at each stage's end (sees spikes the poll misses)
            maxrss[stage[0]] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            stage[0] = name

        threading.Thread(target=poll, daemon=True).start()
        a = analyze(wav, recognizer=BurstRecognizer(), use_cache=False, progress=progress)
        progress("report")
        write_report(a, Path(tmp) / "out")
        progress("done")
        time.sleep(0.2)
    print(f"{args.hours:g} h recording, resident memory at its highest in each stage (polled; peak so far at its end):")
    for name, mb in peaks.items():
        print(f"  {name:18s} {mb:7.0f} MB   {maxrss.get(name, float('nan')):7.0f} MB")
    print(f"peak (ru_maxrss) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
