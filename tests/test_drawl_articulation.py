"""Drawl and articulation on constructed speech: stretched finals flagged, unclear stretches explained."""

from __future__ import annotations

import numpy as np
import pytest

from synth import SR, utterance
from voicecoach.audio import Audio
from voicecoach.measures.activity import compute_activity
from voicecoach.measures.articulation import measure_articulation
from voicecoach.measures.drawl import measure_drawl, typical_syllable_s
from voicecoach.measures.p56 import active_level
from voicecoach.measures.pauses import detect_pauses
from voicecoach.measures.pitch import track_pitch
from voicecoach.segmentation import segment
from voicecoach.transcribe import Char


def _measure(sp, *, threshold=2.2, probs=None):
    audio = Audio(sp.samples.astype(np.float32), SR)
    act = compute_activity(audio, active_level_dbov=active_level(sp.samples, sample_rate_hz=SR).active_level_dbov)
    pauses = detect_pauses(act, min_pause_s=0.25)
    probs = probs or [0.9] * len(sp.chars)
    chars = [Char(t, t, s, e, p) for (t, s, e), p in zip(sp.chars, probs)]
    seg = segment(chars, pauses, sentence_pause_s=0.5)
    typical = typical_syllable_s(chars, seg.phrases, fallback_s=0.2)
    pitch = track_pitch(audio)
    return audio, act, chars, seg, measure_drawl(chars, seg.phrases, act, pitch, typical_syllable_s=typical, final_ratio_threshold=threshold,
                                                 voiced_ratio_threshold=2.0)


def test_normal_final_lengthening_is_not_flagged():
    # Phrase-final syllables 1.4x the others: normal Mandarin lengthening.
    sp = utterance([5, 6, 5, 4], final_factor=1.4)
    *_, d = _measure(sp)
    assert len(d.ends) == 4
    assert d.n_flagged == 0
    assert d.typical_syllable_ms == pytest.approx(200, abs=1)
    for end, (_, start, stop) in zip(d.ends, sp.finals):
        assert end.duration_s == pytest.approx(stop - start, abs=0.03)
        assert end.final_ratio == pytest.approx(1.4, abs=0.15)


def test_final_stretched_twice_is_flagged_and_only_it():
    # The same speech, but the second and fourth finals stretched 2x more (2.8x a syllable).
    sp = utterance([5, 6, 5, 4], final_factor=[1.4, 2.8, 1.4, 2.8])
    *_, d = _measure(sp)
    assert [e.flagged for e in d.ends] == [False, True, False, True]
    assert [e.final_ratio for e in d.ends] == pytest.approx([1.4, 2.8, 1.4, 2.8], abs=0.2)
    assert d.flagged_ratio == 0.5
    # the flagged ends carry their timestamps
    assert d.ends[1].start_s == pytest.approx(sp.finals[1][1], abs=0.01)
    assert d.ends[1].end_s == pytest.approx(sp.finals[1][2], abs=0.03)


def test_a_long_but_breathy_ending_is_not_a_drawl():
    # The final syllable is 1.2x long and voiced, then 0.4 s of unvoiced breath noise at -12 dB:
    # long (ratio 3.2) but not a dragged-out vowel.
    sp = utterance([5, 5], final_factor=1.2, pause_s=1.0)
    k, start, end = sp.finals[0]
    rng = np.random.default_rng(5)
    i = int(end * SR)
    breath = (rng.standard_normal(int(0.4 * SR)) * 10 ** (-32 / 20)).astype(np.float32)
    sp.samples[i:i + len(breath)] = breath
    *_, d = _measure(sp)
    assert d.ends[0].final_ratio > 2.2
    assert d.ends[0].voiced_ratio < 1.5
    assert not d.ends[0].flagged


def test_end_comes_from_the_signal_not_the_transcript():
    # A recogniser that puts the last syllable's end 0.3 s into the pause must not make it a drawl.
    sp = utterance([5, 5], final_factor=1.4)
    late = list(sp.chars)
    k = sp.finals[0][0]
    t, s, e = late[k]
    late[k] = (t, s, e + 0.3)
    sp.chars = late
    *_, d = _measure(sp)
    assert d.ends[0].end_s == pytest.approx(e, abs=0.03)
    assert not d.ends[0].flagged


def test_a_drawl_does_not_lengthen_its_own_yardstick():
    plain = utterance([4, 4, 4], final_factor=1.4)
    drawled = utterance([4, 4, 4], final_factor=3.0)
    assert _measure(plain)[-1].typical_syllable_ms == pytest.approx(_measure(drawled)[-1].typical_syllable_ms)


def test_unclear_stretch_flagged_with_low_level_as_cause():
    sp = utterance([6, 6, 6], phrase_levels_db=[0.0, -18.0, 0.0])
    probs = [0.95] * 6 + [0.3, 0.2, 0.35, 0.9, 0.3, 0.25] + [0.95] * 6
    audio, act, chars, seg, _ = _measure(sp, probs=probs)
    a = measure_articulation(chars, audio=audio, activity=act, articulation_rate_cps=4.5, low_probability=0.5)
    assert a.low_confidence_ratio == pytest.approx(5 / 18)
    assert len(a.stretches) == 1
    s = a.stretches[0]
    assert (s.first_char, s.last_char) == (6, 11)  # one good syllable inside is bridged
    assert "low_level" in s.causes
    assert a.mean_confidence == pytest.approx(np.mean(probs))


def test_unclear_stretch_in_clean_loud_speech_has_no_signal_cause():
    sp = utterance([6, 6])
    probs = [0.95] * 3 + [0.2, 0.3, 0.2] + [0.95] * 6
    audio, act, chars, *_ = _measure(sp, probs=probs)
    a = measure_articulation(chars, audio=audio, activity=act, articulation_rate_cps=4.5, low_probability=0.5)
    assert len(a.stretches) == 1 and a.stretches[0].causes == ()
