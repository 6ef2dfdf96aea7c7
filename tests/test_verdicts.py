"""Verdicts agree with the figures shown beside them; doubtful figures are "uncertain".

The three cases a user found on real recordings (issue 9), rebuilt from measured values:
a pause verdict tripped by the pause ratio while the page showed long pauses per minute, a
"noisy" volume verdict with the SNR shown nowhere, and "too slow" advice from a syllable count
that the page itself called unreliable. Every analysis the test session makes is also checked
by ``verdict_rules.contradictions`` (``tests/conftest.py``).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

import verdict_rules
from synth import SR, FakeRecognizer, utterance
from voicecoach.judge import dimensions
from voicecoach.judge.advice import check_label, uncertain_note, verdict_names
from voicecoach.analysis import analyze
from voicecoach.judge.assess import MeasureSet, assess, uncertain_dimensions
from voicecoach.recognize.coverage import Coverage, UnrecognisedSpan
from voicecoach.report.charts import summary_figure
from voicecoach.report.text import dimension_line, summary_lines
from voicecoach.judge.scoring import QUALITY_WORDS, UNCERTAIN_REASONS, Check, DimensionResult, overall
from voicecoach.recognize.script import ScriptAlignment


WHOLE_CALL = "您好很高兴为您服务请问有什么可以帮您我帮您查询一下订单的物流信息感谢您的来电再见"
assert len(WHOLE_CALL) == 40


@pytest.fixture(scope="module")
def base():
    """A plain take (five phrases, pauses of 0.5 s) whose figures are all on target (its words
    a whole short call: greeting, request, closing)."""
    sp = utterance([8, 8, 8, 8, 8], pause_s=0.5, f0_hz=190, text=WHOLE_CALL)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="zh")


def measures(a, **changes) -> MeasureSet:
    return dataclasses.replace(a.measures, **{"coverage": Coverage(a.pace.speaking_time_s, 1.0, ()), "n_acoustic_syllables": a.pace.n_syllables, **changes})


def judged(a, m: MeasureSet, lang: str = "zh"):
    """The analysis as it would be with measures ``m``: dimensions, overall score."""
    dims = assess(m, a.targets, lang=lang)
    return dataclasses.replace(a, measures=m, dimensions=dims, overall=overall(dims, a.targets), lang=lang)


def card(page: str, name: str) -> str:
    return re.search(rf'<div class="card dim" id="dim-{name}">(.*?)\n</div>\n', page, re.S).group(1)


def test_the_plain_take_is_within_on_its_headline_figures(base):
    for d in base.dimensions:
        assert d.verdict == "within", (d.name, d.deciding)
        assert d.deciding.key == d.figure
    assert verdict_rules.contradictions(base) == []


def test_pause_ratio_that_trips_the_verdict_is_the_figure_shown(base):
    # "停顿太多 71" beside "0.00 次/分钟 (目标 ≤1)": the ratio that decided it was not shown
    m = measures(base, pauses=dataclasses.replace(base.pauses, pause_ratio=0.41, long_pauses_per_min=0.0),
                 pace=dataclasses.replace(base.pace, speaking_time_s=20.0))
    a = judged(base, m)
    d = a.dimension("pauses")
    assert d.verdict == "hesitant" and d.score == pytest.approx(70.0)
    assert (d.deciding.key, d.deciding.value, d.deciding.max) == ("pauses.pause_ratio", 0.41, 0.35)
    line = dimension_line(d, lang="zh")
    assert "停顿占说话时间 41%（目标 5% – 35%）" in line and line.rstrip().endswith("停顿太多")
    assert "0.00" not in line
    en = dimension_line(judged(base, m, lang="en").dimension("pauses"), lang="en")
    assert "time in pauses 41% (target 5% – 35%)" in en and en.rstrip().endswith("hesitant")
    page = card(verdict_rules.render_page(a), "pauses")
    assert 'class="deciding" data-key="pauses.pause_ratio"' in page and "<b>41%</b>" in page
    assert 'data-key="pauses.long_pauses_per_min"' in page.split('class="checks"')[1]  # still shown, as another figure
    j = a.to_dict()["dimensions"][1]
    assert j["deciding"]["key"] == "pauses.pause_ratio" and j["deciding"]["value"] == 0.41
    assert verdict_rules.contradictions(a) == []


def test_noisy_verdict_shows_the_snr_against_its_target(base):
    # volume −25.5 dBov inside its band, marked "噪声大" with the SNR shown nowhere
    m = measures(base, loudness=dataclasses.replace(base.loudness, active_level_dbov=-25.5, snr_db=11.0))
    a = judged(base, m)
    d = a.dimension("volume")
    assert d.verdict == "noisy" and d.value == -25.5  # the headline figure stays the level, for QA tables
    assert (d.deciding.key, d.deciding.value, d.deciding.min) == ("volume.snr_db", 11.0, 20.0)
    assert "信噪比 11.0 dB（目标 ≥ 20）" in dimension_line(d, lang="zh")
    page = card(verdict_rules.render_page(a), "volume")
    assert 'data-key="volume.snr_db"' in page.split('class="checks"')[0] and "<b>11.0 dB</b>" in page
    fig = summary_figure(a, lang="en")
    ax = fig.axes[[x.name for x in a.dimensions].index("volume")]
    marker = next(line for line in ax.lines if line.get_gid() == "value-volume")
    assert marker.get_xdata()[0] == pytest.approx(11.0)
    lo, hi = ax.get_xlim()
    band = [p for p in ax.patches][0].get_x()  # green band starts at the SNR target
    assert band == pytest.approx(20.0) and lo < 11.0 < hi
    assert "speech over background noise" in ax.get_xlabel()
    assert verdict_rules.contradictions(a) == []


def test_pace_from_a_count_the_signal_contradicts_is_uncertain_not_advice(base):
    # "说得偏慢" as the first advice, from 36 recognised syllables where the signal has about 64
    slow = dataclasses.replace(base.pace, n_syllables=36, speaking_rate_cps=2.1, articulation_rate_cps=2.6)
    m = measures(base, pace=slow, n_acoustic_syllables=64)
    a = judged(base, m)
    d = a.dimension("pace")
    assert d.verdict == "uncertain" and d.reason == "count_disagreement" and d.score is None and d.tip == ""
    assert d.deciding.key == "quality.acoustic_count_ratio" and d.deciding.value == pytest.approx(64 / 36)
    assert "36" in d.note and "64" in d.note
    assert [c.verdict for c in d.checks] == ["too_slow", "too_slow"]  # the figures are kept, not judged
    assert "pace" not in a.overall.weights
    assert a.overall.score == pytest.approx(100.0)
    line = dimension_line(d, lang="zh")
    assert "信号音节数 / 转写字数 178%（需要 70% – 130%）" in line and line.rstrip().endswith("不确定")
    page = verdict_rules.render_page(a)
    advice = re.search(r'<div class="card todo">(.*?)</div>', page, re.S).group(1)
    assert "<ol>" not in advice and "说得偏慢" not in advice and "各项都达标" in advice
    assert "语速" in re.search(r'id="uncertain-left-out">(.*?)</p>', advice, re.S).group(1)
    assert "说得偏慢" not in page
    assert verdict_rules.contradictions(a) == []


def test_a_script_supplies_the_count_so_pace_stays_judged(base):
    slow = dataclasses.replace(base.pace, n_syllables=36, speaking_rate_cps=2.1, articulation_rate_cps=2.6)
    script = ScriptAlignment(base.chars, (), len(base.chars), len(base.chars), base.text)
    low = Coverage(base.pace.speaking_time_s, 0.6, (UnrecognisedSpan(2.0, 6.0, 4.0),))
    a = judged(base, measures(base, pace=slow, n_acoustic_syllables=64, script=script, coverage=low))
    assert a.dimension("pace").verdict == "too_slow"
    assert a.dimension("pace").deciding.key == "pace.speaking_rate_cps"
    # the syllables drawl and articulation are judged on still come from the recogniser
    for name in ("drawl", "articulation"):
        assert a.dimension(name).verdict == "uncertain" and a.dimension(name).reason == "low_coverage"
    assert verdict_rules.contradictions(a) == []


def test_low_coverage_makes_the_count_based_dimensions_uncertain(base):
    low = Coverage(base.pace.speaking_time_s, 0.62, (UnrecognisedSpan(2.0, 6.0, 4.0),))
    a = judged(base, measures(base, coverage=low), lang="en")
    uncertain = {d.name for d in a.dimensions if d.verdict == "uncertain"}
    assert uncertain == set(uncertain_dimensions()["low_coverage"]) == {"pace", "drawl", "articulation", "wording"}
    for name in uncertain:
        d = a.dimension(name)
        assert d.deciding.key == "quality.covered_ratio" and d.deciding.value == 0.62
        assert "covers only 62% of the speech (at least 90% is needed)" in d.note
        assert "speech transcribed 62% (needs ≥ 90%)" in dimension_line(d, lang="en")
    assert set(a.overall.weights) == {"pauses", "volume", "pitch"}
    assert verdict_rules.contradictions(a) == []


def test_too_little_speech_makes_pace_and_pitch_uncertain_even_with_a_script(base):
    script = ScriptAlignment(base.chars, (), len(base.chars), len(base.chars), base.text)
    a = judged(base, measures(base, pace=dataclasses.replace(base.pace, speaking_time_s=2.4), script=script))
    assert {d.name for d in a.dimensions if d.verdict == "uncertain"} == {"pace", "pitch"}
    assert a.dimension("pitch").reason == "little_speech" and "2.4 秒" in a.dimension("pitch").note
    assert verdict_rules.contradictions(a) == []


def test_dead_air_shows_the_silences_that_decided_it(base):
    gap = base.pauses.pauses[0]
    dead = dataclasses.replace(gap, end_s=gap.start_s + 6.0)
    pm = dataclasses.replace(base.pauses, dead_air=(dead,), long_pauses_per_min=0.9)
    a = judged(base, measures(base, pauses=pm))
    d = a.dimension("pauses")
    assert d.verdict == "dead_air" and d.score == 50.0
    assert (d.deciding.key, d.deciding.value, d.deciding.max) == ("pauses.n_dead_air", 1.0, 0.0)
    assert "冷场（5 秒以上无声） 1 次（目标 0）" in dimension_line(d, lang="zh")
    assert verdict_rules.contradictions(a) == []


def test_nothing_recognised_counts_pace_from_the_signal_and_judges_it():
    sp = utterance([6, 7, 6, 7, 6], pause_s=0.4)
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer([]), use_cache=False)
    assert a.dimension("pace").verdict not in ("uncertain", "not_measured")
    assert a.dimension("drawl").verdict == "not_measured"


def test_end_to_end_a_transcript_missing_half_the_syllables_is_uncertain_pace(one_voice):
    # the recogniser returns every other syllable: nothing long is uncovered, but the count halves
    sp = utterance([8, 8, 8, 8, 8], pause_s=0.5)
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars[::2]), use_cache=False, lang="zh")
    assert a.acoustic_syllables == pytest.approx(40, abs=4) and a.pace.n_syllables == 20
    pace = a.dimension("pace")
    assert pace.verdict == "uncertain" and pace.reason == "count_disagreement"
    assert "count_disagreement" in [n.code for n in a.notices]
    assert "pace" not in a.overall.weights
    assert any("不确定" in line and "信号音节数" in line for line in summary_lines(a, lang="zh"))


def test_end_to_end_hesitant_take_shows_its_pause_ratio():
    sp = utterance([3] * 9, pause_s=1.6)  # short phrases, pauses under the long-pause length
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")
    d = a.dimension("pauses")
    assert d.verdict == "hesitant" and a.pauses.long_pauses_per_min == 0
    assert d.deciding.key == "pauses.pause_ratio" and d.deciding.value > 0.35
    assert f"{d.deciding.value:.0%}" in dimension_line(d, lang="en")


def test_the_rules_catch_the_contradictions_users_found():
    # the old report: verdict "hesitant" beside long pauses per minute 0.00, inside its band
    shown = Check("pauses.long_pauses_per_min", 0.0, "1/min", None, 1.0, 100.0, "within")
    ratio = Check("pauses.pause_ratio", 0.52, "ratio", 0.05, 0.35, 15.0, "hesitant")
    old = DimensionResult("pauses", shown.key, 0.0, "1/min", None, 1.0, "hesitant", 15.0, (shown, ratio), deciding=shown)
    assert any("not above its band" in p for p in verdict_rules.dimension_contradictions(old))
    assert verdict_rules.dimension_contradictions(dataclasses.replace(old, deciding=None))
    assert verdict_rules.dimension_contradictions(dataclasses.replace(old, deciding=ratio)) == []
    within = dataclasses.replace(old, verdict="within", score=100.0, deciding=shown)
    assert any("outside" in p for p in verdict_rules.dimension_contradictions(within))
    doubtful = dataclasses.replace(old, verdict="uncertain", score=None, reason="count_disagreement", note="x",
                                   deciding=Check("quality.acoustic_count_ratio", 1.05, "ratio", 0.7, 1.3, 100.0, "within"))
    assert any("inside" in p for p in verdict_rules.dimension_contradictions(doubtful))


def test_every_analysis_of_the_session_is_checked(base):
    import conftest

    n = len(conftest._MADE)
    judged(base, measures(base))
    assert len(conftest._MADE) == n + 1


def test_every_check_and_verdict_has_words_in_both_languages():
    words = dict(QUALITY_WORDS)
    for d in dimensions.registered(None):
        words.update(d.rubric.words)
    for key in words:
        for lang in ("zh", "en"):
            assert check_label(key, lang) != key, (key, lang)
    names = {w for pair in words.values() for w in pair} | {"not_measured", "dead_air"}
    for lang in ("zh", "zh-Hant", "en"):
        assert names <= set(verdict_names(lang)) and all(verdict_names(lang).values()), lang
    for k in UNCERTAIN_REASONS:
        notes = {lang: uncertain_note(k, {"value": 0.5, "min": 0.8, "n": 3, "nuclei": 9}, lang) for lang in ("zh", "zh-Hant", "en")}
        assert len(set(notes.values())) == 3, (k, notes)  # a translation in each language
    assert set(uncertain_dimensions()) == set(UNCERTAIN_REASONS)
    assert all(r in UNCERTAIN_REASONS for d in dimensions.registered() for r in d.doubted_by)


def test_a_figure_just_outside_its_band_never_reads_as_inside():
    from types import SimpleNamespace

    from voicecoach.report.figures import check_text, shown_score, verdict_class

    def c(key, value, unit, lo, hi):
        return SimpleNamespace(key=key, value=value, unit=unit, min=lo, max=hi)

    assert "35.4%" in check_text(c("pauses.pause_ratio", 0.354, "ratio", 0.05, 0.35), "en")
    assert "19.96" in check_text(c("volume.snr_db", 19.96, "dB", 20.0, None), "en")
    assert "4.804" in check_text(c("pace.speaking_rate_cps", 4.804, "syllables/s", 3.0, 4.8), "en")
    assert "4.50" in check_text(c("pace.speaking_rate_cps", 4.5, "syllables/s", 3.0, 4.8), "en")  # inside: as usual
    just_out = SimpleNamespace(score=99.7, verdict="too_fast")
    assert shown_score(just_out) == "99" and verdict_class(just_out) == "warn"
    assert shown_score(SimpleNamespace(score=100.0, verdict="within")) == "100"
    from voicecoach.report.figures import shown_overall

    within = SimpleNamespace(score=100.0, verdict="within")
    assert shown_overall(SimpleNamespace(overall=SimpleNamespace(score=99.97), dimensions=(within, just_out))) == "99"
    assert shown_overall(SimpleNamespace(overall=SimpleNamespace(score=99.97), dimensions=(within,))) == "100"
