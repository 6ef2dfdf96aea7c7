"""librosa as an independent oracle (MIT) for what voicecoach writes by hand.

librosa is not a runtime dependency: benchmarks/results/librosa.md shows the hand-written
frame RMS, resampling, syllable nuclei and pitch tracker equal or better on this project's
audio, at a fraction of the cost. These tests hold the hand-written code to librosa's answers.
"""

from __future__ import annotations

import numpy as np
import pytest

from synth import SR, tone
from voicecoach.audio import Audio, frame_power_db, resample
from voicecoach.measures.pitch import hz_to_st, track_pitch

librosa = pytest.importorskip("librosa")


def test_frame_power_matches_librosa_rms():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(SR * 95) * np.repeat(rng.uniform(0.001, 0.5, 95), SR)).astype(np.float32)
    ours = frame_power_db(x, sample_rate_hz=SR)
    theirs = 20 * np.log10(librosa.feature.rms(y=x, frame_length=160, hop_length=160, center=False)[0])
    assert len(ours) == len(theirs) == 9500
    assert np.max(np.abs(ours - theirs)) < 1e-3


@pytest.mark.parametrize("n_s", [3, 100])  # one-shot and streamed in 20 s blocks
def test_resample_matches_librosa_soxr_hq(n_s):
    x = np.random.default_rng(4).standard_normal(SR * n_s).astype(np.float32) * 0.1
    ours = resample(x, from_rate_hz=SR, to_rate_hz=8000)
    theirs = librosa.resample(x, orig_sr=SR, target_sr=8000, res_type="soxr_hq")
    assert len(ours) == len(theirs)
    assert np.max(np.abs(ours - theirs)) < 1e-5


@pytest.mark.parametrize("f0_hz, glide_st", [(110.0, 4.0), (230.0, -5.0)])
def test_pitch_agrees_with_pyin_on_a_glide(f0_hz, glide_st):
    x = tone(f0_hz, 2.0, glide_st=glide_st)
    ours = track_pitch(Audio(x, SR), narrowband=False)
    f0, _, _ = librosa.pyin(x, fmin=60, fmax=500, sr=SR, frame_length=1024, hop_length=160)
    t = librosa.times_like(f0, sr=SR, hop_length=160)
    ok = np.isfinite(f0) & (t > 0.1) & (t < 1.9)
    at = np.interp(t[ok], ours.times_s, np.nan_to_num(ours.f0_hz))
    assert ok.mean() > 0.8
    assert np.median(np.abs(hz_to_st(at, ref_hz=1.0) - hz_to_st(f0[ok], ref_hz=1.0))) < 0.2
