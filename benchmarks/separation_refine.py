"""Mono-call separation: does a resegmentation pass, or level and pitch next to the d-vectors, make
the split better, and does a level or pitch check catch the confident splits that are wrong? (issue 13)

Runs on the mixes of benchmarks/separation_heldout.py (its 5 old and 18 new mixes; embeddings and
stereo figures cached by it) and measures, for each candidate:

1. **Refinement** after the shipped clustering (k-means, first voice against the rest): the
   voice-0 centroid and one centroid per cluster left (the customer's side may hold several
   people) are recomputed from the windows' current voices, each window goes to the nearer
   side (``n_iter`` passes; VBx-like, Landini et al. 2022, with hard assignments), then each
   10 ms speech frame gets the mean score of the windows covering it and a two-state Viterbi
   pass labels the frames: a switch of voice inside speech costs ``penalty`` (score units of
   one frame: a few frames of evidence), a switch across a pause of at least ``free_gap_s`` is
   free; optionally each window's score is clipped at +-``clip_sd`` first (so one window far
   from both sides does not outvote its neighbours: the frames then follow the vote more than
   the strength of the evidence). Optional per-window features next to the d-vectors: level (median frame level of the
   window's speech, dB) and median pitch (semitones re 100 Hz), each added as a two-Gaussian
   log-likelihood ratio with class means from the current split, weighted ``w_level`` and
   ``w_pitch`` against the d-vector score (itself divided by its pooled standard deviation).
2. Every free number is chosen leaving one AGENT out (both rates of a mix together; the old
   mixes are three more groups): the setting with the lowest mean DER on the other groups,
   ties to the simplest (grid order, shipped first), scored on the group left out.
3. The held-out labels go through the call analysis (mono, pace off) and the agent's figures
   are held to benchmarks/separation_guard.py's tolerances against the cached stereo figures.
4. More confidence checks on the shipped split, thresholded leaving one agent out as in
   separation_guard.py: the two voices' level difference, pitch difference (median, d') and
   the agreement of a level split and of a pitch split (two-means on the frame values) with the
   d-vector split.

How the mixes' levels were set: every clip keeps its recorded level (no normalisation): one
agent recording at one level, four customer recordings each at its own. The agent sits 1-25 dB
from the customers (median level of its windows against theirs, per mix in the results), so a
level cue partly learns this construction; a real line has one customer, usually at one level.

    python benchmarks/separation_refine.py    # writes benchmarks/results/separation_refine.md
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.separation_guard import bad_reasons, fit, flagged  # noqa: E402
from voicecoach.audio import FRAME_S  # noqa: E402
from voicecoach.conversation.separate import diarization_error_rate  # noqa: E402
from voicecoach.measures.voices import VoiceSettings, _first_voice, _kmeans, _windows_to_frames  # noqa: E402

WINDOW = 100  # frames per embedding window (1 s at 10 ms)


@dataclass(frozen=True)
class Refine:
    """One candidate; ``n_iter`` 0 and ``penalty`` None is the shipped split."""

    n_iter: int = 0
    penalty: float | None = None
    free_gap_s: float = 0.3
    w_level: float = 0.0
    w_pitch: float = 0.0
    clip_sd: float | None = None

    def label(self) -> str:
        if self.n_iter == 0 and self.penalty is None:
            return "shipped"
        parts = [f"{self.n_iter} pass{'es' if self.n_iter != 1 else ''}"]
        if self.penalty is not None:
            parts.append(f"Viterbi {self.penalty:g}, free after {self.free_gap_s:g} s")
        if self.clip_sd is not None:
            parts.append(f"scores clipped at {self.clip_sd:g}")
        if self.w_level:
            parts.append(f"level x{self.w_level:g}")
        if self.w_pitch:
            parts.append(f"pitch x{self.w_pitch:g}")
        return ", ".join(parts)


GRID = [Refine()] + [Refine(n) for n in (1, 5)] + [Refine(n, p, g, wl, wp, c) for n, p, g, c, wl, wp in itertools.product(
    (1, 5), (3.0, 30.0), (0.3, 0.6), (None, 1.0, 0.5), (0.0, 0.5), (0.0, 0.5))]
"""The candidates in order of preference on ties: the shipped split, then simpler before richer."""


# ---------------------------------------------------------------- the refinement


def refine_windows(emb: np.ndarray, clusters: np.ndarray, voice: np.ndarray, *, n_iter: int,
                   extra: np.ndarray | None = None, weights: tuple[float, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Reassign windows between voice 0 and the clusters left; returns (voice per window, score).

    score > 0 favours the other side: max cosine to a cluster left minus cosine to voice 0, over
    its pooled standard deviation, plus ``weights[j]`` times the two-Gaussian log-likelihood
    ratio of ``extra[:, j]`` (NaN: no evidence) with means and pooled variance from the split.
    """
    e = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    voice = np.asarray(voice, int).copy()
    sub = np.where(voice == 0, -1, clusters)
    score = np.where(voice == 1, 1.0, -1.0)
    for _ in range(n_iter):
        rest = [int(j) for j in np.unique(sub) if j >= 0]
        if not rest or (voice == 0).sum() < 2:
            break
        c0 = e[voice == 0].mean(axis=0)
        c = np.stack([e[sub == j].mean(axis=0) for j in rest])
        c0, c = c0 / np.linalg.norm(c0), c / np.linalg.norm(c, axis=1, keepdims=True)
        other = e @ c.T
        raw = other.max(axis=1) - e @ c0
        score = raw / _pooled_sd(raw, voice)
        for j, w in enumerate(weights):
            if w:
                score = score + w * _llr(extra[:, j], voice)
        new = (score > 0).astype(int)
        new_sub = np.where(new == 0, -1, np.array(rest)[other.argmax(axis=1)])
        if (new == 0).sum() < 2 or ((new == voice).all() and (new_sub == sub).all()):
            break
        voice, sub = new, new_sub
    return voice, score


def _pooled_sd(x: np.ndarray, cls: np.ndarray) -> float:
    v = [x[cls == k].var() for k in (0, 1) if (cls == k).sum() > 1]
    return float(np.sqrt(np.mean(v))) if v and np.mean(v) > 0 else 1.0


def _llr(x: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """log p(x | voice 1) - log p(x | voice 0), two Gaussians with a pooled variance; 0 where x is NaN."""
    ok = np.isfinite(x)
    a, b = x[ok & (cls == 0)], x[ok & (cls == 1)]
    if len(a) < 2 or len(b) < 2:
        return np.zeros(len(x))
    var = max((a.var() + b.var()) / 2, 1e-9)
    out = (b.mean() - a.mean()) / var * (x - (a.mean() + b.mean()) / 2)
    return np.where(ok, out, 0.0)


def frame_scores(window_scores: np.ndarray, starts: np.ndarray, n: int, *, w: int = WINDOW) -> np.ndarray:
    """Each frame: the mean score of the windows covering it; frames no window covers take the
    nearest covered frame's."""
    num, den = np.zeros(n), np.zeros(n)
    for a, s in zip(starts, window_scores):
        num[a:a + w] += s
        den[a:a + w] += 1
    out = np.zeros(n)
    cov = np.flatnonzero(den > 0)
    if not len(cov):
        return out
    out[cov] = num[cov] / den[cov]
    idx = np.flatnonzero(den == 0)
    j = np.clip(np.searchsorted(cov, idx), 0, len(cov) - 1)
    jp = np.clip(j - 1, 0, len(cov) - 1)
    out[idx] = out[np.where(np.abs(cov[jp] - idx) < np.abs(cov[j] - idx), cov[jp], cov[j])]
    return out


def viterbi_frames(score: np.ndarray, speech: np.ndarray, *, penalty: float, free_gap_frames: int) -> np.ndarray:
    """Two-state Viterbi over the speech frames: label 1 costs -score/2, label 0 +score/2; a switch
    costs ``penalty`` between speech frames less than ``free_gap_frames`` apart, nothing across a
    longer pause. Returns int8 per frame: -1 no speech, else 0 or 1."""
    speech = np.asarray(speech, bool)
    out = np.full(len(speech), -1, np.int8)
    idx = np.flatnonzero(speech)
    if not len(idx):
        return out
    switch = np.where(np.diff(idx) - 1 >= free_gap_frames, 0.0, penalty)
    s = np.asarray(score, float)[idx]
    cost = np.array([s[0] / 2, -s[0] / 2])
    back = np.zeros((len(idx), 2), np.int8)
    for t in range(1, len(idx)):
        stay, swap = cost, cost[::-1] + switch[t - 1]
        back[t] = np.where(stay <= swap, [0, 1], [1, 0])
        cost = np.minimum(stay, swap) + np.array([s[t] / 2, -s[t] / 2])
    path = np.zeros(len(idx), np.int8)
    path[-1] = int(np.argmin(cost))
    for t in range(len(idx) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    out[idx] = path
    return out


def window_features(d: dict) -> np.ndarray:
    """Per window: median level of its speech frames (dB) and median pitch (st re 100 Hz; NaN
    with fewer than 5 voiced frames), shape (m, 2)."""
    speech, lev = np.asarray(d["speech"], bool), np.asarray(d["level_db"], float)
    ft, f0 = np.asarray(d["f0_times"]), np.asarray(d["f0_hz"])
    out = np.full((len(d["starts"]), 2), np.nan)
    for i, a in enumerate(d["starts"]):
        v = lev[a:a + WINDOW][speech[a:a + WINDOW] & np.isfinite(lev[a:a + WINDOW])]
        out[i, 0] = np.median(v) if len(v) else np.nan
        sel = (ft >= a * FRAME_S) & (ft < (a + WINDOW) * FRAME_S) & np.isfinite(f0)
        out[i, 1] = np.median(12 * np.log2(f0[sel] / 100.0)) if sel.sum() >= 5 else np.nan
    return out


def labels_for(d: dict, r: Refine, st: VoiceSettings = VoiceSettings()) -> np.ndarray:
    """Frame labels of a mix under candidate ``r`` (the shipped clustering first)."""
    emb, starts, speech = np.asarray(d["emb"], float), d["starts"], np.asarray(d["speech"], bool)
    clusters = _kmeans(emb, max(2, min(st.n_clusters, len(emb) // st.min_cluster_windows)))
    voice, _ = _first_voice(emb, clusters, st.min_separation)
    labels = np.full(len(speech), -1, np.int8)
    if r.n_iter:
        voice, score = refine_windows(emb, clusters, voice, n_iter=r.n_iter, extra=d["feat"] if "feat" in d else window_features(d), weights=(r.w_level, r.w_pitch))
        if r.penalty is not None:
            if r.clip_sd is not None:
                score = np.clip(score, -r.clip_sd, r.clip_sd)
            return viterbi_frames(frame_scores(score, starts, len(speech)), speech, penalty=r.penalty,
                                  free_gap_frames=int(round(r.free_gap_s / FRAME_S)))
    labels[speech] = _windows_to_frames(voice, starts, len(speech), st, FRAME_S)[speech]
    return labels


def anchored_labels(d: dict, min_share: float, st: VoiceSettings = VoiceSettings()) -> np.ndarray:
    """The shipped split with voice 0 anchored on the first window at least ``min_share`` speech
    (shipped: the first window kept, >= 0.5) instead of the first window: is a window at a speech
    onset, mostly silence, what puts voice 0 on the wrong person?"""

    emb, starts, speech = np.asarray(d["emb"], float), d["starts"], np.asarray(d["speech"], bool)
    clusters = _kmeans(emb, max(2, min(st.n_clusters, len(emb) // st.min_cluster_windows)))
    share = np.array([speech[a:a + WINDOW].mean() for a in starts])
    ok = np.flatnonzero(share >= min_share - 1e-9)
    voice, _ = _first_voice(emb, clusters, st.min_separation, anchor=int(clusters[ok[0] if len(ok) else 0]))  # from another anchor
    labels = np.full(len(speech), -1, np.int8)
    labels[speech] = _windows_to_frames(voice, starts, len(speech), st, FRAME_S)[speech]
    return labels


def oracle_window_accuracy(d: dict) -> float:
    """Share of one-voice windows (over half one reference voice, under a tenth the other) that the
    nearer of the two TRUE voices' mean d-vectors puts right: how well the d-vectors could split
    this mix if the clustering found the right two groups."""
    emb, starts = np.asarray(d["emb"], float), d["starts"]
    r0 = np.array([np.mean(d["ref0"][a:a + WINDOW]) for a in starts])
    r1 = np.array([np.mean(d["ref1"][a:a + WINDOW]) for a in starts])
    truth = (r1 > r0).astype(int)
    pure = (np.maximum(r0, r1) > 0.5) & (np.minimum(r0, r1) < 0.1)
    if (truth[pure] == 0).sum() < 1 or (truth[pure] == 1).sum() < 1:
        return float("nan")
    e = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    c = np.stack([e[pure & (truth == k)].mean(axis=0) for k in (0, 1)])
    guess = (e @ c[1] / np.linalg.norm(c[1]) > e @ c[0] / np.linalg.norm(c[0])).astype(int)
    return float((guess == truth)[pure].mean())


# ---------------------------------------------------------------- the mixes and their figures


def load(audio_dir: Path) -> list[dict]:
    """Every mix of benchmarks/separation_heldout.py with its cached embeddings and stereo figures,
    the mix's frame levels and pitch track (cached beside them), its samples and its group."""
    from benchmarks.separation_eval import mixes
    from benchmarks.separation_heldout import CACHE, _slug, new_mixes, prepare
    from voicecoach.audio import NARROW_RATE_HZ, Audio, audio_from_array, resample
    from voicecoach.audio.activity import compute_activity
    from voicecoach.measures.p56 import active_level
    from voicecoach.measures.pitch import track_pitch

    out = []
    old = mixes(audio_dir)
    for i, m in enumerate(old + new_mixes(audio_dir)):
        d = prepare(m)
        x = (m.agent.astype(np.float64) + m.customer).astype(np.float32)
        path = CACHE / f"{_slug(m.name)}_level_pitch.npz"
        if path.exists():
            z = np.load(path)
            extra = {k: z[k] for k in z.files}
        else:
            au = audio_from_array(x, sample_rate_hz=m.sample_rate_hz).audio
            nar = Audio(resample(au.samples, from_rate_hz=au.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
            act = compute_activity(au, active_level_dbov=active_level(au.samples, sample_rate_hz=au.sample_rate_hz).active_level_dbov, narrow=nar)
            pt = track_pitch(au, narrow=nar)
            extra = {"level_db": act.level_db, "f0_times": pt.times_s, "f0_hz": pt.f0_hz}
            np.savez_compressed(path, **extra)
        group = m.name.rsplit(" ", 2)[0]
        out.append(d | extra | {"name": m.name, "group": group, "old": i < len(old), "samples": x, "sample_rate_hz": m.sample_rate_hz})
    return out


def mono_figures(d: dict, labels: np.ndarray) -> dict:
    """The agent's figures of the mono call whose voices are ``labels`` (pace off), in the
    shape of separation_heldout's cached figures: [mono, stereo] pairs."""
    from voicecoach.audio import audio_from_array
    from voicecoach.conversation import analyze_call
    from voicecoach.conversation.inputs import CallAudio
    from voicecoach.conversation.separate import _gain
    from voicecoach.measures.voices import VoiceSplit

    au = audio_from_array(d["samples"], sample_rate_hz=d["sample_rate_hz"])
    a = au.audio
    split = VoiceSplit((np.arange(len(labels)) + 0.5) * FRAME_S, labels, 0.0, 0.0, True, len(d["starts"]), "refined")
    sides = tuple(type(a)(a.samples * _gain(split.mask(k), len(a.samples), a.sample_rate_hz), a.sample_rate_hz) for k in (0, 1))
    mono = analyze_call(CallAudio(sides, None, "mono", (au.source, au.source), (), split), pace=False)
    s = d["figures"]
    return {"agent_level_db": [float(mono.agent.active_level_dbov), s["agent_level_db"][1]],
            "latency_median_s": [float(mono.turns.latency_median_s), s["latency_median_s"][1]],
            "n_turns": [len(mono.turns.turns), s["n_turns"][1]], "n_dead_air": [len(mono.turns.dead_air), s["n_dead_air"][1]],
            "talk_ratio": [float(mono.turns.talk_ratio), s["talk_ratio"][1]]}


def der_of(d: dict, labels: np.ndarray) -> float:
    return diarization_error_rate((d["ref0"], d["ref1"]), (labels == 0, labels == 1))


FAMILIES = {
    "all": lambda r: True,
    "d-vectors only (no level, no pitch)": lambda r: not r.w_level and not r.w_pitch,
    "no pitch": lambda r: not r.w_pitch,
    "no level": lambda r: not r.w_level,
    "no clipping": lambda r: r.clip_sd is None,
    "no clipping, d-vectors only": lambda r: r.clip_sd is None and not r.w_level and not r.w_pitch,
}


def held_out_der(table: dict, groups: dict, idx: list[int]) -> dict:
    """Each mix's DER under the candidate (among ``idx``) chosen without its group."""
    sub = {n: [table[n][i] for i in idx] for n in table}
    return {n: sub[n][choose(sub, groups, groups[n], idx)] for n in table}


def choose(table: dict, groups: dict, left_out: str, grid: list) -> int:
    """Index into ``grid`` of the candidate with the lowest mean DER over the mixes of every group
    but ``left_out`` (ties: the first in grid order, the shipped split first)."""
    names = [n for n, g in groups.items() if g != left_out]
    mean = [round(float(np.mean([table[n][i] for n in names])), 12) for i in range(len(grid))]
    return int(np.argmin(mean))


# ---------------------------------------------------------------- confidence checks


def _frame_pitch_st(d: dict, n: int) -> np.ndarray:
    ft, f0 = np.asarray(d["f0_times"]), np.asarray(d["f0_hz"])
    st = np.full(n, np.nan)
    ok = np.isfinite(f0)
    st[np.clip((ft[ok] / FRAME_S).astype(int), 0, n - 1)] = 12 * np.log2(f0[ok] / 100.0)
    return st


def two_means_threshold(v: np.ndarray) -> float:
    """The threshold of 1-D two-means (Lloyd) started midway between the extremes: midway between
    the two means."""
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    t = float((v.min() + v.max()) / 2)
    for _ in range(100):
        lo, hi = v[v <= t], v[v > t]
        if not len(lo) or not len(hi):
            break
        new = float((lo.mean() + hi.mean()) / 2)
        if abs(new - t) < 1e-9:
            break
        t = new
    return t


def checks(d: dict, labels: np.ndarray) -> dict:
    """The untried confidence quantities of a split (see the module notes)."""
    n = len(labels)
    lev, pit = np.asarray(d["level_db"], float)[:n], _frame_pitch_st(d, n)
    out = {}
    for name, v, min_n in (("level", lev, 1), ("pitch", pit, 20)):
        a, b = v[(labels == 0) & np.isfinite(v)], v[(labels == 1) & np.isfinite(v)]
        enough = len(a) >= min_n and len(b) >= min_n
        out[f"{name} diff"] = abs(float(np.median(a) - np.median(b))) if enough else float("nan")
        if name == "pitch":
            out["pitch d'"] = abs(float(a.mean() - b.mean())) / max(float(np.sqrt((a.var() + b.var()) / 2)), 1e-9) if enough else float("nan")
        ok = (labels >= 0) & np.isfinite(v)
        agree = float(((v[ok] > two_means_threshold(v[ok])) == (labels[ok] == 1)).mean()) if ok.any() else float("nan")
        out[f"{name}-split agreement"] = max(agree, 1 - agree)
    return out


CHECKS = ("level diff", "pitch diff", "pitch d'", "level-split agreement", "pitch-split agreement")


# ---------------------------------------------------------------- the report


def _verdict(d: dict, confident: bool, fig: dict) -> str:
    if not confident:
        return "not confident"
    r = bad_reasons(fig)
    return "BAD: " + "; ".join(r) if r else "good"


def main() -> int:
    from benchmarks.separation_eval import shared_audio

    data = load(shared_audio())
    for d in data:
        d["feat"] = window_features(d)
    names = [d["name"] for d in data]
    by = {d["name"]: d for d in data}
    groups = {d["name"]: d["group"] for d in data}
    table = {n: [der_of(by[n], labels_for(by[n], r)) for r in GRID] for n in names}
    from voicecoach.measures.voices import split_voices

    rows = []
    for n in names:
        d = by[n]
        i = choose(table, groups, groups[n], GRID)
        ship = split_voices(d["emb"], d["starts"], d["speech"], method="")
        lab = labels_for(d, GRID[i])
        f_ship, f_new = mono_figures(d, ship.labels), mono_figures(d, lab)
        rows.append({"name": n, "old": d["old"], "group": groups[n], "choice": GRID[i].label(), "der_ship": table[n][0], "der_new": table[n][i],
                     "confident": ship.confident, "v_ship": _verdict(d, ship.confident, f_ship), "v_new": _verdict(d, ship.confident, f_new),
                     "lev": (f_ship["agent_level_db"], f_new["agent_level_db"][0]), "checks": checks(d, ship.labels),
                     "cached_bad": bool(ship.confident and bad_reasons(d["figures"])),
                     "gap_db": _agent_gap_db(d)})
        print(n, f"{table[n][0]:.3f} -> {table[n][i]:.3f}", GRID[i].label(), rows[-1]["v_ship"], "|", rows[-1]["v_new"], flush=True)
    new = [r for r in rows if not r["old"]]
    conf = [r for r in new if r["confident"]]
    good = lambda key: sum(r[key] == "good" for r in conf)  # noqa: E731
    mean_all = [float(np.mean([table[n][i] for n in names])) for i in range(len(GRID))]
    lines = ["# Mono calls: resegmentation, level and pitch next to the d-vectors, and more confidence checks", "",
             "From `python benchmarks/separation_refine.py` (embeddings and stereo figures cached by benchmarks/separation_heldout.py).",
             "Every free number chosen leaving one agent out (both rates together; the 5 old mixes are 3 more groups): the",
             f"candidate of {len(GRID)} (grid below) with the lowest mean DER on the other groups, scored on the group left out.",
             "Mono figures with pace off; a verdict as in separation_guard.md (confidence: the shipped rule, unchanged).", "",
             "How the levels were set: each clip at its recorded level, no normalisation (one agent recording, four customer",
             "recordings each at its own level); 'agent - customers' is the median level of the agent's reference speech frames",
             "minus the customers', from the stereo tracks.", "",
             "## Before / after, held out", "",
             "| mix | agent - customers | DER shipped | DER held out | candidate chosen without this agent | verdict shipped | verdict held out |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['gap_db']:+.0f} dB | {r['der_ship']:.1%} | {r['der_new']:.1%} | {r['choice']} | {r['v_ship']} | {r['v_new']} |")
    dn_s, dn_n = [r["der_ship"] for r in new], [r["der_new"] for r in new]
    do_s, do_n = [r["der_ship"] for r in rows if r["old"]], [r["der_new"] for r in rows if r["old"]]
    lines += ["", "| | shipped | held out |", "|---|---|---|",
              f"| DER, 18 new mixes: median / mean / max | {np.median(dn_s):.1%} / {np.mean(dn_s):.1%} / {max(dn_s):.1%} | "
              f"{np.median(dn_n):.1%} / {np.mean(dn_n):.1%} / {max(dn_n):.1%} |",
              f"| DER, 5 old mixes: median / max | {np.median(do_s):.1%} / {max(do_s):.1%} | {np.median(do_n):.1%} / {max(do_n):.1%} |",
              f"| confident splits of the new mixes that meet the tolerances | {good('v_ship')} of {len(conf)} | {good('v_new')} of {len(conf)} |", "",
              f"## Mean DER over all 23 mixes: the shipped split and the 12 best of the {len(GRID)} candidates (for the record; the choice above never sees the group it scores)", "",
              "| candidate | mean DER | mixes better / worse than shipped by > 0.5 point |", "|---|---|---|"]
    for i in [0] + sorted(range(1, len(GRID)), key=lambda j: mean_all[j])[:12]:
        g = GRID[i]
        better = sum(table[n][i] < table[n][0] - 0.005 for n in names)
        worse = sum(table[n][i] > table[n][0] + 0.005 for n in names)
        lines.append(f"| {g.label()} | {mean_all[i]:.1%} | {better} / {worse} |")
    lines += ["", "## Held out within narrower families of candidates", "",
              "The same leave-one-agent-out choice restricted to part of the grid (which part to prefer is itself seen on every mix).", "",
              "| candidates | DER new mixes median / mean | old mixes | mixes worse than shipped by > 0.5 point (shipped -> held out) |",
              "|---|---|---|---|"]
    for fam, keep in FAMILIES.items():
        held = held_out_der(table, groups, [i for i, r in enumerate(GRID) if keep(r)])
        hn = [held[n] for n in names if not by[n]["old"]]
        worse = [f"{n} {table[n][0]:.1%} -> {held[n]:.1%}" for n in names if held[n] > table[n][0] + 0.005]
        lines.append(f"| {fam} | {np.median(hn):.1%} / {np.mean(hn):.1%} | " + ", ".join(f"{held[n]:.1%}" for n in names if by[n]["old"])
                     + f" | {'; '.join(worse) or 'none'} |")
    lines += ["", "## Also tried: voice 0 anchored on a later window (every mix, no choice to hold out)", "",
              "| first window with at least this share of speech anchors voice 0 | mean DER, 23 mixes | median DER, new mixes |", "|---|---|---|"]
    for share in (0.5, 0.75, 0.9, 1.0):
        ders = [der_of(by[n], anchored_labels(by[n], share)) for n in names]
        lines.append(f"| {share:g}{' (shipped)' if share == 0.5 else ''} | {np.mean(ders):.1%} | {np.median([x for x, n in zip(ders, names) if not by[n]['old']]):.1%} |")
    lines += ["", "## More confidence checks on the shipped split, leave one agent out", "",
              "As separation_guard.md: rule and threshold fitted on the confident new mixes of the other agents (caught bad - lost",
              "good), applied to the held-out agent's. BAD from the cached stereo/mono figures (pace on, as there).", "",
              "| mix | verdict | " + " | ".join(CHECKS) + " |", "|---" * (2 + len(CHECKS)) + "|"]
    crow = []
    for r in new:
        if not r["confident"]:
            continue
        crow.append({"group": r["group"], "bad": r["cached_bad"]} | r["checks"])
        lines.append(f"| {r['name']} | {'BAD' if r['cached_bad'] else 'good'} | " + " | ".join(f"{r['checks'][k]:.3g}" for k in CHECKS) + " |")
    lines += ["", "| check | bad caught held out | good lost held out | rules chosen per fold |", "|---|---|---|---|"]
    gs = sorted(set(r["group"] for r in crow))
    n_bad = sum(r["bad"] for r in crow)
    for k in CHECKS:
        caught = lost = 0
        rules = set()
        for g in gs:
            sign, t, _ = fit([r for r in crow if r["group"] != g], k)
            rules.add(f"{'>' if sign > 0 else '<'} {t:.3g}")
            for r in crow:
                if r["group"] == g:
                    fl = flagged(r, k, sign, t)
                    caught += fl and r["bad"]
                    lost += fl and not r["bad"]
        lines.append(f"| {k} | {caught} of {n_bad} | {lost} of {len(crow) - n_bad} | {', '.join(sorted(rules))} |")
    worse = [r for r in rows if r["der_new"] > r["der_ship"] + 0.005]
    oracle = {n: oracle_window_accuracy(by[n]) for n in names}
    reading = [
        f"- Held out, the refinement lowers the median DER of the new mixes from {np.median(dn_s):.1%} to {np.median(dn_n):.1%} and lets "
        f"{good('v_new')} of {len(conf)} confident splits meet the tolerances instead of {good('v_ship')}; but it makes "
        + ", ".join(f"{r['name']} worse ({r['der_ship']:.1%} -> {r['der_new']:.1%}; {r['v_new']})" for r in worse)
        + ". Every narrower family (table above) harms at least one mix too.",
        "- The clipping of window scores was added after the unclipped Viterbi pass was seen to double the DER of the far-field",
        "  agent (funasrnano_far_5) on all mixes, and the chosen clip (0.5) is the grid's edge: the family was shaped on every",
        "  mix, so the held-out figures above are optimistic.",
        "- Level enters most chosen candidates (x0.5). The mixes' levels are the recordings' own (agent - customers above, -16 to",
        "  +17 dB; four customers at four levels): a level cue is partly learning how these calls were built.",
        "- Even refined, about half of the confident splits miss the agent's stereo figures, and the worst mix",
        "  (funasr_VAD_30s_mono_48k: its first detected speech is a customer, so 'first voice against the rest' puts the other",
        "  three customers with the agent) is untouched: the failure is how the clusters are grouped into two voices, not the frame labels. With the",
        f"  true voices' mean d-vectors, the nearer one puts {min(oracle.values()):.0%}-{max(oracle.values()):.0%} of each mix's one-voice windows right "
        f"({min(v for n, v in oracle.items() if 'real agent' in n):.0%} or more with a real agent);",
        "  anchoring voice 0 on a later window (table above) is no better on any setting.",
        "- None of the five new confidence checks catches the bad splits held out without losing good ones.",
        "- Decision: nothing shipped. The gate was: DER and confident splits within tolerance better held out, no mix of",
        "  separation_heldout.py harmed. The refinement passes the first two and fails the third."]
    lines += ["", "## Reading", ""] + reading
    out = ROOT / "benchmarks" / "results" / "separation_refine.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checks_rows = [ln for ln in lines if ln.startswith("| level diff") or ln.startswith("| pitch") or ln.startswith("| level-split")]
    checks_rows = [ln for ln in checks_rows if " of " in ln]
    summary = ["From `python benchmarks/separation_refine.py` (details: [separation_refine.md](separation_refine.md)): a resegmentation",
               "pass after the clustering (centroids again, frame-level Viterbi, optional level and pitch next to the d-vectors), every",
               "free number chosen leaving one agent out; and five more confidence checks.", "",
               "| | before (shipped) | after (held out) |", "|---|---|---|",
               f"| DER, 18 new mixes: median / mean / max | {np.median(dn_s):.1%} / {np.mean(dn_s):.1%} / {max(dn_s):.1%} | "
               f"{np.median(dn_n):.1%} / {np.mean(dn_n):.1%} / {max(dn_n):.1%} |",
               f"| confident splits that meet the tolerances | {good('v_ship')} of {len(conf)} | {good('v_new')} of {len(conf)} |",
               f"| mixes made worse (> 0.5 point DER) | | {len(worse)}: " + "; ".join(f"{r['name']} {r['der_ship']:.1%} -> {r['der_new']:.1%}" for r in worse) + " |", "",
               "| check (shipped split) | bad caught held out | good lost held out | rules chosen per fold |", "|---|---|---|---|"] + checks_rows + [""] + reading
    write_guard_section(summary)
    print("\n".join(lines))
    return 0


GUARD_SECTION = "## After: resegmentation, level and pitch, more checks"


def write_guard_section(body: list[str], path: Path | None = None) -> None:
    """Replace (or add) :data:`GUARD_SECTION` at the end of separation_guard.md."""
    path = path or ROOT / "benchmarks" / "results" / "separation_guard.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    head = text.split(GUARD_SECTION)[0].rstrip("\n")
    path.write_text(head + "\n\n" + GUARD_SECTION + "\n\n" + "\n".join(body) + "\n", encoding="utf-8")


def _agent_gap_db(d: dict) -> float:
    """Median frame level of the agent's reference speech minus the customers', dB."""
    lev = np.asarray(d["level_db"], float)
    n = min(len(lev), len(d["ref0"]), len(d["ref1"]))
    a = lev[:n][np.asarray(d["ref0"][:n], bool) & ~np.asarray(d["ref1"][:n], bool) & np.isfinite(lev[:n])]
    c = lev[:n][np.asarray(d["ref1"][:n], bool) & ~np.asarray(d["ref0"][:n], bool) & np.isfinite(lev[:n])]
    return float(np.median(a) - np.median(c)) if len(a) and len(c) else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
