"""benchmarks/separation_refine.py: the resegmentation pass, the level/pitch checks and the held-out
chooser (known answers on constructed embeddings and tracks; no audio, no encoder)."""

from __future__ import annotations

import numpy as np

from benchmarks.separation_refine import (GUARD_SECTION, Refine, _llr, checks, choose, frame_scores, held_out_der, labels_for,
                                          oracle_window_accuracy, refine_windows, two_means_threshold, viterbi_frames, write_guard_section)
from voicecoach.measures.voices import split_voices, window_starts


def test_viterbi_removes_a_short_blip_but_keeps_a_real_switch():
    speech = np.ones(100, bool)
    score = np.r_[-np.ones(50), np.ones(50)]
    score[20:23] = 1.0  # three frames of evidence for the other voice inside the first turn
    smooth = viterbi_frames(score, speech, penalty=30.0, free_gap_frames=30)
    assert (smooth[:50] == 0).all() and (smooth[50:] == 1).all()
    raw = viterbi_frames(score, speech, penalty=0.0, free_gap_frames=30)
    assert (raw[20:23] == 1).all() and raw[19] == 0


def test_viterbi_switches_for_free_across_a_long_pause_only():
    speech = np.r_[np.ones(50, bool), np.zeros(40, bool), np.ones(5, bool)]
    score = np.r_[-np.ones(50), np.zeros(40), np.ones(5)]  # 5 frames of evidence after a 0.4 s pause
    free = viterbi_frames(score, speech, penalty=30.0, free_gap_frames=30)
    assert (free[:50] == 0).all() and (free[50:90] == -1).all() and (free[90:] == 1).all()
    paid = viterbi_frames(score, speech, penalty=30.0, free_gap_frames=50)  # the pause is too short to be free
    assert (paid[90:] == 0).all()
    assert (viterbi_frames(score, np.zeros(95, bool), penalty=1.0, free_gap_frames=1) == -1).all()


def test_frame_scores_average_the_covering_windows_and_fill_gaps():
    out = frame_scores(np.array([1.0, -1.0]), np.array([0, 50]), 200, w=100)
    assert out[10] == 1.0 and out[60] == 0.0 and out[120] == -1.0 and out[199] == -1.0


def _embeddings(truth: list[str], rng: np.random.Generator, dim: int = 16) -> np.ndarray:
    base = {"A": np.eye(dim)[0], "C1": np.eye(dim)[1], "C2": np.eye(dim)[2]}
    e = np.stack([base[t] for t in truth]) + 0.05 * rng.random((len(truth), dim))
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def test_one_pass_moves_a_misassigned_window_back_to_its_voice():
    rng = np.random.default_rng(0)
    truth = ["A"] * 10 + ["C1"] * 6 + ["C2"] * 6
    emb = _embeddings(truth, rng)
    clusters = np.array([0] * 10 + [1] * 6 + [2] * 6)
    clusters[3] = 1  # an agent window clustered with the first customer
    voice = (clusters != 0).astype(int)
    fixed, score = refine_windows(emb, clusters, voice, n_iter=1)
    assert fixed.tolist() == [0] * 10 + [1] * 12
    assert (score[:10] < 0).all() and (score[10:] > 0).all()
    # the customers' side keeps several centroids: a second customer far from the first stays on it
    assert refine_windows(emb, clusters, voice, n_iter=0)[0].tolist() == voice.tolist()


def _call(rng: np.random.Generator) -> dict:
    """Agent 0-10 s, customer 10.5-15 s, agent 16-20 s, another customer 21-25 s; one window inside
    the first customer's turn sounds like the agent (a cough, a laugh, a word of the agent's
    leaking back)."""
    speech = np.zeros(2600, bool)
    who = np.full(2600, "", object)
    for a, b, w in ((0, 1000, "A"), (1050, 1500, "C1"), (1600, 2000, "A"), (2100, 2500, "C2")):
        speech[a:b] = True
        who[a:b] = w
    starts = window_starts(speech)
    truth = [max(("A", "C1", "C2"), key=lambda w: (who[s:s + 100] == w).sum()) for s in starts]
    odd = int(np.flatnonzero(starts == 1200)[0])
    truth[odd] = "A"
    return {"emb": _embeddings(truth, rng), "starts": starts, "speech": speech, "feat": np.full((len(starts), 2), np.nan),
            "ref0": who == "A", "ref1": (who == "C1") | (who == "C2")}


def test_refinement_fixes_the_frames_a_stray_window_took_from_the_agent():
    d = _call(np.random.default_rng(1))
    shipped = labels_for(d, Refine())
    assert np.array_equal(shipped, split_voices(d["emb"], d["starts"], d["speech"], method="").labels)
    wrong = lambda lab: int((((lab == 1) & d["ref0"]) | ((lab == 0) & d["ref1"])).sum())  # noqa: E731
    # the stray window's frames: each is covered by it and one customer window, and a tie goes to voice 0
    assert wrong(shipped) == 100
    refined = labels_for(d, Refine(1, 30.0, 0.3, clip_sd=0.5))
    assert wrong(refined) == 0
    assert (refined[~d["speech"]] == -1).all()


def test_oracle_accuracy_misses_exactly_the_stray_window():
    d = _call(np.random.default_rng(2))
    r0 = np.array([d["ref0"][a:a + 100].mean() for a in d["starts"]])
    r1 = np.array([d["ref1"][a:a + 100].mean() for a in d["starts"]])
    n_pure = int(((np.maximum(r0, r1) > 0.5) & (np.minimum(r0, r1) < 0.1)).sum())
    assert oracle_window_accuracy(d) == (n_pure - 1) / n_pure


def test_llr_favours_the_nearer_class_and_ignores_missing_values():
    x = np.r_[np.zeros(5), np.full(5, 10.0), np.nan]
    x[:5] += np.linspace(-1, 1, 5)
    x[5:10] += np.linspace(-1, 1, 5)
    cls = np.r_[np.zeros(5, int), np.ones(5, int), 1]
    llr = _llr(x, cls)
    assert (llr[:5] < 0).all() and (llr[5:10] > 0).all() and llr[10] == 0.0
    assert abs(llr[7] - 10.0 / 0.5 * 5.0) < 1e-9  # (mu1 - mu0) / var * (x - midpoint); var of linspace(-1, 1, 5) is 0.5
    assert (_llr(x, np.zeros(11, int)) == 0).all()  # one class: no evidence


def test_two_means_threshold_splits_two_levels():
    assert abs(two_means_threshold(np.r_[np.full(10, -30.0), np.full(30, -20.0), np.nan]) - (-25.0)) < 1e-9


def test_checks_on_a_constructed_split():
    n = 400
    labels = np.r_[np.zeros(200, np.int8), np.ones(200, np.int8)]
    labels[:10] = -1
    level = np.r_[np.full(200, -20.0), np.full(200, -30.0)]
    f0_times = (np.arange(n) + 0.5) * 0.01
    f0 = np.r_[np.full(200, 200.0), np.full(200, 100.0)]
    q = checks({"level_db": level, "f0_times": f0_times, "f0_hz": f0}, labels)
    assert q["level diff"] == 10.0 and abs(q["pitch diff"] - 12.0) < 1e-9
    assert q["level-split agreement"] == 1.0 and q["pitch-split agreement"] == 1.0
    flipped = checks({"level_db": level[::-1], "f0_times": f0_times, "f0_hz": f0}, labels)
    assert flipped["level-split agreement"] == 1.0  # either mapping of the two voices
    half = checks({"level_db": np.full(n, -20.0), "f0_times": f0_times, "f0_hz": np.full(n, np.nan)}, labels)
    assert half["level diff"] == 0.0 and np.isnan(half["pitch diff"])


def test_the_held_out_choice_never_sees_the_group_it_scores():
    grid = [Refine(), Refine(1)]
    table = {"a 16 kHz": [0.3, 0.1], "a 8 kHz": [0.3, 0.1], "b 16 kHz": [0.2, 0.1], "out 16 kHz": [0.0, 0.9]}
    groups = {"a 16 kHz": "a", "a 8 kHz": "a", "b 16 kHz": "b", "out 16 kHz": "out"}
    assert choose(table, groups, "out", grid) == 1  # "out" alone would pick the shipped split
    held = held_out_der(table, groups, [0, 1])
    assert held["out 16 kHz"] == 0.9 and held["b 16 kHz"] == 0.2  # without b, "out" weighs against candidate 1
    tie = {n: [0.1, 0.1] for n in table}
    assert choose(tie, groups, "out", grid) == 0  # ties go to the shipped split


def test_guard_section_is_replaced_not_repeated(tmp_path):
    p = tmp_path / "separation_guard.md"
    p.write_text("# head\n\nbody\n", encoding="utf-8")
    write_guard_section(["first"], p)
    write_guard_section(["second"], p)
    text = p.read_text(encoding="utf-8")
    assert text.count(GUARD_SECTION) == 1 and "second" in text and "first" not in text and text.startswith("# head\n\nbody\n")
