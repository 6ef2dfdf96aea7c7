"""Audio in: every format and rate we promise, channel choice, and a clear error for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from synth import SR, tone
from voicecoach.audio import ANALYSIS_RATE_HZ, audio_from_array, frame_power_db, load_audio
from voicecoach.errors import (
    AudioNotFoundError,
    AudioTooLongError,
    ChannelError,
    CorruptAudioError,
    EmptyAudioError,
    UnsupportedAudioError,
)


def _signal(sr: int, seconds: float = 2.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(sr * seconds)) / sr)).astype(np.float32)


@pytest.mark.parametrize("fmt,subtype", [
    ("WAV", "PCM_U8"), ("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "PCM_32"), ("WAV", "FLOAT"),
    ("WAV", "ULAW"), ("WAV", "ALAW"), ("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("OGG", "OPUS"), ("MP3", "MPEG_LAYER_III"),
])
def test_formats_decode_to_the_same_signal(tmp_path, fmt, subtype):
    sr = 48000 if subtype == "OPUS" else 16000
    x = _signal(sr)
    ext = {"WAV": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3"}[fmt]
    path = tmp_path / f"x.{ext}"
    sf.write(path, x, sr, format=fmt, subtype=subtype)
    loaded = load_audio(path)
    assert loaded.audio.sample_rate_hz == ANALYSIS_RATE_HZ
    assert loaded.audio.duration_s == pytest.approx(2.0, abs=0.06)
    # level survives the codec within 1 dB (lossy codecs included)
    rms = float(np.sqrt(np.mean(loaded.audio.samples[4000:-4000] ** 2)))
    assert 20 * np.log10(rms) == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=1.0)
    assert loaded.source.codec == subtype


def test_m4a_aac_through_ffmpeg(tmp_path):
    import av

    sr = 44100
    x = _signal(sr, 2.0)
    path = tmp_path / "x.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(x[None, :], format="flt", layout="mono")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    loaded = load_audio(path)
    assert loaded.source.codec == "aac"
    assert loaded.audio.duration_s == pytest.approx(2.0, abs=0.1)
    rms = float(np.sqrt(np.mean(loaded.audio.samples[8000:-8000] ** 2)))
    assert 20 * np.log10(rms) == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=1.0)


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 44100, 48000])
def test_any_rate_resamples_to_16k_keeping_time_and_level(tmp_path, sr):
    x = _signal(sr, 3.0)
    path = tmp_path / "x.wav"
    sf.write(path, x, sr)
    a = load_audio(path).audio
    assert a.sample_rate_hz == 16000
    assert len(a.samples) == pytest.approx(3.0 * 16000, abs=16)
    spectrum = np.abs(np.fft.rfft(a.samples[16000:32000]))
    assert np.argmax(spectrum) == pytest.approx(220, abs=1)  # 1 Hz bins over 1 s


def _stereo(tmp_path, left, right, sr=SR):
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([left, right], axis=1), sr)
    return path


def test_channel_choice_picks_the_right_signal(tmp_path):
    left = tone(150, 2.0, level_dbfs=-20)
    right = tone(300, 2.0, level_dbfs=-30)
    path = _stereo(tmp_path, left, right)
    for channel, f in (("left", 150), ("1", 150), ("right", 300), ("2", 300)):
        a = load_audio(path, channel=channel).audio
        assert np.argmax(np.abs(np.fft.rfft(a.samples[:16000]))) == pytest.approx(f, abs=1), channel
    mix = load_audio(path).audio.samples
    assert np.allclose(mix, (left + right) / 2, atol=1e-4)


def test_mixing_different_speakers_warns_and_identical_channels_do_not(tmp_path):
    sr = SR
    a_talks = np.concatenate([tone(150, 1.0), np.zeros(sr), tone(150, 1.0), np.zeros(sr)])
    b_talks = np.concatenate([np.zeros(sr), tone(250, 1.0), np.zeros(sr), tone(250, 1.0)])
    differ = load_audio(_stereo(tmp_path, a_talks, b_talks))
    assert "channels_differ" in [n.code for n in differ.notices]
    assert differ.source.channel_similarity < 0.5
    same = load_audio(_stereo(tmp_path, a_talks, a_talks))
    assert "channels_differ" not in [n.code for n in same.notices]
    assert same.source.channel_similarity > 0.9


def test_one_channel_keeps_the_other_channels_level_for_listening_detection(tmp_path):
    sr = SR
    agent = np.concatenate([tone(150, 1.0), np.zeros(2 * sr), tone(150, 1.0)])
    caller = np.concatenate([np.zeros(sr), tone(250, 2.0), np.zeros(sr)])
    loaded = load_audio(_stereo(tmp_path, agent, caller), channel="left")
    other = loaded.other_level_db
    assert other is not None and len(other) == len(loaded.audio.samples) // 160
    assert np.all(other[120:280] > -40) and np.all(other[:90] < -100)


def test_unknown_channel_is_a_clear_error(tmp_path):
    path = _stereo(tmp_path, tone(150, 1.0), tone(250, 1.0))
    with pytest.raises(ChannelError, match="has 2 channel"):
        load_audio(path, channel="3")
    with pytest.raises(ChannelError, match="unknown channel"):
        load_audio(path, channel="middle")


def test_missing_empty_text_corrupt_and_truncated_files(tmp_path):
    with pytest.raises(AudioNotFoundError, match="does not exist"):
        load_audio(tmp_path / "nope.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="empty"):
        load_audio(tmp_path / "empty.wav")
    (tmp_path / "notes.wav").write_text("customer called about order 123\n" * 20)
    with pytest.raises(UnsupportedAudioError, match="text file"):
        load_audio(tmp_path / "notes.wav")
    (tmp_path / "noise.mp3").write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises((CorruptAudioError, UnsupportedAudioError)):
        load_audio(tmp_path / "noise.mp3")
    good = tmp_path / "good.wav"
    sf.write(good, _signal(16000, 4.0), 16000, subtype="PCM_16")
    data = good.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    cut = load_audio(tmp_path / "cut.wav")
    assert cut.audio.duration_s == pytest.approx(2.0, abs=0.05)
    (tmp_path / "header_only.wav").write_bytes(data[:44])
    with pytest.raises(EmptyAudioError):
        load_audio(tmp_path / "header_only.wav")
    with pytest.raises(AudioNotFoundError, match="folder"):
        load_audio(tmp_path)


def test_absurdly_long_is_refused_before_decoding(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, _signal(8000, 5.0), 8000)
    with pytest.raises(AudioTooLongError, match="split the recording"):
        load_audio(path, max_duration_s=4.0)


def test_clipping_is_measured_on_the_original_samples(tmp_path):
    x = np.clip(2.0 * _signal(16000, 2.0), -0.5, 0.5) * 2.0  # flat tops at full scale
    path = tmp_path / "clip.wav"
    sf.write(path, x, 16000, subtype="FLOAT")
    src = load_audio(path).source
    assert src.clipped_ratio > 0.2
    assert src.peak_dbfs == pytest.approx(0.0, abs=0.01)
    clean = tmp_path / "clean.wav"
    sf.write(clean, _signal(16000, 2.0), 16000, subtype="FLOAT")
    assert load_audio(clean).source.clipped_ratio == 0.0


def test_array_input_and_nan(tmp_path):
    a = audio_from_array(_signal(8000, 1.0), sample_rate_hz=8000)
    assert a.audio.sample_rate_hz == 16000 and a.audio.duration_s == pytest.approx(1.0, abs=0.01)
    with pytest.raises(CorruptAudioError, match="NaN"):
        audio_from_array(np.array([0.0, np.nan, 0.1]), sample_rate_hz=8000)
    with pytest.raises(EmptyAudioError):
        audio_from_array(np.zeros(0), sample_rate_hz=8000)


def test_frame_power_db_of_a_known_level():
    x = tone(200, 1.0, level_dbfs=-26.0)
    db = frame_power_db(x, sample_rate_hz=SR)
    assert len(db) == 100
    assert np.median(db) == pytest.approx(-26.0, abs=0.3)
