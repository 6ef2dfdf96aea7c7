"""Pitch: known F0, gain and rate invariance, octave cleaning, range, monotone, Praat as oracle."""

from __future__ import annotations

import numpy as np
import pytest

from synth import SR, tone
from voicecoach.audio import Audio, audio_from_array, load_audio, resample
from voicecoach.measures.pitch import PitchTrack, clean_octaves, hz_to_st, measure_pitch, st_to_hz, track_pitch


def _median_st_error(track: PitchTrack, f_hz: float) -> float:
    f0 = track.f0_hz[track.voiced]
    return float(abs(np.median(hz_to_st(f0, ref_hz=f_hz))))


def test_semitone_conversions():
    assert hz_to_st(200.0, ref_hz=100.0) == pytest.approx(12.0)
    assert st_to_hz(hz_to_st(123.0, ref_hz=100.0), ref_hz=100.0) == pytest.approx(123.0)


@pytest.mark.parametrize("f", [90.0, 120.0, 220.0, 310.0])
def test_tone_f0_within_a_tenth_of_a_semitone(f):
    tr = track_pitch(Audio(tone(f, 2.0), SR))
    assert tr.voiced.mean() > 0.9
    assert _median_st_error(tr, f) < 0.1
    assert np.all(np.isnan(tr.f0_hz[~tr.voiced]))  # undefined frames are NaN, never 0 Hz


def test_gain_does_not_move_f0():
    x = tone(180.0, 2.0, level_dbfs=-20)
    a = track_pitch(Audio(x, SR))
    b = track_pitch(Audio((x * 10 ** (-25 / 20)).astype(np.float32), SR))
    both = a.voiced & b.voiced
    assert both.mean() > 0.9
    assert np.nanmax(np.abs(hz_to_st(a.f0_hz[both], ref_hz=1) - hz_to_st(b.f0_hz[both], ref_hz=1))) < 0.1


def test_8k_and_16k_versions_agree():
    x48 = tone(160.0, 2.0, sr=48000, glide_st=4.0)
    a = audio_from_array(x48, sample_rate_hz=48000).audio
    b = audio_from_array(resample(x48, from_rate_hz=48000, to_rate_hz=8000), sample_rate_hz=8000).audio
    ma = measure_pitch(track_pitch(a), monotone_range_st=2.5)
    mb = measure_pitch(track_pitch(b), monotone_range_st=2.5)
    assert hz_to_st(mb.median_f0_hz, ref_hz=ma.median_f0_hz) == pytest.approx(0.0, abs=0.2)
    assert mb.range_st == pytest.approx(ma.range_st, abs=0.3)


def test_glide_gives_the_constructed_range_and_position():
    # F0 glides linearly in semitones over 12 st: the 10-90 % range is 0.8 * 12 = 9.6 st and the
    # median sits in the middle of the 5-95 % range.
    x = tone(150.0, 4.0, glide_st=12.0)
    m = measure_pitch(track_pitch(Audio(x, SR)), monotone_range_st=2.5)
    assert m.range_st == pytest.approx(9.6, abs=0.3)
    assert m.position_ratio == pytest.approx(0.5, abs=0.05)
    assert hz_to_st(m.median_f0_hz, ref_hz=150.0) == pytest.approx(6.0, abs=0.2)


def test_flat_voice_is_monotone_and_a_lively_one_is_not():
    flat = tone(200.0, 8.0, glide_st=0.3)
    m = measure_pitch(track_pitch(Audio(flat, SR)), monotone_range_st=2.5)
    assert m.range_st < 0.5
    assert m.monotone_ratio == pytest.approx(1.0)
    assert m.monotone_stretches and m.monotone_stretches[0].end_s - m.monotone_stretches[0].start_s > 7.0
    lively = np.concatenate([tone(200.0 * 2 ** (k / 12), 0.5, glide_st=(-1) ** k * 4) for k in (0, 5, 2, 7, 0, 4, 9, 1, 6, 3, 8, 0, 5, 2, 7, 3)])
    m2 = measure_pitch(track_pitch(Audio(lively, SR)), monotone_range_st=2.5)
    assert m2.monotone_ratio == 0.0 and m2.range_st > 5


def test_octave_jumps_are_folded_back():
    t = np.arange(500) * 0.016
    f0 = 200.0 * 2 ** (np.sin(t) * 2 / 12)
    broken = f0.copy()
    broken[100:108] *= 2.0  # octave-up error
    broken[300:305] /= 2.0  # octave-down error
    voiced = np.ones(500, bool)
    cleaned = clean_octaves(PitchTrack(t, broken, voiced))
    assert cleaned.n_octave_fixes == 13
    assert np.allclose(cleaned.f0_hz, f0, rtol=1e-6)


def test_no_octave_jumps_left_in_the_reported_track_on_real_speech(shared_audio):
    for path in sorted((shared_audio / "real").glob("*.wav")):
        tr = track_pitch(load_audio(path).audio)
        st = hz_to_st(tr.f0_hz, ref_hz=100.0)
        ok = tr.voiced[1:] & tr.voiced[:-1]
        jumps = np.abs(np.diff(st))[ok]
        assert np.sum(jumps > 9.0) == 0, path.name


def test_pitch_within_spans_equals_the_whole_run_there_and_is_unvoiced_elsewhere():
    """Telephone band: SwiftF0 run only over the spans (a call side's speech) gives, inside them,
    the frames a run over the whole recording gives, and no voiced frame far outside them."""
    parts, spans, t = [], [], 0.0
    for k, (f, dur, gap) in enumerate([(140.0, 1.2, 2.0), (210.0, 0.8, 0.3), (180.0, 1.5, 3.0), (120.0, 0.6, 1.0)]):
        parts += [tone(f, dur, sr=8000, glide_st=3.0 * (-1) ** k), np.zeros(int(gap * 8000))]
        spans.append((t, t + dur))
        t += dur + gap
    x8 = np.concatenate(parts).astype(np.float32)
    audio = audio_from_array(resample(x8, from_rate_hz=8000, to_rate_hz=16000), sample_rate_hz=16000).audio
    full = track_pitch(audio, narrowband=True)
    part = track_pitch(audio, narrowband=True, within_s=spans)
    assert np.array_equal(full.times_s, part.times_s)
    inside = np.zeros(len(full.times_s), bool)
    for a, b in spans:
        inside |= (full.times_s >= a) & (full.times_s < b)
    assert full.voiced[inside].mean() > 0.8  # the tones are tracked at all
    assert np.array_equal(full.voiced[inside], part.voiced[inside])
    assert np.allclose(full.f0_hz[inside & full.voiced], part.f0_hz[inside & full.voiced], rtol=0, atol=1e-3)  # float32 inference: within 0.001 Hz
    far = np.ones(len(full.times_s), bool)
    for a, b in spans:
        far &= (full.times_s < a - 0.6) | (full.times_s >= b + 0.6)
    assert far.sum() > 100 and not part.voiced[far].any()
