"""Drawl cues judged against the same speaker's own syllables, with folds that leave one voice out.

    python benchmarks/drawl_rel.py [--features out/drawl_folds/constructs.pkl ...] [--vocoder out/drawl_folds/vocoder.pkl ...]
                                   [--out benchmarks/results/drawl_rel.md]

Reuses the analyses of benchmarks/drawl_folds.py (``--features``: its constructs, in parts if it
was made in parts; no recogniser run here) and its folds, cases, scoring and gates
(:func:`drawl_folds.score`, :func:`drawl_folds.gates`, :func:`drawl_folds.fold_table`).

The question (issue 9, deliverable 3): natural phrase-final lengthening is not drawl. The
earlier cue models (benchmarks/drawl_cues.py) used absolute cues; the level plateau helped on
real voices but flagged 21 untouched phrase ends of the held-out synthetic voice, whose vowels
are steadier than a real voice's. Here every cue of a phrase-final syllable is divided by, or
standardised against, the same cue measured on *that recording's own non-final syllables*
(the speaker's ordinary syllables, which a drawl does not touch):

* ``dur``: the final over the speaker's typical (median non-final) syllable: the shipped measure;
* ``dur_z``: the final's log duration standardised by the speaker's non-final syllables
  (median and 1.4826 x MAD of log durations): a speaker with even syllables needs less;
* ``lvl_rel``: time the level stays within 6 dB of the syllable's peak (10 ms frames, 30 ms
  smoothing), over the speaker's median of the same on non-final syllables;
* ``steady_rel``: the longest steady stretch of the syllable (voiced, within 10 dB of its peak,
  spectral shape in 300-3400 Hz changing less, between frames 40 ms apart
  (:func:`drawl_signal.spectral_change_db`), than the recording's own ``STEADY_PCT`` percentile
  over its voiced speech frames, or than ``STEADY_MIN_DB``), over the speaker's median of the same on non-final
  syllables (a stretched vowel holds its spectrum longer than that speaker's typical nucleus;
  natural final lengthening, the hypothesis goes, mostly lengthens transitions and the fade);
* ``steady_z``: the same, standardised by the non-final syllables' median and MAD;
* ``change_rel``: the final's median spectral-shape change (voiced frames within 10 dB of its
  peak) over the median of the same on the speaker's non-final syllables (a time-stretched
  vowel changes its shape more slowly; lower is more drawl-like);
* ``decay_frac``: the envelope's shape: the time from the last frame within 6 dB of the
  final's peak to its end, over the final's duration (a time-stretched vowel keeps its
  envelope's proportions; a natural final may end in a longer fade).

Rules (each fold's numbers chosen on the other voices only, at most 0.5 false flags per minute
of their untouched speech, real and TTS, as for the shipped rule; most x2 stretches caught, then
most x3; the middle of the tied best):

* one-cue thresholds on the speaker-normalised duration;
* two-condition rules: ``dur >= a`` AND a second cue ``>= b`` (or ``<= b`` for the decay share);
* a logistic model on the speaker-normalised cues (scikit-learn, as in drawl_cues.py).

An upper bound is reported too: the best two-condition rule chosen on all clips at once.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import drawl_folds as df  # noqa: E402
from drawl_signal import HOP_S, spectral_change_db  # noqa: E402

from voicecoach.measures.drawl import measure_drawl, typical_syllable_s  # noqa: E402

PLATEAU_DB = 6.0
STEADY_PCT = 35.0  # "steady": spectral-shape change below this percentile of the recording's voiced frames
STEADY_MIN_DB = 3.0  # ... or below this, whatever the recording (a perfectly steady voice has no spread)
STEADY_LEVEL_DB = 10.0
MIN_REFERENCE = 5  # non-final syllables needed for the speaker's reference


# ---------------------------------------------------------------------------------- cues


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for m in mask:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def syllable_cues(c, start_s: float, end_s: float, change: tuple[np.ndarray, np.ndarray], steady_db: float) -> dict:
    """Level plateau, steady stretch (change below ``steady_db``), median spectral change and
    decay share of one syllable (``start_s``-``end_s``)."""
    act, pt = c.activity, c.pitch
    db = np.nan_to_num(act.smooth_db, nan=-200.0)
    a, b = act.frame_at(start_s), max(act.frame_at(start_s) + 1, act.frame_at(end_s))
    seg = db[a:b]
    if len(seg) == 0:
        return {"lvl_s": 0.0, "steady_s": 0.0, "decay_frac": 0.0, "change_db": float("nan")}
    peak = float(seg.max())
    near = np.flatnonzero(seg >= peak - PLATEAU_DB)
    lvl_s = len(near) * act.frame_s
    decay_frac = max(0.0, end_s - float(act.times_s[a + near[-1]])) / max(end_s - start_s, 1e-3)
    # steady: frames of the change track inside the span, voiced, near the peak, shape steady
    t, ch = change
    inside = (t >= start_s) & (t < end_s)
    steady_s, change_db = 0.0, float("nan")
    if inside.any():
        tt = t[inside]
        lv = db[np.clip(np.round(tt / act.frame_s - 0.5).astype(int), 0, len(db) - 1)]
        vi = np.clip(np.round((tt - pt.times_s[0]) / pt.frame_s).astype(int), 0, len(pt.voiced) - 1)
        cc = ch[inside]
        near_peak = (lv >= peak - STEADY_LEVEL_DB) & pt.voiced[vi]
        ok = (np.nan_to_num(cc, nan=np.inf) < steady_db) & near_peak
        steady_s = _longest_run(ok) * HOP_S
        if (near_peak & np.isfinite(cc)).any():
            change_db = float(np.median(cc[near_peak & np.isfinite(cc)]))
    return {"lvl_s": lvl_s, "steady_s": steady_s, "decay_frac": decay_frac, "change_db": change_db}


def _robust(v: list[float]) -> tuple[float, float]:
    """Median and 1.4826 x MAD (at least 0.05) of some log values."""
    v = np.asarray(v, dtype=float)
    med = float(np.median(v))
    return med, max(0.05, 1.4826 * float(np.median(np.abs(v - med))))


@dataclass
class RelEnds:
    """What :func:`drawl_folds.score` reads, ``final`` holding each end's cue dict."""

    c: object
    final: list
    voiced: list
    target: int | None


def measure(c) -> RelEnds:
    """Every measured phrase end of a construct, with its cues against the speaker's non-final syllables."""
    typical = typical_syllable_s(c.chars, c.phrases, fallback_s=c.fallback_typical_s)
    d = measure_drawl(c.chars, c.phrases, c.activity, c.pitch, typical_syllable_s=typical, rule=df.NEVER)
    if not d.ends:
        return RelEnds(c, [], [], None)
    change = spectral_change_db(c.samples, sample_rate_hz=c.sample_rate_hz, start_s=0.0, end_s=len(c.samples) / c.sample_rate_hz)
    t, ch_db = change
    db = np.nan_to_num(c.activity.smooth_db, nan=-200.0)
    lv = db[np.clip(np.round(t / c.activity.frame_s - 0.5).astype(int), 0, len(db) - 1)]
    vi = np.clip(np.round((t - c.pitch.times_s[0]) / c.pitch.frame_s).astype(int), 0, len(c.pitch.voiced) - 1)
    speech = c.pitch.voiced[vi] & (lv > c.activity.speech_level_db - STEADY_LEVEL_DB) & np.isfinite(ch_db)
    steady_db = max(STEADY_MIN_DB, float(np.percentile(ch_db[speech], STEADY_PCT)) if speech.sum() >= 20 else 5.0)
    finals = {p.last_char for p in c.phrases}
    ref = [(ch.end_s - ch.start_s, syllable_cues(c, ch.start_s, ch.end_s, change, steady_db)) for i, ch in enumerate(c.chars)
           if i not in finals and ch.end_s - ch.start_s > 0.02]
    enough = len(ref) >= MIN_REFERENCE
    ld = _robust([np.log(r[0]) for r in ref]) if enough else (np.log(typical), 0.35)
    lvl = float(np.median([r[1]["lvl_s"] for r in ref])) if enough else typical * 0.5
    st_vals = [np.log(max(r[1]["steady_s"], 0.01)) for r in ref]
    ls = _robust(st_vals) if enough else (np.log(typical * 0.3), 0.5)
    chv = [r[1]["change_db"] for r in ref if np.isfinite(r[1]["change_db"])]
    ch_ref = float(np.median(chv)) if len(chv) >= MIN_REFERENCE else steady_db
    rows = []
    for e in d.ends:
        k = syllable_cues(c, e.start_s, e.end_s, change, steady_db)
        dur = e.final_ratio
        rows.append({
            "dur": dur,
            "voiced_share": e.voiced_ratio / dur if dur > 0 else 0.0,
            "dur_z": (np.log(max(e.duration_s, 1e-3)) - ld[0]) / ld[1],
            "lvl_rel": k["lvl_s"] / max(lvl, 0.01),
            "steady_rel": max(k["steady_s"], 0.01) / np.exp(ls[0]),
            "steady_z": (np.log(max(k["steady_s"], 0.01)) - ls[0]) / ls[1],
            "decay_frac": k["decay_frac"],
            "change_rel": k["change_db"] / ch_ref if np.isfinite(k["change_db"]) else 1.0,
            "steady_s": k["steady_s"],
            "ref_n": len(ref),
        })
    return RelEnds(c, rows, [r["voiced_share"] for r in rows], df.target_end(c.target, d.ends))


def strip(e):
    """A copy of a :class:`RelEnds` or :class:`drawl_folds.Ends` without the audio and tracks (for the cache)."""
    c = df.Construct(**{**vars(e.c), "samples": None, "chars": (), "activity": None, "pitch": None})
    return type(e)(c, e.final, e.voiced, e.target)


def load_constructs(paths: list[Path]) -> list:
    """drawl_folds.py's constructs from one or several parts (a clip already loaded from an
    earlier part is skipped, as in drawl_cues.py)."""
    out = []
    for path in paths:
        seen = {c.clip for c in out}
        out += [c for c in df.load(path) if c.clip not in seen]
    return out


def features(paths: list[Path], cache: Path | None) -> tuple[list[RelEnds], list]:
    """The cues of every construct, and the shipped measure's :class:`drawl_folds.Ends` of the
    same (``cache``: reuse or write them; the cue settings and parts are the cache's key)."""
    key = (PLATEAU_DB, STEADY_PCT, STEADY_MIN_DB, STEADY_LEVEL_DB, MIN_REFERENCE, tuple(str(p) for p in paths))
    if cache is not None and cache.exists():
        with open(cache, "rb") as f:
            k, ends = pickle.load(f)
        if k == key:
            return ends
    rows = [c for c in load_constructs(paths) if c.case != "mid_no_pause"]
    ends = ([strip(measure(c)) for c in rows], [strip(df.measure(c)) for c in rows])
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with open(cache, "wb") as f:
            pickle.dump((key, ends), f)
    return ends


# ---------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class TwoCue:
    """Flag a phrase end when ``first >= a`` and (``second`` None, or ``second >= b``; ``<= b``
    when ``sign`` is -1): a rule for :func:`drawl_folds.score`."""

    first: str
    a: float
    second: str | None = None
    b: float = 0.0
    sign: int = 1

    def flags(self, final: list, voiced: list) -> list[bool]:
        return [bool(r[self.first] >= self.a and (self.second is None or self.sign * r[self.second] >= self.sign * self.b)) for r in final]

    def describe(self) -> str:
        s = f"{self.first} >= {self.a:.2f}"
        return s if self.second is None else s + f" and {self.second} {'>=' if self.sign > 0 else '<='} {self.b:.2f}"


def _grid(ends: list[RelEnds], cue: str, n: int = 41) -> np.ndarray:
    """Candidate thresholds for a cue: percentiles of its values on the given (training) ends."""
    v = [r[cue] for e in ends for r in e.final if np.isfinite(r[cue])]
    return np.unique(np.round(np.percentile(v, np.linspace(0, 100, n)), 3)) if v else np.zeros(1)


def _ok(sc) -> bool:
    return (sc.false_real + sc.false_tts) / (sc.real_min + sc.tts_min) <= df.TRAIN_FALSE_PER_MIN


def _key(sc) -> tuple:
    return (round(sc.rate(2.0, ("end", "mid", "tts_drawl")), 6), round(sc.rate(3.0), 6))


def calibrate_two(train: list[RelEnds], first: str, second: str | None, sign: int) -> TwoCue:
    """The rule's thresholds chosen on training ends only: most x2 (then x3) caught with at most
    0.5 false flags per minute of untouched training speech; of the tied best, the middle first
    threshold, then the middle second threshold."""
    ga = _grid(train, first, 61)
    gb = _grid(train, second) if second else np.zeros(1)
    best, key = [], None
    for b in gb:
        for a in ga:
            rule = TwoCue(first, float(a), second, float(b), sign)
            sc = df.score(train, rule)
            if not _ok(sc):
                continue
            k = _key(sc)
            if key is None or k > key:
                best, key = [(float(a), float(b))], k
            elif k == key:
                best.append((float(a), float(b)))
    if not best:
        return TwoCue(first, np.inf, second, 0.0, sign)
    a = sorted(x for x, _ in best)[len(best) // 2]
    bs = sorted(y for x, y in best if x == a)
    return TwoCue(first, a, second, bs[len(bs) // 2], sign)


LOGIT_CUES = ("dur", "dur_z", "lvl_rel", "steady_rel", "change_rel", "decay_frac")
_LOG = {"dur", "lvl_rel", "steady_rel", "change_rel"}  # ratios: on a log scale


def _x(rows: list[dict], cues: tuple) -> np.ndarray:
    return np.asarray([[np.log(max(r[k], 1e-3)) if k in _LOG else r[k] for k in cues] for r in rows], dtype=float).reshape(-1, len(cues))


@dataclass
class Logit:
    """Logistic regression on speaker-normalised cues, thresholded on its log-odds."""

    cues: tuple
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = np.inf

    def logit(self, rows: list[dict]) -> np.ndarray:
        return ((_x(rows, self.cues) - self.mean) / self.scale) @ self.coef + self.intercept if rows else np.zeros(0)

    def flags(self, final: list, voiced: list) -> list[bool]:
        return [bool(v >= self.threshold) for v in self.logit(final)]

    def describe(self) -> str:
        return "logit " + ", ".join(f"{k} {c:+.2f}" for k, c in zip(self.cues, self.coef)) + f"; threshold {self.threshold:.2f}"


def fit_logit(train: list[RelEnds], cues: tuple) -> Logit:
    """Fit on training ends only (positives: x2/x3 targets and the TTS files' drawled ends;
    negatives: untouched ends and unstretched cut-end targets); the threshold keeps the
    training false flags within 0.5 per minute of untouched speech."""
    from sklearn.linear_model import LogisticRegression

    X, y = [], []
    for e in train:
        c = e.c
        if c.case == "untouched" and c.heard_share >= df.MIN_HEARD_SHARE and e.final:
            X += list(_x(e.final, cues))
            y += [0] * len(e.final)
        elif c.case == "tts_drawl" and e.final:
            X += list(_x(e.final, cues))
            y += [1] * len(e.final)
        elif c.case in ("end", "mid") and e.target is not None and c.factor in (1.0, 2.0, 3.0):
            X.append(_x([e.final[e.target]], cues)[0])
            y.append(int(c.factor >= 2.0))
    X, y = np.asarray(X), np.asarray(y)
    mean, scale = X.mean(0), X.std(0) + 1e-9
    lr = LogisticRegression(class_weight="balanced", max_iter=1000).fit((X - mean) / scale, y)
    m = Logit(tuple(cues), mean, scale, lr.coef_[0], float(lr.intercept_[0]))
    neg, minutes = [], 0.0
    for e in train:
        if e.c.case == "untouched" and e.c.heard_share >= df.MIN_HEARD_SHARE:
            neg.extend(m.logit(e.final))
            minutes += e.c.speech_s / 60
    allowed = int(np.floor(df.TRAIN_FALSE_PER_MIN * minutes))
    neg = np.sort(neg)[::-1]
    m.threshold = float(neg[allowed] + 1e-6) if len(neg) > allowed else -np.inf
    return m


VARIANTS = (
    ("dur", None, 1),
    ("dur_z", None, 1),
    ("dur", "lvl_rel", 1),
    ("dur", "steady_rel", 1),
    ("dur", "change_rel", -1),
    ("dur", "decay_frac", -1),
    ("dur_z", "steady_rel", 1),
    ("dur_z", "change_rel", -1),
    ("logit", ("dur", "change_rel"), 0),
    ("logit", LOGIT_CUES, 0),
)


def variant_name(v) -> str:
    first, second, sign = v
    if first == "logit":
        return "logistic: " + " + ".join(second)
    return first if second is None else f"{first} AND {second} {'high' if sign > 0 else 'low'}"


def run_variant(ends: list[RelEnds], v) -> list:
    """[(fold, rule, held-out score, held-out score)], shaped like :func:`drawl_folds.run_folds`."""
    first, second, sign = v
    rows = []
    for f in df.folds(ends):
        train = [e for e in ends if e.c.source != f]
        rule = fit_logit(train, second) if first == "logit" else calibrate_two(train, first, second, sign)
        sc = df.score([e for e in ends if e.c.source == f], rule)
        rows.append((f, rule, sc, sc))
    return rows


def upper_bound(ends: list[RelEnds], v) -> tuple:
    """The best rule of a two-condition variant chosen on ALL clips at once (not held out): most
    x2 caught with at most 1 false flag per minute of untouched real speech, pooled; its score."""
    first, second, sign = v
    best, key = None, None
    for b in (_grid(ends, second) if second else np.zeros(1)):
        for a in _grid(ends, first, 81):
            rule = TwoCue(first, float(a), second, float(b), sign)
            sc = df.score(ends, rule)
            if sc.false_per_min > 1.0:
                continue
            k = (sc.rate(2.0), sc.rate(3.0), -sc.false_tts)
            if key is None or k > key:
                best, key = (rule, sc), k
    return best


# -------------------------------------------------------------------------------- report


def unmeasured(ends: list[RelEnds]) -> list[str]:
    """Stretched x2/x3 finals the detector does not measure, per fold: missed by any cue."""
    per: dict = {}
    for e in ends:
        if e.c.case in ("end", "mid") and e.c.factor in (2.0, 3.0):
            k = per.setdefault((e.c.source, e.c.factor), [0, 0])
            k[0] += e.target is None
            k[1] += 1
    out = []
    for f in sorted({s for s, _ in per}):
        n2, d2 = per.get((f, 2.0), [0, 0])
        n3, d3 = per.get((f, 3.0), [0, 0])
        if n2 or n3:
            why = []
            if d2 and d2 - n2 < 0.95 * d2:
                why.append(f"x2 at most {d2 - n2}/{d2} < 95 %")
            if n3:
                why.append(f"x3 at most {d3 - n3}/{d3}")
            out.append(f"| {f} | {n2} of {d2} | {n3} of {d3} | {'; '.join(why) or 'no'} |")
    return out


def material(ends: list[RelEnds]) -> list[str]:
    """Per voice (fold) and clip: minutes of untouched speech, measured phrase ends, the speaker's
    non-final syllables, and the stretched finals built from it."""
    lines = ["| voice (fold) | clip | kind | speech, min | measured phrase ends | clips with >= 4 ends | non-final syllables (speaker's reference) | stretched finals x2 (END + MID) |",
             "|---|---|---|---|---|---|---|---|"]
    tot = {}
    for f in df.folds(ends):
        un = [e for e in ends if e.c.source == f and e.c.case == "untouched"]
        n2 = sum(1 for e in ends if e.c.source == f and e.c.case in ("end", "mid") and e.c.factor == 2.0)
        for e in un:
            ref = e.final[0]["ref_n"] if e.final else "–"
            heard = "" if e.c.heard_share >= df.MIN_HEARD_SHARE else " (recogniser heard < half: not scored)"
            x2 = sum(1 for s in ends if s.c.clip == e.c.clip and s.c.case in ("end", "mid") and s.c.factor == 2.0)
            lines.append(f"| {f} | {e.c.clip}{heard} | {e.c.kind} | {e.c.speech_s / 60:.2f} | {len(e.final)} | {'yes' if len(e.final) >= 4 else ''} | {ref} | {x2} |")
        mins, n_ends = sum(e.c.speech_s for e in un) / 60, sum(len(e.final) for e in un)
        many = sum(1 for e in un if len(e.final) >= 4)
        lines.append(f"| **{f}** | **all {len(un)}** | | **{mins:.2f}** | **{n_ends}** | **{many}** | | **{n2}** |")
        kind = "tts" if all(e.c.kind == "tts" for e in un) else "real"
        t = tot.setdefault(kind, [0, 0.0, 0, 0])
        t[0], t[1], t[2], t[3] = t[0] + len(un), t[1] + mins, t[2] + n_ends, t[3] + many
    for kind, (n, mins, n_ends, many) in tot.items():
        lines.append(f"| **all {kind}** | {n} clips | | {mins:.2f} | {n_ends} | {many} | | |")
    return lines


def _per_min(n: int, minutes: float) -> str:
    return f"{n / minutes:.2f}/min" if minutes else "no speech"


HAND = "## What this shows (written by hand"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", type=Path, nargs="+", default=[ROOT / "out" / "drawl_folds" / "constructs.pkl"],
                    help="drawl_folds.py's constructs (several files: parts of one collection)")
    ap.add_argument("--vocoder", type=Path, nargs="*", default=[], help="drawl_cues.py's phase-vocoder constructs (the guard)")
    ap.add_argument("--cache", type=Path, default=ROOT / "out" / "drawl_rel")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "drawl_rel.md")
    args = ap.parse_args(argv)
    import drawl_cues as dc

    t0 = time.time()
    ends, shipped_ends = features(args.features, args.cache / "features.pkl")
    voc = features(args.vocoder, args.cache / "vocoder.pkl")[0] if args.vocoder else []
    summary = ["| rule (chosen in the training folds) | x1.3 | x1.6 | x2 | x3 | false flags, real | false flags, TTS | unstretched cut ends flagged | folds that fail | x2 Praat / vocoder | x3 Praat / vocoder | upper bound (chosen on all clips): x2, x3, false flags real / TTS |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    base, _ = df.run_folds(shipped_ends, shipped_rule=df.shipped_rule())
    h = df.pooled(base, shipped=False)
    summary.append(f"| shipped rule (duration vs the speaker's usual phrase end, voiced share; drawl_folds.py calibration) | {df.ship_fmt(h, 1.3)} | "
                   f"{df.ship_fmt(h, 1.6)} | {df.ship_fmt(h, 2.0)} | {df.ship_fmt(h, 3.0)} | {h.false_real} in {h.real_min:.2f} min ({h.false_per_min:.2f}/min) | "
                   f"{h.false_tts} in {h.tts_min:.2f} min ({_per_min(h.false_tts, h.tts_min)}) | {h.false_cut_end[0]}/{h.false_cut_end[1]} | "
                   f"{', '.join(f for f, _, sc, _ in base if df.gates(sc)) or 'none'} | | | drawl_folds.md: 5.1 false flags/min for 95 % of x2 |")
    tables = []
    for v in VARIANTS:
        rows = run_variant(ends, v)
        h = df.pooled(rows, shipped=False)
        p, q = dc.guard(ends, voc, {f: r for f, r, _, _ in rows}) if voc else ({}, {})
        fmt = lambda d, f: f"{d.get(f, [0, 0])[0]}/{d.get(f, [0, 0])[1]}"  # noqa: E731
        ub = "–"
        if v[0] != "logit":
            best = upper_bound(ends, v)
            ub = "none within 1/min" if best is None else (f"{best[0].describe()}: {df.ship_fmt(best[1], 2.0)}, {df.ship_fmt(best[1], 3.0)}, "
                                                           f"{best[1].false_real} / {best[1].false_tts}")
        summary.append(f"| {variant_name(v)} | {df.ship_fmt(h, 1.3)} | {df.ship_fmt(h, 1.6)} | {df.ship_fmt(h, 2.0)} | {df.ship_fmt(h, 3.0)} | "
                       f"{h.false_real} in {h.real_min:.2f} min ({h.false_per_min:.2f}/min) | {h.false_tts} in {h.tts_min:.2f} min ({_per_min(h.false_tts, h.tts_min)}) | "
                       f"{h.false_cut_end[0]}/{h.false_cut_end[1]} | {', '.join(f for f, _, sc, _ in rows if df.gates(sc)) or 'none'} | "
                       f"{fmt(p, 2.0)} / {fmt(q, 2.0)} | {fmt(p, 3.0)} / {fmt(q, 3.0)} | {ub} |")
        print(summary[-1], flush=True)
        n_fail = sum(bool(df.gates(sc)) for _, _, sc, _ in rows)
        tables += ["", f"### {variant_name(v)}: {n_fail} of {len(rows)} folds fail", "",
                   "Chosen per fold: " + "; ".join(f"{f}: {r.describe()}" for f, r, _, _ in rows) + ".", "",
                   *df.fold_table(rows, shipped=True)]
    header = (f"# Drawl: cues judged against the same speaker's own syllables, folds that leave one voice out\n\n"
              f"Made by `python benchmarks/drawl_rel.py --features <drawl_folds.py constructs, {len(args.features)} parts> --vocoder "
              f"<drawl_cues.py vocoder constructs, {len(args.vocoder)} parts>` ({time.time() - t0:.0f} s, measured under load; "
              f"{len(ends)} analyses of {len({e.c.clip for e in ends})} clips reused, no recogniser run); how, in its docstring; what it shows, in the last section.")
    md = "\n".join([header, "", "## Rules compared (held out, all folds pooled)", "", *summary, "",
                    "## Stretched finals the detector does not measure (missed whatever the cue)", "",
                    "| voice (fold) | x2 not measured | x3 not measured | gate out of reach in this fold |", "|---|---|---|---|", *unmeasured(ends), "",
                    "## Per fold, held out", *tables, "",
                    "## The material: per voice and clip", "", *material(ends), ""])
    # the section written by hand from an earlier run is kept (it is to be checked against the new figures)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    hand = old[old.find(HAND):] if HAND in old else ""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md + ("\n" + hand if hand else ""), encoding="utf-8")
    print(f"{args.out} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
