"""benchmarks/separation_onecustomer.py and separation_grouping.py: the pairings, the levelling
and the grouping candidates (known answers; no audio, no encoder)."""

from __future__ import annotations

import numpy as np

from benchmarks.separation_grouping import Grouping, anchor_cluster, first_vs_rest, pairwise_voices
from benchmarks.separation_onecustomer import AGENTS, PAIRINGS, level_to, pairings
from tests.conversation_calls import SR
from voicecoach.measures.p56 import active_level
from voicecoach.measures.voices import _first_voice


def test_each_agent_gets_distinct_customers_of_other_sources():
    p = pairings()
    assert len(p) == len(AGENTS) * PAIRINGS
    for a in AGENTS:
        cs = [c for x, c in p if x == a]
        assert len(set(cs)) == PAIRINGS and all(c.split("_")[0] != a.split("_")[0] for c in cs)


def test_levelling_brings_the_customer_to_the_agents_active_level():
    rng = np.random.default_rng(0)
    t = np.arange(SR * 4) / SR
    burst = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float32)  # speech-like on/off
    agent = (0.05 * rng.standard_normal(len(t)) * burst).astype(np.float32)
    customer = (0.4 * rng.standard_normal(len(t)) * burst).astype(np.float32)
    out = level_to(agent, customer)
    la, lc = (active_level(x, sample_rate_hz=SR).active_level_dbov for x in (agent, out))
    assert abs(la - lc) < 0.2
    assert abs(la - active_level(customer, sample_rate_hz=SR).active_level_dbov) > 15  # it was far before


def _blobs(centres, sizes, sd=0.05, seed=0):
    rng = np.random.default_rng(seed)
    emb = np.concatenate([c + sd * rng.standard_normal((n, len(c))) for c, n in zip(centres, sizes)])
    clusters = np.concatenate([np.full(n, k) for k, n in enumerate(sizes)])
    return emb, clusters


def test_first_vs_rest_from_the_first_window_is_the_shipped_rule():
    e = np.eye(4)
    emb, cl = _blobs([e[0], e[0] + 0.1 * e[1], e[2], e[3]], [8, 8, 8, 8])
    a = first_vs_rest(emb, cl, int(cl[0]), 4.0)
    b = _first_voice(emb, cl, 4.0)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_pairwise_grouping_keeps_two_far_customer_clusters_together_when_they_are_nearer_each_other():
    e = np.eye(4)
    # voice 0: two clusters close together; customers: two clusters nearer each other than either is to the agent
    emb, cl = _blobs([e[0], e[0] + 0.3 * e[1], e[2], e[2] + 0.3 * e[3]], [8, 8, 8, 8])
    win, sep = pairwise_voices(emb, cl, anchor=0)
    assert np.array_equal(win, np.r_[np.zeros(16, int), np.ones(16, int)]) and sep > 4


def test_pairwise_below_a_threshold_stops_with_three_groups_and_puts_the_anchor_against_the_rest():
    e = np.eye(4)
    emb, cl = _blobs([e[0], e[0] + 0.02 * e[1], e[2], e[3]], [8, 8, 8, 8])  # one voice in two clusters, two far others
    win, sep = pairwise_voices(emb, cl, anchor=0, below=4.0)
    assert np.array_equal(win, np.r_[np.zeros(16, int), np.ones(16, int)]) and sep > 4
    win2, _ = pairwise_voices(emb, cl, anchor=2)  # down to two groups, anchored on cluster 2: the one voice stays whole
    assert win2[16:24].max() == 0 and win2[:16].min() == 1

def test_anchor_is_the_cluster_most_early_windows_hold_not_a_single_first_window():
    clusters = np.array([3, 1, 1, 1, 2, 3, 2, 2])
    starts = np.arange(8) * 50  # a window every 0.5 s of continuous speech
    speech = np.ones(500, bool)
    assert anchor_cluster(clusters, starts, speech, 0.0) == 3  # shipped: the first window
    assert anchor_cluster(clusters, starts, speech, 2.0) == 1  # windows starting in the first 2 s: 3, 1, 1, 1, 2
    assert Grouping().label() == "anchor 0 s, first vs rest"
