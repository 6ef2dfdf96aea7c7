"""The drawl benchmark's cues other than duration (benchmarks/drawl_cues.py) on constructed tracks
whose answer is known: a final's pitch slope, level decay and level plateau, and what stretching
the final x2 does to them."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import ROOT
from voicecoach.audio.activity import Activity
from voicecoach.measures.pitch import PitchTrack

sys.path.insert(0, str(ROOT / "benchmarks"))
from drawl_cues import end_cues, vocoder_stretch  # noqa: E402

FRAME_S = 0.01


def _final(factor: float):
    """A final from 0.2 s: level at -20 dB for 0.2*factor s, then falling 250/factor dB/s to
    -45 dB; voiced while the level is within 10 dB of its peak, pitch falling 40/factor st/s."""
    t = FRAME_S * (np.arange(200) + 0.5)
    flat_end = 0.2 + 0.2 * factor
    fall = 250.0 / factor
    level = np.where(t < 0.2, -60.0, np.where(t < flat_end, -20.0, np.maximum(-45.0, -20.0 - fall * (t - flat_end))))
    end_s = flat_end + 25.0 / fall
    level = np.where(t > end_s, -60.0, level)
    act = Activity(t, level, level, level > -50, -50.0, -60.0, -20.0, FRAME_S)
    voiced = (t >= 0.2) & (level >= -30.0)
    f0 = np.where(voiced, 200.0 * 2 ** ((-40.0 / factor) * (t - 0.2) / 12), np.nan)
    return act, PitchTrack(t, f0, voiced), end_s


@pytest.mark.parametrize("factor", [1.0, 2.0])
def test_cues_of_a_constructed_final(factor):
    act, pitch, end_s = _final(factor)
    c = SimpleNamespace(activity=act, pitch=pitch)
    cues = end_cues(c, 0.2, end_s, 0.2, voiced_ratio=1.0)
    assert cues["slope_st_s"] == pytest.approx(40.0 / factor, rel=0.05)
    # 19 dB (6 to 25 below the peak) from the last frame within 6 dB of the peak to the end: 250 dB/s unstretched
    assert cues["decay_db_s"] == pytest.approx(250.0 / factor, rel=0.15)
    # within 6 dB of the peak: the flat 0.2 s and the first 6 dB of the fall, over a 0.2 s syllable
    assert cues["plateau"] == pytest.approx((0.2 * factor + 6.0 * factor / 250.0) / 0.2, abs=0.1)
    assert cues["dur"] == pytest.approx((end_s - 0.2) / 0.2)


def test_a_doubled_final_halves_the_rates_and_doubles_the_plateau():
    one, two = ({**end_cues(SimpleNamespace(activity=a, pitch=p), 0.2, e, 0.2, voiced_ratio=1.0)} for a, p, e in (_final(1.0), _final(2.0)))
    assert two["slope_st_s"] / one["slope_st_s"] == pytest.approx(0.5, abs=0.05)
    assert two["decay_db_s"] / one["decay_db_s"] == pytest.approx(0.5, abs=0.1)
    assert two["plateau"] / one["plateau"] == pytest.approx(2.0, abs=0.15)


def test_vocoder_stretch_lengthens_only_the_span():
    sr = 16000
    t = np.arange(sr) / sr
    x = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    y = vocoder_stretch(x, sr, 0.4, 0.6, factor=3.0)
    assert len(y) == len(x) + int(round(0.2 * sr * 2))
    np.testing.assert_array_equal(y[: int(0.4 * sr)], x[: int(0.4 * sr)])
    np.testing.assert_array_equal(y[-int(0.3 * sr):], x[-int(0.3 * sr):])
    # pitch kept: the stretched middle still has its energy at 150 Hz
    mid = y[int(0.5 * sr): int(0.9 * sr)]
    spec = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    assert np.fft.rfftfreq(len(mid), 1 / sr)[np.argmax(spec)] == pytest.approx(150.0, abs=5.0)
