"""Two-sided calls (voicecoach.conversation): known answers on constructed tracks and calls,
and the real two-track call of ../shared/audio/calls against Praat's silence detection."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import soundfile as sf

from tests.conversation_calls import SR, mandarin_call, real_customer_call, to_rate
from voicecoach.conversation import (
    AGENT, CUSTOMER, TurnSettings, analyze_call, analyze_turns, call_from_arrays, guess_agent_index, is_listening_word,
    label_backchannels, load_stereo_call, load_two_file_call, match_pace, stereo_from_array,
)
from voicecoach.conversation.turns import Interval
from voicecoach.errors import CallMismatchError, ChannelError, TargetsError, UsageError
from voicecoach.judge.targets import load_targets

FRAME_S = 0.01
TOL_S = 0.05


def _track(n_s: float, spans: list[tuple[float, float]]) -> np.ndarray:
    m = np.zeros(int(round(n_s / FRAME_S)), bool)
    for a, b in spans:
        m[int(round(a / FRAME_S)):int(round(b / FRAME_S))] = True
    return m


# ---------------------------------------------------------------- turn logic on exact tracks


def test_turns_known_answers_on_exact_tracks():
    # agent greets, customer answers after 0.5 s, agent says 嗯 inside the customer's turn, the
    # agent interrupts (customer yields 1.5 s later), dead air 7 s, a long 4 s wait
    agent = _track(60, [(1.0, 4.0), (8.0, 8.4), (11.0, 15.0), (22.0, 25.0), (34.0, 38.0)])
    customer = _track(60, [(4.5, 9.5), (9.7, 12.5), (25.0, 26.0), (26.2, 30.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    # the agent's 11-15 and 22-25 are one turn: the customer never took the floor in between
    assert [(x.side, round(x.start_s, 2), round(x.end_s, 2)) for x in t.turns] == [
        (AGENT, 1.0, 4.0), (CUSTOMER, 4.5, 12.5), (AGENT, 11.0, 25.0), (CUSTOMER, 25.0, 30.0), (AGENT, 34.0, 38.0)]
    assert [(b.start_s, b.end_s) for b in t.agent_backchannels] == [(8.0, 8.4)]
    assert [(round(o.start_s, 2), round(o.end_s, 2)) for o in t.overlaps] == [(8.0, 8.4), (11.0, 12.5)]
    assert [(o.start_s, o.end_s) for o in t.long_overlaps] == [(11.0, 12.5)]
    assert t.overtalk_s == pytest.approx(1.9)
    assert [(i.start_s, i.end_s) for i in t.agent_interruptions] == [(11.0, 12.5)]
    assert t.customer_interruptions == ()
    assert [round(x.latency_s, 2) for x in t.latencies] == [-1.5, 4.0]
    assert len(t.long_waits) == 1
    assert [(d.start_s, d.end_s) for d in t.dead_air] == [(15.0, 22.0)]
    assert t.latency_median_s == pytest.approx(1.25)
    assert t.span.start_s == 1.0 and t.span.end_s == 38.0
    # the agent's turn 11-25 holds the 7 s of dead air: its monologues are 11-15 and 22-25
    assert t.longest_monologue_s(AGENT) == pytest.approx(4.0)
    assert t.talk_ratio == pytest.approx(14.4 / (14.4 + 13.0))  # the customer's 0.2 s gaps are bridged
    assert t.turns_per_min == pytest.approx(5 / (37 / 60))


def test_short_gaps_are_bridged_and_blips_dropped():
    agent = _track(20, [(1.0, 2.0), (2.2, 3.0), (5.0, 5.05)])  # 0.2 s gap bridged; a 50 ms click dropped
    customer = _track(20, [(3.5, 6.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert [(x.side, x.start_s, x.end_s) for x in t.turns] == [(AGENT, 1.0, 3.0), (CUSTOMER, 3.5, 6.0)]
    assert t.overlaps == ()
    assert t.agent_speech_s == pytest.approx(2.0)


def test_customer_interruption_and_agent_overlap_that_does_not_take_the_floor():
    # the customer starts over the agent and the agent yields: the customer interrupts
    agent = _track(20, [(1.0, 6.0)])
    customer = _track(20, [(4.5, 9.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert len(t.customer_interruptions) == 1 and t.agent_interruptions == ()
    # the agent talks over the customer, who talks on to the end: no yield, no interruption,
    # no turn (and so no response latency), but an overlap
    agent = _track(20, [(1.0, 3.0), (5.0, 7.0)])
    customer = _track(20, [(3.2, 9.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert t.agent_interruptions == () and t.latencies == ()
    assert [x.side for x in t.turns] == [AGENT, CUSTOMER]
    assert [(o.start_s, o.end_s) for o in t.long_overlaps] == [(5.0, 7.0)]


def test_starting_over_a_backchannel_is_no_interruption():
    agent = _track(20, [(1.0, 5.0), (5.3, 9.0)])
    customer = _track(20, [(4.6, 5.2)])  # "uh-huh" at the end of the agent's sentence
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert [(round(b.start_s, 2), round(b.end_s, 2)) for b in t.customer_backchannels] == [(4.6, 5.2)]
    assert t.agent_interruptions == () and [x.side for x in t.turns] == [AGENT]
    agent = _track(20, [(1.0, 4.0), (5.0, 9.0)])
    customer = _track(20, [(4.3, 5.3)])  # the agent starts again over the customer's "嗯", who stops
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert t.agent_interruptions == ()


def test_monologue_ends_at_dead_air_but_not_at_a_shorter_silence():
    # agent only: 0-10 s, 7 s of dead air, 17-23.5 s; then 30-36 s after a 6.5 s silence, then
    # 40-52 s after a 4 s one (under the 5 s dead-air threshold: the same monologue)
    agent = _track(60, [(0.0, 10.0), (17.0, 23.5), (30.0, 36.0), (40.0, 52.0)])
    customer = _track(60, [(55.0, 58.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert [(d.start_s, d.end_s) for d in t.dead_air] == [(10.0, 17.0), (23.5, 30.0)]
    assert [(x.side, x.start_s, x.end_s) for x in t.turns][0] == (AGENT, 0.0, 52.0)  # the turn keeps its dead air
    assert t.longest_monologue_s(AGENT) == pytest.approx(22.0)  # 30-52: the 4 s pause does not end it
    t3 = analyze_turns(agent, customer, frame_s=FRAME_S, settings=TurnSettings(dead_air_s=3.0))
    assert t3.longest_monologue_s(AGENT) == pytest.approx(12.0)  # now the 4 s pause is dead air too: 40-52
    assert t.longest_monologue_s(CUSTOMER) == pytest.approx(3.0)


def test_dead_air_threshold_is_configurable_and_edges_do_not_count():
    agent = _track(40, [(3.0, 5.0), (14.0, 16.0)])  # 3 s of leading and 24 s of trailing silence
    customer = _track(40, [(8.0, 10.0)])
    assert [(d.start_s, d.end_s) for d in analyze_turns(agent, customer, frame_s=FRAME_S).dead_air] == []
    t = analyze_turns(agent, customer, frame_s=FRAME_S, settings=TurnSettings(dead_air_s=3.0))
    assert [(d.start_s, d.end_s) for d in t.dead_air] == [(5.0, 8.0), (10.0, 14.0)]


def test_hold_music_is_a_hold_not_talk_and_a_muted_hold_is_dead_air():
    agent = _track(120, [(1.0, 4.0), (10.0, 50.0), (52.0, 55.0)])  # 40 s of unbroken sound: music
    customer = _track(120, [(5.0, 8.0), (57.0, 60.0)])
    t = analyze_turns(agent, customer, frame_s=FRAME_S)
    assert [(h.start_s, h.end_s) for h in t.holds] == [(10.0, 50.0)]
    assert t.dead_air == ()
    assert t.agent_speech_s == pytest.approx(6.0)
    muted = _track(120, [(1.0, 4.0), (52.0, 55.0)])
    t = analyze_turns(muted, customer, frame_s=FRAME_S)
    assert t.holds == () and [(d.start_s, d.end_s) for d in t.dead_air] == [(8.0, 52.0)]


def test_hold_music_through_the_signal_path():
    """Steady music: the adaptive speech detector learns it as background within seconds, so
    holds are found on the channel's sound above its recording-wide threshold."""
    agent = _bursts(90, [(1, 4), (60, 63)], seed=1)
    customer = _bursts(90, [(5, 8), (66, 70)], f0_hz=120, seed=2)
    t = np.arange(45 * SR) / SR
    notes = np.repeat([440, 494, 523, 587, 659, 587, 523, 494], len(t) // 8 + 1)[:len(t)]
    agent[10 * SR:55 * SR] += (0.05 * np.sin(2 * np.pi * np.cumsum(notes) / SR)).astype(np.float32)
    r = analyze_call(call_from_arrays(agent, customer, sample_rate_hz=SR), pace=False)
    assert [(round(h.start_s), round(h.end_s)) for h in r.turns.holds] == [(10, 55)]
    assert r.turns.dead_air == ()
    assert [x.side for x in r.turns.turns] == [AGENT, CUSTOMER, AGENT, CUSTOMER]
    assert r.turns.latencies == ()  # the customer's wait across the hold is not a response time
    assert abs(r.check("long_hold_s").value - 45.0) <= 0.1 and r.check("long_hold_s").within


def test_empty_and_one_sided_calls():
    silent = np.zeros(1000, bool)
    t = analyze_turns(silent, silent, frame_s=FRAME_S)
    assert t.turns == () and np.isnan(t.talk_ratio) and np.isnan(t.latency_median_s) and np.isnan(t.turns_per_min)
    t = analyze_turns(_track(10, [(1, 5)]), silent, frame_s=FRAME_S)
    assert t.talk_ratio == 1.0 and t.latencies == ()
    json.dumps(t.to_dict(), allow_nan=False)
    with pytest.raises(ValueError):
        analyze_turns(silent, silent[:10], frame_s=FRAME_S)


# ------------------------------------------------------------------------ pace and backchannels


def _turns_with_exchanges(n: int):
    spans_a, spans_c = [], []
    t = 0.0
    for _ in range(n):
        spans_c.append((t + 0.5, t + 4.5))
        spans_a.append((t + 5.0, t + 9.0))
        t += 10.0
    a, c = _track(t + 1, spans_a), _track(t + 1, spans_c)
    return analyze_turns(a, c, frame_s=FRAME_S), a, c, spans_a, spans_c


def _syllables(spans, rates):
    return np.concatenate([np.arange(s + 0.5 / r, e, 1.0 / r) for (s, e), r in zip(spans, rates)])


def test_pace_gap_per_exchange_and_follow_slope():
    turns, a, c, sa, sc = _turns_with_exchanges(6)
    c_rates = np.array([3.0, 4.0, 5.0, 3.5, 4.5, 6.0])
    a_rates = 4.0 + 0.5 * (c_rates - 4.0)  # the agent moves half way toward the customer
    pm = match_pace(turns, agent_speech=a, customer_speech=c, agent_syllables_s=_syllables(sa, a_rates), customer_syllables_s=_syllables(sc, c_rates))
    assert len(pm.exchanges) == 6 and pm.enough_exchanges
    assert [round(e.gap_cps, 2) for e in pm.exchanges] == [round(x, 2) for x in a_rates - c_rates]
    assert pm.follow_slope == pytest.approx(0.5, abs=0.02)
    assert pm.follow_r == pytest.approx(1.0, abs=0.01)


def test_pace_with_too_few_exchanges_says_so():
    turns, a, c, sa, sc = _turns_with_exchanges(3)
    pm = match_pace(turns, agent_speech=a, customer_speech=c, agent_syllables_s=_syllables(sa, [4, 4, 4]), customer_syllables_s=_syllables(sc, [3, 4, 5]))
    assert len(pm.exchanges) == 3 and not pm.enough_exchanges
    assert np.isnan(pm.follow_slope) and np.isnan(pm.follow_r)
    assert pm.gap_median_cps == pytest.approx(0.0, abs=0.01)
    d = pm.to_dict()
    assert d["follow_slope"] is None and d["enough_exchanges"] is False


@dataclass(frozen=True)
class _Word:
    start_s: float
    end_s: float
    text: str


def test_backchannels_labelled_from_the_transcript():
    spurts = [Interval(1.0, 1.3), Interval(5.0, 5.6)]
    words = [_Word(1.05, 1.25, "嗯"), _Word(5.0, 5.3, "我"), _Word(5.3, 5.6, "说")]
    out = label_backchannels(spurts, words=words)
    assert [(b.text, b.is_listening_word) for b in out] == [("嗯", True), ("我说", False)]
    assert [b.is_listening_word for b in label_backchannels(spurts)] == [None, None]
    assert is_listening_word("对对对") and is_listening_word("好的。") and is_listening_word("是的") and not is_listening_word("好吧你说")


# ----------------------------------------------------------------------------------- inputs


def _bursts(duration_s: float, spans, *, sr: int = SR, f0_hz: float = 200.0, seed: int = 0) -> np.ndarray:
    """Speech-like bursts: a harmonic complex at 4 syllables/s (amplitude modulated), -20 dBFS."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * sr)
    x = 1e-4 * rng.standard_normal(n).astype(np.float32)  # a faint line-noise floor
    t = np.arange(n) / sr
    for a, b in spans:
        i, j = int(a * sr), int(b * sr)
        tt = t[i:j] - a
        voice = sum(np.sin(2 * np.pi * k * f0_hz * tt) / k for k in range(1, 16) if k * f0_hz < 3800)
        env = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * tt - np.pi / 2) ** 2
        x[i:j] += (0.1 * voice * env).astype(np.float32)
    return x


def test_bursts_through_the_speech_detector_keep_their_times():
    a_spans = [(1.0, 4.0), (9.0, 12.0), (12.0, 14.0)]
    c_spans = [(4.6, 8.2), (10.8, 12.0), (20.5, 23.0)]
    call = call_from_arrays(_bursts(25, a_spans, seed=1), _bursts(25, c_spans, f0_hz=120, seed=2), sample_rate_hz=SR)
    r = analyze_call(call, pace=False)
    t = r.turns
    want = analyze_turns(_track(25, a_spans), _track(25, c_spans), frame_s=FRAME_S)
    assert [x.side for x in t.turns] == [x.side for x in want.turns]
    for got, exp in zip(t.turns, want.turns):
        assert abs(got.start_s - exp.start_s) <= TOL_S and abs(got.end_s - exp.end_s) <= TOL_S
    assert len(t.agent_interruptions) == 0 and len(t.long_overlaps) == 1
    assert abs(t.overtalk_s - 1.2) <= TOL_S
    assert [round(x.latency_s, 1) for x in t.latencies] == [0.8]
    assert len(t.dead_air) == 1 and abs(t.dead_air[0].duration_s - 6.5) <= TOL_S


def test_stereo_file_channel_flag_and_guess(tmp_path):
    agent = _bursts(12, [(0.5, 3.0), (6.0, 8.0)], seed=3)
    cust = _bursts(12, [(3.5, 5.5), (8.5, 11.0)], f0_hz=110, seed=4)
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([cust, agent], axis=1), SR, subtype="PCM_16")  # the agent on the RIGHT
    guessed = analyze_call(load_stereo_call(path), pace=False)
    assert guessed.agent_index == 1 and guessed.agent_guessed
    assert any(n.code == "agent_guessed" for n in guessed.notices)
    assert [x.side for x in guessed.turns.turns] == [AGENT, CUSTOMER, AGENT, CUSTOMER]
    forced = analyze_call(load_stereo_call(path, agent_channel="left"), pace=False)
    assert forced.agent_index == 0 and not forced.agent_guessed
    assert [x.side for x in forced.turns.turns] == [CUSTOMER, AGENT, CUSTOMER, AGENT]
    assert analyze_call(stereo_from_array(np.stack([cust, agent], axis=1), sample_rate_hz=SR, agent_channel=2), pace=False).agent_index == 1
    assert guess_agent_index((_track(5, [(2, 3)]), _track(5, [(1.0, 1.1), (1.5, 2.5)])), frame_s=FRAME_S) == 1  # a click does not answer
    with pytest.raises(UsageError):
        load_stereo_call(path, agent_channel="3")


def test_stereo_errors(tmp_path):
    mono = tmp_path / "mono.wav"
    sf.write(mono, _bursts(5, [(1, 2)]), SR)
    with pytest.raises(ChannelError, match="two channels"):
        load_stereo_call(mono)
    with pytest.raises(ChannelError):
        stereo_from_array(np.zeros((100, 3)), sample_rate_hz=SR)


def test_two_file_call_and_its_errors(tmp_path):
    a, c = tmp_path / "agent.wav", tmp_path / "customer.wav"
    sf.write(a, _bursts(10, [(0.5, 3.0)], seed=5), SR)
    sf.write(c, _bursts(10.05, [(3.5, 6.0)], seed=6), SR)  # 50 ms of encoder padding: accepted
    call = load_two_file_call(a, c)
    assert call.agent_index == 0 and call.layout == "two_files"
    assert len(call.sides[0].samples) == len(call.sides[1].samples)
    assert any(n.code == "sides_trimmed" for n in call.notices)
    long_ = tmp_path / "long.wav"
    sf.write(long_, _bursts(12, [(3.5, 6.0)]), SR)
    with pytest.raises(CallMismatchError, match="equally long"):
        load_two_file_call(a, long_)
    other_rate = tmp_path / "8k.wav"
    sf.write(other_rate, _bursts(10, [(3.5, 6.0)], sr=8000), 8000)
    with pytest.raises(CallMismatchError, match="8000 Hz"):
        load_two_file_call(a, other_rate)


def test_cli_call_command(tmp_path):
    from typer.testing import CliRunner

    from voicecoach.cli import app

    agent = _bursts(12, [(0.5, 3.0), (6.0, 8.0)], seed=3)
    cust = _bursts(12, [(3.5, 5.5), (8.5, 11.0)], f0_hz=110, seed=4)
    stereo = tmp_path / "call.wav"
    sf.write(stereo, np.stack([cust, agent], axis=1), SR, subtype="PCM_16")
    runner = CliRunner()
    res = runner.invoke(app, ["call", str(stereo), "--agent-channel", "right"])
    assert res.exit_code == 0, res.output
    d = json.loads((tmp_path / "call.wav.call.json").read_text(encoding="utf-8"))
    assert d["agent_index"] == 1 and d["agent_guessed"] is False and d["turns"]["n_turns"] == 4
    assert d["sources"][0]["path"] == "call.wav"
    assert "talk_ratio" in res.output
    a, c = tmp_path / "a.wav", tmp_path / "c.wav"
    sf.write(a, agent, SR)
    sf.write(c, cust[:SR * 5], SR)
    res = runner.invoke(app, ["call", str(a), "--customer", str(c), "--out", str(tmp_path / "x.json")])
    assert res.exit_code == 2 and "equally long" in res.output
    res = runner.invoke(app, ["call", str(a), "--customer", str(a), "--agent-channel", "left"])
    assert res.exit_code == 2 and "--agent-channel" in res.output


# ------------------------------------------------------------------------------------ targets


def test_conversation_targets_have_unit_reason_source_and_can_be_overridden(tmp_path):
    tgt = load_targets()
    keys = [k for k in tgt.items if k.startswith("conversation.")]
    assert len(keys) >= 15
    for k in keys:
        assert tgt[k].unit and tgt[k].reason and tgt[k].source
    assert tgt.value("conversation.dead_air_s") == 5.0 and tgt.value("conversation.overlap_min_s") == 1.0
    over = tmp_path / "ours.toml"
    over.write_text("[conversation.dead_air_s]\nvalue = 10.0\n", encoding="utf-8")
    agent = _bursts(30, [(1, 4), (11.5, 14)], seed=7)
    cust = _bursts(30, [(4.5, 5.5)], seed=8)
    call = call_from_arrays(agent, cust, sample_rate_hz=SR)
    assert len(analyze_call(call, pace=False).turns.dead_air) == 1
    assert len(analyze_call(call, targets=over, pace=False).turns.dead_air) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[conversation.dead_air]\nvalue = 10.0\n", encoding="utf-8")
    with pytest.raises(TargetsError, match="not a known target"):
        load_targets(bad)


# ------------------------------------------------------------- constructed Mandarin calls (TTS)


@pytest.fixture(scope="module")
def constructed(shared_audio):
    return mandarin_call(shared_audio / "tts")


@pytest.fixture(scope="module")
def constructed_real_voices(shared_audio):
    return real_customer_call(shared_audio)


@pytest.mark.parametrize("rate_hz", [16000, 8000])
@pytest.mark.parametrize("kind", ["tts", "real_voices"])
def test_constructed_mandarin_call_timings_and_counts(request, kind, rate_hz):
    """The TTS call (the customer: the agent's voice resampled), and the same script with four
    real recorded Mandarin speakers as the customer; at 16 kHz and as 8 kHz copies."""
    c = request.getfixturevalue("constructed" if kind == "tts" else "constructed_real_voices")
    truth = c.truth
    call = call_from_arrays(to_rate(c.agent, rate_hz), to_rate(c.customer, rate_hz), sample_rate_hz=rate_hz)
    r = analyze_call(call, pace=False)
    t = r.turns
    assert len(t.turns) == truth["n_turns"]
    for got, (side, on, off) in zip(t.turns, truth["turns"]):
        assert got.side == side
        assert abs(got.start_s - on) <= TOL_S and abs(got.end_s - off) <= TOL_S
    assert len(t.long_overlaps) == len(truth["overlaps_over_1s"])
    for got, (on, off) in zip(t.long_overlaps, truth["overlaps_over_1s"]):
        assert abs(got.start_s - on) <= TOL_S and abs(got.end_s - off) <= TOL_S
    assert abs(t.overtalk_s - truth["overtalk_s"]) <= TOL_S
    assert abs(t.longest_overlap_s - truth["longest_overlap_s"]) <= TOL_S
    assert len(t.agent_interruptions) == len(truth["agent_interruptions"])
    assert len(t.customer_interruptions) == truth["n_customer_interruptions"]
    assert len(t.latencies) == len(truth["latencies_s"])
    for got, want in zip(t.latencies, truth["latencies_s"]):
        assert abs(got.latency_s - want) <= TOL_S
    assert abs(t.latency_median_s - float(np.median(truth["latencies_s"]))) <= TOL_S
    assert len(t.long_waits) == truth["n_long_waits"]
    assert len(t.dead_air) == len(truth["dead_air"])
    for got, (on, off) in zip(t.dead_air, truth["dead_air"]):
        assert abs(got.start_s - on) <= TOL_S and abs(got.end_s - off) <= TOL_S
    assert len(t.agent_backchannels) == len(truth["agent_backchannels"])
    for got, (on, off) in zip(t.agent_backchannels, truth["agent_backchannels"]):
        assert abs(got.start_s - on) <= TOL_S and abs(got.end_s - off) <= TOL_S
    assert t.customer_backchannels == ()
    assert t.holds == ()
    assert abs(t.span.start_s - truth["span"][0]) <= TOL_S and abs(t.span.end_s - truth["span"][1]) <= TOL_S


def test_constructed_mandarin_call_pace(constructed):
    c = constructed
    r = analyze_call(call_from_arrays(c.agent, c.customer, sample_rate_hz=c.sample_rate_hz))
    pm = r.pace
    assert len(pm.exchanges) == 4 and pm.n_skipped == 0 and not pm.enough_exchanges
    for e, want in zip(pm.exchanges, c.truth["rate_ratios"]):
        got = e.agent_rate_cps / e.customer_rate_cps
        # the sign of every gap is right; the size within 20 %: in a 3-7 s window the nuclei
        # counter is off by 1-2 of ~20 syllables per side, and counts ~2 more on the 25 %
        # slower voice, which shrinks the ratio toward 1 (measured: 1.19, 1.21, 0.92, 1.17
        # against 1.33, 1.33, 0.80, 1.33; benchmarks/results/conversation.md)
        assert np.sign(got - 1) == np.sign(want - 1)
        assert abs(got / want - 1) <= 0.20
    # with each side's characters at their times (a transcript), the ratios are exact to 5 %
    a_words = _even_chars(c, "agent")
    c_words = _even_chars(c, "customer")
    rt = analyze_call(call_from_arrays(c.agent, c.customer, sample_rate_hz=c.sample_rate_hz), agent_words=a_words, customer_words=c_words)
    assert rt.pace.source_agent == "transcript" and rt.pace.source_customer == "transcript"
    for e, want in zip(rt.pace.exchanges, c.truth["rate_ratios"]):
        assert abs(e.agent_rate_cps / e.customer_rate_cps / want - 1) <= 0.05
    json.dumps(rt.to_dict(), allow_nan=False)


def _even_chars(c, side: str) -> list[_Word]:
    """One character per syllable spread evenly over each placed sentence."""
    from tests.conversation_calls import SENTENCE_CHARS

    out = []
    for p in c.placed:
        if p.side != side or "backchannel" in p.name:
            continue
        n = SENTENCE_CHARS[p.name.split()[1]]
        edges = np.linspace(p.onset_s, p.offset_s, n + 1)
        out += [_Word(float(a), float(b), "字") for a, b in zip(edges[:-1], edges[1:])]
    return out


# ------------------------------------------------------------- the real two-track call vs Praat

PRAAT_THRESHOLD_DB = -40.0
"""Praat's silence threshold for the reference, dB re each track's maximum intensity. Praat's
default (-25) is meant for studio speech: on these telephone tracks the maximum is a loud peak
and -25 finds 11 % less agent and 22 % less caller speech than -40 (soft onsets and word ends),
and so half the overtalk of the re-timed calls. -40 was chosen after seeing that; the
benchmark publishes every threshold from -25 to -45 (benchmarks/results/conversation.md)."""


def praat_speech(samples: np.ndarray, sample_rate_hz: int, *, threshold_db: float = PRAAT_THRESHOLD_DB) -> np.ndarray:
    """Per-frame speech of one track from Praat's To TextGrid (silences): minimum pitch 100 Hz,
    minimum silent and sounding intervals 0.1 s (Praat's defaults)."""
    parselmouth = pytest.importorskip("parselmouth")
    from parselmouth.praat import call

    snd = parselmouth.Sound(np.asarray(samples, float), sampling_frequency=sample_rate_hz)
    tg = call(snd, "To TextGrid (silences)", 100, 0.0, threshold_db, 0.1, 0.1, "silent", "sounding")
    m = np.zeros(int(round(snd.duration / FRAME_S)), bool)
    for i in range(1, call(tg, "Get number of intervals", 1) + 1):
        if call(tg, "Get label of interval", 1, i) == "sounding":
            a, b = call(tg, "Get start time of interval", 1, i), call(tg, "Get end time of interval", 1, i)
            m[int(round(a / FRAME_S)):int(round(b / FRAME_S))] = True
    return m


@pytest.fixture(scope="module")
def real_call(shared_audio):
    d = shared_audio / "calls"
    if not (d / "lca_auto_repairs_40_agent.wav").exists():
        pytest.skip("../shared/audio/calls not found")
    a, sr = sf.read(d / "lca_auto_repairs_40_agent.wav", dtype="float32")
    c, _ = sf.read(d / "lca_auto_repairs_40_caller.wav", dtype="float32")
    return a, c, sr


@pytest.mark.parametrize("delay_s", [0.0, 1.0, 6.0])
def test_real_call_against_praat(real_call, delay_s):
    """The customer's track delayed by 0, 1 or 6 s: the real call (which has almost no
    overtalk and no dead air), and the same speech re-timed so that every answer collides with
    the question (1 s, 6 s) and every agent turn is followed by dead air (6 s)."""
    a, c, sr = real_call
    k = int(delay_s * sr)
    c = np.concatenate([np.zeros(k, np.float32), c])[:len(c)]
    r = analyze_call(call_from_arrays(a, c, sample_rate_hz=sr), pace=False)
    ref = analyze_turns(praat_speech(a, sr), praat_speech(c, sr), frame_s=FRAME_S)
    mine = r.turns
    if ref.overtalk_s < 1.0:  # 10 % of nothing: both must find next to none
        assert mine.overtalk_s < 0.1
    else:
        assert abs(mine.overtalk_s / ref.overtalk_s - 1) <= 0.10
    assert abs(mine.latency_median_s - ref.latency_median_s) <= 0.15
    assert len(mine.dead_air) == len(ref.dead_air)


def test_real_call_as_a_stereo_file_guesses_the_agent(real_call, tmp_path):
    a, c, sr = real_call
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([c, a], axis=1), sr, subtype="PCM_16")  # caller left, agent right
    r = analyze_call(load_stereo_call(path))
    assert r.agent_index == 1 and r.agent_guessed
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert 0.4 < d["turns"]["talk_ratio"] < 0.6
    assert d["turns"]["n_holds"] == 0
    assert d["pace"]["n_exchanges"] >= 5
    assert {c["key"] for c in d["checks"]} >= {"conversation.talk_ratio", "conversation.latency_median_s", "conversation.n_dead_air", "conversation.pace_gap_cps"}


def test_sample_call_monologue_stops_at_its_dead_air():
    """Real speech: the bundled stereo call's agent turn 14.0-37.5 s holds 7 s of dead air
    (17.3-24.4 s); the agent's longest monologue is the 13.1 s after it, not the 23.5 s turn."""
    from pathlib import Path

    from voicecoach.conversation.inputs import load_stereo_call

    r = analyze_call(load_stereo_call(Path(__file__).parent.parent / "samples" / "call_stereo.wav"), pace=False)
    t = r.turns
    longest_turn = max(x.duration_s for x in t.side_turns(AGENT))
    assert [(round(d.start_s, 1), round(d.end_s, 1)) for d in t.dead_air] == [(17.3, 24.4)]
    assert longest_turn == pytest.approx(23.5, abs=0.1)
    turn = t.side_turns(AGENT)[1]
    assert t.longest_monologue_s(AGENT) == pytest.approx(turn.end_s - t.dead_air[0].end_s, abs=1e-6)
    assert t.longest_monologue_s(AGENT) == pytest.approx(13.1, abs=0.1)
