"""The call report page (voicecoach.conversation.page) and the agent's side of a call
(voicecoach.conversation.agent): the agent's delivery never hears the customer; the page
renders for a stereo and a mono call in zh, zh-Hant and en; every moment plays; verdicts follow
the figures shown; and in Debian's Chromium at 390 and 1440 px nothing scrolls sideways and no
character lacks a glyph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from synth import SR, FakeRecognizer, utterance
from test_pages import TOFU_JS
from test_report import CHROMIUM
from voicecoach.analysis import analyze
from voicecoach.conversation import CallCheck, analyze_call, call_from_arrays, load_stereo_call, mono_call_from_array
from voicecoach.conversation.agent import agent_recording
from voicecoach.measures import embed
from voicecoach.conversation.charts import pace_figure, turn_timeline_figure
from voicecoach.conversation.page import call_moments, figure_row, write_call_page

SAMPLE = ROOT / "samples" / "call_stereo.wav"
MANIFEST = json.loads((ROOT / "samples" / "manifest.json").read_text(encoding="utf-8"))["call_stereo.wav"]
SCRIPT = (ROOT / "samples" / "scripts" / "service_call.txt").read_text(encoding="utf-8")
SHOTS = Path("/tmp/shots/callpage")
LANGS = ("zh", "zh-Hant", "en")
needs_weights = pytest.mark.skipif(embed.find_weights() is None, reason="voice encoder weights not installed: python scripts/fetch_voice_encoder.py")


class SpyRecognizer(FakeRecognizer):
    """A fake recogniser that keeps the samples it was given."""

    def recognize(self, samples, *, sample_rate_hz):
        self.heard = (np.array(samples), sample_rate_hz)
        return super().recognize(samples, sample_rate_hz=sample_rate_hz)


def _placed(x: np.ndarray, at_s: float, n: int) -> np.ndarray:
    out = np.zeros(n, np.float32)
    k = int(round(at_s * SR))
    out[k:k + len(x)] = x[:n - k]
    return out


@pytest.fixture(scope="module")
def two_sided():
    """Agent (190 Hz) speaks 0-3.5 s and 9-12.5 s; the customer (110 Hz, 6 dB louder) 3.9-8.6 s."""
    first = utterance([6, 6], pause_s=0.4, f0_hz=190)
    second = utterance([6, 6], pause_s=0.4, f0_hz=190, text="请问还有什么可以帮您的吗谢谢")
    cust = utterance([8, 8], pause_s=0.5, f0_hz=110, level_dbfs=-14, text="我的订单还没有到请帮我查一下好吗")
    n = int(13.5 * SR)
    agent = _placed(first.samples, 0.0, n) + _placed(second.samples, 9.0, n)
    customer = _placed(cust.samples, 3.9, n)
    chars = first.chars + [(t, s + 9.0, e + 9.0) for t, s, e in second.chars]
    return agent, customer, chars, (3.9 + 0.3, 3.9 + cust.duration_s - 0.3)


def test_the_agents_delivery_never_hears_the_customer(two_sided):
    agent, customer, chars, (c0, c1) = two_sided
    call = call_from_arrays(agent, customer, sample_rate_hz=SR)
    c = analyze_call(call, pace=False)
    assert c.agent_index == 0
    side = agent_recording(call, agent_index=c.agent_index)
    assert np.array_equal(side.audio.samples, call.sides[0].samples)
    mix = call.sides[0].samples + call.sides[1].samples
    region = slice(int(c0 * SR), int(c1 * SR))
    assert np.abs(mix[region]).max() > 0.05  # the control: the customer is loud there in a mix ...
    spy = SpyRecognizer(chars)
    a = analyze(side, recognizer=spy, use_cache=False, lang="en")
    heard, rate = spy.heard
    assert rate == SR and np.abs(heard[int(c0 * SR):int(c1 * SR)]).max() < 1e-6  # ... and silent in what the delivery analysis heard
    # the agent's 5 s silence while the customer speaks is listening: no dead air, no long pause,
    # not counted against the speaking rate; the pitch is the agent's (190 Hz), not the customer's (110 Hz)
    gap = [p for p in a.pauses.pauses if p.start_s < c1 and p.end_s > c0]
    assert gap and all(p.listening for p in gap)
    assert a.pauses.dead_air == () and all(not (p.start_s < c1 and p.end_s > c0) for p in a.pauses.long_pauses)
    assert a.pitch.median_f0_hz > 160
    speaking_s = (a.pauses.speech_end_s - a.pauses.speech_start_s) - sum(p.duration_s for p in gap)
    assert a.pace.speaking_rate_cps == pytest.approx(len(chars) / speaking_s, rel=0.1)


def test_the_agents_side_of_an_unconfident_mono_call_is_none(two_sided):
    agent, _, _, _ = two_sided
    from voicecoach.measures.voices import VoiceSplit

    n = len(agent) // 160
    split = VoiceSplit(np.arange(n) * 0.01, np.zeros(n, np.int8), 0.2, 0.0, False, 10)
    call = call_from_arrays(agent, agent * 0, sample_rate_hz=SR)
    import dataclasses

    mono = dataclasses.replace(call, layout="mono", separation=split)
    assert agent_recording(mono, agent_index=0) is None
    assert agent_recording(dataclasses.replace(mono, separation=dataclasses.replace(split, confident=True)), agent_index=0) is not None
    with pytest.raises(ValueError):
        agent_recording(call, agent_index=2)


def test_a_verdict_follows_the_figure_beside_it():
    inside = figure_row(CallCheck("conversation.latency_median_s", 0.8, None, 1.0, "s", "src"), "en")
    outside = figure_row(CallCheck("conversation.latency_median_s", 1.04, None, 1.0, "s", "src"), "en")
    unmeasured = figure_row(CallCheck("conversation.latency_median_s", float("nan"), None, 1.0, "s", "src"), "en")
    assert (inside["cls"], inside["verdict"], inside["value"]) == ("good", "on target", "0.80 s")
    assert (outside["cls"], outside["verdict"]) == ("bad", "off target") and outside["value"] == "1.04 s"  # not "1.0 s" beside "≤ 1"
    assert (unmeasured["cls"], unmeasured["value"]) == ("na", "–")
    slope = figure_row(CallCheck("conversation.pace_follow_slope", 0.42, 0.3, None, "ratio", "src"), "zh")
    assert slope["value"] == "0.42" and "0.3" in slope["band"] and "%" not in slope["band"]  # a slope, not a share
    share = figure_row(CallCheck("conversation.talk_ratio", 0.8, 0.35, 0.65, "ratio", "src"), "zh")
    assert share["value"] == "80%" and share["band"] == "目标 35% – 65%" and share["verdict"] == "未达标"


@pytest.fixture(scope="module")
def stereo_sample():
    call = load_stereo_call(SAMPLE, agent_channel="left")
    return call, analyze_call(call)


def test_the_sample_calls_moments_are_where_the_manifest_puts_them(stereo_sample):
    _, c = stereo_sample
    silence = next(t for t in MANIFEST["turns"] if t["who"] == "silence")
    moments = call_moments(c, "en")
    dead = [m for m in moments if m["kind"] == "dead_air"]
    # the manifest's 6 s of silence, plus the 0.4 s of padding either side of the turns around it
    assert len(dead) == 1 and dead[0]["start_s"] == pytest.approx(silence["start_s"] - 0.4, abs=0.3)
    assert dead[0]["end_s"] == pytest.approx(silence["end_s"] + 0.4, abs=0.3)
    assert [m["kind"] for m in moments] == ["dead_air"]  # no overlap, interruption, long wait or hold in this call


def test_the_turn_timeline_draws_both_lanes_and_marks_the_moments(stereo_sample):
    _, c = stereo_sample
    fig = turn_timeline_figure(c, start_s=0.0, end_s=c.duration_s, lang="en")
    ax = fig.axes[0]
    lanes = [coll for coll in ax.collections if coll.__class__.__name__ == "PolyCollection"]
    assert len(lanes) == 2
    y = sorted(p.get_extents().y0 for coll in lanes for p in coll.get_paths()[:1])
    assert y[0] < 0 < y[1]  # customer below, agent above
    spans = [p for p in ax.patches if p.get_x() > 17 and p.get_x() < 18.5]
    assert spans, "the dead air is not marked"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"agent", "customer", "dead air", "both talking (≥ 1 s)", "long wait for the agent", "hold", "agent interrupts"} <= set(labels)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["agent", "customer"]
    assert ax.get_xlabel() == "time (min:s)"
    pf = pace_figure(c, lang="en")
    pts = {line.get_label(): line.get_ydata() for line in pf.axes[0].lines}
    assert list(pts["agent, just after"]) == [e.agent_rate_cps for e in c.pace.exchanges]
    assert list(pts["customer, just before"]) == [e.customer_rate_cps for e in c.pace.exchanges]


def _delivery(call, c):
    """The agent's delivery on the sample without Whisper: the script laid over the agent's speech."""
    side = agent_recording(call, agent_index=c.agent_index)
    return analyze(side, recognizer=FakeRecognizer([]), use_cache=False, script_text=SCRIPT, lang="zh")


@pytest.fixture(scope="module")
def pages(stereo_sample, tmp_path_factory):
    call, c = stereo_sample
    out = tmp_path_factory.mktemp("callpages")
    agent = _delivery(call, c)
    made = {}
    for lang in LANGS:
        made[("stereo", lang)] = write_call_page(c, call, out / f"stereo-{lang}.html", agent=agent, lang=lang, file_name=SAMPLE.name)
    if embed.find_weights() is not None:
        mono = mono_call_from_array(call.sides[0].samples + call.sides[1].samples, sample_rate_hz=SR)
        cm = analyze_call(mono)
        made[("mono", "zh")] = write_call_page(cm, mono, out / "mono-zh.html", agent=_delivery(mono, cm) if cm.separation.confident else None,
                                               lang="zh", file_name="call_mono.wav")
    return made


def test_the_stereo_page_holds_every_section(pages, stereo_sample):
    _, c = stereo_sample
    html = pages[("stereo", "en")].read_text(encoding="utf-8")
    assert html.count('<tr data-key="conversation.') == len(c.checks) - 1  # the follow slope has its own place
    assert 'data-src="' not in html and "data:audio/ogg;base64," in html and "http" not in html.split("<body>")[1].split("<script>")[0]
    for section in ("conversation", "timeline", "pace-matching", "delivery"):
        assert f'id="{section}"' in html
    assert 'id="overall"' in html and "dim-pace" in html  # the agent's delivery is there
    assert re.search(r'data-kind="dead_air"><button class="t moment" data-start="17\.\d\d"', html)
    assert not c.turns.holds and re.search(r'data-key="conversation.long_hold_s" data-within="none">.*?<td class="v">no hold</td>', html, re.S)
    zh = pages[("stereo", "zh")].read_text(encoding="utf-8")
    hant = pages[("stereo", "zh-Hant")].read_text(encoding="utf-8")
    assert "通话报告" in zh and "冷场" in zh and "Call report" not in zh
    assert "通話報告" in hant and 'lang="zh-Hant"' in hant
    # the delivery was analysed in zh: its tips are written again in the page's language
    assert "语速合适" in zh and "語速合適" in hant and "语速合适" not in hant


@needs_weights
def test_mono_pages_say_whether_the_separation_was_confident(stereo_sample, tmp_path):
    call, _ = stereo_sample
    mix = call.sides[0].samples + call.sides[1].samples
    mono = mono_call_from_array(mix, sample_rate_hz=SR)
    c = analyze_call(mono)
    page = write_call_page(c, mono, tmp_path / "mono.html", lang="en", file_name="mono.wav",
                           agent=_delivery(mono, c) if c.separation.confident else None)
    html = page.read_text(encoding="utf-8")
    assert f'data-confident="{"yes" if c.separation.confident else "no"}"' in html
    # confident or not, no check of a separated call is judged (quality.separation_reliability)
    assert 'data-within="yes"' not in html and 'data-within="no"' not in html
    # one voice per frame after separation: overtalk is not measured (never a 0 % "on target")
    assert _stereo_overtalk_judged(call)
    for key in ("overtalk_ratio", "agent_interruptions_per_min"):
        assert c.check(key).within is None
    assert any(n.code == "overtalk_not_measured" for n in c.notices)
    assert 'data-key="conversation.overtalk_ratio" data-within="none"' in html and "not measured (mono)" in html
    kinds = {m["kind"] for m in call_moments(c, "en")}
    assert not kinds & {"overlap", "interruption"} and (c.separation.confident or "long_wait" not in kinds)
    assert c.turns.agent_interruptions or c.turns.long_waits  # the turn finder did see some: the page must not show them
    # one voice only: not confident, nothing judged, no delivery verdict
    one = mono_call_from_array(call.sides[0].samples, sample_rate_hz=SR)
    c1 = analyze_call(one)
    assert not c1.separation.confident and all(x.within is None for x in c1.checks)
    assert agent_recording(one, agent_index=c1.agent_index) is None
    html1 = write_call_page(c1, one, tmp_path / "one.html", lang="zh", agent=None).read_text(encoding="utf-8")
    assert 'data-confident="no"' in html1 and 'id="delivery-not-assessed"' in html1 and 'id="overall"' not in html1
    assert 'data-within="yes"' not in html1 and 'data-within="no"' not in html1


def _stereo_overtalk_judged(call) -> bool:
    return analyze_call(call, pace=False).check("overtalk_ratio").within is not None


def test_the_call_command_writes_the_page(tmp_path):
    from voicecoach.cli import app

    out = tmp_path / "call.json"
    html = tmp_path / "call.html"
    r = CliRunner().invoke(app, ["call", str(SAMPLE), "--agent-channel", "left", "--out", str(out), "--html", str(html), "--no-delivery", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert out.exists() and html.exists() and "Call report" in html.read_text(encoding="utf-8")
    assert 'id="delivery-not-assessed"' in html.read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["call", str(SAMPLE), "--mono", "--customer", str(SAMPLE)])
    assert r.exit_code != 0 and "--mono" in r.output and "Traceback" not in r.output
    blocked = tmp_path / "file"
    blocked.write_text("x")
    r = CliRunner().invoke(app, ["call", str(SAMPLE), "--agent-channel", "left", "--out", str(out), "--html", str(blocked / "call.html"), "--no-delivery"])
    assert r.exit_code == 6 and "call.html" in r.output and "Traceback" not in r.output, r.output


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian chromium not installed (scripts/system-deps.sh installs it)")
    import browser as b

    with b.browser() as br:
        yield br


@pytest.mark.browser
@pytest.mark.parametrize("kind,lang", [("stereo", lang) for lang in LANGS] + [("mono", "zh")])
@pytest.mark.parametrize("width", (390, 1440))
def test_the_call_page_as_people_see_it(pages, browser, kind, lang, width):
    if (kind, lang) not in pages:
        pytest.skip("voice encoder weights not installed: no mono page")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(pages[(kind, lang)].as_uri())
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        page.wait_for_function("[...document.images].every((i) => i.complete)")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"the page scrolls sideways: {scroll} > {inner} px"
        wide = page.evaluate("[...document.querySelectorAll('img, table, button')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.className)")
        assert wide == []
        charts = page.evaluate("[...document.querySelectorAll('img.lanes-chart, img.pace-chart')].map((i) => i.getBoundingClientRect().width)")
        assert charts and all(w >= min(340, width) - 60 for w in charts)
        glyphs = page.evaluate(TOFU_JS)
        assert glyphs["missing"] == [] and glyphs["n"] > (40 if lang != "en" else 0)
        times = page.evaluate("[...document.querySelectorAll('button.t')].map((b) => b.innerText.trim())")
        assert times and all(re.fullmatch(r"▶ \d{2}:\d{2}", t) for t in times), times
        button = page.locator("#call-moments button.t").first
        start, end = float(button.get_attribute("data-start")), float(button.get_attribute("data-end"))
        button.click()
        page.wait_for_function("document.getElementById('player').currentTime > 0", timeout=5000)
        t = page.evaluate("document.getElementById('player').currentTime")
        assert start - 0.3 <= t <= end + 1.0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{kind}-{lang}-{width}.png"), full_page=True)
    finally:
        page.close()


def test_the_timeline_windows_cover_the_call_without_a_sliver_at_the_end():
    from voicecoach.conversation.charts import call_chunks

    assert call_chunks(38.0) == [(0.0, 38.0)]
    assert call_chunks(245.0) == [(0.0, 60.0), (60.0, 120.0), (120.0, 180.0), (180.0, 245.0)]  # not a 5 s window
    assert call_chunks(230.0)[-1] == (180.0, 230.0)
