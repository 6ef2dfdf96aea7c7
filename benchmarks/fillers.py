"""Filled pauses (嗯/呃): inserted into every real clip, found again; false flags on untouched speech.

    python benchmarks/fillers.py [--audio ../shared/audio] [--out benchmarks/results/fillers.md]
                                 [--features out/fillers/features.pkl] [--reuse]

What is built from ../shared/audio (nothing is stored in the repository):

* untouched: every real clip (16 kHz analysis copy) and a telephone copy of each (the three in
  derived/ where they exist, else the clip band-limited to 300-3400 Hz at 8 kHz, mu-law): every
  filled pause voicecoach reports there is a false flag (the clips hold none of the discouraged
  words; their reference transcripts were read for 嗯/呃/额 and hold none);
* inserted: the same clip with filled pauses spliced in, one per 4 s of clip (1 to 4), at
  pauses (the middle of a gap between recognised syllables of >= 0.3 s) and inside running
  speech (between two syllables less than 0.1 s apart), alternately; each one is either a
  synthetic source-filter filler (tests/filler_synth.filled_pause: schwa, 呃 or 嗯 formants, F0
  within +-2 st of the clip's median, drift -2..+1 st, jitter 0.5-2 %) or a vowel of the clip
  itself held steady (tests/filler_synth.held_vowel), 0.25-0.8 s, RMS 3-9 dB under the clip's
  active speech level, with background noise at the clip's noise floor. The telephone copy is
  made from the inserted 16 kHz clip, so both bands hold the same fillers.

* untouched only (EXTRA): every file of tts/ (and a telephone copy) and both 8 kHz tracks of the
  English call in calls/: more speech for false flags. Fillers the recogniser writes there, and
  the call's English uh/um (EN_FILLERS), are listed apart, not counted false.

A filler counts as found when a reported moment covers at least half of it; onset and offset
errors of the moments that found one are reported too. Precision counts the moments reported
on inserted clips that cover no inserted filler as false.

Every analysis is the full ``voicecoach.analyze`` with the real recogniser (transcripts are
cached), so the recogniser may write a filler (source "transcript"), delete it, or stretch a
neighbouring syllable over it. Two ways for the signal detector to decide are chosen
leave-one-source-out, each on the other sources only (highest recall with at most
``TRAIN_FALSE_PER_5MIN`` false flags per 5 minutes of untouched speech) and tested on the held-out
source: thresholds on F0 range and slope, spectral change and spread (:func:`calibrate`; what would
ship is the median of the per-fold choices), and a logistic score over the candidates' figures
(benchmarks/filler_fit.py; what would ship is the same procedure run on every source). The way
with the better held-out figures ships (``_decide``); what it chose, with every fold's choice and
the pooled held-out figures, is written beside the report (``--out`` with .json), and
tests/test_fillers.py checks that FillerRule's defaults are that choice. The false-flag gate is
judged on the held-out figures. Other ways of making candidates (TRIED: voiced runs also offered
uncut) go through the same logistic folds and are reported apart, "Tried, not shipped".
"""

from __future__ import annotations

import argparse
import os
import itertools
import pickle
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import json

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import filler_fit  # noqa: E402
from filler_synth import filled_pause, held_vowel  # noqa: E402

from voicecoach import analyze  # noqa: E402
from voicecoach.audio import audio_from_array  # noqa: E402
from voicecoach.audio.dsp import resample  # noqa: E402
from voicecoach.measures.fillers import FillerRule, combine, measure_filled_pauses, signal_candidates, transcript_fillers  # noqa: E402
from voicecoach.recognize import build_recognizer  # noqa: E402

REAL_FILLERS = {"funasr_VAD_30s_mono_48k.wav": ((9.8, 10.6),)}
"""Filled pauses that are really in the clips: the recogniser writes 嗯 (probability 0.18) before
the first word of this spontaneous clip ("嗯这段模型是用来进行VAD检测的…", no reference
transcript), over a 0.3 s voiced stretch falling from 245 to 205 Hz. Not listened to (no
loudspeaker here): taken as a real 嗯 on the transcript's word. A moment over it is not a
false flag; it is also cut out and inserted into the other clips as real material."""
EXTRA = ("tts", "calls")
"""Untouched-only sources (../shared/audio/tts: synthetic Mandarin, and its telephone copy;
calls: both 8 kHz tracks of an English call): more speech for false flags, no fillers inserted."""
EN_FILLERS = {"calls_lca_auto_repairs_40_agent.wav": ((47.68, 47.8), (68.04, 68.14), (71.56, 71.62), (97.52, 97.82)),
              "calls_lca_auto_repairs_40_caller.wav": ((6.28, 7.0), (10.16, 10.36), (18.9, 19.62), (21.8, 22.04), (29.08, 29.22), (121.12, 121.12),
                                                       (123.02, 124.64), (167.38, 167.78), (187.58, 187.7), (212.4, 213.0), (217.78, 218.38))}
"""English uh/um in the call: the bundled Whisper base asked for English with word times and a
prompt full of disfluencies ("Umm, uh, let me think like, hmm..."; without one it leaves them
out). Not listened to, and word times are rough, so each is widened by EN_SLACK_S; a moment over
one is an English filled pause, listed apart, not a false flag."""
EN_SLACK_S = 0.3
GAP_S = 0.3
SECONDS_PER_FILLER = 4.0
MAX_PER_CLIP = 4
TRAIN_FALSE_PER_5MIN = 1.0  # the gate, held on the training folds
GATE_FALSE_PER_5MIN = 1.0
RANGE_GRID = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
SLOPE_GRID = (3.0, 5.0, 8.0, 12.0)
CHANGE_GRID = (1.5, 2.0, 2.5, 3.0, 3.5)
SPREAD_GRID = (1.5, 2.0, 2.5, 3.0, float("inf"))  # inf: no stretch under recognised syllables
SMOOTH_GRID = (False, True)  # range round the straight-line fit (a smooth fall passes) or plain range
CUT_GRID = (0.75, 1.0, 1.5)  # F0 change per 30 ms that cuts a voiced run into candidates (FillerRule.cut_st); the thresholds keep the first
MEDIAN_GRID = (1, 3, 5)  # frames of the running median F0 is smoothed with before that cut (FillerRule.cut_median; 1: none)
GEN_GRID = tuple((cut, False, med) for med in MEDIAN_GRID for cut in CUT_GRID)
"""Ways of making candidates the folds choose among, (cut_st, whole_runs, cut_median): the key of ``by_cut``."""
TRIED = {"uncut runs offered, the folds choose (with the cut)": tuple((cut, w, 1) for w in (False, True) for cut in CUT_GRID),
         "uncut runs always offered": tuple((cut, True, 1) for cut in CUT_GRID)}
"""Other ways of making candidates (FillerRule.whole_runs: each voiced run the F0 moves cut also offered uncut), each run
through the same leave-one-source-out procedure and reported apart ("Tried, not shipped") unless it is made GEN_GRID."""


def source_of(name: str) -> str:
    if "__" in name:
        name = name.split("__", 1)[1]
    return name.split("_", 1)[0]


@dataclass
class Case:
    """One analysed recording and what the detector reads from it."""

    clip: str
    source: str
    band: str  # "16k" or "8k"
    inserted: tuple  # ((start_s, end_s, material), ...) the fillers put in
    speech_min: float
    said: tuple  # transcript fillers
    found: tuple  # signal candidates (before any threshold)
    seconds: float  # analysis wall time, s
    filler_s: float = 0.0  # of which the filled-pause step, s
    duration_s: float = 0.0  # the recording's, s
    inputs: tuple = ()  # (samples, sample_rate_hz, activity, pitch_track, chars): to re-measure without analysing
    real: tuple = ()  # spans of filled pauses really in the clip (REAL_FILLERS, moved by the insertions), s


def remeasure(c: Case) -> Case:
    """The case with its candidates found again by the current code (after --reuse)."""
    x, sr, activity, pitch, chars = c.inputs
    t0 = time.process_time()  # CPU time: the machine is shared
    measure_filled_pauses(_plain(x, sr), activity=activity, pitch_track=pitch, chars=chars)
    cost = time.process_time() - t0
    found = signal_candidates(_plain(x, sr), activity=activity, pitch_track=pitch, chars=chars, min_s=FillerRule.min_s, cut_st=GEN_GRID[0][0],
                              whole_runs=GEN_GRID[0][1], cut_median=GEN_GRID[0][2])
    said = transcript_fillers(chars, pause_s=FillerRule.pause_s)
    real = _extra_real(c.clip, said) if c.source in EXTRA else c.real
    return replace(c, found=tuple(found), said=tuple(said), filler_s=cost, real=real)


def at_cut(cases: list[Case], gen: tuple[float, bool, int]) -> list[Case]:
    """The cases with their signal candidates found again with voiced runs cut at ``gen[0]`` st (and, where ``gen[1]``, also offered
    uncut; F0 median-smoothed over ``gen[2]`` frames for the cut); ``filler_s`` is then the CPU time that took."""
    out = []
    for c in cases:
        x, sr, activity, pitch, chars = c.inputs
        t0 = time.process_time()
        found = signal_candidates(_plain(x, sr), activity=activity, pitch_track=pitch, chars=chars, min_s=FillerRule.min_s, cut_st=gen[0],
                                  whole_runs=gen[1], cut_median=gen[2])
        out.append(replace(c, found=tuple(found), filler_s=time.process_time() - t0))
    return out


def _extra_real(clip: str, said) -> tuple:
    """Filled pauses taken as real in tts/ and calls/ (no one has listened): the recogniser's own
    嗯/呃 and the English uh/um of EN_FILLERS."""
    return tuple((f.start_s, f.end_s) for f in said) + tuple((a - EN_SLACK_S, b + EN_SLACK_S) for a, b in EN_FILLERS.get(clip, ()))


def _plain(x, sr):
    from voicecoach.audio import Audio

    return Audio(x, sr)


def telephone(x: np.ndarray, sr: int) -> tuple[np.ndarray, int]:
    """300-3400 Hz, 8 kHz, G.711 mu-law coded and decoded."""
    from scipy.signal import butter, sosfiltfilt

    y = resample(x, from_rate_hz=sr, to_rate_hz=8000)
    y = sosfiltfilt(butter(6, (300, 3400), btype="bandpass", fs=8000, output="sos"), y)
    mu = 255.0
    c = np.sign(y) * np.log1p(mu * np.minimum(np.abs(y), 1.0)) / np.log1p(mu)
    c = np.round(c * 127) / 127
    return (np.sign(c) * np.expm1(np.abs(c) * np.log1p(mu)) / mu).astype(np.float32), 8000


def _case(a, clip: str, band: str, inserted: tuple, seconds: float) -> Case:
    real = tuple((t0 + sum(x[1] - x[0] for x in inserted if x[0] <= t0), t1 + sum(x[1] - x[0] for x in inserted if x[0] <= t0))
                 for t0, t1 in REAL_FILLERS.get(clip, ()))
    m = a.filled_pauses
    said = tuple(transcript_fillers(a.chars, pause_s=FillerRule.pause_s))
    if source_of(clip) in EXTRA:
        real = _extra_real(clip, said)
    found = tuple(signal_candidates(a.loaded.audio, activity=a.activity, pitch_track=a.pitch_track, chars=a.chars, min_s=FillerRule.min_s, cut_st=GEN_GRID[0][0],
                                    whole_runs=GEN_GRID[0][1], cut_median=GEN_GRID[0][2]))
    audio = a.loaded.audio
    return Case(clip, source_of(clip), band, inserted, m.speech_min, said, found, seconds, a.timings_s.get("filled_pauses", float("nan")),
                audio.duration_s, (np.asarray(audio.samples, np.float32), audio.sample_rate_hz, a.activity, a.pitch_track, tuple(a.chars)), real)


def _places(a, n: int, rng: np.random.Generator) -> list[tuple[float, str]]:
    """Up to ``n`` splice points (s): pause middles and boundaries inside running speech, alternately."""
    chars = a.chars
    gaps = [((p.end_s + q.start_s) / 2, "pause") for p, q in zip(chars, chars[1:]) if q.start_s - p.end_s >= GAP_S]
    joins = [((p.end_s + q.start_s) / 2, "speech") for p, q in zip(chars[1:], chars[2:]) if q.start_s - p.end_s < 0.1]
    rng.shuffle(gaps)
    rng.shuffle(joins)
    out: list[tuple[float, str]] = []
    for g, j in itertools.zip_longest(gaps, joins):
        for x in (g, j):
            if x is not None and len(out) < n and all(abs(x[0] - y[0]) > 1.0 for y in out):
                out.append(x)
    return sorted(out)


def real_en(audio_dir: Path) -> np.ndarray | None:
    """The real 嗯 of REAL_FILLERS: its voiced run (the pitch tracker's) with 30 ms either side, 16 kHz, 20 ms ramps."""
    from voicecoach.audio import load_audio
    from voicecoach.audio.activity import runs
    from voicecoach.measures.pitch import track_pitch

    (name, ((t0, t1),)), = REAL_FILLERS.items()
    path = audio_dir / "real" / name
    if not path.exists():
        return None
    audio = load_audio(path).audio
    pt = track_pitch(audio)
    inside = pt.voiced & (pt.times_s >= t0) & (pt.times_s <= t1)
    a, b = max(zip(*runs(inside)), key=lambda r: r[1] - r[0])
    sr = audio.sample_rate_hz
    y = audio.samples[int((pt.times_s[a] - 0.03) * sr): int((pt.times_s[b - 1] + 0.03) * sr)].astype(np.float64)
    m = int(0.02 * sr)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, m))
    y[:m] *= ramp
    y[-m:] *= ramp[::-1]
    return y.astype(np.float32)


_REAL: list = []
REUSED = False


def _material(a, k: int, dur: float, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    audio, pt = a.loaded.audio, a.pitch_track
    sr = audio.sample_rate_hz
    med = float(np.nanmedian(pt.f0_hz)) if pt.voiced.any() else 150.0
    if k % 3 == 2 and _REAL and _REAL[0] is not None:  # the real 嗯, as it was said
        return _REAL[0].copy(), "real_en"
    if k % 2 == 1:  # a vowel of the clip, held: the steadiest voiced 100 ms inside a recognised syllable
        best = None
        for c in a.chars:
            idx = np.flatnonzero((pt.times_s >= c.start_s + 0.02) & (pt.times_s <= c.end_s - 0.02))
            for i in range(len(idx) - 10):
                w = pt.f0_hz[idx[i:i + 10]]
                if np.all(np.isfinite(w)):
                    spread = float(np.ptp(np.log2(w)))
                    if best is None or spread < best[0]:
                        best = (spread, float(pt.times_s[idx[i + 5]]), float(np.median(w)))
        if best is not None:
            return held_vowel(audio.samples, sr=sr, centre_s=best[1], f0_hz=best[2], duration_s=dur, rng=rng, jitter=rng.uniform(0.005, 0.02)), "held_vowel"
    vowel = ("schwa", "e", "nasal")[k % 3]
    f0 = med * 2 ** (rng.uniform(-2, 2) / 12)
    return filled_pause(dur, sr=sr, f0_hz=f0, rng=rng, vowel=vowel, jitter=rng.uniform(0.005, 0.02), drift_st=rng.uniform(-2, 1)), f"synthetic_{vowel}"


def insert(a, rng: np.random.Generator) -> tuple[np.ndarray, tuple]:
    """The clip with fillers spliced in, and their (start_s, end_s, material, place)."""
    audio = a.loaded.audio
    sr = audio.sample_rate_hz
    n = int(np.clip(audio.duration_s // SECONDS_PER_FILLER, 1, MAX_PER_CLIP))
    level = a.loudness.active_level_dbov if np.isfinite(a.loudness.active_level_dbov) else -25.0
    noise = 10 ** (a.activity.noise_floor_db / 20) if np.isfinite(a.activity.noise_floor_db) and a.activity.noise_floor_db > -100 else 0.0
    x = audio.samples
    parts, truth, last, shift = [], [], 0, 0.0
    for k, (t, place) in enumerate(_places(a, n, rng)):
        dur = float(rng.uniform(0.25, 0.8))
        y, material = _material(a, k, dur, rng)
        y = y / np.sqrt(np.mean(y ** 2) + 1e-20) * 10 ** ((level - 3 - rng.uniform(0, 6)) / 20) * np.sqrt(2)  # dBov: re full-scale square
        y = (y + noise * rng.standard_normal(len(y))).astype(np.float32)
        p = int(round(t * sr))
        parts += [x[last:p], y]
        truth.append((t + shift, t + shift + len(y) / sr, material, place))
        shift += len(y) / sr
        last = p
    parts.append(x[last:])
    return np.concatenate(parts).astype(np.float32), tuple(truth)


def _array(x: np.ndarray, sr: int):
    return audio_from_array(x, sample_rate_hz=sr)


def collect(audio_dir: Path, recognizer, *, log=print, only: tuple[str, ...] = ()) -> list[Case]:
    """Analyse every real clip (or those named in ``only``) untouched and with fillers, both bands."""
    out: list[Case] = []
    derived = {p.name.split("__", 1)[1]: p for p in (audio_dir / "derived").glob("tel8k_*.wav")}
    _REAL[:] = [real_en(audio_dir)]
    for path in sorted((audio_dir / "real").glob("*.wav")):
        if only and path.name not in only:
            continue
        rng = np.random.default_rng(sum(map(ord, path.name)))  # the same fillers on every run
        t0 = time.perf_counter()
        a = analyze(path, recognizer=recognizer)
        out.append(_case(a, path.name, "16k", (), time.perf_counter() - t0))
        sr = a.loaded.audio.sample_rate_hz
        tel = derived.get(path.name)
        t0 = time.perf_counter()
        b = analyze(tel, recognizer=recognizer) if tel else analyze(_array(*telephone(a.loaded.audio.samples, sr)), recognizer=recognizer)
        out.append(_case(b, path.name, "8k", (), time.perf_counter() - t0))
        if not a.chars:
            log(f"{path.name}: nothing recognised, no filler inserted")
            continue
        y, truth = insert(a, rng)
        for band, (z, zr) in (("16k", (y, sr)), ("8k", telephone(y, sr))):
            t0 = time.perf_counter()
            c = analyze(_array(z, zr), recognizer=recognizer)
            out.append(_case(c, path.name, band, truth, time.perf_counter() - t0))
        log(f"{path.name}: {len(truth)} inserted")
    for sub, tel in (("tts", True), ("calls", False)):
        for path in sorted((audio_dir / sub).glob("*.wav")):
            if only and path.name not in only:
                continue
            t0 = time.perf_counter()
            a = analyze(path, recognizer=recognizer)
            out.append(_case(a, f"{sub}_{path.name}", "16k" if tel else "8k", (), time.perf_counter() - t0))
            if tel:
                t0 = time.perf_counter()
                b = analyze(_array(*telephone(a.loaded.audio.samples, a.loaded.audio.sample_rate_hz)), recognizer=recognizer)
                out.append(_case(b, f"{sub}_{path.name}", "8k", (), time.perf_counter() - t0))
            log(f"{sub}/{path.name}: untouched, {len(out[-1].said)} fillers written by the recogniser")
    return out


# ------------------------------------------------------------------------------ scoring


@dataclass
class Score:
    n_true: int = 0
    n_found: int = 0
    n_reported: int = 0  # moments on inserted clips
    n_wrong: int = 0  # of those, covering no inserted filler
    n_false: int = 0  # moments on untouched clips
    n_false_signal: int = 0  # of those, found in the signal only
    n_real: int = 0  # real filled pauses in untouched clips (REAL_FILLERS)
    n_real_found: int = 0
    speech_min: float = 0.0  # untouched speech
    onset_ms: tuple = ()
    offset_ms: tuple = ()
    by_source: tuple = ()  # sources of the moments that found a filler

    @property
    def recall(self) -> float:
        return self.n_found / self.n_true if self.n_true else float("nan")

    @property
    def precision(self) -> float:
        return 1 - self.n_wrong / self.n_reported if self.n_reported else float("nan")

    @property
    def false_per_5min(self) -> float:
        return 5 * self.n_false / self.speech_min if self.speech_min else float("nan")


def score(cases: list[Case], rule: FillerRule) -> Score:
    s = Score()
    onset, offset, by = [], [], []
    for c in cases:
        m = combine(c.said, c.found, rule=rule, speech_min=c.speech_min).moments
        real = [x for x in m if any(min(x.end_s, t1) > max(x.start_s, t0) for t0, t1 in c.real)]
        m = [x for x in m if x not in real]
        if not c.inserted:
            s.n_real += len(c.real)
            s.n_real_found += len(real)
            s.n_false += len(m)
            s.n_false_signal += sum(x.source == "signal" for x in m)
            s.speech_min += c.speech_min
            continue
        s.n_true += len(c.inserted)
        s.n_reported += len(m)
        hit_moments = set()
        for t0, t1, *_ in c.inserted:
            hits = [k for k, x in enumerate(m) if min(x.end_s, t1) - max(x.start_s, t0) >= 0.5 * (t1 - t0)]
            if hits:
                s.n_found += 1
                x = m[hits[0]]
                onset.append(1000 * (x.start_s - t0))
                offset.append(1000 * (x.end_s - t1))
                by.append(x.source)
            hit_moments |= {k for k, x in enumerate(m) if min(x.end_s, t1) > max(x.start_s, t0)}
        s.n_wrong += len(m) - len(hit_moments)
    s.onset_ms, s.offset_ms, s.by_source = tuple(onset), tuple(offset), tuple(by)
    return s


def rules() -> list[FillerRule]:
    return [replace(FillerRule(), model=None, cut_st=GEN_GRID[0][0], whole_runs=GEN_GRID[0][1], cut_median=GEN_GRID[0][2], max_range_st=r, max_slope_st_per_s=sl, max_change_db=ch, min_spread=sp, smooth=sm)
            for r in RANGE_GRID for sl in SLOPE_GRID for ch in CHANGE_GRID for sp in SPREAD_GRID for sm in SMOOTH_GRID]


def calibrate(train: list[Case]) -> FillerRule:
    """The rule with the highest recall whose false flags stay within TRAIN_FALSE_PER_5MIN per 5
    min (ties: fewer false flags, then the strictest thresholds); where none does, the one with the
    fewest false flags (ties: the highest recall, then the strictest)."""
    best, fewest = None, None
    for r in rules():
        sc = score(train, r)
        strict = (-(r.max_range_st + r.max_slope_st_per_s / 4 + r.max_change_db), r.min_spread, not r.smooth)
        rate = 5 * sc.n_false_signal / sc.speech_min  # what the thresholds can change
        if fewest is None or (-rate, sc.recall, *strict) > fewest[0]:
            fewest = ((-rate, sc.recall, *strict), r)
        if rate > TRAIN_FALSE_PER_5MIN:
            continue
        key = (sc.recall, -sc.false_per_5min, *strict)
        if best is None or key > best[0]:
            best = (key, r)
    return (best or fewest)[1]


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.0f} %"


CHOICE: dict = {}
"""What the last report chose (written to benchmarks/results/fillers.json by main)."""
_DECIDE = "the way with the higher held-out recall, unless its held-out false flags per 5 min exceed both the gate and the other way's"


def _add(total: Score, sc: Score) -> Score:
    for k in ("n_true", "n_found", "n_reported", "n_wrong", "n_false", "n_false_signal", "n_real", "n_real_found", "speech_min"):
        setattr(total, k, getattr(total, k) + getattr(sc, k))
    return total


def _pooled(by_cut: dict, folds: list, *, band: str = "both", mat: str = "all", untouched: bool = False) -> Score:
    """Each fold's held-out source scored with that fold's rule (on its candidates), summed (optionally one band, one
    material, the untouched recordings only)."""
    total = Score()
    for src, rule in folds:
        cases = [c for c in by_cut[gen_of(rule)] if not (untouched and c.inserted)]
        sub = [replace(c, inserted=tuple(x for x in c.inserted if mat == "all" or x[2].startswith(mat)))
               for c in cases if c.source == src and band in ("both", c.band)]
        sub = [c for c, o in zip(sub, [c for c in cases if c.source == src and band in ("both", c.band)]) if c.inserted or not o.inserted]
        _add(total, score(sub, rule))
    return total


def _by_class(by_cut: dict, folds: list) -> dict:
    """Held out, per source of the moment ("transcript", "signal"): [moments on inserted clips, of them
    covering an inserted filler, fillers found, false flags on untouched speech]."""
    out = {"transcript": [0, 0, 0, 0], "signal": [0, 0, 0, 0]}
    for src, rule in folds:
        for c in by_cut[gen_of(rule)]:
            if c.source != src:
                continue
            for m in combine(c.said, c.found, rule=rule, speech_min=c.speech_min).moments:
                if any(min(m.end_s, t1) > max(m.start_s, t0) for t0, t1 in c.real):
                    continue
                row = out[m.source]
                if not c.inserted:
                    row[3] += 1
                    continue
                row[0] += 1
                row[1] += any(min(m.end_s, t1) > max(m.start_s, t0) for t0, t1, *_ in c.inserted)
                row[2] += sum(min(m.end_s, t1) - max(m.start_s, t0) >= 0.5 * (t1 - t0) for t0, t1, *_ in c.inserted)
    return out


def _pooled_row(sc: Score, blanks: int, extra: str = "") -> str:
    return (f"| **all folds, held out** |{' |' * blanks} {extra}{sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {_pct(sc.precision)} | "
            f"{sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} |")


def gen_of(rule: FillerRule) -> tuple[float, bool, int]:
    """How ``rule``'s candidates are made: (cut_st, whole_runs, cut_median), the key of ``by_cut``."""
    return rule.cut_st, rule.whole_runs, rule.cut_median


def _best_cut(tables: dict, sources: list, grid: tuple = GEN_GRID) -> tuple:
    """``filler_fit.choose`` for each way of making candidates in ``grid`` on ``sources``; the one with the highest inner
    recall (ties: without uncut runs, then the shortest median, then the smallest cut): ((model, l2, inner recall), gen)."""
    options = [(filler_fit.choose(tables[gen], sources), gen) for gen in grid]
    return max(options, key=lambda o: (o[0][2], not o[1][1], -o[1][2], -o[1][0]))


def _gen_str(gen: tuple) -> str:
    return f"{gen[0]}{f' ({gen[2]})' if gen[2] > 1 else ''}{' uncut too' if gen[1] else ''}"


def _decide(pooled: dict) -> str:
    th, lo = pooled["thresholds"], pooled["logistic"]

    def ok(a: Score, b: Score) -> bool:
        return bool(a.false_per_5min <= max(GATE_FALSE_PER_5MIN, b.false_per_5min))

    return "logistic" if ok(lo, th) and (lo.recall > th.recall or not ok(th, lo)) else "thresholds"


def _rule_dict(rule: FillerRule) -> dict:
    """The fitted parts of a rule (what tests/test_fillers.py compares with FillerRule's defaults)."""
    return {"max_range_st": rule.max_range_st, "max_slope_st_per_s": rule.max_slope_st_per_s, "max_change_db": rule.max_change_db,
            "min_spread": rule.min_spread, "smooth": rule.smooth, "cut_st": rule.cut_st, "cut_median": rule.cut_median, "whole_runs": rule.whole_runs, "model": rule.model.to_dict() if rule.model is not None else None}


def _score_dict(sc: Score) -> dict:
    return {"inserted": sc.n_true, "found": sc.n_found, "recall": round(sc.recall, 4), "precision": None if not np.isfinite(sc.precision) else round(sc.precision, 4),
            "untouched_speech_min": round(sc.speech_min, 3), "false_flags": sc.n_false, "false_per_5min": round(sc.false_per_5min, 3)}


def _tried(by_cut: dict, tables: dict, sources: list) -> list[str]:
    """The "Tried, not shipped" rows: each way of TRIED run through the logistic folds as the main table is."""
    lines = ["| tried | folds chose (held out: cut st, uncut runs) | candidates any / envelope | inserted | found | recall | real 嗯 found | "
             "untouched speech min | false flags | per 5 min |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, grid in TRIED.items():
        folds, chose, n_any, n_env = [], [], 0, 0
        for src in sources:
            (model, _, _), gen = _best_cut(tables, [x for x in sources if x != src], grid)
            folds.append((src, filler_fit.model_rule(model, *gen)))
            chose.append(f"{src} {_gen_str(gen)}")
            n_any, n_env = n_any + tables[gen].n_any.get(src, 0), n_env + tables[gen].n_env.get(src, 0)
        sc, en = _pooled(by_cut, folds), _pooled(by_cut, folds, mat="real_en")
        lines.append(f"| {name} | {', '.join(chose)} | {n_any} / {n_env} | {sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {en.n_found} of {en.n_true} | "
                     f"{sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} |")
    cut = FillerRule().cut_st
    cost = {w: sum(c.filler_s for c in by_cut[(cut, w, 1)]) / (sum(c.duration_s for c in by_cut[(cut, w, 1)]) / 600) for w in (False, True) if (cut, w, 1) in by_cut}
    return lines + ["", f"Cost of making the candidates at the shipped cut ({cut} st, no median; CPU time, measured under load): "
                    + ", ".join(f"{v:.3f} s per 10 min of audio {'with' if w else 'without'} uncut runs" for w, v in cost.items()) + "."]


def report(by_cut: dict, *, seconds: float) -> tuple[str, bool]:
    cases = by_cut[GEN_GRID[0]]
    live = by_cut[gen_of(FillerRule())]  # the candidates of what ships
    sources = sorted({c.source for c in cases})
    lines = ["# Filled pauses (嗯/呃): inserted and found again; false flags on untouched real speech", "",
             "Made by `python benchmarks/fillers.py` (see its docstring for how the cases are built). "
             f"{len(cases)} analyses of {len({c.clip for c in cases})} recordings (19 real clips, tts/ and calls/), 16 kHz and 8 kHz; "
             f"total {seconds:.0f} s measured under load on a shared 2-core machine"
             + (" (the analyses of the last full run, their candidates found again by the current code with --reuse)." if REUSED else "."), "",
             "## Leave one source out", "",
             "Two ways to decide, each chosen on the other sources only and tested on the held-out one; the objective on the training "
             f"sources is the highest recall with <= {TRAIN_FALSE_PER_5MIN} signal false flags per 5 min of their untouched speech.", "",
             "**Thresholds** (a grid of F0 range, slope, spectral change, spread, smooth; the median of the per-fold choices is what would ship):", "",
             "| held out | range st | slope st/s | change dB | spread syll | smooth | inserted | found | recall | precision | untouched speech min | false flags | per 5 min |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    folds = {"thresholds": [], "logistic": []}
    for src in sources:
        r = calibrate([c for c in cases if c.source != src])
        folds["thresholds"].append((src, r))
        sc = score([c for c in cases if c.source == src], r)
        lines.append(f"| {src} | {r.max_range_st} | {r.max_slope_st_per_s} | {r.max_change_db} | {r.min_spread} | {'yes' if r.smooth else 'no'} | {sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {_pct(sc.precision)} | {sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} |")
    pooled = {"thresholds": _pooled(by_cut, folds["thresholds"])}
    lines.append(_pooled_row(pooled["thresholds"], 5))
    med = replace(FillerRule(), model=None, cut_st=GEN_GRID[0][0], whole_runs=GEN_GRID[0][1], cut_median=GEN_GRID[0][2], max_range_st=float(np.median([r.max_range_st for _, r in folds["thresholds"]])),
                  max_slope_st_per_s=float(np.median([r.max_slope_st_per_s for _, r in folds["thresholds"]])),
                  max_change_db=float(np.median([r.max_change_db for _, r in folds["thresholds"]])),
                  min_spread=float(np.median([r.min_spread for _, r in folds["thresholds"]])), smooth=sum(r.smooth for _, r in folds["thresholds"]) > len(sources) / 2)
    tables = {gen: filler_fit.table(by_cut[gen]) for gen in {*GEN_GRID, *(g for grid in TRIED.values() for g in grid)}}
    lines += ["", f"**Logistic score** (`voicecoach/measures/filler_model.py`: {len(filler_fit.FEATURES)} figures of each candidate within the loosest "
              f"thresholds; penalty, score threshold and the F0 change per 30 ms that cuts a voiced run into candidates ({', '.join(map(str, CUT_GRID))} st, "
              f"F0 first smoothed by a running median over {', '.join(map(str, MEDIAN_GRID))} pitch frames; 1: none) "
              + ("and whether each run so cut is also offered uncut, " if any(g[1] for g in GEN_GRID) else "")
              + "chosen by an inner leave-one-source-out on the training sources, benchmarks/filler_fit.py: the way of making candidates "
              "with the highest inner recall). "
              "Candidates: inserted fillers at least half covered by any signal candidate / by one within the envelope (what bounds recall).", "",
              "| held out | cut st (median frames) | penalty | score threshold | inner recall | candidates any / envelope | inserted | found | recall | precision | untouched speech min | false flags | per 5 min |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    fold_json, n_any, n_env = [], 0, 0
    for src, (_, th) in zip(sources, folds["thresholds"]):
        (model, l2, inner), cut = _best_cut(tables, [x for x in sources if x != src])
        t = tables[cut]
        n_any, n_env = n_any + t.n_any.get(src, 0), n_env + t.n_env.get(src, 0)
        r = filler_fit.model_rule(model, *cut)
        folds["logistic"].append((src, r))
        sc = score([c for c in by_cut[cut] if c.source == src], r)
        fold_json.append({"held_out": src, "logistic": {"cut_st": cut[0], "whole_runs": cut[1], "cut_median": cut[2], "l2": l2, "min_score": model.min_score, "inner_recall": round(inner, 4)},
                          "thresholds": _rule_dict(th), "inserted": sc.n_true})
        lines.append(f"| {src} | {_gen_str(cut)} | {l2} | {model.min_score:.3f} | {_pct(inner)} | {t.n_any.get(src, 0)} / {t.n_env.get(src, 0)} | {sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {_pct(sc.precision)} | {sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} |")
    pooled["logistic"] = _pooled(by_cut, folds["logistic"])
    lines.append(_pooled_row(pooled["logistic"], 4, f"{n_any} / {n_env} | "))
    lines += ["", "The running median before the cut (FillerRule.cut_median: a one-frame pitch error, an octave slip common at 8 kHz, no "
              "longer cuts a held sound in two) was put to the folds after a fixed 3- and a fixed 5-frame median had each been scored held out "
              "once (the cut and penalty still chosen in the folds: 45 % with 3 false flags, 47 % with 1); the held-out figures above are not "
              "blind to that look."]
    lines += ["", "**Tried, not shipped** (other ways of making candidates, without the running median, each run through the same folds: the penalty, threshold "
              "and way of making candidates chosen on the training sources by inner recall, scored on the held-out one; "
              "'uncut runs': FillerRule.whole_runs, each voiced run that F0 moves cut also offered uncut, for a 嗯 whose pitch rises "
              "and falls within 0.15 s):", ""] + _tried(by_cut, tables, sources)
    (model, l2, inner), cut = _best_cut(tables, sources)
    refit = filler_fit.model_rule(model, *cut)
    method = _decide(pooled)
    chosen = refit if method == "logistic" else med
    shipped = FillerRule()
    same = _rule_dict(shipped) == _rule_dict(chosen)
    CHOICE.clear()
    CHOICE.update({"made_by": "python benchmarks/fillers.py", "train_false_per_5min": TRAIN_FALSE_PER_5MIN, "method": method, "decided_by": _DECIDE,
                   "heldout": {k: _score_dict(v) for k, v in pooled.items()}, "folds": fold_json,
                   "refit": {"cut_st": cut[0], "whole_runs": cut[1], "cut_median": cut[2], "l2": l2, "inner_recall": round(inner, 4)}, "shipped": _rule_dict(chosen)})
    lines += ["", "Held out, by band and material (each source scored with its own fold's choice; precision only over all materials, as a wrong moment has none):", "",
              "| way | band | material | inserted | found | recall | precision | untouched speech min | false flags | per 5 min |", "|---|---|---|---|---|---|---|---|---|---|"]
    for way in ("thresholds", "logistic"):
        for band in ("16k", "8k", "both"):
            for mat in ("synthetic", "held_vowel", "real_en", "all"):
                sc = _pooled(by_cut, folds[way], band=band, mat=mat)
                lines.append(f"| {way} | {band} | {mat} | {sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {_pct(sc.precision) if mat == 'all' else '–'} | {sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} |")
    lines += ["", "Held out, by the rule that reported a moment (transcript: a recognised 嗯/呃 standing alone; signal: the detector alone):", "",
              "| way | rule | moments on inserted clips | covering a filler | precision | fillers found | false flags on untouched speech |", "|---|---|---|---|---|---|---|"]
    for way in ("thresholds", "logistic"):
        for cls, (n, good, found, false) in _by_class(by_cut, folds[way]).items():
            lines.append(f"| {way} | {cls} | {n} | {good} | {_pct(good / n if n else float('nan'))} | {found} | {false} |")
    lines += ["", "Held out, untouched speech by source (the real fillers listed in tts/ and calls/ are not counted):", "",
              "| source | band | speech min | thresholds: false flags | per 5 min | logistic: false flags | per 5 min |", "|---|---|---|---|---|---|---|"]
    for src in sources:
        for band in ("16k", "8k"):
            th, lo = (_pooled(by_cut, [f for f in folds[w] if f[0] == src], band=band, untouched=True) for w in ("thresholds", "logistic"))
            if th.speech_min:
                lines.append(f"| {src} | {band} | {th.speech_min:.2f} | {th.n_false} | {th.false_per_5min:.2f} | {lo.n_false} | {lo.false_per_5min:.2f} |")
    lines += ["", f"Median of the per-fold thresholds: range {med.max_range_st} st, slope {med.max_slope_st_per_s} st/s, change {med.max_change_db} dB, spread {med.min_spread} syllables, smooth {med.smooth}. "
              f"Logistic refit on every source by the same procedure: cut {_gen_str(cut)}, penalty {l2}, score threshold {model.min_score:.3f} (inner recall {_pct(inner)}).", "",
              f"**What ships: the {method}** ({_DECIDE}). FillerRule's defaults are {'exactly' if same else 'NOT'} that choice "
              "(benchmarks/results/fillers.json, checked by tests/test_fillers.py).", "",
              "## The shipped rule on every case (not held out)", "",
              "| band | material | place | inserted | found | recall | onset error median ms | offset error median ms | within 50 ms (both ends) |", "|---|---|---|---|---|---|---|---|---|"]
    for band in ("16k", "8k"):
        for mat in ("synthetic", "held_vowel", "real_en", "all"):
            for place in ("pause", "speech", "all"):
                sub = [replace(c, inserted=tuple(x for x in c.inserted if (mat == "all" or x[2].startswith(mat)) and (place == "all" or x[3] == place)))
                       for c in live if c.band == band and c.inserted]
                sub = [c for c in sub if c.inserted]
                sc = score(sub, shipped)
                if not sc.n_true:
                    continue
                both = np.mean([abs(a) <= 50 and abs(b) <= 50 for a, b in zip(sc.onset_ms, sc.offset_ms)]) if sc.onset_ms else float("nan")
                on = f"{np.median(sc.onset_ms):+.0f}" if sc.onset_ms else "–"
                off = f"{np.median(sc.offset_ms):+.0f}" if sc.offset_ms else "–"
                lines.append(f"| {band} | {mat} | {place} | {sc.n_true} | {sc.n_found} | {_pct(sc.recall)} | {on} | {off} | {_pct(both)} |")
    lines += ["", "| band | untouched speech min | false flags | per 5 min (not held out) | precision on inserted clips | found by transcript / signal |", "|---|---|---|---|---|---|"]
    for band in ("16k", "8k", "both"):
        sc = score([c for c in live if band == "both" or c.band == band], shipped)
        lines.append(f"| {band} | {sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} | {_pct(sc.precision)} | {sc.by_source.count('transcript')} / {sc.by_source.count('signal')} |")
    flagged = [(c.clip, c.band, m.start_s, m.end_s, m.source, m.text) for c in live if not c.inserted for m in combine(c.said, c.found, rule=shipped, speech_min=c.speech_min).moments
               if not any(min(m.end_s, t1) > max(m.start_s, t0) for t0, t1 in c.real)]
    lines += ["", "## Untouched speech by source (the shipped rule, fitted on every source: not held out)", "",
              "| source | band | speech min | false flags | per 5 min | real fillers listed (recogniser's 嗯/呃, English uh/um) | of them reported |", "|---|---|---|---|---|---|---|"]
    for src in sorted({c.source for c in cases}):
        for band in ("16k", "8k"):
            sub = [c for c in live if c.source == src and c.band == band and not c.inserted]
            if sub:
                sc = score(sub, shipped)
                lines.append(f"| {src} | {band} | {sc.speech_min:.2f} | {sc.n_false} | {sc.false_per_5min:.2f} | {sc.n_real} | {sc.n_real_found} |")
    written = [(c.clip, c.band, s.start_s, s.text) for c in cases if not c.inserted and c.source in EXTRA for s in c.said]
    lines += ["", "Fillers the recogniser wrote in tts/ and calls/: " + ("; ".join(f"{a} {b} {t:.2f} s {x}" for a, b, t, x in written) or "none")
              + ". In Mandarin mode it writes no English uh/um; those of EN_FILLERS (English-mode Whisper with a disfluency prompt, "
              f"{sum(len(v) for v in EN_FILLERS.values())} in the two tracks, not listened to) are not counted false; every other moment in the calls is.", ""]
    real = score([c for c in live if not c.inserted], shipped)
    cost = sum(c.filler_s for c in cases) / (sum(c.duration_s for c in cases) / 600)
    lines += ["", f"Filled pauses taken as real in the untouched speech (REAL_FILLERS: the recogniser's 嗯 in funasr_VAD_30s, 16 kHz and telephone copy; EN_FILLERS: the call's English uh/um): {real.n_real_found} of {real.n_real} reported.", "",
              f"Cost of the filled-pause step: {cost:.3f} s per 10 min of audio ({'measure_filled_pauses timed again on every case, CPU time' if REUSED else 'the analyses own timings'}; measured under load, goal <= 0.5 s).", "",
              "What limits recall (read from the cases, not computed here): the candidates. Only "
              f"{n_any} of {pooled['logistic'].n_true} inserted fillers are at least half covered by any signal candidate at their fold's cut (table above): "
              "9 of the 16 held vowels lie under a syllable the recogniser stretched over them or run into the syllables beside them; the real 嗯 (10 of them) rises 2 st then falls "
              "4 st in 0.15 s, so its voiced run is cut where its pitch moves fastest (at 0.75 and 1 st per 30 ms no piece covers it, with or without the "
              "running median; at 1.5 st, 3 of 10 are "
              "covered, and none is found held out). Offered uncut (Tried, not shipped, above), the same 3 are covered, all three the 16 kHz copies in "
              "funasr's pauses (one of them falls 15 st/s, outside the envelope); the other 7 are not: the 8 kHz copies (voicing found over 36-67 % of "
              "the 嗯, two under recognised syllables), the 16 kHz one in funasrnano's running speech (under a recognised syllable) and wenet's (the "
              "speech/silence decision calls it silence). So when funasr is held out no training source holds a covered real 嗯 to learn its shape "
              "from: no way of cutting voiced runs can find it held out on these cases. Most of the other inserted fillers no candidate covers lie under "
              "recognised syllables; of 9 looked at, 8 hold a steady voiced run over most of the filler, not offered because the recogniser's time "
              "over it is under the 1.5 median syllables a stretch under words must lie under (6; e.g. 0.44 s under a 0.6 s 楼 where the median "
              "syllable is 0.32 s) or, under a syllable it stretched, not offered whole (2); lowering that floor to 1.0 or "
              "1.25 (voicecoach.measures.fillers._SPREAD_SYLLABLES and filler_fit.ENVELOPE.min_spread patched for one run before the median was "
              "offered, not kept) covered 43 and "
              "42 of 64 and found 25 and 24 held out (0 and 4 false flags). The recogniser re-times the syllables round a filler it deleted, spreading a word over it, so a filler that runs "
              "into the next syllable without a level dip stays inside it. Where false flags come from: the English call (its recogniser runs in Mandarin mode, so its "
              "'syllables' are English words with rough times; some of its steady stretches may be uh/um the English pass did not write), flat synthetic "
              "speech (MONOTONE, espeak's slow voice) and, for the "
              "thresholds, tts/ (espeak's slow voice holds flat vowels; a drawled final syllable)."]
    held = [(c.clip, c.band, m.start_s, m.end_s, m.source, m.text) for src, rule in folds[method] for c in by_cut[gen_of(rule)] if c.source == src and not c.inserted
            for m in combine(c.said, c.found, rule=rule, speech_min=c.speech_min).moments if not any(min(m.end_s, t1) > max(m.start_s, t0) for t0, t1 in c.real)]
    gate = {band: _pooled(by_cut, folds[method], band=band).false_per_5min for band in ("16k", "8k", "both")}
    ok = all(v <= GATE_FALSE_PER_5MIN for v in gate.values())
    CHOICE["gate"] = {"false_per_5min_heldout": {k: round(v, 3) for k, v in gate.items()}, "pass": ok}
    lines += ["", "False flags of the shipped rule on untouched speech (fitted on every source, not held out): "
              + ("; ".join(f"{a} {b} {s:.2f}-{e:.2f} s ({src}{' ' + t if t else ''})" for a, b, s, e, src, t in flagged) or "none") + ".", "",
              f"Held out (the {method}, each source by its own fold): " + ("; ".join(f"{a} {b} {s:.2f}-{e:.2f} s ({src}{' ' + t if t else ''})" for a, b, s, e, src, t in held) or "none") + ".", "",
              f"Gate (held out, the way that ships: false flags <= {GATE_FALSE_PER_5MIN} per 5 min of untouched speech, each band and both: "
              + ", ".join(f"{k} {v:.2f}" for k, v in gate.items()) + f"): {'PASS' if ok else 'FAIL'}."]
    return "\n".join(lines) + "\n", ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--audio", type=Path, default=Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent / "shared" / "audio")))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fillers.md")
    ap.add_argument("--features", type=Path, default=ROOT / "out" / "fillers" / "features.pkl")
    ap.add_argument("--reuse", action="store_true", help="score the saved features again instead of analysing")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    global REUSED
    if args.reuse and args.features.exists():
        REUSED = True
        with open(args.features, "rb") as f:
            cases = [remeasure(Case(**d)) for d in pickle.load(f)]
    else:
        if not (args.audio / "real").is_dir():
            print(f"no real clips at {args.audio / 'real'}: give --audio or set VOICECOACH_SHARED_AUDIO", file=sys.stderr)
            return 2
        cases = collect(args.audio, build_recognizer())
        args.features.parent.mkdir(parents=True, exist_ok=True)
        with open(args.features, "wb") as f:
            pickle.dump([vars(c) for c in cases], f)
    gens = {*GEN_GRID, *(g for grid in TRIED.values() for g in grid), gen_of(FillerRule())}
    by_cut = {gen: cases if gen == GEN_GRID[0] else at_cut(cases, gen) for gen in gens}
    text, ok = report(by_cut, seconds=sum(c.seconds for c in cases))
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(CHOICE, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(text)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
