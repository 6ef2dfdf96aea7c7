"""The agent report as people see it: Debian's Chromium at a phone's 390 px and a desktop's
1440 px, in Simplified and Traditional Chinese and in English.

On every page: no horizontal scrolling (of the page or inside a chart), no missing glyphs (each
character drawn in the page's font is compared with the box drawn for a character no font
has), the first screen (the first viewport) holds the overall score, something that went well
and something to change with a button that plays it, clicking that button plays that moment,
play buttons stay on one line, and times read mm:ss. The drawl labels of the timeline chart
do not overlap.
"""

from __future__ import annotations

import os
import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from synth import SR, FakeRecognizer, utterance
from test_report import CHROMIUM
from voicecoach.analysis import analyze
from voicecoach.report import write_report
from voicecoach.report.charts import timeline_figure

VIEWPORTS = {"phone": {"width": 390, "height": 800}, "desktop": {"width": 1440, "height": 900}}
LANGS = ("zh", "zh-Hant", "en")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--autoplay-policy=no-user-gesture-required"]


def _speech():
    return utterance([6, 7, 6, 7], pause_s=[0.4, 3.4, 0.4], final_factor=[1.4, 3.0, 1.4, 1.4], f0_hz=190)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """lang -> (analysis, report.html): a take with a drawled phrase end and a long pause."""
    sp = _speech()
    out = {}
    for lang in LANGS:
        a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang=lang)
        out[lang] = (a, write_report(a, tmp_path_factory.mktemp("pages") / f"{lang}.report", lang=lang).html)
    return out


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None and not os.environ.get("VOICECOACH_REQUIRE_BROWSER"):
        pytest.skip("Debian chromium not installed (scripts/system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


TOFU_JS = """() => {
  // every character of the page's text, drawn in the page's font, against the box drawn for a
  // character no font has (U+10FFFD): identical pixels mean a missing glyph
  const font = '24px ' + getComputedStyle(document.body).fontFamily;
  const c = document.createElement('canvas'); c.width = 40; c.height = 40;
  const g = c.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => { g.clearRect(0, 0, 40, 40); g.font = font; g.fillText(ch, 4, 30); return g.getImageData(0, 0, 40, 40).data.join(','); };
  const tofu = draw('\\u{10FFFD}');
  const chars = new Set([...document.body.innerText].filter((ch) => ch.trim() && ch.codePointAt(0) > 127));
  return {n: chars.size, missing: [...chars].filter((ch) => draw(ch) === tofu)};
}"""

LAYOUT_JS = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const inView = (el) => { if (!el) return false; const r = el.getBoundingClientRect(); return r.width > 0 && r.top >= 0 && r.bottom <= vh && r.left >= 0 && r.right <= vw; };
  const onTop = (el) => { const r = el.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return hit === el || el.contains(hit); };
  const scrollers = [...document.querySelectorAll('*')].filter((el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1).map((el) => el.tagName + '.' + el.className);
  const wide = [...document.querySelectorAll('img, svg, canvas, table')].filter((el) => el.getBoundingClientRect().right > vw + 0.5).map((el) => el.id || el.className);
  const wrapped = [...document.querySelectorAll('button.t')].filter((b) => b.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(b).fontSize)).map((b) => b.innerText);
  const play = document.querySelector('#first-screen .todo li button.t');
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, scrollers, wide, wrapped,
    score: inView(document.getElementById('overall')), score_text: document.getElementById('overall').innerText,
    went_well: inView(document.querySelector('#first-screen ul.wentwell li')),
    to_change: inView(document.querySelector('#first-screen .todo li')),
    play: inView(play) && onTop(play),
    times: [...document.querySelectorAll('button.t')].map((b) => b.innerText.trim()),
    created: document.getElementById('created').innerText,
    charts: [...document.querySelectorAll('img.fig')].map((i) => [i.id || i.className, i.getBoundingClientRect().width, i.naturalWidth]),
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", list(VIEWPORTS))
def test_the_page_as_people_see_it(pages, browser, lang, view, tmp_path):
    a, html = pages[lang]
    page = browser.new_page(viewport=VIEWPORTS[view])
    try:
        page.goto(html.as_uri())
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        page.wait_for_function("[...document.images].every((i) => i.complete)")
        got = page.evaluate(LAYOUT_JS)
        assert got["scrollWidth"] <= got["innerWidth"], f"the page scrolls sideways: {got['scrollWidth']} > {got['innerWidth']} px"
        assert got["scrollers"] == [] and got["wide"] == [], "something scrolls sideways inside the page"
        assert got["wrapped"] == [], "play buttons wrap onto two lines"
        # the first screen: the overall score, what went well, what to change with a button to play it
        assert got["score"] and got["score_text"].split()[0] == f"{a.overall.score:.0f}"
        assert got["went_well"] and got["to_change"] and got["play"]
        # times of the recording as mm:ss; the created time without ISO's T and offset
        assert got["times"] and all(re.fullmatch(r"▶ \d{2}:\d{2}", t) for t in got["times"]), got["times"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", got["created"]), got["created"]
        # charts fill the column on a phone (no thumbnail), and never go past the viewport
        for name, shown, natural in got["charts"]:
            assert shown <= got["innerWidth"]
            if view == "phone":
                assert shown >= 340 and natural >= shown, (name, shown, natural)
        # every character has a glyph
        glyphs = page.evaluate(TOFU_JS)
        assert glyphs["n"] > (40 if lang != "en" else 0) and glyphs["missing"] == [], glyphs["missing"]
        body = page.inner_text("body")
        assert not re.search(r"\d\.\d+ ?(置信度|置信度|confidence)", body), "a bare model probability on the page"
        # clicking the first moment to change plays that moment
        button = page.locator("#first-screen .todo li button.t").first
        start, end = float(button.get_attribute("data-start")), float(button.get_attribute("data-end"))
        button.click()
        page.wait_for_function("document.getElementById('player').currentTime > 0", timeout=5000)
        t = page.evaluate("document.getElementById('player').currentTime")
        assert start - 0.3 <= t <= end + 1.0
        page.screenshot(path=str(tmp_path / f"{lang}-{view}.png"))
    finally:
        page.close()


def test_drawl_labels_do_not_overlap_and_stay_inside_the_chart():
    sp = utterance([3] * 14, pause_s=0.4, final_factor=3.0, f0_hz=190)
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")
    assert a.drawl.n_flagged >= 8  # close together: labels would collide if all were drawn at one height
    fig = timeline_figure(a, start_s=0.0, end_s=a.duration_s, lang="en")
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[-1]
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().startswith("drawl")]
    assert boxes
    inside = ax.get_window_extent(renderer)
    for i, b in enumerate(boxes):
        assert inside.x0 - 1 <= b.x0 and b.x1 <= inside.x1 + 1
        for c in boxes[i + 1:]:
            assert not b.overlaps(c)
    assert ax.get_legend() is not None and "drawl" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_every_timeline_panel_and_the_summary_have_a_legend():
    sp = _speech()
    a = analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")
    from voicecoach.report.charts import summary_figure

    fig = timeline_figure(a, start_s=0.0, end_s=a.duration_s, lang="en")
    for ax in fig.axes:
        assert ax.get_legend() is not None, ax.get_title()
    vol = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert {"pause (not flagged)", "your average level", "target band"} <= set(vol)
    pitch = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert {"your median pitch", "your usual range"} <= set(pitch)
    assert fig.axes[-1].get_xlabel() and fig.axes[1].get_ylabel() == "dBov" and fig.axes[2].get_ylabel() == "Hz"
    assert summary_figure(a, lang="en").legends


def test_times_read_mm_ss_of_the_recording_and_the_created_time_reads_as_a_date():
    from voicecoach.report.charts import mmss
    from voicecoach.report.html import fmt_created, fmt_time

    assert [fmt_time(t) for t in (0.0, 6.97, 65.9, 599.99, 3725.2)] == ["00:00", "00:06", "01:05", "09:59", "1:02:05"]
    assert [mmss(t) for t in (0.0, 10.0, 65.0, 3725.0)] == ["00:00", "00:10", "01:05", "1:02:05"]
    assert fmt_created("2026-12-02T15:38:53+00:00") == "2026-12-02 15:38 UTC"
    assert fmt_created("2026-12-02T23:38:53+08:00") == "2026-12-02 15:38 UTC"


def test_a_recognition_probability_reads_as_how_sure_the_recogniser_was(pages):
    from voicecoach.judge.scoring import Moment
    from voicecoach.report.html import moment_value

    m = Moment(1.0, 2.0, "unclear", "你的", 0.43, "probability")
    assert moment_value(m, "en") == "the recogniser was only 43% sure of these words"
    assert moment_value(m, "zh") == "识别器对这几个字只有 43% 的把握"
    for _, html in pages.values():
        assert not re.search(r"\d\.\d+ ?(置信度|置信度|confidence)", html.read_text(encoding="utf-8"))


def test_chart_text_reads_on_a_phone(pages):
    """Every text of the timeline and the summary chart (ticks, legends, labels) is at least
    10 px when the chart is shown across a 390 px phone; the measure itself on a known case: a
    5.2 in chart (the old width) with 8 pt text would show it at 7.9 px."""
    from matplotlib.figure import Figure

    from chart_text import MIN_PHONE_TEXT_PX, PHONE_SHOWN_PX, smallest_text_px
    from voicecoach.report.charts import summary_figure

    old = Figure(figsize=(5.2, 3))
    old.text(0.5, 0.5, "drawl 3.0×", fontsize=8)
    assert smallest_text_px(old, 370)[0] == pytest.approx(8 / 72 * 370 / 5.2)
    for lang in ("zh", "en"):
        a, _ = pages[lang]
        for fig in (timeline_figure(a, start_s=0, end_s=a.duration_s, lang=lang), summary_figure(a, lang=lang)):
            px, text = smallest_text_px(fig, PHONE_SHOWN_PX)
            assert px >= MIN_PHONE_TEXT_PX, f"{text!r} shows at {px:.1f} px on a phone"


def test_share_ticks_read_as_whole_percents_unless_they_need_a_decimal():
    from voicecoach.report.charts import _percent_tick

    assert [_percent_tick(x) for x in (0.0, 0.05, 0.15000000000000002, 0.025, 1.0)] == ["0%", "5%", "15%", "2.5%", "100%"]
