"""Pauses and pace: exact pause lengths, N syllables over T seconds, sentences, listening gaps."""

from __future__ import annotations

import numpy as np
import pytest

from synth import SR, tone, utterance
from voicecoach.audio import Audio
from voicecoach.audio.activity import compute_activity
from voicecoach.measures.p56 import active_level
from voicecoach.measures.pace import measure_pace
from voicecoach.measures.pauses import Pause, detect_pauses, measure_pauses
from voicecoach.measures.segmentation import segment
from voicecoach.recognize.types import Char


def _activity(x: np.ndarray):
    audio = Audio(x.astype(np.float32), SR)
    return compute_activity(audio, active_level_dbov=active_level(x, sample_rate_hz=SR).active_level_dbov)


def test_inserted_silences_give_exact_pause_lengths():
    sp = utterance([5, 6, 4, 5], pause_s=[0.35, 1.2, 3.5])
    act = _activity(sp.samples)
    pauses = detect_pauses(act, min_pause_s=0.25)
    assert len(pauses) == 3
    for got, (start, end) in zip(pauses, sp.pauses):
        assert got.start_s == pytest.approx(start, abs=0.02)
        assert got.end_s == pytest.approx(end, abs=0.02)
    m = measure_pauses(act, pauses, long_pause_s=3.0, dead_air_s=5.0)
    assert [p.duration_s for p in m.long_pauses] == pytest.approx([3.5], abs=0.03)
    assert m.dead_air == ()
    m2 = measure_pauses(act, pauses, long_pause_s=1.0, dead_air_s=3.0)
    assert len(m2.long_pauses) == 1 and len(m2.dead_air) == 1
    assert m.median_pause_ms == pytest.approx(1200, abs=25)


def test_gaps_inside_phrases_are_not_pauses_and_edges_are_not_pauses():
    sp = utterance([8], lead_s=1.0, tail_s=1.0)  # 30 ms dips between syllables, 1 s silence each side
    act = _activity(sp.samples)
    assert detect_pauses(act, min_pause_s=0.25) == ()
    m = measure_pauses(act, (), long_pause_s=3.0, dead_air_s=5.0)
    assert m.speech_start_s == pytest.approx(1.0, abs=0.02)
    assert m.speech_end_s == pytest.approx(sp.duration_s - 1.0, abs=0.02)


def test_a_gap_while_the_other_channel_talks_is_listening():
    sp = utterance([4, 4], pause_s=2.0)
    act = _activity(sp.samples)
    other = np.full(len(act.times_s), -200.0)
    a, b = sp.pauses[0]
    other[int(a / 0.01) + 5:int(b / 0.01) - 5] = -25.0
    pauses = detect_pauses(act, min_pause_s=0.25, other_level_db=other)
    assert len(pauses) == 1 and pauses[0].listening
    m = measure_pauses(act, pauses, long_pause_s=1.0, dead_air_s=5.0)
    assert m.n_pauses == 0 and m.long_pauses == ()


def test_a_long_gap_in_which_the_other_side_speaks_in_short_bursts_is_listening_not_dead_air():
    sp = utterance([4, 4], pause_s=12.0)
    act = _activity(sp.samples)
    a, b = sp.pauses[0]
    for burst_s in (0.2, 0.5):  # a 0.2 s burst alone is not enough, 0.5 s of answer is
        other = np.full(len(act.times_s), -200.0)
        mid = int((a + b) / 2 / 0.01)
        other[mid:mid + int(burst_s / 0.01)] = -25.0
        pauses = detect_pauses(act, min_pause_s=0.25, other_level_db=other)
        assert len(pauses) == 1 and pauses[0].listening == (burst_s >= 0.3)
        m = measure_pauses(act, pauses, long_pause_s=3.0, dead_air_s=5.0)
        assert len(m.dead_air) == (0 if burst_s >= 0.3 else 1)


def test_n_syllables_over_t_seconds():
    centres = np.linspace(1.0, 9.0, 40)
    pauses = (Pause(3.0, 4.0), Pause(6.0, 6.5, listening=True))
    p = measure_pace(centres, span_s=(0.9, 9.1), pauses=pauses, sentences=())
    assert p.speaking_time_s == pytest.approx(8.2 - 0.5)
    assert p.phonation_time_s == pytest.approx(8.2 - 0.5 - 1.0)
    assert p.speaking_rate_cps == pytest.approx(40 / 7.7)
    assert p.articulation_rate_cps == pytest.approx(40 / 6.7)


def test_rate_track_over_time_follows_a_speed_change():
    slow = np.arange(0, 20, 1 / 3.0)  # 3 syllables/s for 20 s
    fast = 20 + np.arange(0, 20, 1 / 6.0)  # then 6/s
    p = measure_pace(np.concatenate([slow, fast]), span_s=(0.0, 40.0), pauses=(), sentences=(), window_s=10.0, hop_s=1.0)
    early = p.rate_track_cps[p.times_s < 14]
    late = p.rate_track_cps[p.times_s > 26]
    assert np.allclose(early, 3.0, atol=0.11) and np.allclose(late, 6.0, atol=0.11)


def _chars(sp, punct=None):
    punct = punct or {}
    return [Char(t, t, s, e, 0.9, punct.get(i, "")) for i, (t, s, e) in enumerate(sp.chars)]


def test_sentences_from_pauses_and_punctuation():
    sp = utterance([4, 5, 3], pause_s=[0.3, 0.8])
    act = _activity(sp.samples)
    pauses = detect_pauses(act, min_pause_s=0.25)
    chars = _chars(sp)
    seg = segment(chars, pauses, sentence_pause_s=0.5)
    assert [s.n_syllables for s in seg.phrases] == [4, 5, 3]
    assert [s.n_syllables for s in seg.sentences] == [9, 3]  # only the 0.8 s pause ends a sentence
    # a phrase edge next to a pause comes from the signal, not the transcript
    assert seg.phrases[0].end_s == pytest.approx(sp.pauses[0][0], abs=0.02)
    assert seg.sentences[1].pause_before_s == pytest.approx(0.8, abs=0.03)
    with_punct = segment(_chars(sp, {3: "。"}), pauses, sentence_pause_s=0.5)
    assert [s.n_syllables for s in with_punct.sentences] == [4, 5, 3]


def test_pace_per_sentence_known_answer():
    sp = utterance([10, 10], pause_s=1.0, syllable_s=0.2, gap_s=0.05, final_factor=1.0)
    act = _activity(sp.samples)
    pauses = detect_pauses(act, min_pause_s=0.25)
    seg = segment(_chars(sp), pauses, sentence_pause_s=0.5)
    centres = np.array([(s + e) / 2 for _, s, e in sp.chars])
    p = measure_pace(centres, span_s=(sp.chars[0][1], sp.chars[-1][2]), pauses=pauses, sentences=seg.sentences)
    # each sentence: 10 syllables of 0.2 s and 9 gaps of 0.05 s = 2.45 s
    assert [s.rate_cps for s in p.sentences] == pytest.approx([10 / 2.45, 10 / 2.45], abs=0.05)
    assert p.speaking_rate_cps == pytest.approx(20 / (2 * 2.45 + 1.0), abs=0.03)
    assert p.articulation_rate_cps == pytest.approx(20 / (2 * 2.45), abs=0.03)


def test_noise_floor_threshold_separates_speech_from_noise():
    rng = np.random.default_rng(3)
    x = np.concatenate([tone(200, 1.0, level_dbfs=-22), np.zeros(SR), tone(200, 1.0, level_dbfs=-22)])
    x = x + rng.standard_normal(len(x)).astype(np.float32) * 10 ** (-50 / 20)
    act = _activity(x)
    assert act.noise_floor_db == pytest.approx(-50, abs=2)
    assert act.noise_floor_db < act.threshold_db < act.speech_level_db
    pauses = detect_pauses(act, min_pause_s=0.25)
    assert len(pauses) == 1 and pauses[0].duration_s == pytest.approx(1.0, abs=0.04)
