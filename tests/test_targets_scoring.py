"""Targets: defaults sourced, overrides merged, mistakes reported by key and line; scoring."""

from __future__ import annotations

import pytest

from voicecoach.errors import TargetsError
from voicecoach.judge import dimensions
from voicecoach.judge.scoring import check, judge, overall
from voicecoach.judge.targets import load_targets


def test_every_default_has_unit_reason_and_source():
    t = load_targets()
    assert len(t.items) >= 20
    for key, target in t.items.items():
        assert target.unit and target.reason and target.source, key
        assert target.value is not None or target.min is not None or target.max is not None, key
    assert set(t.weights) == set(dimensions.names())
    assert sum(t.weights.values()) == pytest.approx(1.0)


def test_override_a_subset(tmp_path):
    f = tmp_path / "ours.toml"
    f.write_text('[pace.speaking_rate_cps]\nmin = 2.8\nmax = 4.2\n\n[drawl.final_ratio]\nvalue = 2.5\n\n[overall.weights]\npace = 0.5\n')
    t = load_targets(f)
    assert (t["pace.speaking_rate_cps"].min, t["pace.speaking_rate_cps"].max) == (2.8, 4.2)
    assert t["pace.speaking_rate_cps"].unit == "syllables/s"  # inherited
    assert "organisation override" in t["pace.speaking_rate_cps"].source
    assert t.value("drawl.final_ratio") == 2.5
    assert t["volume.active_level_dbov"].origin == "defaults"
    assert t.weights["pace"] > load_targets().weights["pace"]
    assert sum(t.weights.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("text,message", [
    ('[pace.speaking_rate_cps]\nmin = "fast"\n', r"line 2: pace.speaking_rate_cps.min is 'fast' but must be a number \(syllables/s\)"),
    ('[pace.speed]\nmin = 3\n', r"line 1: pace.speed is not a known target; known in \[pace\]: speaking_rate_cps"),
    ('[pace.speaking_rate_cps]\nmin = 5\nmax = 4\n', r"pace.speaking_rate_cps has min 5 >= max 4"),
    ('[pace.speaking_rate_cps]\nunit = "chars/min"\nmin = 150\n', r"line 2: pace.speaking_rate_cps.unit is 'chars/min' but this target is measured in 'syllables/s'"),
    ('[pace.speaking_rate_cps]\nmni = 3\n', r"line 2: pace.speaking_rate_cps.mni is not a known field"),
    ('[drawl.final_ratio]\nmax = 3\n', r"is a single threshold: set `value`"),
    ('[overall.weights]\nspeed = 1\n', r"overall.weights.speed is not a dimension"),
    ('[volume\nmin = 3\n', r"not valid TOML"),
    ('[tone.warmth]\nmin = 3\n', r"tone is not a known section"),
])
def test_mistakes_name_key_and_line(tmp_path, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(TargetsError, match=message):
        load_targets(f)


def test_missing_targets_file(tmp_path):
    with pytest.raises(TargetsError, match="does not exist"):
        load_targets(tmp_path / "nope.toml")


def test_check_scores_inside_100_and_falls_linearly_outside():
    t = load_targets()["pace.speaking_rate_cps"]  # 3.0-4.8, falloff 1.5
    words = dimensions.get("pace").rubric.words["pace.speaking_rate_cps"]
    assert check("pace.speaking_rate_cps", 4.0, t, words).score == 100
    c = check("pace.speaking_rate_cps", 5.55, t, words)
    assert c.score == pytest.approx(50.0) and c.verdict == "too_fast"
    c = check("pace.speaking_rate_cps", 2.25, t, words)
    assert c.score == pytest.approx(50.0) and c.verdict == "too_slow"
    assert check("pace.speaking_rate_cps", 9.0, t).score == 0
    assert check("pace.speaking_rate_cps", float("nan"), t) is None


def test_dimension_takes_its_worst_check_and_overall_is_weighted():
    t = load_targets()
    vol = judge(dimensions.get("volume").rubric, {"volume.active_level_dbov": -20.0, "volume.snr_db": 12.5, "volume.level_variation_db": 2.0, "volume.clipped_ratio": 0.0}, t)
    assert vol.verdict == "noisy" and vol.score == pytest.approx(100 * (1 - 7.5 / 15))
    pace = judge(dimensions.get("pace").rubric, {"pace.speaking_rate_cps": 4.0, "pace.articulation_rate_cps": 5.0}, t)
    assert pace.verdict == "within" and pace.score == 100
    o = overall((vol, pace), t)
    w = t.weights
    assert o.score == pytest.approx((w["volume"] * vol.score + w["pace"] * 100) / (w["volume"] + w["pace"]))
