"""Mono calls: group the window clusters into two voices otherwise? (issue 13, grouping failures)

The shipped grouping (voicecoach.measures.voices._first_voice): voice 0 is the first window's
cluster, joined by the nearest other cluster while d' < 4; every cluster left is voice 1. Two
failures (benchmarks/results/separation_refine.md): a single quiet first window anchors voice 0
on the wrong person, and 'first against the rest' forces every non-first cluster onto one side.

Candidates (every free number chosen leaving one AGENT out, lowest mean DER on the other agents'
mixes of BOTH sets, ties to the grid's order, shipped first):

- ``anchor_s``: voice 0 is anchored on the cluster holding most windows that start within the
  first ``anchor_s`` seconds of speech (0: the first window, shipped);
- ``mode``: "first vs rest" (shipped); "pairwise": clusters merged agglomeratively, the closest
  pair (d') first, until two groups are left, voice 0 the anchor's group, the confidence d' the
  two groups'; "pairwise below d', then first vs rest": merged so only while the closest pair is
  under the shipped d' 4, then the anchor's group against every group left.

    python benchmarks/separation_grouping.py   # writes benchmarks/results/separation_grouping.md
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.separation_guard import bad_reasons  # noqa: E402
from voicecoach.audio import FRAME_S  # noqa: E402
from voicecoach.conversation.separate import diarization_error_rate  # noqa: E402
from voicecoach.measures.voices import VoiceSettings, _cosine, _first_voice, _kmeans, _separation, _windows_to_frames  # noqa: E402


@dataclass(frozen=True)
class Grouping:
    anchor_s: float = 0.0
    mode: str = "first vs rest"  # or "pairwise" (down to two groups) or "pairwise below d', then first vs rest"

    def label(self) -> str:
        return f"anchor {self.anchor_s:g} s, {self.mode}"


MODES = ("first vs rest", "pairwise", "pairwise below d', then first vs rest")
GRID = [Grouping(a, m) for m in MODES for a in (0.0, 2.0, 4.0, 8.0)]


def anchor_cluster(clusters: np.ndarray, starts: np.ndarray, speech: np.ndarray, anchor_s: float) -> int:
    if anchor_s <= 0:
        return int(clusters[0])
    before = np.cumsum(speech)[np.minimum(starts, len(speech) - 1)] * FRAME_S
    early = clusters[before <= anchor_s]
    early = early if len(early) else clusters[:1]
    counts = {int(c): int((early == c).sum()) for c in np.unique(early)}
    top = max(counts.values())
    return int(next(c for c in early if counts[int(c)] == top))


def pairwise_voices(emb: np.ndarray, clusters: np.ndarray, anchor: int, below: float | None = None) -> tuple[np.ndarray, float]:
    """Clusters merged agglomeratively, the closest pair (d') first, down to two groups; with
    ``below``, only while the closest pair is under that d', then the anchor's group against the rest
    (the confidence d': the nearest group left)."""
    groups = [{int(c)} for c in np.unique(clusters)]

    def dprime(a: set, b: set) -> float:
        return _separation(emb, np.where(np.isin(clusters, list(a)), 0, np.where(np.isin(clusters, list(b)), 1, -1)))

    while len(groups) > 2:
        best = min((dprime(groups[i], groups[j]), i, j) for i in range(len(groups)) for j in range(i + 1, len(groups)))
        if below is not None and best[0] >= below:
            break
        groups[best[1]] |= groups.pop(best[2])
    if len(groups) < 2:
        return np.zeros(len(emb), int), 0.0
    g0 = next(g for g in groups if anchor in g)
    win = np.where(np.isin(clusters, list(g0)), 0, 1)
    if below is None or len(groups) == 2:
        return win, _separation(emb, win)
    return win, min(dprime(g0, g) for g in groups if g is not g0)


def split(d: dict, g: Grouping, st: VoiceSettings = VoiceSettings()) -> tuple[np.ndarray, bool]:
    """Frame labels and confidence of a cached mix under grouping ``g`` (confidence rules as shipped)."""
    emb, starts, speech = np.asarray(d["emb"], float), d["starts"], np.asarray(d["speech"], bool)
    clusters = _kmeans(emb, max(2, min(st.n_clusters, len(emb) // st.min_cluster_windows)))
    anchor = anchor_cluster(clusters, starts, speech, g.anchor_s)
    if g.mode != "first vs rest":
        win, sep = pairwise_voices(emb, clusters, anchor, None if g.mode == "pairwise" else st.min_separation)
    else:
        win, sep = first_vs_rest(emb, clusters, anchor, st.min_separation)
    labels = np.full(len(speech), -1, np.int8)
    labels[speech] = _windows_to_frames(win, starts, len(speech), st, FRAME_S)[speech]
    sim = _cosine(emb[win == 0].mean(axis=0), emb[win == 1].mean(axis=0)) if (win == 1).any() else 1.0
    share = min((labels == 0).sum(), (labels == 1).sum()) / max(speech.sum(), 1)
    conf = bool(sep >= st.min_separation and sim < st.max_similarity and share >= st.min_share and len(emb) >= st.min_windows)
    return labels, conf


def first_vs_rest(emb: np.ndarray, clusters: np.ndarray, anchor: int, min_separation: float) -> tuple[np.ndarray, float]:
    """voices._first_voice started from cluster ``anchor`` (the shipped rule when it is the first window's)."""
    return _first_voice(emb, clusters, min_separation, anchor=anchor)


def load() -> list[dict]:
    """Every mix of both sets and separation_heldout's (old and new), cached, with samples and agent."""
    from benchmarks.separation_eval import mixes, shared_audio
    from benchmarks.separation_heldout import REAL_AGENT, more_real_agents, new_mixes, prepare
    from benchmarks.separation_onecustomer import one_customer_mixes

    audio = shared_audio()
    agent_of = {n: a for n, (a, _) in (REAL_AGENT | more_real_agents()).items()}
    out = []
    for kind, ms in (("one customer", one_customer_mixes(audio)), ("four customers", new_mixes(audio)), ("old", mixes(audio))):
        for m in ms:
            base = m.name.split(" + ")[0] if " + " in m.name else m.name.rsplit(" ", 2)[0]
            d = prepare(m) | {"name": m.name, "kind": kind, "agent": agent_of.get(base, base),
                              "samples": (m.agent.astype(np.float64) + m.customer).astype(np.float32), "sample_rate_hz": m.sample_rate_hz}
            out.append(d)
    return out


def der_of(d: dict, labels: np.ndarray) -> float:
    return diarization_error_rate((d["ref0"], d["ref1"]), (labels == 0, labels == 1))


def main() -> int:
    from benchmarks.separation_refine import mono_figures

    data = load()
    res = {id(d): [split(d, g) for g in GRID] for d in data}
    table = {id(d): [der_of(d, lab) for lab, _ in res[id(d)]] for d in data}
    agents = sorted({d["agent"] for d in data})
    chosen = {}
    for a in agents:
        others = [d for d in data if d["agent"] != a]
        mean = [np.mean([table[id(d)][i] for d in others]) for i in range(len(GRID))]
        chosen[a] = min(range(len(GRID)), key=lambda i: (round(mean[i], 12), i))
    rows = []
    for d in data:
        i = chosen[d["agent"]]
        lab0, c0 = res[id(d)][0]
        lab, c = res[id(d)][i]
        r0 = bad_reasons(d["figures"])
        r1 = r0 if np.array_equal(lab, lab0) else bad_reasons(mono_figures(d, lab))
        rows.append({"name": d["name"], "kind": d["kind"], "choice": GRID[i].label(), "der0": table[id(d)][0], "der1": table[id(d)][i],
                     "conf0": c0, "conf1": c, "good0": c0 and not r0, "good1": c and not r1, "r0": r0, "r1": r1})
        print(d["name"], f"{rows[-1]['der0']:.3f} -> {rows[-1]['der1']:.3f}", GRID[i].label(), r0, r1, flush=True)
    lines = ["# Mono calls: grouping the clusters into two voices", "",
             "From `python benchmarks/separation_grouping.py` (embeddings cached by benchmarks/separation_heldout.py).",
             "Candidates (see the module): " + "; ".join(g.label() for g in GRID) + ".",
             "Chosen leaving one agent out (every mix of that agent in every set held out together), lowest mean DER on the rest.",
             "Within tolerance: benchmarks/separation_guard.py's (mono figures with pace off for a changed split).", "",
             "## Before / after, held out", "",
             "| set | DER median / mean / max, shipped | held out | confident splits within tolerance, shipped | held out | mixes worse by > 0.5 point |",
             "|---|---|---|---|---|---|"]
    for kind in ("one customer", "four customers", "old"):
        rs = [r for r in rows if r["kind"] == kind]
        d0, d1 = np.array([r["der0"] for r in rs]), np.array([r["der1"] for r in rs])
        worse = sum(r["der1"] > r["der0"] + 0.005 for r in rs)
        lines.append(f"| {kind} ({len(rs)} mixes) | {np.median(d0):.1%} / {d0.mean():.1%} / {d0.max():.1%} | {np.median(d1):.1%} / {d1.mean():.1%} / {d1.max():.1%} | "
                     f"{sum(r['good0'] for r in rs)} of {sum(r['conf0'] for r in rs)} | {sum(r['good1'] for r in rs)} of {sum(r['conf1'] for r in rs)} | {worse} |")
    lines += ["", "Chosen per held-out agent: " + "; ".join(f"{a}: {GRID[i].label()}" for a, i in chosen.items()) + ".", "",
              "## Every mix", "", "| set | mix | DER shipped | DER held out | confident shipped / held out | verdict shipped | verdict held out |",
              "|---|---|---|---|---|---|---|"]
    v = lambda c, r: "not confident" if not c else ("BAD: " + "; ".join(r) if r else "good")  # noqa: E731
    for r in rows:
        lines.append(f"| {r['kind']} | {r['name']} | {r['der0']:.1%} | {r['der1']:.1%} | {'yes' if r['conf0'] else 'no'} / {'yes' if r['conf1'] else 'no'} | "
                     f"{v(r['conf0'], r['r0'])} | {v(r['conf1'], r['r1'])} |")
    all_mean = [np.mean([table[id(d)][i] for d in data]) for i in range(len(GRID))]
    fixed = GRID.index(Grouping(0.0, "pairwise"))  # no free number: the shipped anchor, pairwise down to two
    lines += ["", "## Pairwise from the first window (no free number chosen), every set", "",
              "| set | DER median / mean / max, shipped | pairwise | confident splits within tolerance, shipped | pairwise |", "|---|---|---|---|---|"]
    fx = []
    for d in data:
        lab, c = res[id(d)][fixed]
        lab0 = res[id(d)][0][0]
        r = bad_reasons(d["figures"]) if np.array_equal(lab, lab0) else bad_reasons(mono_figures(d, lab))
        fx.append({"kind": d["kind"], "name": d["name"], "der": table[id(d)][fixed], "conf": c, "good": c and not r})
    for kind in ("one customer", "four customers", "old"):
        rs = [r for r in rows if r["kind"] == kind]
        fs = [r for r in fx if r["kind"] == kind]
        d0, d1 = np.array([r["der0"] for r in rs]), np.array([r["der"] for r in fs])
        lines.append(f"| {kind} | {np.median(d0):.1%} / {d0.mean():.1%} / {d0.max():.1%} | {np.median(d1):.1%} / {d1.mean():.1%} / {d1.max():.1%} | "
                     f"{sum(r['good0'] for r in rs)} of {sum(r['conf0'] for r in rs)} | {sum(r['good'] for r in fs)} of {sum(r['conf'] for r in fs)} |")
    lines += ["", "Old mixes, pairwise: " + "; ".join(f"{r['name']} {r['der']:.1%}" for r in fx if r["kind"] == "old") + "."]
    kinds = ("one customer", "four customers", "old")
    lines += ["", "## DER per candidate on every mix (for the record: no choice held out here)", "",
              "| candidate | mean DER, all | " + " | ".join(f"median DER, {k}" for k in kinds) + " | worse / better than shipped by > 0.5 point |",
              "|---|---|" + "---|" * len(kinds) + "---|"]
    for i, g in enumerate(GRID):
        w = sum(table[id(d)][i] > table[id(d)][0] + 0.005 for d in data)
        b = sum(table[id(d)][i] < table[id(d)][0] - 0.005 for d in data)
        med = [np.median([table[id(d)][i] for d in data if d["kind"] == k]) for k in kinds]
        lines.append(f"| {g.label()} | {all_mean[i]:.1%} | " + " | ".join(f"{m:.1%}" for m in med) + f" | {w} / {b} |")
    one = [r for r in fx if r["kind"] == "one customer"]
    lines += ["", "## Reading", "",
              "- No candidate passes the gate (better held out on both sets, no mix of separation_heldout.py harmed): what the one-customer",
              "  calls need and what the four-customer mixes need pull apart. The choice held out lands on an edge of the grid (anchor 8 s)",
              "  and flips between the two pairwise modes from fold to fold; adding the third mode to the grid made the held-out",
              "  one-customer figure worse (median 13.6 % with the first two modes only), so the held-out figures are unstable.",
              f"- Pairwise merging down to two groups, with no free number, helps the calls with ONE customer most (the mode was added after seeing how they fail; no number was tuned): median DER "
              f"{np.median([r['der'] for r in one]):.1%} against the shipped {np.median([r['der0'] for r in rows if r['kind'] == 'one customer']):.1%}, "
              f"confident splits within tolerance {sum(r['good'] for r in one)} of {sum(r['conf'] for r in one)} against "
              f"{sum(r['good0'] for r in rows if r['kind'] == 'one customer')} of {sum(r['conf0'] for r in rows if r['kind'] == 'one customer')}; "
              "the real two-person English call keeps 0.5 %. But it wrecks every mix with several customers (why is not examined: with four customers far from each other,",
              "  two groups no longer follow the agent against the rest): four-customer median 37.9 %, the TTS call 16 kHz 1.3 % -> 49.3 %. Not shipped under the gate;",
              "  whether real calls ever hold several far-apart voices on the customer's side (hold music, a transfer, a second person) decides",
              "  which construction should rule, and that is not measured here.",
              "- Failures (a) and (b) of separation_refine.md are not fixed: held out, "
              + "; ".join(f"{r['name']} {r['der0']:.1%} -> {r['der1']:.1%}" for r in rows
                          if r["kind"] == "four customers" and ("funasr_VAD" in r["name"] or "wenet_ios" in r["name"])) + "."]
    out = ROOT / "benchmarks" / "results" / "separation_grouping.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
