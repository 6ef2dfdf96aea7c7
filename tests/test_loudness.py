"""Volume: P.56 known answers, the ITU reference values, SNR and phrase variation."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import soundfile as sf

from synth import SR, tone, utterance
from voicecoach.audio import frame_power_db, load_audio
from voicecoach.audio.activity import compute_activity
from voicecoach.measures.loudness import measure_loudness
from voicecoach.measures.p56 import active_level
from voicecoach.measures.segmentation import Span


def _sine(amp: float, seconds: float = 3.0, f: float = 1000.0) -> np.ndarray:
    return amp * np.sin(2 * np.pi * f * np.arange(int(SR * seconds)) / SR)


def test_full_scale_sine_is_minus_3_01_dbov():
    # The convention: 0 dBov is the RMS of a full-scale square wave; a full-scale sine is -3.01.
    r = active_level(_sine(1.0), sample_rate_hz=SR)
    assert r.active_level_dbov == pytest.approx(-3.01, abs=0.05)
    assert r.activity_ratio == pytest.approx(1.0, abs=0.01)


def test_known_level_and_doubling_amplitude_adds_6_02_db():
    a = active_level(_sine(10 ** (-17 / 20)), sample_rate_hz=SR).active_level_dbov
    b = active_level(_sine(2 * 10 ** (-17 / 20)), sample_rate_hz=SR).active_level_dbov
    assert a == pytest.approx(-20.01, abs=0.05)
    assert b - a == pytest.approx(6.02, abs=0.05)


def test_activity_factor_of_bursts_counts_the_hangover():
    # 1 s on, 2 s off, three times. Each burst counts as active for its 1 s, plus the 0.2 s
    # hangover, plus the envelope's decay to the threshold (two 0.03 s poles falling ~16 dB:
    # x*exp(-x)... solves to ~3 T = 0.09 s), minus its rise (~0.6 T = 0.02 s): ~1.27 s of 3 s.
    burst = np.concatenate([_sine(0.1, 1.0), np.zeros(2 * SR)])
    x = np.tile(burst, 3)
    r = active_level(x, sample_rate_hz=SR)
    assert r.activity_ratio == pytest.approx(1.27 / 3.0, abs=0.01)
    # the active level is the burst's own level (-23.01 dBov) diluted by that extra 27 % time
    assert r.active_level_dbov == pytest.approx(20 * np.log10(0.1) - 3.01 - 10 * np.log10(1.27), abs=0.3)


def test_silence_is_reported_as_silent():
    assert active_level(np.zeros(SR), sample_rate_hz=SR).is_silent
    assert active_level(np.zeros(0), sample_rate_hz=SR).is_silent
    assert np.isnan(active_level(np.zeros(SR), sample_rate_hz=SR).active_level_dbov)  # undefined, not a -100 sentinel
    assert np.isneginf(frame_power_db(np.zeros(SR), sample_rate_hz=SR)).all()  # 10 log10 0


def test_reproduces_the_itu_reference_tool_on_every_file(shared_audio):
    """ITU-T G.191 sv56 values (../shared/audio/reference): within 0.5 dB, at the file's rate and at 16 kHz."""
    rows = list(csv.DictReader(open(shared_audio / "reference" / "p56_active_level.csv")))
    assert len(rows) >= 39
    worst = 0.0
    for row in rows:
        path = next(p for p in shared_audio.glob(f"*/{row['file']}"))
        x, sr = sf.read(path, dtype="float32")
        native = active_level(x, sample_rate_hz=sr)
        assert native.active_level_dbov == pytest.approx(float(row["active_level_dbov"]), abs=0.5), row["file"]
        assert 100 * native.activity_ratio == pytest.approx(float(row["activity_percent"]), abs=1.0), row["file"]
        analysis = load_audio(path).audio  # what analyze() measures: the 16 kHz copy
        ours = active_level(analysis.samples, sample_rate_hz=analysis.sample_rate_hz).active_level_dbov
        assert ours == pytest.approx(float(row["active_level_dbov"]), abs=0.5), row["file"]
        worst = max(worst, abs(ours - float(row["active_level_dbov"])))
    assert worst < 0.1  # in practice we agree to a few hundredths of a dB


def test_snr_and_phrase_variation_known_answers():
    sp = utterance([4, 4, 4, 4], phrase_levels_db=[0.0, -6.0, 0.0, -6.0], pause_s=0.6)
    rng = np.random.default_rng(1)
    noise_db = -60.0
    x = sp.samples + (rng.standard_normal(len(sp.samples)) * 10 ** (noise_db / 20)).astype(np.float32)
    from voicecoach.audio import Audio

    audio = Audio(x.astype(np.float32), SR)
    level = active_level(x, sample_rate_hz=SR)
    act = compute_activity(audio, active_level_dbov=level.active_level_dbov)
    assert act.noise_floor_db == pytest.approx(noise_db, abs=2.0)
    bounds = [(sp.chars[0][1], sp.chars[3][2]), (sp.chars[4][1], sp.chars[7][2]), (sp.chars[8][1], sp.chars[11][2]), (sp.chars[12][1], sp.chars[15][2])]
    phrases = [Span(i, 4 * i, 4 * i + 3, a, b, "", 4, 0.0, 0.0) for i, (a, b) in enumerate(bounds)]
    m = measure_loudness(act, level=level, phrases=phrases, peak_dbfs=0.0, clipped_ratio=0.0)
    levels = [p.level_dbov for p in m.phrase_levels]
    assert levels[0] - levels[1] == pytest.approx(6.0, abs=0.5)
    assert m.level_variation_db == pytest.approx(np.std([0, -6, 0, -6], ddof=1), abs=0.5)
    assert m.snr_db == pytest.approx(level.active_level_dbov - noise_db, abs=2.0)
    assert m.snr_db > 35


def test_gain_moves_the_level_by_exactly_the_gain():
    x = tone(180, 2.0, level_dbfs=-25)
    a = active_level(x, sample_rate_hz=SR).active_level_dbov
    b = active_level(x * 10 ** (-12 / 20), sample_rate_hz=SR).active_level_dbov
    assert a - b == pytest.approx(12.0, abs=0.05)
