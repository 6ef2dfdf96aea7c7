"""Chinese charts carry Chinese text, drawn with a font that has the glyphs (issue 9).

A fresh machine once drew every Chinese chart in English and Chinese agent names as boxes:
matplotlib's font cache had been built before the CJK font was installed. These tests render
the charts of a Chinese analysis (fake recogniser) and the QA summary's charts with Chinese
agent names, and check every Chinese character against the font matplotlib actually draws it
with: the first font of the text's family list that has the glyph (matplotlib's own fallback
order), which must not be DejaVu, and no "Glyph ... missing" warning while drawing.
"""

from __future__ import annotations

import io
import os
import re
import warnings

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from synth import SR, FakeRecognizer, utterance
from voicecoach.report import fonts

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def require_cjk_font() -> str:
    """The CJK font the charts use; fails when one is on the disk but the charts miss it (a
    stale font cache), skips when the machine has none (fails on CI, whose make test installs it)."""
    name = fonts.cjk_font()
    if name is None:
        on_disk = [f for f in fonts.candidate_files() if fonts.has_glyphs(f, fonts.PROBE)]
        if on_disk:
            pytest.fail(f"a CJK font is installed ({on_disk[0]}) but the charts do not find it")
        msg = "no CJK font on this machine (scripts/system-deps.sh installs fonts-wqy-microhei as root on Debian)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; CI must have one: make test installs it")
        pytest.skip(msg)
    return name


def drawn_texts(fig) -> tuple[list[Text], list[str]]:
    """Draw ``fig`` (tick labels get their text at draw time) and return its visible texts
    and any missing-glyph warnings matplotlib gave while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FigureCanvasAgg(fig).draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return texts, missing


def font_drawing(text: Text, ch: str) -> str | None:
    """The font file matplotlib draws ``ch`` of ``text`` with, or None (a box)."""
    prop = text.get_fontproperties()
    for family in prop.get_family():
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=[family], style=prop.get_style(), weight=prop.get_weight()),
                fallback_to_default=False,
            )
        except ValueError:  # family not installed: matplotlib skips it
            continue
        if fonts.has_glyphs(str(path), ch, getattr(path, "face_index", 0)):
            return str(path)
    return None


def assert_chinese_drawn_with_cjk_font(fig, *, expect: str | None = None) -> list[str]:
    """Every CJK character of ``fig`` is drawn with a font that has it (not DejaVu); returns the
    texts that hold Chinese."""
    texts, missing = drawn_texts(fig)
    assert not missing, missing
    chinese = [t for t in texts if CJK.search(t.get_text())]
    for t in chinese:
        for ch in set(CJK.findall(t.get_text())):
            path = font_drawing(t, ch)
            assert path is not None, f"{ch!r} of {t.get_text()!r} has no font with the glyph (families {t.get_fontproperties().get_family()})"
            assert "DejaVu" not in path, f"{ch!r} of {t.get_text()!r} falls back to {path}"
    if expect is not None:
        assert any(expect in t.get_text() for t in chinese), f"no text with {expect!r} among {[t.get_text() for t in chinese]}"
    return [t.get_text() for t in chinese]


@pytest.fixture(scope="module")
def zh_result():
    from voicecoach.analysis import analyze

    sp = utterance([6, 7, 6, 7], pause_s=[0.4, 3.4, 0.4], final_factor=[1.4, 3.0, 1.4, 1.4], f0_hz=190)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="zh")


def test_a_chinese_report_draws_its_charts_in_chinese_with_a_cjk_font(zh_result):
    from voicecoach.report.charts import summary_figure, timeline_figure

    name = require_cjk_font()
    assert fonts.chart_lang("zh") == "zh"
    timeline = timeline_figure(zh_result, start_s=0.0, end_s=zh_result.duration_s, lang="zh")
    titles = [ax.get_title(loc="left") for ax in timeline.axes[:3]]
    assert all(HAN.search(t) for t in titles), titles  # 语速 / 音量 / 语调, not "Pace" / "Volume" / "Pitch"
    assert any(HAN.search(ax.get_xlabel()) for ax in timeline.axes), "the time axis is labelled in Chinese"
    zh_texts = assert_chinese_drawn_with_cjk_font(timeline)
    assert any("拖音" in t for t in zh_texts), zh_texts  # the flagged drawl's label
    summary = summary_figure(zh_result, lang="zh")
    assert_chinese_drawn_with_cjk_font(summary)
    assert HAN.search(summary._suptitle.get_text())
    # The SVG names the CJK font for the Chinese text (svg.fonttype "none" keeps text as text).
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        timeline.savefig(buf, format="svg")
    svg = buf.getvalue()
    assert "语速" in svg and name in svg


def test_a_traditional_chinese_report_draws_its_charts_in_traditional_chinese(zh_result):
    """zh-Hant (zh-TW, zh-HK): the same charts, every word in Traditional characters."""
    import opencc

    from voicecoach.report.charts import summary_figure, timeline_figure

    require_cjk_font()
    s2t = opencc.OpenCC("s2t")
    assert fonts.chart_lang("zh-Hant") == fonts.chart_lang("zh-TW") == fonts.chart_lang("zh-HK") == "zh-Hant"
    timeline = timeline_figure(zh_result, start_s=0.0, end_s=zh_result.duration_s, lang="zh-Hant")
    titles = [ax.get_title(loc="left") for ax in timeline.axes[:3]]
    assert "語速" in titles[0] and all(HAN.search(t) for t in titles), titles
    assert any("時間" in ax.get_xlabel() for ax in timeline.axes), "the time axis is labelled in Traditional Chinese"
    summary = summary_figure(zh_result, lang="zh-Hant")
    assert "各項表現與目標" in summary._suptitle.get_text()
    for fig in (timeline, summary):
        texts = assert_chinese_drawn_with_cjk_font(fig)
        assert texts and all(s2t.convert(t) == t for t in texts), [t for t in texts if s2t.convert(t) != t]


def test_the_written_report_charts_are_chinese(zh_result, tmp_path):
    from voicecoach.report.charts import write_charts

    require_cjk_font()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = write_charts(zh_result, tmp_path, lang="zh")
    assert paths["summary"][0].stat().st_size > 0 and paths["timeline"]
    assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]


def _qa_rows():
    from voicecoach.judge import dimensions

    rows = []
    for i, agent in enumerate(["张伟", "李娜", "A03"]):
        for day in (20, 21):
            r = {"status": "done", "agent_id": agent, "call_date": f"2026-11-{day}", "overall_score": 60.0 + 10 * i,
                 "duration_s": 60.0, "call_id": f"C{i}{day}"}
            for d in dimensions.registered():
                r[f"{d.name}_score"] = 50.0 + 10 * i
                r[f"{d.name}_verdict"] = "within"
                r[d.headline_figure.key] = 1.0 + i
            rows.append(r)
    return rows


@pytest.mark.parametrize("lang", ["zh", "zh-Hant", "en"])
def test_qa_summary_draws_chinese_agent_names_with_a_cjk_font(lang):
    from voicecoach.qa.summary import distribution_figure, grid_figure, summarise, trend_figure
    from voicecoach.judge.targets import load_targets

    require_cjk_font()
    rows = _qa_rows()
    for fig in (grid_figure(summarise(rows), lang=lang), distribution_figure(rows, load_targets(None), lang=lang), trend_figure(rows, lang=lang)):
        assert fig is not None
        texts = assert_chinese_drawn_with_cjk_font(fig)
        assert any("张伟" in t for t in texts) and any("李娜" in t for t in texts), texts


def test_a_font_installed_after_matplotlibs_cache_was_built_is_found():
    """The fresh-machine case: the cache lists no CJK font, yet one is on the disk."""
    name = require_cjk_font()
    fm = font_manager.fontManager
    saved_list, saved_added = fm.ttflist, list(fonts._ADDED)
    try:
        fm.ttflist = [f for f in saved_list if not fonts.has_glyphs(f.fname, fonts.PROBE, f.index)]
        fm._findfont_cached.cache_clear()
        fonts.cjk_font.cache_clear()
        fonts._ADDED.clear()
        assert fonts._pick(fonts._families_with_glyphs(fm)) is None  # what a stale cache shows
        assert fonts.cjk_font() == name
        assert fonts._ADDED, "found by adding the font file, not from the cache"
        assert fonts.chart_lang("zh") == "zh"
        assert fonts.rc("zh")["font.family"][0] == name
    finally:
        fm.ttflist = saved_list
        fm._findfont_cached.cache_clear()
        fonts.cjk_font.cache_clear()
        fonts._ADDED[:] = saved_added


def test_without_any_cjk_font_charts_fall_back_to_english(monkeypatch):
    fm = font_manager.fontManager
    saved = fm.ttflist
    monkeypatch.setattr(fonts, "candidate_files", lambda: [])
    try:
        fm.ttflist = [f for f in saved if not fonts.has_glyphs(f.fname, fonts.PROBE, f.index)]
        fonts.cjk_font.cache_clear()
        assert fonts.cjk_font() is None
        assert fonts.chart_lang("zh") == "en"
        assert fonts.rc("en")["font.family"] == ["DejaVu Sans"]
    finally:
        fm.ttflist = saved
        fm._findfont_cached.cache_clear()
        fonts.cjk_font.cache_clear()
