"""Charts (assert on the artists' data), the HTML page, and the page in a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from synth import SR, FakeRecognizer, utterance
from voicecoach.analysis import analyze
from voicecoach.report import write_report
from voicecoach.report.charts import summary_figure, timeline_chunks, timeline_figure

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def result():
    sp = utterance([6, 7, 6, 7], pause_s=[0.4, 3.4, 0.4], final_factor=[1.4, 3.0, 1.4, 1.4], f0_hz=190)
    return analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")


def test_timeline_draws_the_measured_data(result):
    fig = timeline_figure(result, start_s=0.0, end_s=result.duration_s, lang="en")
    ax_pace, ax_vol, ax_f0 = fig.axes[:3]
    bars = [p for p in ax_pace.patches if (p.get_gid() or "").startswith("sentence-")]
    assert len(bars) == len(result.sentences)
    for bar, s in zip(bars, result.pace.sentences):
        assert bar.get_x() == pytest.approx(s.start_s) and bar.get_width() == pytest.approx(s.end_s - s.start_s)
    f0_line = next(line for line in ax_f0.lines if line.get_gid() == "f0")
    x, y = f0_line.get_data()
    assert np.allclose(x, result.pitch_track.times_s, equal_nan=True)
    assert np.allclose(y, result.pitch_track.f0_hz, equal_nan=True)
    texts = [t.get_text() for t in ax_f0.texts]
    assert sum("drawl" in t for t in texts) == result.drawl.n_flagged == 1
    assert any("long pause" in t.get_text() for t in ax_vol.texts)


def test_summary_chart_has_one_row_per_dimension_with_the_figure_its_verdict_rests_on(result):
    fig = summary_figure(result, lang="en")
    assert len(fig.axes) == len(result.dimensions) == 7
    for ax, d in zip(fig.axes, result.dimensions):
        marker = next(line for line in ax.lines if line.get_gid() == f"value-{d.name}")
        assert marker.get_xdata()[0] == pytest.approx(d.deciding.value)


def test_long_recordings_get_one_timeline_per_minute():
    assert timeline_chunks(30.0) == [(0.0, 30.0)]
    assert timeline_chunks(150.0) == [(0.0, 60.0), (60.0, 120.0), (120.0, 150.0)]


def test_report_files_and_self_contained_html(result, tmp_path):
    files = write_report(result, tmp_path / "r.report")
    html = files.html.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    assert "data:audio/ogg;base64," in html
    assert "http://" not in html and "https://" not in html  # opens offline
    assert html.count('class="t moment"') == sum(len(d.moments) for d in result.dimensions)
    assert "Trailing drawl" in html and "guide 001" in html
    assert files.json.exists() and len(files.charts) == 2


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("VOICECOACH_REQUIRE_BROWSER"), reason="Debian chromium not installed (scripts/system-deps.sh installs it)")
def test_clicking_a_moment_plays_that_moment_in_chromium(result, tmp_path):
    from playwright.sync_api import sync_playwright

    files = write_report(result, tmp_path / "r.report")
    drawl = result.dimension("drawl").moments[0]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(files.html.as_uri())
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        assert page.evaluate("document.getElementById('player').duration") == pytest.approx(result.duration_s, abs=0.1)
        button = page.locator("#dim-drawl button.moment").first
        assert float(button.get_attribute("data-start")) == pytest.approx(drawl.start_s, abs=0.01)
        button.click()
        page.wait_for_function("document.getElementById('player').currentTime > 0", timeout=5000)
        t = page.evaluate("document.getElementById('player').currentTime")
        assert drawl.start_s - 0.3 <= t <= drawl.end_s + 1.0
        assert page.locator("#dim-drawl .badge").inner_text() == "drawled"
        assert page.locator("#overall").inner_text().split()[0] == f"{result.overall.score:.0f}"
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        browser.close()
    assert (tmp_path / "page.png").stat().st_size > 50_000
