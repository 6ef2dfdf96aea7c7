"""Trainer mode stays inside the guide: a benchmark off the guide's band is reported as such and
never becomes the trainee's target, and "what to change" never contradicts the table."""

from __future__ import annotations

import pytest

from synth import SR, FakeRecognizer, utterance
from voicecoach.analysis import analyze
from voicecoach.trainer.compare import _dimension_of_change, compare

PHRASES = [8, 9, 8, 9, 8, 9]


pytestmark = pytest.mark.usefixtures("one_voice")  # synthetic takes: see conftest.one_voice


def take(**kw):
    sp = utterance(PHRASES, **kw)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")


def matched(cmp, name):
    return next(d for d in cmp.matched if d.name == name)


def assert_changes_agree_with_the_table(cmp):
    owner = _dimension_of_change()
    for c in cmp.changes:
        d = owner.get(c.key)
        if d is not None:
            assert matched(cmp, d).verdict not in ("within", "not_measured", "uncertain"), (c.key, matched(cmp, d).verdict)


def test_a_quiet_benchmark_off_the_guide_is_reported_and_the_guide_stays_the_target():
    trainee, bench = take(level_dbfs=-27.0), take(level_dbfs=-45.0)
    t_level, b_level = trainee.loudness.active_level_dbov, bench.loudness.active_level_dbov
    band = trainee.targets["volume.active_level_dbov"]
    assert band.min <= t_level <= band.max and b_level < band.min  # the construction
    cmp = compare(trainee, bench, lang="en")
    off = {o.key: o for o in cmp.benchmark_off_target}
    assert off["volume.active_level_dbov"].benchmark_value == pytest.approx(b_level)
    assert matched(cmp, "volume").verdict == "within"  # was "too loud, 20/100" when the benchmark was the target
    assert not {"speak_up", "speak_softer"} & {c.key for c in cmp.changes}
    assert cmp.to_dict()["benchmark_off_target"][0]["key"] == "volume.active_level_dbov"
    assert_changes_agree_with_the_table(cmp)


def test_a_fast_benchmark_off_the_guide_never_pushes_a_trainee_inside_it():
    trainee, bench = take(syllable_s=0.22), take(syllable_s=0.12, pause_s=0.35)
    band = trainee.targets["pace.speaking_rate_cps"]
    assert band.min <= trainee.pace.speaking_rate_cps <= band.max < bench.pace.speaking_rate_cps
    cmp = compare(trainee, bench, lang="en")
    assert "pace.speaking_rate_cps" in {o.key for o in cmp.benchmark_off_target}
    assert matched(cmp, "pace").verdict == "within"  # was "too slow, 0" with the benchmark as the target
    assert not {"speed_up", "slow_down"} & {c.key for c in cmp.changes}
    assert_changes_agree_with_the_table(cmp)


def test_a_benchmark_inside_the_guide_is_matched_within_the_guide():
    trainee, bench = take(level_dbfs=-31.0), take(level_dbfs=-18.0)
    cmp = compare(trainee, bench, lang="en")
    assert not cmp.benchmark_off_target
    target = next(c for c in matched(cmp, "volume").checks if c.key == "volume.active_level_dbov")
    guide = trainee.targets["volume.active_level_dbov"]
    assert guide.min <= target.min and target.max <= guide.max  # the benchmark's band, cut to the guide's
    assert matched(cmp, "volume").verdict == "too_quiet"
    assert "speak_up" in {c.key for c in cmp.changes}
    assert_changes_agree_with_the_table(cmp)
