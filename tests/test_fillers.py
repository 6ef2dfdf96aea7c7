"""Filled pauses (嗯/呃): known answers on constructed signals, the transcript rule, what is not a
filler (tones, hum, music-like notes), the report and the terminal line, and the benchmark's gates."""

from __future__ import annotations

import dataclasses
import json
import sys

import jsonschema
import numpy as np
import pytest

from conftest import ROOT
from filler_synth import filled_pause, held_vowel
from synth import SR, FakeRecognizer, utterance

from voicecoach import analyze
from voicecoach.audio.dsp import resample
from voicecoach.measures.fillers import FillerRule, transcript_fillers
from voicecoach.recognize.types import Char
from voicecoach.report.jsonio import REPORT_SCHEMA_VERSION, migrate_report, schema_path
from voicecoach.report.text import filled_pauses_line, summary_lines

sys.path.insert(0, str(ROOT / "benchmarks"))


class FirstPassOnly(FakeRecognizer):
    """The known syllables for the whole recording; nothing for the gap filler's second look at
    unrecognised stretches (a plain FakeRecognizer would lay the whole text over them)."""

    def __init__(self, chars, *, n_samples: int, **kw) -> None:
        super().__init__(chars, **kw)
        self.n_samples = n_samples

    def recognize(self, samples, *, sample_rate_hz):
        t = super().recognize(samples, sample_rate_hz=sample_rate_hz)
        return t if len(samples) >= self.n_samples else dataclasses.replace(t, chars=())


def _speech_with_gaps():
    return utterance([6, 6, 6], pause_s=[1.4, 1.4], f0_hz=190)


def _splice_into_gaps(sp, fillers):
    """Add each (offset into gap, samples) to the matching gap of ``sp``; their true spans."""
    x = sp.samples.copy()
    truth = []
    for (g0, _), (off, y) in zip(sp.pauses, fillers):
        a = int(round((g0 + off) * SR))
        x[a:a + len(y)] += y
        truth.append((a / SR, (a + len(y)) / SR))
    return x, truth


def _analyse(x, chars, *, band="16k", punct=None, probability=0.9):
    if band == "8k":
        x = resample(x, from_rate_hz=SR, to_rate_hz=8000)
    fake = FirstPassOnly(chars, punct=punct, probability=probability, n_samples=len(x))
    return analyze(x, sample_rate_hz=SR if band == "16k" else 8000, recognizer=fake, use_cache=False, lang="en")


@pytest.mark.parametrize("band", ["16k", "8k"])
def test_synthetic_filled_pauses_in_silence_are_found_within_50_ms(band):
    rng = np.random.default_rng(1)
    sp = _speech_with_gaps()
    ys = [(0.35, filled_pause(0.45, sr=SR, f0_hz=185, rng=rng, vowel="schwa", drift_st=-1.0)),
          (0.3, filled_pause(0.7, sr=SR, f0_hz=200, rng=rng, vowel="nasal", jitter=0.015))]
    x, truth = _splice_into_gaps(sp, ys)
    fp = _analyse(x, sp.chars, band=band).filled_pauses
    assert fp.signal_count == 2 and fp.transcript_count == 0
    for m, (t0, t1) in zip(fp.moments, truth):
        assert m.source == "signal" and m.text == "" and 0.5 <= m.confidence <= 1
        assert abs(m.start_s - t0) <= 0.05 and abs(m.end_s - t1) <= 0.05, (m, t0, t1)
    assert fp.speech_min == pytest.approx(fp.speech_min) and fp.per_min == pytest.approx(2 / fp.speech_min)


def test_the_same_speech_without_fillers_has_none():
    sp = _speech_with_gaps()
    fp = _analyse(sp.samples, sp.chars).filled_pauses
    assert fp.moments == () and fp.per_min == 0.0


def test_a_filler_shorter_than_200_ms_or_with_moving_pitch_is_not_one():
    rng = np.random.default_rng(2)
    sp = _speech_with_gaps()
    short = filled_pause(0.15, sr=SR, f0_hz=190, rng=rng)
    gliding = filled_pause(0.5, sr=SR, f0_hz=190, rng=rng, drift_st=6.0)  # a rising syllable, 12 st/s
    x, _ = _splice_into_gaps(sp, [(0.4, short), (0.4, gliding)])
    assert _analyse(x, sp.chars).filled_pauses.moments == ()


def _spread_over(chars, t0, k=3):
    """The recogniser's re-timing round a filler it deleted: the ``k`` syllables after the gap
    holding the filler at ``t0`` spread evenly from ``t0`` to the end of the last of them."""
    i = next(j for j, (_, s, _) in enumerate(chars) if s > t0)
    end = chars[i + k - 1][2]
    step = (end - t0) / k
    return chars[:i] + [(c[0], t0 + j * step, t0 + (j + 1) * step) for j, c in enumerate(chars[i:i + k])] + chars[i + k:]


@pytest.mark.parametrize("band", ["16k", "8k"])
def test_a_filler_the_recogniser_spread_a_word_over_is_found(band):
    """Known answer: a 0.5 s filler right before a phrase whose first three syllables the
    recogniser re-timed evenly over the filler and themselves (no syllable edge marks it, none is
    stretched past twice the median). The signal holds one nucleus there: found; the same
    re-timing over plain speech (no filler, several nuclei) is not."""
    rng = np.random.default_rng(5)
    sp = _speech_with_gaps()
    g0, g1 = sp.pauses[0]
    y = filled_pause(0.5, sr=SR, f0_hz=190, rng=rng, vowel="nasal", drift_st=-0.5)
    x, truth = _splice_into_gaps(sp, [(g1 - g0 - 0.5, y)])  # ends where the phrase starts
    (t0, t1), = truth
    chars = _spread_over(list(sp.chars), t0)
    fp = _analyse(x, chars, band=band).filled_pauses
    hits = [m for m in fp.moments if min(m.end_s, t1) - max(m.start_s, t0) >= 0.5 * (t1 - t0)]
    assert len(hits) == 1 and hits[0].source == "signal", fp.moments
    assert len(fp.moments) == 1, fp.moments
    plain = _analyse(sp.samples, _spread_over(list(sp.chars), g1 - 0.5)).filled_pauses
    assert plain.moments == ()


def _tones(n: int, kind: str) -> np.ndarray:
    t = np.arange(n) / SR
    if kind == "ring_back":  # China's ring-back tone, 450 Hz
        return 0.1 * np.sin(2 * np.pi * 450 * t)
    if kind == "dual_tone":  # North American ring-back, 440 + 480 Hz
        return 0.05 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t))
    if kind == "hum":  # an electronic buzz with harmonics, perfectly steady
        return sum(0.08 / k * np.sin(2 * np.pi * 150 * k * t) for k in range(1, 15))
    # music-like: steady synthesiser notes with harmonics, 0.35 s each, a scale
    notes = [220.0 * 2 ** (s / 12) for s in (0, 2, 4, 5)]
    m = n // len(notes)
    return np.concatenate([sum(0.08 / k * np.sin(2 * np.pi * f * k * t[:m]) for k in range(1, 10)) for f in notes] + [np.zeros(n - m * len(notes))])


@pytest.mark.parametrize("kind", ["ring_back", "dual_tone", "hum", "music"])
@pytest.mark.parametrize("band", ["16k", "8k"])
def test_tones_hum_and_music_are_not_filled_pauses(kind, band):
    """Decided: a stretch is speech-like when at least 3 harmonics stand out of its spectrum and
    its F0 wobbles as a larynx does; a ring-back tone has 1-2 tones, a buzz or a synthesiser note
    is steadier than any voice."""
    sp = _speech_with_gaps()
    y = _tones(int(1.2 * SR), kind).astype(np.float32)
    x, _ = _splice_into_gaps(sp, [(0.1, y), (0.1, y)])
    assert _analyse(x, sp.chars, band=band).filled_pauses.moments == ()


def _chars(spec):
    return [Char(t, t, s, e, 0.8, p) for t, s, e, p in spec]


def test_transcript_fillers_stand_alone():
    chars = _chars([("嗯", 0.0, 0.3, "，"), ("好", 0.5, 0.7, ""), ("的", 0.7, 0.9, "。"),
                    ("不", 1.5, 1.7, ""), ("同", 1.7, 1.9, ""), ("啊", 1.9, 2.1, "，"),  # a particle: attached before
                    ("额", 2.4, 2.6, ""), ("度", 2.6, 2.8, "，"),  # 额度: a word after a pause
                    ("金", 3.0, 3.1, ""), ("额", 3.1, 3.3, "，"),  # 金额: a word before a pause
                    ("我", 3.5, 3.7, ""), ("呃", 3.7, 4.2, ""), ("想", 4.5, 4.7, ""),  # a pause after 呃
                    ("啊", 5.5, 5.9, ""), ("那", 6.2, 6.4, "")])  # 啊 alone between pauses
    found = transcript_fillers(chars, pause_s=FillerRule.pause_s)
    assert [(f.text, f.start_s) for f in found] == [("嗯", 0.0), ("呃", 3.7), ("啊", 5.5)]
    assert all(f.source == "transcript" and f.confidence == 0.8 for f in found)


def test_a_recognised_filler_the_signal_also_finds_is_one_moment():
    rng = np.random.default_rng(3)
    sp = _speech_with_gaps()
    x, truth = _splice_into_gaps(sp, [(0.4, filled_pause(0.5, sr=SR, f0_hz=190, rng=rng, vowel="nasal"))])
    t0, t1 = truth[0]
    chars = sorted(sp.chars + [("嗯", t0 + 0.05, t1 - 0.1)], key=lambda c: c[1])  # the recogniser's rough times
    fp = _analyse(x, chars).filled_pauses
    assert (fp.transcript_count, fp.signal_count) == (1, 0)
    (m,) = fp.moments
    assert m.source == "transcript" and m.text == "嗯" and abs(m.start_s - t0) <= 0.05 and abs(m.end_s - t1) <= 0.05


def test_report_json_and_the_terminal_line():
    rng = np.random.default_rng(4)
    sp = _speech_with_gaps()
    x, _ = _splice_into_gaps(sp, [(0.4, filled_pause(0.5, sr=SR, f0_hz=190, rng=rng))])
    a = _analyse(x, sp.chars)
    d = a.to_dict()
    assert d["schema_version"] == REPORT_SCHEMA_VERSION == "1.3"
    jsonschema.validate(d, json.loads(schema_path().read_text(encoding="utf-8")))
    assert d["filled_pauses"]["n_filled_pauses"] == 1 and d["filled_pauses"]["signal_count"] == 1
    assert d["filled_pauses"]["moments"][0]["source"] == "signal"
    old = {k: v for k, v in d.items() if k != "filled_pauses"}
    migrated = migrate_report({**old, "schema_version": "1.2"})
    assert migrated["schema_version"] == "1.3" and migrated["filled_pauses"] is None  # not measured, not zero
    jsonschema.validate(migrated, json.loads(schema_path().read_text(encoding="utf-8")))
    line = filled_pauses_line(a.filled_pauses, lang="en")
    assert line in summary_lines(a, lang="en")
    assert line.strip().startswith("Filled pauses (嗯/呃): 1, ") and "1 of them heard only in the signal" in line
    assert filled_pauses_line(a.filled_pauses, lang="zh").strip().startswith("填充音（嗯/呃）：1 次")
    assert filled_pauses_line(None, lang="en") == ""


def test_the_cli_prints_the_line(tmp_path):
    from typer.testing import CliRunner

    import soundfile as sf
    from voicecoach.cli import app

    sp = _speech_with_gaps()
    path = tmp_path / "plain.wav"
    sf.write(path, sp.samples, SR)
    from unittest import mock

    with mock.patch("voicecoach.recognize.build_recognizer", return_value=FirstPassOnly(sp.chars, n_samples=len(sp.samples))):
        r = CliRunner().invoke(app, ["analyze", str(path), "--lang", "en", "--no-cache", "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "Filled pauses (嗯/呃): none" in r.output


@pytest.mark.model
@pytest.mark.slow
def test_inserted_into_real_speech_and_the_false_flag_gate(shared_audio, whisper):
    """The benchmark on three sources' clips, both bands: inserted fillers found, and no more than
    one false flag per 5 minutes of untouched speech (the full run: benchmarks/results/fillers.md)."""
    from fillers import collect, score

    keep = ("aishell1_BAC009S0764W0121.wav", "funasr_paraformer_example_1.wav", "paddlespeech_zh.wav")
    cases = collect(shared_audio, whisper, log=lambda *_: None, only=keep)
    sc = score(cases, FillerRule())
    assert sc.n_true >= 8
    # last full run: 4 of these 10 found by the shipped rule (fitted on them too; 47 % held out over all 64), precision 100 %
    assert sc.recall >= 0.4 and sc.precision >= 0.8, (sc.recall, sc.precision)
    assert np.median(np.abs(sc.onset_ms)) <= 50 and np.median(np.abs(sc.offset_ms)) <= 50
    assert sc.false_per_5min <= 1.0, sc.n_false


def test_held_vowel_is_a_steady_loop():
    sp = utterance([3], f0_hz=200, f0_pattern_st=(0.0,), syllable_s=0.4, final_factor=1.0)
    y = held_vowel(sp.samples, sr=SR, centre_s=sp.chars[1][1] + 0.2, f0_hz=200.0, duration_s=0.5, rng=np.random.default_rng(0))
    assert len(y) == int(0.5 * SR) and np.sqrt(np.mean(y[2000:6000] ** 2)) > 0.01
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert abs(f[np.argmax(np.abs(np.fft.rfft(y)))] - 200) < 10


def test_the_shipped_rule_is_the_folds_choice():
    """FillerRule's defaults are what benchmarks/fillers.py chose (benchmarks/results/fillers.json:
    the way with the better held-out figures, refitted on every source by the procedure the folds
    validated), so the published held-out table is what users get. Rerun the benchmark and copy
    its "shipped" values into the code when this fails."""
    from voicecoach.measures.filler_model import FEATURES

    choice = json.loads((ROOT / "benchmarks" / "results" / "fillers.json").read_text(encoding="utf-8"))
    shipped, rule = choice["shipped"], FillerRule()
    keys = ("cut_st", "cut_median", "whole_runs", "max_range_st", "max_slope_st_per_s", "max_change_db", "min_spread", "smooth")
    assert {k: getattr(rule, k) for k in keys} == {k: shipped[k] for k in keys}
    if choice["method"] == "logistic":
        assert rule.model is not None and shipped["model"]["features"] == list(FEATURES)
        for k in ("centre", "scale", "weights", "bias", "min_score"):
            assert np.asarray(getattr(rule.model, k)) == pytest.approx(np.asarray(shipped["model"][k]), abs=1e-9), k
    else:
        assert rule.model is None and shipped["model"] is None
    held = choice["heldout"][choice["method"]]
    assert 0 <= held["found"] <= held["inserted"] and held["recall"] == pytest.approx(held["found"] / held["inserted"], abs=1e-4)
    assert len(choice["folds"]) >= 5 and all("held_out" in f for f in choice["folds"])


def test_logistic_fit_recovers_a_known_rule():
    """Known answer for the fitting: labels made by a known linear rule on two of the features are
    told apart by the fitted model (the other features are noise), and its weights point the same way."""
    from voicecoach.measures.filler_model import FEATURES, fit_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 1] - 2 * x[:, 3] > 0.3).astype(int)
    m = fit_logistic(x, y, l2=0.1)
    z = (x - np.asarray(m.centre)) / np.asarray(m.scale)
    p = 1 / (1 + np.exp(-(z @ np.asarray(m.weights) + m.bias)))
    assert np.mean((p >= 0.5) == (y == 1)) >= 0.97
    w = np.asarray(m.weights)
    assert w[1] > 0 > w[3] and abs(w[3]) > abs(w[1]) > 3 * np.max(np.abs(np.delete(w, [1, 3])))


@pytest.mark.parametrize("band", ["16k", "8k"])
def test_a_rising_falling_en_is_offered_uncut(band):
    """Known answer for FillerRule.whole_runs: a 0.4 s 嗯 whose F0 rises 2 st then falls 4 st within 0.15 s (as the real 嗯
    of the benchmark's clip does), alone in a pause. Cut where F0 moves faster than 1 st per 30 ms, no piece covers half of it;
    offered uncut too, exactly one candidate does, and it spans the 嗯 within 50 ms."""
    from voicecoach.measures.fillers import signal_candidates

    sp = _speech_with_gaps()
    y = filled_pause(0.4, sr=SR, f0_hz=190, rng=np.random.default_rng(7), vowel="nasal", jitter=0.005,
                     contour_st=((0.0, 0.0), (0.08, 0.0), (0.13, 2.0), (0.23, -2.0), (0.4, -2.0)))
    x, ((t0, t1),) = _splice_into_gaps(sp, [(0.5, y)])
    a = _analyse(x, sp.chars, band=band)
    kw = dict(activity=a.activity, pitch_track=a.pitch_track, chars=a.chars, min_s=FillerRule.min_s, cut_st=1.0, cut_median=1)

    def covering(whole_runs):
        found = signal_candidates(a.loaded.audio, whole_runs=whole_runs, **kw)
        return [c for c in found if min(c.end_s, t1) - max(c.start_s, t0) >= 0.5 * (t1 - t0)]

    assert covering(False) == []
    (c,) = covering(True)
    assert abs(c.start_s - t0) <= 0.05 and abs(c.end_s - t1) <= 0.05, (c, t0, t1)
    assert c.range_st >= 2.5, c  # the whole contour is measured, not a flat piece of it


def test_median_st_known_answers():
    """The running median the cut reads: a one-frame octave slip is gone, a step stays a step, unvoiced frames stay NaN and are
    not counted in their neighbours' windows, 1 frame returns the track."""
    from voicecoach.measures.filler_frames import median_st

    nan = np.nan
    st = np.array([5.0, 5.0, -7.0, 5.0, 5.0, nan, 9.0, 9.0, 2.0, 2.0, 2.0])
    assert np.array_equal(median_st(st, 3), np.array([5.0, 5.0, 5.0, 5.0, 5.0, nan, 9.0, 9.0, 2.0, 2.0, 2.0]), equal_nan=True)
    assert median_st(st, 1) is st
    assert np.isnan(median_st(np.full(4, nan), 5)).all()


@pytest.mark.parametrize("band", ["16k", "8k"])
def test_a_one_frame_pitch_slip_no_longer_cuts_a_filler(band):
    """Known answer for FillerRule.cut_median: a steady 0.6 s filler alone in a pause, its measured F0 track given one-frame
    octave slips at a third and two thirds of it (what an 8 kHz tracker does). Cut on the raw track, no piece covers half of
    it; on the 3-frame running median, one candidate spans it within 50 ms, with the flat F0 it has."""
    from voicecoach.measures.fillers import signal_candidates

    sp = _speech_with_gaps()
    y = filled_pause(0.6, sr=SR, f0_hz=190, rng=np.random.default_rng(8), vowel="schwa", jitter=0.005)
    x, ((t0, t1),) = _splice_into_gaps(sp, [(0.4, y)])
    a = _analyse(x, sp.chars, band=band)
    pt = a.pitch_track
    f0 = pt.f0_hz.copy()
    for k in (1, 2):
        i = int(np.argmin(np.abs(pt.times_s - (t0 + k * (t1 - t0) / 3))))
        assert np.isfinite(f0[i]), "the filler is voiced where the slip goes"
        f0[i] /= 2
    slipped = dataclasses.replace(pt, f0_hz=f0)
    kw = dict(activity=a.activity, pitch_track=slipped, chars=a.chars, min_s=FillerRule.min_s, cut_st=1.0, whole_runs=False)

    def covering(cut_median):
        found = signal_candidates(a.loaded.audio, cut_median=cut_median, **kw)
        return [c for c in found if min(c.end_s, t1) - max(c.start_s, t0) >= 0.5 * (t1 - t0)]

    assert covering(1) == []
    (c,) = covering(3)
    assert abs(c.start_s - t0) <= 0.05 and abs(c.end_s - t1) <= 0.05, (c, t0, t1)
