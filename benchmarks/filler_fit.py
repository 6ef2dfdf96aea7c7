"""The logistic filled-pause score, fitted and thresholded leave-one-source-out (used by benchmarks/fillers.py).

For each held-out source: on the other sources only, an inner leave-one-source-out gives every
training candidate a score from a model that did not see its source; the penalty (L2_GRID) and
the threshold are those with the highest recall there whose false flags stay within
TRAIN_FALSE_PER_5MIN per 5 min of untouched speech; a model fitted on all the training sources
with that penalty, and that threshold, is scored on the held-out source. What ships is the same
procedure run on every source.

Candidates are labelled from the cases: a filler (1) where it covers at least half of an inserted
filler, left out where it touches one (or a filled pause taken as real) without covering half,
not a filler (0) everywhere else. Only candidates within ENVELOPE (the loosest thresholds the
grid offers, and the hard limits: harmonics, F0 wobble, nearness to speech) are scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from voicecoach.measures.filler_model import FEATURES, FillerModel, feature_vector, fit_logistic
from voicecoach.measures.fillers import FillerRule

ENVELOPE = replace(FillerRule(), max_range_st=4.0, max_slope_st_per_s=12.0, max_change_db=3.5, min_spread=1.5, smooth=False, model=None)
TRAIN_FALSE_PER_5MIN = 1.0
L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)


def _overlap(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


@dataclass
class Table:
    """Every enveloped candidate of some cases, with what it would count as."""

    x: np.ndarray  # (n, features)
    label: np.ndarray  # 1 filler, 0 not, -1 left out of the fit
    source: np.ndarray  # (n,) str
    false: np.ndarray  # would be a false flag on untouched speech
    covers: list  # per candidate: the ids of inserted fillers it covers >= half
    fillers: dict = field(default_factory=dict)  # id -> source
    said: set = field(default_factory=set)  # filler ids the transcript already finds
    speech_min: dict = field(default_factory=dict)  # source -> untouched speech minutes
    n_any: dict = field(default_factory=dict)  # source -> fillers covered by any candidate (before the envelope)
    n_env: dict = field(default_factory=dict)  # source -> fillers covered by an enveloped candidate


def table(cases) -> Table:
    xs, labels, srcs, false, covers = [], [], [], [], []
    fillers, said, speech, n_any, n_env = {}, set(), {}, {}, {}
    for i, c in enumerate(cases):
        if not c.inserted:
            speech[c.source] = speech.get(c.source, 0.0) + c.speech_min
        ins = [(i, k, t0, t1) for k, (t0, t1, *_) in enumerate(c.inserted)]
        for fi in ins:
            fillers[fi[:2]] = c.source
            if any(_overlap(s.start_s, s.end_s, fi[2], fi[3]) >= 0.5 * (fi[3] - fi[2]) for s in c.said):
                said.add(fi[:2])
        hit_any, hit_env = set(), set()
        for cand in c.found:
            cov = [fi[:2] for fi in ins if _overlap(cand.start_s, cand.end_s, fi[2], fi[3]) >= 0.5 * (fi[3] - fi[2])]
            hit_any |= set(cov)
            if not cand.passes(ENVELOPE):
                continue
            hit_env |= set(cov)
            touches = any(_overlap(cand.start_s, cand.end_s, t0, t1) > 0 for *_, t0, t1 in ins) or any(
                _overlap(cand.start_s, cand.end_s, t0, t1) > 0 for t0, t1 in c.real)
            by_said = any(_overlap(cand.start_s, cand.end_s, s.start_s, s.end_s) > 0 for s in c.said)
            xs.append(feature_vector(cand))
            labels.append(1 if cov else (-1 if touches else 0))
            srcs.append(c.source)
            false.append(not c.inserted and not touches and not by_said)
            covers.append(cov)
        n_any[c.source] = n_any.get(c.source, 0) + len(hit_any)
        n_env[c.source] = n_env.get(c.source, 0) + len(hit_env)
    x = np.array(xs, float).reshape(-1, len(FEATURES))
    return Table(x, np.array(labels, int), np.array(srcs, object), np.array(false, bool), covers, fillers, said, speech, n_any, n_env)


def _recall_false(t: Table, keep: np.ndarray, score: np.ndarray, thr: float, sources) -> tuple[float, float]:
    """Recall over the inserted fillers of ``sources`` and false flags per 5 min of their untouched
    speech, with the candidates in ``keep`` reported where ``score >= thr``."""
    ids = {f for f, s in t.fillers.items() if s in sources}
    found = {f for f in t.said if f in ids}
    on = keep & (score >= thr)
    for k in np.flatnonzero(on):
        found |= set(t.covers[k])
    minutes = sum(t.speech_min.get(s, 0.0) for s in sources)
    n_false = int(np.sum(on & t.false))
    return (len(found) / len(ids) if ids else float("nan")), (5 * n_false / minutes if minutes else float("inf"))


def _fit(t: Table, keep: np.ndarray, l2: float) -> FillerModel | None:
    use = keep & (t.label >= 0)
    if t.label[use].sum() < 2 or (t.label[use] == 0).sum() < 2:
        return None
    return fit_logistic(t.x[use], t.label[use], l2=l2)


def _scores(model: FillerModel | None, x: np.ndarray) -> np.ndarray:
    if model is None:
        return np.zeros(len(x))
    z = (x - np.asarray(model.centre)) / np.asarray(model.scale)
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(model.weights) + model.bias)))


def choose(t: Table, sources) -> tuple[FillerModel, float, float]:
    """The model for ``sources`` (see the module docstring): (fitted model with its threshold, l2,
    the inner out-of-source recall it was chosen on)."""
    sources = sorted(sources)
    keep = np.isin(t.source, sources)
    best = None
    for l2 in L2_GRID:
        oof = np.zeros(len(t.label))
        for s in sources:
            inner = keep & (t.source != s)
            oof[keep & (t.source == s)] = _scores(_fit(t, inner, l2), t.x[keep & (t.source == s)])
        for thr in sorted(set(np.round(oof[keep], 6)) | {1.0}):
            rec, fal = _recall_false(t, keep, oof, thr, sources)
            if fal > TRAIN_FALSE_PER_5MIN:
                continue
            key = (np.nan_to_num(rec), -fal, thr, l2)
            if best is None or key > best[0]:
                best = (key, l2, float(thr))
            break  # thresholds rise: the first within the limit has the highest recall
    _, l2, thr = best
    model = _fit(t, keep, l2)
    if model is None or best[0][0] == 0:
        thr = 1.0  # nothing found within the limit: report no signal-only filler
    model = model or FillerModel((0.0,) * t.x.shape[1], (1.0,) * t.x.shape[1], (0.0,) * t.x.shape[1], -30.0, 1.0)
    return _rounded(replace(model, min_score=thr)), l2, float(best[0][0])


def _rounded(m: FillerModel, digits: int = 6) -> FillerModel:
    """The model as written to benchmarks/results/fillers.json and copied into the code."""
    r = lambda v: tuple(round(float(x), digits) for x in v)  # noqa: E731
    return FillerModel(r(m.centre), r(m.scale), r(m.weights), round(m.bias, digits), round(m.min_score, digits))


def model_rule(model: FillerModel, cut_st: float, whole_runs: bool, cut_median: int) -> FillerRule:
    """ENVELOPE with the model's score as the last word, on candidates cut at ``cut_st`` (F0 median-smoothed over ``cut_median``
    frames for the cut; also offered uncut where ``whole_runs``)."""
    return replace(ENVELOPE, model=model, cut_st=cut_st, whole_runs=whole_runs, cut_median=cut_median)
