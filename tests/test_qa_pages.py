"""The QA summary page: its listening queue, links to each call's report and recording,
pass/fail colours, weekly aggregates, filters, languages; and the page in Chromium at phone
and desktop widths."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from browser import WIDTHS, browser, cjk_glyphs_drawn, needs_chromium, no_horizontal_overflow
from qa_pages import make_store
from voicecoach.judge.advice import dimension_name
from voicecoach.qa.store import Store
from voicecoach.qa.summary import grid_figure, summarise, trend_figure, weekly, write_summary


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    base = tmp_path_factory.mktemp("qa")
    db = make_store(base)
    out = {lang: write_summary(Store(db), base / f"summary-{lang}", lang=lang, reports_dir=base / "reports") for lang in ("zh", "en")}
    return base, db, out


def _queue_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="call"[^>]*>\s*<td data-label="[^"]*">(?:<a class="report" href="[^"]*">)?([^<]+)', html.split('id="queue"')[1].split("</table>")[0])


def test_the_queue_puts_failures_and_two_voices_first_and_says_why(pages):
    _, _, out = pages
    html = out["en"].read_text(encoding="utf-8")
    calls = _queue_rows(html)
    assert calls[0] == "C05" and "C99" in calls[:5] and "C03" in calls  # two voices, failed, dead air
    assert calls.index("C03") < calls.index("C01")  # dead air before a call that is only out of band
    assert "two voices on the agent&#39;s channel" in html and "dead air" in html and "failed: damaged or unreadable file" in html
    zh = out["zh"].read_text(encoding="utf-8")
    assert "文件损坏或无法读取" in zh and "Error opening" not in zh.split('id="queue"')[1].split("title=")[0]


def test_each_call_links_its_report_page_and_its_recording(pages):
    base, _, out = pages
    html = out["en"].read_text(encoding="utf-8")
    reports = re.findall(r'class="report" href="([^"]+)"', html)
    audios = re.findall(r'<audio controls preload="metadata" src="([^"]+)"', html)
    assert reports and audios
    for href in reports + audios:
        assert not href.startswith(("/", "file:")), "links are relative: the folder can move"
        assert (out["en"].parent / unquote(href)).resolve().is_file(), href
    assert len(set(audios)) >= 12  # every scored call plays, in the queue or the list of every call


def test_scores_are_coloured_pass_amber_fail_and_the_heatmap_is_not_all_green(pages):
    _, db, out = pages
    html = out["en"].read_text(encoding="utf-8")
    assert 'class="bad">48' in html and 'class="warn">72' in html and 'class="good">95' in html
    groups = summarise(Store(db).rows())
    fig = grid_figure(groups, lang="en")
    im = next(a for ax in fig.axes for a in ax.get_images() if a.get_gid() == "score-grid")
    rgba = lambda v: tuple(np.round(im.cmap(im.norm(v)), 3))  # noqa: E731
    assert rgba(67) != rgba(95) and rgba(40) != rgba(67) and rgba(95) == rgba(100)
    assert rgba(95)[1] > rgba(95)[0] and rgba(40)[0] > rgba(40)[1]  # green passes, red fails


def test_weekly_aggregates_per_agent(pages):
    _, db, out = pages
    rows = Store(db).rows()
    w = {(x.week, x.group.name): x.group for x in weekly(rows)}
    assert w[("2026-W45", "王小明")].n_calls == 2 and w[("2026-W45", "王小明")].overall == pytest.approx((95 + 88) / 2)
    fig = trend_figure(rows, lang="en")
    line = next(l for ax in fig.axes for l in ax.get_lines() if l.get_gid() == "weekly-王小明")
    assert len(line.get_xdata()) == len({x for x, ag in w if ag == "王小明"})
    assert 'id="weeks"' in out["en"].read_text(encoding="utf-8")


def test_headers_are_in_the_page_language(pages):
    _, _, out = pages
    en, zh = out["en"].read_text(encoding="utf-8"), out["zh"].read_text(encoding="utf-8")
    head = lambda h: re.findall(r"<th[^>]*>([^<]*)</th>", h)  # noqa: E731
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in head(en)), head(en)
    assert not any(t.strip().lower() in ("call", "path", "agent", "date", "reason") for t in head(zh)), head(zh)


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_in_chromium_fits_a_phone_draws_every_name_plays_and_links(pages, lang, tmp_path):
    _, _, out = pages
    with browser() as b:
        for width in WIDTHS:
            page = b.new_page(viewport={"width": width, "height": 900})
            page.goto(out[lang].as_uri())
            no_horizontal_overflow(page)
            assert cjk_glyphs_drawn(page) > 5
            page.screenshot(path=str(tmp_path / f"summary-{lang}-{width}.png"), full_page=True)
            # filters: one agent, then one dimension
            page.select_option("#f-agent", "A02")
            shown = page.eval_on_selector_all("#queue tr.call:not(.hidden)", "rs => rs.map(r => r.dataset.agent)")
            assert shown and set(shown) == {"A02"}
            page.select_option("#f-agent", "")
            page.select_option("#f-dim", "pace")
            shown = page.eval_on_selector_all("#groups tr:first-child th:not(.hidden)", "hs => hs.map(h => h.textContent)")
            assert len(shown) == 5 and dimension_name("pace", lang) in shown and dimension_name("volume", lang) not in shown
            page.select_option("#f-dim", "")
            # playback of the first call in the queue that has a recording
            player = page.locator("#queue audio").first
            player.evaluate("a => a.play()")
            page.wait_for_function("document.querySelector('#queue audio').currentTime > 0.2", timeout=10000)
            # the link opens that call's own report
            link = page.locator("#queue a.report").first
            call = link.inner_text()
            link.click()
            page.wait_for_load_state()
            assert page.title() == call
            page.close()


@pytest.mark.model
def test_batch_reports_are_linked_from_the_summary(tmp_path):
    """batch --reports writes each call's own report page; summary --reports links it."""
    import shutil

    from typer.testing import CliRunner

    from conftest import SAMPLES
    from voicecoach.cli import app

    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(SAMPLES / "too_fast.flac", calls / "f.flac")
    (calls / "bad.wav").write_bytes(b"RIFF0000WAVE")
    db, reports = tmp_path / "q.sqlite", tmp_path / "reports"
    runner = CliRunner()
    res = runner.invoke(app, ["batch", str(calls), "--db", str(db), "--workers", "1", "--reports", str(reports)])
    assert res.exit_code == 0, res.output
    pages = list(reports.glob("*.html"))
    assert len(pages) == 1 and "data:audio/ogg;base64," in pages[0].read_text(encoding="utf-8")
    res = runner.invoke(app, ["summary", "--db", str(db), "-o", str(tmp_path / "s"), "--reports", str(reports), "--lang", "en"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "s" / "summary.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'class="report" href="([^"]+)"', html))
    assert hrefs and all((tmp_path / "s" / unquote(h)).resolve() == pages[0].resolve() for h in hrefs)


def _every_call(html: str) -> list[tuple[str | None, str | None]]:
    """(report href, audio src) of each row of the table of every call."""
    table = html.split('id="calls"')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="call".*?</tr>', table, flags=re.S)
    out = []
    for r in rows:
        rep, aud = re.search(r'class="report" href="([^"]+)"', r), re.search(r'<audio [^>]*src="([^"]+)"', r)
        out.append((rep and rep.group(1), aud and aud.group(1)))
    return out


@pytest.mark.model
def test_summary_renders_the_missing_report_page_of_every_call(tmp_path):
    """A store filled without --reports: summary --render-reports writes the page of every
    call, in the listening queue or not (good_take is on target, so it is not queued), and
    every row of the table of every call links an existing page and an existing recording."""
    import shutil

    from typer.testing import CliRunner

    from conftest import SAMPLES
    from voicecoach.cli import app

    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(SAMPLES / "too_fast.flac", calls / "f.flac")
    shutil.copy(SAMPLES / "good_take.flac", calls / "g.flac")
    db = tmp_path / "q.sqlite"
    runner = CliRunner()
    assert runner.invoke(app, ["batch", str(calls), "--db", str(db), "--workers", "1"]).exit_code == 0
    res = runner.invoke(app, ["summary", "--db", str(db), "-o", str(tmp_path / "s"), "--render-reports", "--lang", "en"])
    assert res.exit_code == 0, res.output
    pages = sorted((tmp_path / "s" / "reports").glob("*.html"))
    assert len(pages) == 2 and all("data:audio/ogg;base64," in p.read_text(encoding="utf-8") for p in pages)
    html = (tmp_path / "s" / "summary.html").read_text(encoding="utf-8")
    queue = html.split('id="queue"')[1].split("</table>")[0]
    assert re.search(r'class="report" href="reports/f-[^"]+\.html"', queue) and "g-" not in queue  # only too_fast is queued
    rows = _every_call(html)
    assert len(rows) == 2
    for report, audio in rows:
        assert report and audio, "every call opens its report and plays its recording"
        assert (tmp_path / "s" / unquote(report)).resolve() in [p.resolve() for p in pages]
        assert (tmp_path / "s" / unquote(audio)).resolve().is_file()
    assert {Path(unquote(r)).name for r, _ in rows} == {p.name for p in pages}


def test_the_phone_charts_text_reads_at_10_px(pages):
    """The summary's phone charts (one column of distributions; the trend, legend below) show
    every text at 10 px or more across a 390 px phone."""
    from chart_text import MIN_PHONE_TEXT_PX, PHONE_SHOWN_PX, smallest_text_px
    from voicecoach.judge.targets import load_targets
    from voicecoach.qa.summary import distribution_figure

    _, db, _ = pages
    rows = Store(db).rows()
    for lang in ("zh", "en"):
        for fig in (distribution_figure(rows, load_targets(None), lang=lang, columns=1), trend_figure(rows, lang=lang, narrow=True)):
            px, text = smallest_text_px(fig, PHONE_SHOWN_PX)
            assert px >= MIN_PHONE_TEXT_PX, f"{text!r} shows at {px:.1f} px on a phone"
