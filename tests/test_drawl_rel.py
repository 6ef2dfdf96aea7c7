"""The drawl benchmark's speaker-relative cues (benchmarks/drawl_rel.py) on constructed speech whose
answer is known: vowels with a 60 ms formant glide and a steady nucleus, the final of some phrases
with its nucleus stretched x2 or x3; and the two-condition rule's logic."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import ROOT
from voicecoach.audio import Audio
from voicecoach.audio.activity import compute_activity
from voicecoach.measures.p56 import active_level
from voicecoach.measures.pauses import detect_pauses
from voicecoach.measures.pitch import track_pitch
from voicecoach.measures.segmentation import segment
from voicecoach.recognize.types import Char

sys.path.insert(0, str(ROOT / "benchmarks"))
from drawl_rel import TwoCue, measure  # noqa: E402

SR = 16000
GLIDE_S, NUCLEUS_S = 0.06, 0.14
FORMANTS_HZ = ((500.0, 1400.0), (700.0, 1100.0), (400.0, 2000.0))


def _vowel(nucleus_s: float, f_from: float, f_to: float, f0_hz: float = 180.0) -> np.ndarray:
    """A harmonic vowel whose one formant (250 Hz wide) glides from f_from to f_to in GLIDE_S,
    then holds for nucleus_s; 10 ms ramps."""
    t = np.arange(int((GLIDE_S + nucleus_s) * SR)) / SR
    fc = np.where(t < GLIDE_S, f_from + (f_to - f_from) * t / GLIDE_S, f_to)
    x = sum((np.exp(-0.5 * ((k * f0_hz - fc) / 250.0) ** 2) + 0.02) * np.sin(2 * np.pi * k * f0_hz * t) for k in range(1, int(3800 / f0_hz)))
    r = int(0.01 * SR)
    x[:r] *= np.linspace(0, 1, r)
    x[-r:] *= np.linspace(1, 0, r)
    return x


def _speech(final_factors: list[float]):
    """Phrases of six syllables (30 ms gaps, 0.5 s pauses); each phrase's final nucleus stretched
    by its factor. Returns what :func:`drawl_rel.measure` reads."""
    parts, chars, t, k = [np.zeros(int(0.3 * SR))], [], 0.3, 0
    for f in final_factors:
        for j in range(6):
            v = _vowel(NUCLEUS_S * (f if j == 5 else 1.0), *FORMANTS_HZ[k % 3])
            parts.append(v)
            chars.append(Char("字", "字", t, t + len(v) / SR, 0.9))
            t, k = t + len(v) / SR, k + 1
            gap = 0.03 if j < 5 else 0.5
            parts.append(np.zeros(int(gap * SR)))
            t += gap
    x = np.concatenate(parts)
    x = 0.1 * x / np.sqrt(np.mean(x[x != 0] ** 2)) + 1e-4 * np.random.default_rng(0).standard_normal(len(x))
    x = x.astype(np.float32)
    audio = Audio(x, SR)
    act = compute_activity(audio, active_level_dbov=active_level(x, sample_rate_hz=SR).active_level_dbov)
    seg = segment(chars, detect_pauses(act, min_pause_s=0.25), sentence_pause_s=0.5)
    return SimpleNamespace(chars=chars, phrases=seg.phrases, activity=act, pitch=track_pitch(audio), samples=x, sample_rate_hz=SR,
                           fallback_typical_s=0.2, target=None)


@pytest.fixture(scope="module")
def ends():
    return measure(_speech([1.0, 2.0, 1.0, 3.0])).final


def test_duration_and_level_plateau_against_the_speakers_syllables(ends):
    assert len(ends) == 4
    # syllable 0.2 s; finals 0.2, 0.34, 0.2, 0.48 s
    assert [e["dur"] for e in ends] == pytest.approx([1.0, 1.7, 1.0, 2.4], abs=0.1)
    assert [e["lvl_rel"] for e in ends] == pytest.approx([1.0, 1.7, 1.0, 2.4], abs=0.1)
    assert all(e["ref_n"] == 20 for e in ends)  # the 20 non-final syllables are the reference


def test_steady_nucleus_scales_with_the_stretch(ends):
    # the steady stretch is the held formant less the 40 ms the change measure spans: 0.10 s for
    # an ordinary syllable, 0.24 s doubled, 0.38 s tripled
    assert [e["steady_s"] for e in ends] == pytest.approx([0.10, 0.24, 0.10, 0.38], abs=0.02)
    assert [e["steady_rel"] for e in ends] == pytest.approx([1.0, 2.4, 1.0, 3.8], abs=0.3)


def test_stretched_finals_change_their_spectrum_more_slowly(ends):
    plain = max(ends[0]["change_rel"], ends[2]["change_rel"])
    assert ends[1]["change_rel"] < plain and ends[3]["change_rel"] < ends[1]["change_rel"]


def test_two_condition_rule_needs_both():
    rows = [{"dur": 2.5, "change_rel": 0.7}, {"dur": 2.5, "change_rel": 1.2}, {"dur": 1.5, "change_rel": 0.5}]
    assert TwoCue("dur", 2.0, "change_rel", 0.9, -1).flags(rows, []) == [True, False, False]
    assert TwoCue("dur", 2.0).flags(rows, []) == [True, True, False]
    assert TwoCue("change_rel", 1.0).flags(rows, []) == [False, True, False]
