"""Which Whisper decoding settings to ship: accuracy and speed of each variant on real speech.

    python benchmarks/asr_settings.py [--audio ../shared/audio] [--model base] [--out benchmarks/results/asr_settings.md]

For every variant, over the real clips that have a transcript: character error rate (CER,
on spoken syllables, simplified script), the error in the spoken-character count (what pace
depends on), segments dropped as repetition loops, and the real-time factor (recognition wall
time / audio duration, model loaded once beforehand). The default of
voicecoach.recognize.whisper.WhisperSettings is the first row.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from accuracy import cer, spoken  # noqa: E402

from voicecoach.audio import load_audio  # noqa: E402
from voicecoach.recognize.models import resolve_model  # noqa: E402
from voicecoach.recognize.whisper import WhisperRecognizer, WhisperSettings, to_transcript  # noqa: E402

VARIANTS = [
    ("default: int8, beam 1, temperature 0, no conditioning, VAD, OpenCC", {}),
    ("float32", {"compute_type": "float32"}),
    ("beam 5", {"beam_size": 5}),
    ("no VAD", {"vad_filter": False}),
    ("simplified initial prompt", {"initial_prompt": "以下是普通话的句子。"}),
    ("keep repetition loops", {"compression_ratio_threshold": 1e9}),
]


def run_variant(model, clips, overrides: dict, *, opencc: bool = True, batched: bool = False, library_defaults: bool = False) -> dict:
    settings = dataclasses.replace(WhisperSettings(), **overrides)
    t = WhisperRecognizer(resolve_model(model), settings)
    t.load()
    cers, count_errs, wall, dur, dropped = [], [], 0.0, 0.0, 0
    for path, ref, n_ref in clips:
        audio = load_audio(path).audio
        t0 = time.perf_counter()
        if library_defaults:
            segs, info = t.whisper_model().transcribe(audio.samples, language="zh", word_timestamps=True)
            tr = to_transcript(list(segs), info.language, t.model, settings)
        elif batched:
            from faster_whisper import BatchedInferencePipeline

            pipe = BatchedInferencePipeline(t.whisper_model())
            segs, info = pipe.transcribe(audio.samples, language="zh", batch_size=8, word_timestamps=True, beam_size=settings.beam_size)
            tr = to_transcript(list(segs), info.language, t.model, settings)
        else:
            tr = t.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)
        wall += time.perf_counter() - t0
        dur += audio.duration_s
        hyp = "".join(c.text for c in tr.chars)
        if not opencc:
            hyp = "".join(s.text for s in tr.segments)  # raw segment text is converted too; see note
        cers.append(cer(ref, hyp))
        count_errs.append(abs(len(tr.chars) - n_ref) / n_ref)
        dropped += len(tr.dropped)
    return {"CER mean": statistics.mean(cers), "CER median": statistics.median(cers), "count err median": statistics.median(count_errs),
            "count err max": max(count_errs), "loops dropped": dropped, "RTF": wall / dur}


def raw_script_mix(model, clips) -> float:
    """Share of recognised characters that OpenCC changes (traditional in the raw output)."""
    from faster_whisper import WhisperModel

    from voicecoach.recognize.textnorm import to_simplified

    m: WhisperModel = WhisperRecognizer(resolve_model(model)).whisper_model()
    changed = total = 0
    for path, _, _ in clips:
        segs, _ = m.transcribe(load_audio(path).audio.samples, language="zh", beam_size=1, temperature=0.0, condition_on_previous_text=False, vad_filter=True)
        raw = "".join(s.text for s in segs)
        simp = to_simplified(raw)
        changed += sum(a != b for a, b in zip(raw, simp))
        total += len(raw)
    return changed / max(1, total)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio", type=Path, default=ROOT.parent / "shared" / "audio")
    ap.add_argument("--model", default="base")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "asr_settings.md")
    args = ap.parse_args(argv)
    rows = [r for r in csv.DictReader(open(args.audio / "real" / "manifest.csv", encoding="utf-8")) if r["transcript"].strip()]
    clips = [(args.audio / "real" / r["file"], r["transcript"], int(r["chars"]) or len(spoken(r["transcript"]))) for r in rows]
    total_s = sum(load_audio(p).audio.duration_s for p, _, _ in clips)
    results = []
    for name, overrides in VARIANTS:
        results.append((name, run_variant(args.model, clips, overrides)))
        print(name, {k: round(v, 3) for k, v in results[-1][1].items()})
    results.append(("batched pipeline (batch 8, VAD chunks)", run_variant(args.model, clips, {}, batched=True)))
    print(results[-1])
    results.append(("faster-whisper library defaults (beam 5, 6 temperatures, conditioning)", run_variant(args.model, clips, {}, library_defaults=True)))
    print(results[-1])
    mix = raw_script_mix(args.model, clips)
    lines = [
        "# Whisper decoding settings", "",
        f"Model {args.model}, {len(clips)} real clips with a transcript ({total_s:.0f} s of audio), this machine (2 cores, no GPU). "
        "Made by `python benchmarks/asr_settings.py`. CER is on spoken syllables in simplified script; "
        "count error is what pace depends on (substitutions do not change it, deletions and insertions do).", "",
        "| variant | CER mean | CER median | count err median | count err max | loops dropped | real-time factor |", "|---|---|---|---|---|---|---|",
    ]
    for name, r in results:
        lines.append(f"| {name} | {r['CER mean']:.1%} | {r['CER median']:.1%} | {r['count err median']:.1%} | {r['count err max']:.1%} | {r['loops dropped']} | {r['RTF']:.3f} |")
    lines += ["", f"Without OpenCC, {mix:.1%} of the raw recognised characters are traditional forms (converted afterwards at no accuracy cost)."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("table:", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
