"""Known-script alignment and the whole analyze() pipeline with a fake recogniser."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

from synth import SR, FakeRecognizer, utterance
from voicecoach.analysis import analyze
from voicecoach.audio import Audio
from voicecoach.errors import AudioTooShortError, NoSpeechError, ScriptError, SilentAudioError
from voicecoach.audio.activity import compute_activity
from voicecoach.report.jsonio import schema_path
from voicecoach.recognize.script import align_script, load_script
from voicecoach.recognize.types import Char

SCRIPT = "您好，很高兴为您服务。请问有什么可以帮您？"


def _activity(sp):
    return compute_activity(Audio(sp.samples.astype(np.float32), SR))


def _recognised(sp, text):
    return [Char(ch, ch, s, e, 0.9) for ch, (_, s, e) in zip(text, sp.chars)]


def test_script_supplies_count_and_punctuation_despite_recognition_errors():
    sp = utterance([2, 7, 9], text="您好很高兴为您服务请问有什么可以帮您")
    heard = _recognised(sp, "您好很高新为您服物请问有甚么可以帮您")  # homophone errors, no punctuation
    al = align_script(SCRIPT, heard, _activity(sp))
    assert al.n_script_syllables == 18
    assert len(al.chars) == 18
    assert "".join(c.text for c in al.chars) == "您好很高兴为您服务请问有什么可以帮您"
    assert [c.punct_after for c in al.chars if c.punct_after] == ["，", "。", "？"]
    assert al.n_matched == 15
    assert al.departures == ()  # single substitutions are recognition errors, not departures
    assert al.chars[4].start_s == heard[4].start_s  # timings from the recogniser


def test_omitted_passage_is_reported_and_not_counted():
    said = "您好请问有什么可以帮您"  # skipped 很高兴为您服务
    sp = utterance([2, 9], text=said)
    al = align_script(SCRIPT, _recognised(sp, said), _activity(sp))
    kinds = [d.kind for d in al.departures]
    assert kinds == ["omitted"] and al.departures[0].expected == "很高兴为您服务"
    assert len(al.chars) == 11


def test_added_words_are_reported_and_counted():
    said = "您好很高兴为您服务那个请问有什么可以帮您"
    sp = utterance([2, 7, 11], text=said)
    al = align_script(SCRIPT, _recognised(sp, said), _activity(sp))
    assert [(d.kind, d.heard) for d in al.departures] == [("added", "那个")]
    assert len(al.chars) == 20


def test_spoken_but_unrecognised_passage_is_unclear_and_counted():
    said = "您好很高兴为您服务请问有什么可以帮您"
    sp = utterance([2, 7, 9], text=said)
    heard = [c for i, c in enumerate(_recognised(sp, said)) if not 11 <= i <= 14]  # recogniser lost 4 syllables
    al = align_script(SCRIPT, heard, _activity(sp))
    assert [d.kind for d in al.departures] == ["unclear"]
    assert len(al.chars) == 18


def test_load_script_by_path_or_id(tmp_path):
    (tmp_path / "greeting.txt").write_text(SCRIPT, encoding="utf-8")
    assert load_script(tmp_path / "greeting.txt") == SCRIPT
    assert load_script("greeting", scripts_dir=tmp_path) == SCRIPT
    with pytest.raises(ScriptError, match="was not found"):
        load_script("farewell", scripts_dir=tmp_path)
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ScriptError, match="empty"):
        load_script(tmp_path / "empty.txt")


def _fake_run(sp, **kw):
    fake = FakeRecognizer(sp.chars, **{k: v for k, v in kw.items() if k in ("probability", "punct")})
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=fake, use_cache=False, **{k: v for k, v in kw.items() if k not in ("probability", "punct")})


def test_analyze_end_to_end_with_a_fake_recogniser_and_schema():
    sp = utterance([6, 8, 7, 6], pause_s=[0.4, 0.7, 0.4], final_factor=[1.4, 3.0, 1.4, 1.4], f0_hz=180)
    a = _fake_run(sp)
    assert a.pace.n_syllables == 27
    span = sp.chars[-1][2] - sp.chars[0][1]
    assert a.pace.speaking_rate_cps == pytest.approx(27 / span, rel=0.03)
    assert a.drawl.n_flagged == 1 and a.dimension("drawl").verdict == "drawled"
    assert a.dimension("drawl").moments[0].start_s == pytest.approx(sp.finals[1][1], abs=0.02)
    assert len(a.pauses.pauses) == 3
    assert a.pitch.median_f0_hz == pytest.approx(180 * 2 ** (1 / 12), rel=0.1)
    assert {d.name for d in a.dimensions} == {"pace", "volume", "pitch", "articulation", "drawl", "pauses", "wording"}
    assert 0 <= a.overall.score <= 100
    d = json.loads(json.dumps(a.to_dict()))
    jsonschema.validate(d, json.loads(schema_path().read_text()))
    assert d["summary"]["n_syllables"] == 27
    assert d["model"]["source"] == "fake"
    assert d["targets"]["items"]["drawl.final_ratio"]["value"] == a.targets.value("drawl.final_ratio") > 1


def test_same_numbers_in_english_and_chinese():
    sp = utterance([6, 6], pause_s=0.5)
    zh, en = _fake_run(sp, lang="zh"), _fake_run(sp, lang="en")
    assert [d.score for d in zh.dimensions] == [d.score for d in en.dimensions]
    assert zh.dimension("pace").tip != en.dimension("pace").tip
    assert all(ord(c) < 0x3000 for c in en.dimension("pace").tip)


def test_text_over_silence_is_dropped_as_hallucination():
    sp = utterance([6, 6], pause_s=2.0)
    a, b = sp.pauses[0]
    ghost = [("谢", a + 0.6, a + 0.8), ("谢", a + 0.8, a + 1.0)]
    chars = sorted(sp.chars + ghost, key=lambda c: c[1])
    res = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(chars), use_cache=False)
    assert res.pace.n_syllables == 12
    assert "dropped_text" in [n.code for n in res.notices]


def test_silent_short_and_speechless_recordings_are_clear_errors():
    with pytest.raises(SilentAudioError, match="silent"):
        analyze(np.zeros(SR * 3, np.float32), sample_rate_hz=SR, recognizer=FakeRecognizer([]), use_cache=False)
    short = utterance([2], lead_s=0.05, tail_s=0.05)
    with pytest.raises(AudioTooShortError, match="at least 1 s of speech"):
        analyze(short.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(short.chars), use_cache=False)
    t = np.arange(SR * 4) / SR
    hum = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with pytest.raises(NoSpeechError, match="no speech was found"):
        analyze(hum, sample_rate_hz=SR, recognizer=FakeRecognizer([]), use_cache=False)


def test_speech_the_recogniser_cannot_follow_is_still_measured_from_the_signal():
    # Syllable-like sound that the recogniser returns nothing for: pace comes from syllable
    # nuclei, drawl and articulation are not measured, and the report says why.
    sp = utterance([6, 7, 6], pause_s=0.4)
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer([]), use_cache=False)
    assert "unrecognised" in [n.code for n in a.notices]
    assert a.pace.n_syllables == pytest.approx(19, abs=1)
    assert a.dimension("articulation").verdict == "not_measured"
    assert a.dimension("drawl").verdict == "not_measured"
    assert a.dimension("volume").measured and a.dimension("pitch").measured


def test_organisation_targets_change_the_verdict(tmp_path):
    sp = utterance([8, 8, 8], pause_s=0.3, syllable_s=0.15, gap_s=0.02)  # ~5.5 syllables/s
    default = _fake_run(sp)
    f = tmp_path / "ours.toml"
    f.write_text("[pace.speaking_rate_cps]\nmax = 6.5\n[pace.articulation_rate_cps]\nmax = 7.5\n")
    ours = _fake_run(sp, targets=f)
    assert default.dimension("pace").verdict == "too_fast"
    assert ours.dimension("pace").verdict == "within"
    assert ours.pace.speaking_rate_cps == default.pace.speaking_rate_cps
