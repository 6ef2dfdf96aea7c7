"""The trainer comparison page: one-line verdicts per dimension, the note where the trainer is
off the guide, changes that agree with the table, one unit per figure; and the page in Chromium
at phone and desktop widths (no overflow, CJK drawn, benchmark-then-trainee playback)."""

from __future__ import annotations

import re

import pytest

from browser import WIDTHS, browser, cjk_glyphs_drawn, needs_chromium, no_horizontal_overflow
from synth import SR, FakeRecognizer, utterance
from voicecoach.analysis import analyze
from voicecoach.trainer.compare import _dimension_of_change, compare
from voicecoach.report.charts import PHONE_W_IN
from voicecoach.trainer.charts import overlay_figure, pace_figure
from voicecoach.trainer.html import dimension_verdicts, write_compare_report

PHRASES = [8, 9, 8, 9, 8, 9]
pytestmark = pytest.mark.usefixtures("one_voice")  # synthetic takes: see conftest.one_voice


def take(lang, **kw):
    sp = utterance(PHRASES, **kw)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang=lang)


@pytest.fixture(scope="module")
def quiet_trainer():
    """A trainee inside the guide's level band and faster than a trainer far too quiet."""
    out = {}
    for lang in ("en", "zh"):
        t, b = take(lang, level_dbfs=-27.0, syllable_s=0.18), take(lang, level_dbfs=-45.0, syllable_s=0.24)
        out[lang] = compare(t, b, lang=lang)
    return out


def test_the_page_says_where_the_trainer_is_off_the_guide_and_never_pushes_away_from_it(quiet_trainer, tmp_path):
    cmp = quiet_trainer["en"]
    v = {x["name"]: x for x in dimension_verdicts(cmp, "en")}
    assert "outside the guide" in v["volume"]["note"] and "aim for the guide" in v["volume"]["note"]
    assert v["volume"]["matched"] == "within target" and v["volume"]["guide"] == "within target"
    assert not v["pace"]["note"]
    html = write_compare_report(cmp, tmp_path / "r.report").html.read_text(encoding="utf-8")
    assert html.count('class="note off-target"') == 1
    # "what to change" never names a dimension the table calls on target
    owner = _dimension_of_change()
    for key in re.findall(r'<li data-key="([^"]+)"', html):
        if key in owner:
            assert v[owner[key]]["matched"] != "within target", key
    assert "speak_up" not in html and "speak_softer" not in html


def test_one_line_verdicts_give_one_unit_per_figure(quiet_trainer):
    v = {x["name"]: x for x in dimension_verdicts(quiet_trainer["en"], "en")}
    pace = v["pace"]["line"]
    assert re.match(r"faster than your trainer by \d+%: you [\d.]+ syllables/s, your trainer [\d.]+ syllables/s", pace), pace
    assert re.search(r"louder than your trainer by [\d.]+ dB:", v["volume"]["line"])
    assert re.search(r"you \d+%, your trainer \d+%", v["pauses"]["line"])  # a share as a percentage, never 0.15
    zh = {x["name"]: x for x in dimension_verdicts(quiet_trainer["zh"], "zh")}
    assert zh["pace"]["line"].startswith("比培训师") and "请以指南为目标" in zh["volume"]["note"]


def test_different_content_advice_names_no_missing_sentences(tmp_path):
    a = take("en", level_dbfs=-16.0)
    sp = utterance([7, 6, 8], level_dbfs=-30.0)  # both inside the guide, 14 dB apart
    text = "今天天气很好我们出去走走看看外面的风景"
    chars = [(text[i % len(text)], s, e) for i, (_, s, e) in enumerate(sp.chars)]
    other = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(chars), use_cache=False, lang="en")
    cmp = compare(a, other, lang="en")
    assert not cmp.same_content and cmp.changes  # the construction: different words, a level apart
    changes = write_compare_report(cmp, tmp_path / "d.report").html.read_text(encoding="utf-8").split('id="changes"')[1].split("</div>")[0]
    assert "these sentences" not in changes and " here" not in changes
    assert "than your trainer by" in changes


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_trainer_page_in_chromium_fits_a_phone_and_plays_benchmark_then_trainee(quiet_trainer, lang, tmp_path):
    files = write_compare_report(quiet_trainer[lang], tmp_path / "r.report")
    with browser() as b:
        for width in WIDTHS:
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(files.html.as_uri())
            page.wait_for_function("document.getElementById('player-b').readyState >= 1 && document.getElementById('player-t').readyState >= 1")
            no_horizontal_overflow(page)
            if lang == "zh":
                assert cjk_glyphs_drawn(page) > 10
            else:
                assert cjk_glyphs_drawn(page) >= 1  # the transcript is Chinese on every page
            seek = page.eval_on_selector("#player-t", "a => a.getBoundingClientRect().width")
            assert seek >= 240, "the player is wide enough to keep its seek bar"
            page.evaluate("""() => { window.played = [];
                ['b', 't'].forEach(k => document.getElementById('player-' + k).addEventListener('playing', () => window.played.push(k))); }""")
            page.locator("#pairs button.play.both").first.click()
            page.wait_for_function("window.played.includes('t')", timeout=20000)
            assert page.evaluate("window.played")[:2] == ["b", "t"]
            # the first sentence named in 'what to change' plays that stretch of the trainee's take
            change = page.locator("#changes button.play.t").first
            start, end = float(change.get_attribute("data-start")), float(change.get_attribute("data-end"))
            change.click()
            page.wait_for_function(f"document.getElementById('player-t').currentTime > {start + 0.05}", timeout=10000)
            assert start <= page.evaluate("document.getElementById('player-t').currentTime") <= end + 1.0
            # charts fit the column; on a phone the narrow variant, nothing scrolls sideways
            charts = page.eval_on_selector_all(".chart img", "is => is.map(i => [i.getBoundingClientRect().width, i.naturalWidth, i.parentElement.parentElement.scrollWidth > i.parentElement.parentElement.clientWidth])")
            assert charts and all(shown <= width and not scrolls for shown, _, scrolls in charts), charts
            if width < 640:
                assert all(natural == round(PHONE_W_IN * 200) for _, natural, _ in charts), charts
            page.screenshot(path=str(tmp_path / f"compare-{lang}-{width}.png"), full_page=True)
            page.close()


def test_a_trainee_off_the_guide_on_the_trainers_side_is_never_told_to_copy_the_trainer():
    """Trainer at about -46 dBov, trainee at about -38 (the guide starts at -32): the trainee is
    louder than the trainer, but "speak softer" would take them further from the guide."""
    t, b = take("en", level_dbfs=-37.0), take("en", level_dbfs=-45.0)
    band = t.targets["volume.active_level_dbov"]
    assert b.loudness.active_level_dbov < t.loudness.active_level_dbov - 3 and t.loudness.active_level_dbov < band.min  # the construction
    cmp = compare(t, b, lang="en")
    assert "volume.active_level_dbov" in {o.key for o in cmp.benchmark_off_target}
    assert "speak_softer" not in {c.key for c in cmp.changes}
    v = {x["name"]: x for x in dimension_verdicts(cmp, "en")}
    assert v["volume"]["line"].startswith("louder than your trainer") and "aim for the guide" in v["volume"]["note"]
    assert v["volume"]["guide"] == "too quiet"


def test_the_trainer_phone_charts_text_reads_at_10_px(quiet_trainer):
    """The phone variants of the pace and overlay charts show every text at 10 px or more
    across a 390 px phone; the desktop variants, squeezed onto a phone, would not."""
    from chart_text import MIN_PHONE_TEXT_PX, PHONE_SHOWN_PX, smallest_text_px

    for lang, cmp in quiet_trainer.items():
        end = cmp.benchmark.duration_s
        for fig in (pace_figure(cmp, lang=lang, narrow=True), overlay_figure(cmp, start_s=0, end_s=end, lang=lang, narrow=True)):
            px, text = smallest_text_px(fig, PHONE_SHOWN_PX)
            assert px >= MIN_PHONE_TEXT_PX, f"{text!r} shows at {px:.1f} px on a phone"
        assert smallest_text_px(overlay_figure(cmp, start_s=0, end_s=end, lang=lang), PHONE_SHOWN_PX)[0] < MIN_PHONE_TEXT_PX
