"""A mono call split into agent and customer: figures shown, no verdict built on the split.

Checked against the same calls on two tracks, confident splits kept the agent's figures within
tolerance in only 11 of 73 realistic one-customer mixes (benchmarks/results/separation_onecustomer.md).
So every verdict on a separated mono call (its conversation checks, the conversation dimension
and the agent's delivery) is "uncertain" while that share is under
``quality.separation_reliability``; an organisation that validated its own recordings can lower
the bar, and then the verdicts come back.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT
from synth import FakeRecognizer
from voicecoach.analysis import analyze
from voicecoach.conversation import analyze_call, call_from_arrays, mono_call_from_array
from voicecoach.conversation.agent import agent_recording
from voicecoach.conversation.page import write_call_page
from voicecoach.judge.scoring import UNCERTAIN_REASONS
from voicecoach.judge.targets import load_targets
from voicecoach.measures import embed
from voicecoach.measures.voices import SPLIT_RELIABILITY, SPLIT_TESTED, SPLIT_WITHIN
from voicecoach.qa.calls import MeasuredCall, call_report
from voicecoach.report.jsonio import schema_path

AUDIO = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent / "shared" / "audio"))
SCRIPT = (ROOT / "samples" / "scripts" / "service_call.txt").read_text(encoding="utf-8")
needs_audio = pytest.mark.skipif(not (AUDIO / "real").is_dir(), reason="../shared/audio not found (set VOICECOACH_SHARED_AUDIO)")
needs_weights = pytest.mark.skipif(embed.find_weights() is None, reason="voice encoder weights not installed: python scripts/fetch_voice_encoder.py")


def test_the_reliability_is_the_benchmarks_figure():
    md = (ROOT / "benchmarks" / "results" / "separation_onecustomer.md").read_text(encoding="utf-8")
    row = re.search(r"\| one customer per call \|[^|]*\| (\d+) of (\d+) \| (\d+) of (\d+) \|", md)
    assert row, "the one-customer row of separation_onecustomer.md"
    within, tested = int(row.group(3)), int(row.group(4))
    assert (SPLIT_WITHIN, SPLIT_TESTED) == (within, tested) and SPLIT_RELIABILITY == within / tested


def test_every_uncertain_reason_is_in_the_report_schema():
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    enums = [v["enum"] for v in _walk(schema) if isinstance(v, dict) and "enum" in v and "low_coverage" in v["enum"]]
    assert enums and all(set(UNCERTAIN_REASONS) | {""} == set(e) for e in enums)


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


@pytest.fixture(scope="module")
def mono():
    """The real-customer call of tests/conversation_calls.py (a real Mandarin customer, the TTS
    agent), on two tracks and mixed to one: split with confidence (DER < 6 %, test_separation.py)."""
    from tests.conversation_calls import real_customer_call

    made = real_customer_call(AUDIO)
    stereo = call_from_arrays(made.agent, made.customer, sample_rate_hz=16_000)
    call = mono_call_from_array(made.agent + made.customer, sample_rate_hz=16_000)
    assert call.separation.confident  # the path under test; the not-confident one has its own tests
    return stereo, call


@needs_weights
@needs_audio
def test_a_separated_mono_call_is_measured_but_not_judged(mono, tmp_path):
    stereo, call = mono
    c = analyze_call(call)
    assert all(not x.judged and x.within is None for x in c.checks)
    assert sum(1 for x in c.checks if x.value == x.value) >= 5  # the figures are there (NaN only where mono cannot measure)
    assert any(n.code == "separation_unreliable" and n.params["min"] == 0.9 for n in c.notices)
    # the same call on two tracks is judged: the withholding is the split's, not the call's
    assert any(x.within is not None for x in analyze_call(stereo).checks)
    # the conversation dimension (QA rows, export, summary) is uncertain, deciding figure beside it
    conv = next(d for d in call_report(MeasuredCall(call, c, None, "left_out"), load_targets())["dimensions"] if d["name"] == "conversation")
    assert conv["verdict"] == "uncertain" and conv["reason"] == "separated_mono" and conv["score"] is None
    assert conv["deciding"]["key"] == "quality.separation_reliability" and abs(conv["deciding"]["value"] - SPLIT_RELIABILITY) < 1e-3
    # the agent's delivery: measured on the agent's side, every verdict uncertain, no overall score
    side = agent_recording(call, agent_index=c.agent_index)
    assert side is not None and side.separation_reliability == SPLIT_RELIABILITY
    assert agent_recording(stereo, agent_index=0).separation_reliability is None
    a = analyze(side, recognizer=FakeRecognizer([]), use_cache=False, script_text=SCRIPT, lang="en")
    measured = [d for d in a.dimensions if d.measured]
    assert measured and all(d.verdict == "uncertain" and d.reason == "separated_mono" and not d.moments for d in measured)
    assert a.overall.score is None
    # the customer's frames were silenced on this side: its background is unknown, not 100 dB under the speech
    assert a.measures.loudness.snr_db != a.measures.loudness.snr_db
    report = a.to_dict()
    jsonschema.validate(report, json.loads(schema_path().read_text(encoding="utf-8")))
    # the page says why, and shows no on/off-target mark
    html = write_call_page(c, call, tmp_path / "mono.html", agent=a, lang="en", file_name="mono.wav").read_text(encoding="utf-8")
    assert 'data-within="yes"' not in html and 'data-within="no"' not in html
    assert f"{SPLIT_WITHIN} of {SPLIT_TESTED}" in html and "none is judged" in html and 'class="card sep unjudged"' in html
    # the delivery's own figures are shown (not scored), the reason once for the section
    assert html.count('id="delivery-uncertain"') == 1 and html.count("Measured, not scored") >= 3
    zh = write_call_page(c, call, tmp_path / "mono-zh.html", agent=a, lang="zh", file_name="mono.wav").read_text(encoding="utf-8")
    assert f"{SPLIT_WITHIN} of {SPLIT_TESTED}" not in zh and str(SPLIT_TESTED) in zh


@needs_weights
@needs_audio
def test_an_organisation_that_validated_its_recordings_gets_verdicts_back(mono, tmp_path):
    _, call = mono
    org = tmp_path / "targets.toml"
    org.write_text("[quality.separation_reliability]\nmin = 0.1\n", encoding="utf-8")
    tgt = load_targets(org)
    c = analyze_call(call, targets=tgt)
    assert any(x.within is not None for x in c.checks) and not any(n.code == "separation_unreliable" for n in c.notices)
    conv = next(d for d in call_report(MeasuredCall(call, c, None, "left_out"), tgt)["dimensions"] if d["name"] == "conversation")
    assert conv["verdict"] != "uncertain"
    a = analyze(agent_recording(call, agent_index=c.agent_index), recognizer=FakeRecognizer([]), use_cache=False, script_text=SCRIPT,
                targets=tgt, lang="en")
    assert not any(d.reason == "separated_mono" for d in a.dimensions)


@needs_weights
@needs_audio
def test_a_registered_dimension_is_not_judged_on_a_separated_side_either(mono):
    """A dimension an organisation registers without listing ``separated_mono`` in its doubts is
    still uncertain there: with a weight, it alone would otherwise make the overall score."""
    from test_registry import _check_verdicts_now, headroom
    from voicecoach.judge.dimensions import registered_for

    _, call = mono
    side = agent_recording(call, agent_index=analyze_call(call).agent_index)
    with registered_for(headroom()) as dim:
        assert "separated_mono" not in dim.doubted_by
        a = analyze(side, recognizer=FakeRecognizer([]), use_cache=False, script_text=SCRIPT, lang="en")
        extra = next(d for d in a.dimensions if d.name == "headroom")
        assert extra.measured and extra.verdict == "uncertain" and extra.reason == "separated_mono"
        assert a.overall.score is None
        _check_verdicts_now()  # while the dimension is registered (as tests/test_registry.py does)
