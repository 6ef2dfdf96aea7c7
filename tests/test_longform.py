"""Whole recordings keep their speech: coverage, the second recognition pass, loop trimming,
and pace that stands on the whole recording when the recogniser loses part of it."""

from __future__ import annotations

import numpy as np
import pytest
from synth import SR, FakeRecognizer, utterance

from voicecoach.analysis import analyze
from voicecoach.recognize.coverage import measure_coverage
from voicecoach.recognize.gapfill import GapFillSettings, fill_gaps
from voicecoach.audio.activity import compute_activity
from voicecoach.recognize.script import spread_script
from voicecoach.recognize.types import Char, Transcript
from voicecoach.recognize.whisper import loop_start, max_new_tokens


def _long_speech(n_phrases: int = 30, seed: int = 3):
    rng = np.random.default_rng(seed)
    sp = utterance([int(n) for n in rng.integers(4, 12, n_phrases)], pause_s=[float(p) for p in rng.uniform(0.4, 2.0, n_phrases - 1)])
    sp.samples = sp.samples + (rng.standard_normal(len(sp.samples)) * 1e-4).astype(np.float32)  # no exact zeros: windows can be found again
    return sp


class WindowedFake(FakeRecognizer):
    """A recogniser that hears what is really in each window it is given (the synthetic
    syllables lying there, found by locating the window's samples in the recording) but
    returns nothing for the time ranges in ``deaf_s`` of the recording on its *first* call:
    a Whisper window that stopped early."""

    def __init__(self, speech, deaf_s=(), *, always=False, late_s=0.0):
        super().__init__(list(speech.chars))
        self.late_s = late_s  # timing error of every syllable after the first call
        self.full = speech.samples.astype(np.float32)
        self.bytes = self.full.tobytes()
        self.chars = speech.chars
        self.deaf_s = deaf_s
        self.always = always

    def _locate(self, x: np.ndarray) -> list[tuple[int, int, int]]:
        """(window start, window end, recording start) of each run of ``x`` copied from the recording."""
        out, i, probe = [], 0, 256
        while i + probe <= len(x):
            if not np.any(x[i:i + probe]):
                i += probe
                continue
            pos = self.bytes.find(x[i:i + probe].tobytes())
            while pos >= 0 and pos % 4:
                pos = self.bytes.find(x[i:i + probe].tobytes(), pos + 1)
            if pos < 0:
                i += probe
                continue
            o = pos // 4
            n = min(len(x) - i, len(self.full) - o)
            same = np.flatnonzero(x[i:i + n] != self.full[o:o + n])
            run = int(same[0]) if len(same) else n
            out.append((i, i + run, o))
            i += max(run, 1)
        return out

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        deaf = self.calls == 0 or self.always
        self.calls += 1
        chars = []
        for w0, w1, o in self._locate(samples):
            lo, hi = o / SR, (o + w1 - w0) / SR
            for text, s, e in self.chars:
                if lo <= (s + e) / 2 < hi and not (deaf and any(a <= s < b for a, b in self.deaf_s)):
                    shift = (w0 - o) / SR + (0.0 if self.calls == 1 else self.late_s)
                    chars.append(Char(text, text, s + shift, e + shift, 0.9))
        chars.sort(key=lambda c: c.start_s)
        return Transcript(tuple(chars), (), "zh", self.MODEL)


def test_coverage_known_answer():
    sp = _long_speech(8)
    act = compute_activity(sp.audio)
    full = measure_coverage(act, [(s, e) for _, s, e in sp.chars])
    assert full.covered_ratio == pytest.approx(1.0, abs=0.01)
    assert full.unrecognised == ()
    # leave out the syllables of phrase 3: exactly its speech is reported, with times
    first, last = sp.finals[2][0] + 1, sp.finals[3][0]
    kept = [(s, e) for k, (_, s, e) in enumerate(sp.chars) if not first <= k <= last]
    cov = measure_coverage(act, kept)
    lost_s = sum(e - s for _, s, e in sp.chars[first:last + 1])
    assert len(cov.unrecognised) == 1
    u = cov.unrecognised[0]
    assert u.start_s == pytest.approx(sp.chars[first][1], abs=0.03)  # phrases are separated by pauses longer than PAD_S
    assert u.end_s == pytest.approx(sp.chars[last][2], abs=0.03)
    assert cov.covered_ratio < 1 - 0.5 * lost_s / cov.speech_s


def _phrase_span(sp, first: int, last: int) -> tuple[float, float]:
    """From the start of phrase ``first`` to the end of phrase ``last`` (Whisper stops at a segment end)."""
    start = sp.chars[sp.finals[first - 1][0] + 1][1] if first else sp.chars[0][1]
    return start - 0.01, sp.finals[last][2] + 0.01


def test_second_pass_recovers_a_window_that_stopped_early():
    sp = _long_speech(30)
    deaf = [_phrase_span(sp, 5, 12), _phrase_span(sp, 17, 17)]
    assert deaf[0][1] - deaf[0][0] > 15
    fake = WindowedFake(sp, deaf_s=deaf)
    act = compute_activity(sp.audio)
    first = fake.recognize(sp.samples, sample_rate_hz=SR)
    assert len(first.chars) < len(sp.chars) - 20
    filled = fill_gaps(first, sp.audio, act, fake)
    assert [c.text for c in filled.chars] == [t for t, _, _ in sp.chars]
    truth = np.array([(s, e) for _, s, e in sp.chars])
    got = np.array([(c.start_s, c.end_s) for c in filled.chars])
    assert np.max(np.abs(got - truth)) < 0.002  # mapped back to the recording's time exactly
    assert filled.n_gap_windows <= 3  # packed: not one call per gap
    assert measure_coverage(act, [(c.start_s, c.end_s) for c in filled.chars]).covered_ratio == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("late_s", [-0.45, 0.45])
def test_second_pass_keeps_syllables_whisper_timed_into_the_pad_or_a_join(late_s):
    sp = _long_speech(30)
    fake = WindowedFake(sp, deaf_s=[_phrase_span(sp, 5, 12), _phrase_span(sp, 17, 17)], late_s=late_s)
    act = compute_activity(sp.audio)
    filled = fill_gaps(fake.recognize(sp.samples, sample_rate_hz=SR), sp.audio, act, fake)
    assert [c.text for c in filled.chars] == [t for t, _, _ in sp.chars]
    assert all(c.end_s > c.start_s for c in filled.chars)


def test_second_pass_reports_what_it_cannot_recover():
    sp = _long_speech(12)
    deaf = _phrase_span(sp, 3, 5)
    fake = WindowedFake(sp, [deaf], always=True)  # cannot make out that stretch, however often asked
    a = analyze(sp.audio.samples, sample_rate_hz=SR, recognizer=fake, use_cache=False)
    lost = a.coverage.unrecognised
    assert fake.calls >= 2  # it was tried again
    assert lost and lost[0].start_s >= deaf[0] - 0.02 and lost[-1].end_s <= deaf[1] + 0.02
    assert sum(u.speech_s for u in lost) > 0.7 * sum(e - s for _, s, e in sp.chars if deaf[0] <= s < deaf[1])
    assert a.coverage.covered_ratio < 0.85
    d = a.to_dict()["transcript"]["coverage"]
    assert d["unrecognised"][0]["start_s"] == pytest.approx(lost[0].start_s, abs=1e-3)
    # pace counts the lost stretch from the signal instead of dropping it
    truth_cps = len(sp.chars) / (sp.chars[-1][2] - sp.chars[0][1])
    assert a.pace.speaking_rate_cps == pytest.approx(truth_cps, rel=0.12)


def test_gap_pass_is_bounded():
    """A recogniser that hears nothing: the second pass stops at its share of the speech."""
    sp = _long_speech(30)
    act = compute_activity(sp.audio)
    empty = Transcript((), (), "zh", FakeRecognizer.MODEL)
    calls = []

    class Deaf(FakeRecognizer):
        def recognize(self, samples, *, sample_rate_hz):
            calls.append(len(samples) / sample_rate_hz)
            return empty

    speech_s = act.is_speech.sum() * act.frame_s
    for share in (0.3, 0.6):
        calls.clear()
        out = fill_gaps(empty, sp.audio, act, Deaf([]), settings=GapFillSettings(max_share_ratio=share))
        assert 0 < sum(calls) <= share * speech_s + 1e-6
        assert max(calls) <= 24.0 + 1e-6
        assert out.n_gap_windows == len(calls)
    from voicecoach.recognize.gapfill import _pack, _pieces

    settings = GapFillSettings(max_share_ratio=10.0)
    round_one = _pack(_pieces((), sp.audio, act, settings), SR, settings)
    unbounded = fill_gaps(empty, sp.audio, act, Deaf([]), settings=settings)
    assert len(round_one) < unbounded.n_gap_windows <= 3 * len(round_one)  # round two: at most twice as many calls again


@pytest.mark.parametrize("tokens, expected", [
    (["好", "，", "请", "问", "，", "请", "问", "，", "请", "问", "，", "请", "问"], 4),
    (["您", "好", "请问", "请问", "请问", "请问"], 3),
    (list("你好很高兴为您服务") + list("服务") * 6, 9),
    (list("我们会在二十四小时内"), None),
    (["对", "对", "对"], 1),
])
def test_loop_start(tokens, expected):
    assert loop_start(tokens) == expected


def test_token_cap_lets_fast_speech_through_and_stops_loops():
    assert max_new_tokens(30.0, 12.0) == 376  # 30 s at 7 syllables/s, 1.5 tokens each = 315
    assert max_new_tokens(2.0, 12.0) == 40
    assert max_new_tokens(600.0, 12.0) <= 440
    assert max_new_tokens(30.0, 12.0, prompt="您好" * 50) == 240  # the prompt's share of 448 positions


def test_script_spread_over_speech_when_recognition_fails():
    sp = _long_speech(6)
    act = compute_activity(sp.audio)
    text = "".join(t for t, _, _ in sp.chars)
    al = spread_script(text, act)
    assert len(al.chars) == len(sp.chars)
    assert al.chars[0].start_s == pytest.approx(sp.chars[0][1], abs=0.05)
    assert al.chars[-1].end_s == pytest.approx(sp.chars[-1][2], abs=0.05)
    # with two stray recognised syllables the script still gives the whole count and span
    fake = FakeRecognizer([sp.chars[10], sp.chars[11]])
    a = analyze(sp.audio.samples, sample_rate_hz=SR, recognizer=fake, script_text=text, use_cache=False)
    truth_cps = len(sp.chars) / (sp.chars[-1][2] - sp.chars[0][1])
    assert a.pace.n_syllables == len(sp.chars)
    assert a.pace.speaking_rate_cps == pytest.approx(truth_cps, rel=0.03)
    assert "recognition_failed" in [n.code for n in a.notices]
    # timings were laid out, not heard: no clarity or drawl verdict rests on them
    assert a.dimension("articulation").verdict == "not_measured"
    assert a.dimension("drawl").verdict == "not_measured"
    assert a.to_dict()["script"]["spread"] is True


def test_a_syllable_stretched_over_lost_speech_keeps_at_most_its_own_length():
    from voicecoach.recognize.whisper import MAX_SYLLABLE_S, word_to_chars

    (c,) = word_to_chars("问", 116.33, 121.09, 0.5)  # Whisper laid one word over 4.8 s it could not make out
    assert c.start_s == 116.33 and c.end_s == pytest.approx(116.33 + MAX_SYLLABLE_S)
    four = word_to_chars("24", 10.0, 10.8, 0.9)  # 二十四 ... a multi-syllable token keeps its span
    assert len(four) == 3 and four[-1].end_s == pytest.approx(10.8)


def test_unrecognised_speech_is_a_notice_in_both_languages():
    from voicecoach.judge.advice import notice_text

    sp = _long_speech(12)
    fake = WindowedFake(sp, [_phrase_span(sp, 3, 5)], always=True)
    a = analyze(sp.audio.samples, sample_rate_hz=SR, recognizer=fake, use_cache=False)
    (n,) = [n for n in a.notices if n.code == "unrecognised_speech"]
    assert n.params["n"] == len(a.coverage.unrecognised) and n.params["speech_s"] >= 1
    assert "没能转写" in notice_text(n, "zh") and "could not be transcribed" in notice_text(n, "en")


def test_long_audio_is_recognised_in_pieces_cut_at_quiet_moments():
    from voicecoach.recognize.splitter import SplittingRecognizer

    rng = np.random.default_rng(5)
    n = 25 * SR
    samples = (rng.standard_normal(n) * 0.1).astype(np.float32)
    for quiet_s in (8.0, 17.5):  # the quietest moments before each 10 s boundary
        samples[int(quiet_s * SR):int((quiet_s + 0.5) * SR)] *= 1e-3
    seen = []

    class OnePerPiece(FakeRecognizer):
        def recognize(self, x, *, sample_rate_hz):
            seen.append(len(x) / sample_rate_hz)
            return Transcript((Char("好", "好", 0.5, 0.7, 0.9),), (), "zh", self.MODEL, dropped=(f"piece {len(seen)}",))

    inner = OnePerPiece([])
    split = SplittingRecognizer(inner, max_piece_s=10.0)
    t = split.recognize(samples, sample_rate_hz=SR)
    assert all(d <= 10.0 for d in seen) and sum(seen) == pytest.approx(25.0)
    starts = np.cumsum([0.0] + seen[:-1])
    assert [c.start_s for c in t.chars] == pytest.approx(list(starts + 0.5))  # each piece's times moved by its offset
    assert 8.0 < starts[1] < 8.5 and 17.5 < starts[2] < 18.0
    assert t.dropped == ("piece 1", "piece 2", "piece 3")
    assert split.fingerprint() != inner.fingerprint()  # pieces of another length could be heard otherwise
    seen.clear()
    assert split.recognize(samples[: 5 * SR], sample_rate_hz=SR).chars[0].start_s == 0.5 and seen == [5.0]
