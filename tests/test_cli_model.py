"""The CLI through typer's CliRunner, and the real bundled model end to end on our own samples."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from conftest import SAMPLES
from voicecoach.cli import app
from voicecoach.report.jsonio import REPORT_SCHEMA_VERSION

runner = CliRunner()
SCRIPT = (SAMPLES / "scripts" / "service_call.txt").read_text(encoding="utf-8").strip()


def _cer(ref: str, hyp: str) -> float:
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(ref, hyp) / len(ref)


@pytest.mark.model
def test_transcript_of_our_good_take_is_simplified_and_close_to_the_script(whisper):
    from voicecoach.audio import load_audio
    from voicecoach.recognize.textnorm import is_punctuation

    audio = load_audio(SAMPLES / "good_take.flac").audio
    t = whisper.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)
    text = "".join(c.text for c in t.chars)
    script = "".join(ch for ch in SCRIPT if not is_punctuation(ch))
    assert _cer(script, text) < 0.15
    assert "么" in text and "麼" not in text  # simplified script
    assert all(c.end_s >= c.start_s for c in t.chars)
    assert t.model.sha256 == "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"


@pytest.mark.model
def test_transcripts_are_cached_by_content(whisper, tmp_path):
    from voicecoach.audio import load_audio
    from voicecoach.recognize import CachedRecognizer

    audio = load_audio(SAMPLES / "too_fast.flac").audio
    cached = CachedRecognizer(whisper.inner, tmp_path)
    first = cached.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)
    second = cached.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)
    assert cached.hits == 1 and second == first
    cached.recognize((audio.samples * 0.5).astype(np.float32), sample_rate_hz=audio.sample_rate_hz)
    assert cached.hits == 1  # other content, new transcription


@pytest.mark.model
def test_no_text_is_invented_in_silence_or_noise(whisper):
    from voicecoach.audio import Audio

    rng = np.random.default_rng(0)
    silence = Audio(np.zeros(16000 * 8, np.float32), 16000)
    noise = Audio((rng.standard_normal(16000 * 8) * 0.01).astype(np.float32), 16000)
    assert whisper.recognize(silence.samples, sample_rate_hz=16000).chars == ()
    assert len(whisper.recognize(noise.samples, sample_rate_hz=16000).chars) <= 2


@pytest.mark.model
def test_cli_analyze_writes_report_and_prints_summary(tmp_path):
    res = runner.invoke(app, ["analyze", str(SAMPLES / "good_take.flac"), "--out", str(tmp_path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "good_take.report"
    assert (folder / "report.html").stat().st_size > 50_000
    assert (folder / "charts" / "summary.png").exists() and (folder / "charts" / "timeline.png").exists()
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == REPORT_SCHEMA_VERSION and data["model"]["name"] == "base"
    assert "Pace" in res.output and "report:" in res.output


@pytest.mark.model
def test_cli_with_script_channel_and_targets(tmp_path):
    targets = tmp_path / "ours.toml"
    targets.write_text("[pauses.dead_air_s]\nvalue = 8.0\n[pauses.long_pause_s]\nvalue = 7.0\n")
    res = runner.invoke(app, ["analyze", str(SAMPLES / "call_stereo.wav"), "--channel", "left", "--targets", str(targets),
                              "--script", "service_call", "--scripts-dir", str(SAMPLES / "scripts"), "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "call_stereo.report" / "report.json").read_text(encoding="utf-8"))
    assert data["source"]["channel"] == "left" and data["source"]["n_channels"] == 2
    assert data["script"]["n_script_syllables"] == 103
    assert data["summary"]["n_syllables"] == pytest.approx(103, abs=3)
    assert data["measures"]["pauses"]["dead_air"] == []  # our 8 s limit, not the default 5 s
    assert data["targets"]["items"]["pauses.dead_air_s"]["value"] == 8.0


@pytest.mark.parametrize("make,code,message", [
    (lambda p: None, 2, "does not exist"),
    (lambda p: p.write_bytes(b""), 2, "is empty"),
    (lambda p: p.write_text("hello " * 100), 2, "text file, not audio"),
    (lambda p: sf.write(p, np.zeros(16000 * 3), 16000), 2, "is silent"),
    (lambda p: sf.write(p, 0.1 * np.sin(np.arange(3000) / 5), 16000), 2, "at least 1 s of speech"),
])
def test_cli_bad_input_is_one_clear_line_and_a_nonzero_exit(tmp_path, make, code, message):
    p = tmp_path / "in.wav"
    make(p)
    res = runner.invoke(app, ["analyze", str(p), "--out", str(tmp_path)])
    assert res.exit_code == code
    assert message in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


@pytest.mark.model
def test_cli_non_speech_is_no_speech(tmp_path):
    p = tmp_path / "tones.wav"
    t = np.arange(16000 * 4) / 16000
    sf.write(p, 0.2 * np.sin(2 * np.pi * 440 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0), 16000)
    res = runner.invoke(app, ["analyze", str(p), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "no speech was found" in res.output and "tones, music or noise" in res.output


def test_cli_targets_check(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[pace.speaking_rate_cps]\nmax = 4.5\n")
    res = runner.invoke(app, ["targets", "--check", str(good)])
    assert res.exit_code == 0 and "overrides 1 target(s): pace.speaking_rate_cps" in res.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[pace.speaking_rate_cps]\nmax = 'x'\n")
    res = runner.invoke(app, ["targets", "--check", str(bad)])
    assert res.exit_code == 4 and "bad.toml line 2" in res.output


def test_cli_bad_option_values(tmp_path):
    res = runner.invoke(app, ["analyze", str(SAMPLES / "good_take.flac"), "--lang", "fr"])
    assert res.exit_code != 0 and "--lang must be zh, zh-Hant or en" in res.output
    res = runner.invoke(app, ["analyze", str(SAMPLES / "good_take.flac"), "--channel", "right"])
    assert res.exit_code == 2 and "channel 'right' does not exist" in res.output
