"""Property-based tests (hypothesis) of the measures' invariants, on synthetic speech whose
truth we construct: gain moves neither pitch nor rate; an inserted silence of known length
is a pause of that length; 8 kHz and 16 kHz copies agree; a batch scores a call exactly as
one analysis does. Few examples each (every one is a whole analysis), derandomised so CI
sees the same examples every run."""

from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from synth import SR, FakeRecognizer, utterance  # noqa: E402
from voicecoach.analysis import analyze  # noqa: E402
from voicecoach.audio import resample  # noqa: E402

FEW = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _run(samples: np.ndarray, chars, sr: int = SR):
    return analyze(samples.astype(np.float32), sample_rate_hz=sr, recognizer=FakeRecognizer(chars), use_cache=False, lang="en")


def _st(a_hz: float, b_hz: float) -> float:
    return 12 * np.log2(a_hz / b_hz)


@FEW
@given(gain_db=st.floats(-30.0, 12.0), f0_hz=st.floats(110.0, 260.0), phrases=st.lists(st.integers(4, 8), min_size=2, max_size=3))
def test_gain_moves_neither_pitch_nor_rate(gain_db, f0_hz, phrases):
    sp = utterance(phrases, f0_hz=f0_hz, level_dbfs=-26.0)
    base = _run(sp.samples, sp.chars)
    louder = _run(sp.samples * 10 ** (gain_db / 20), sp.chars)
    assert abs(_st(louder.pitch.median_f0_hz, base.pitch.median_f0_hz)) < 0.1
    assert louder.pace.speaking_rate_cps == pytest.approx(base.pace.speaking_rate_cps, rel=0.01)
    assert louder.loudness.active_level_dbov - base.loudness.active_level_dbov == pytest.approx(gain_db, abs=0.3)


@FEW
@given(pause_s=st.floats(0.4, 4.0), before=st.integers(3, 7), after=st.integers(3, 7))
def test_an_inserted_silence_is_a_pause_of_its_length(pause_s, before, after):
    sp = utterance([before, after], pause_s=pause_s)
    a = _run(sp.samples, sp.chars)
    (start, end), = sp.pauses
    found = [p for p in a.pauses.pauses if p.start_s < end and p.end_s > start]
    assert len(found) == 1
    assert found[0].start_s == pytest.approx(start, abs=0.02) and found[0].end_s == pytest.approx(end, abs=0.02)


@FEW
@given(f0_hz=st.floats(120.0, 240.0), syllable_s=st.floats(0.15, 0.3), phrases=st.lists(st.integers(4, 8), min_size=2, max_size=3))
def test_8_khz_and_16_khz_copies_agree(f0_hz, syllable_s, phrases):
    sp = utterance(phrases, f0_hz=f0_hz, syllable_s=syllable_s)
    wide = _run(sp.samples, sp.chars)
    narrow = _run(resample(sp.samples.astype(np.float32), from_rate_hz=SR, to_rate_hz=8000), sp.chars, sr=8000)
    assert narrow.pace.speaking_rate_cps == pytest.approx(wide.pace.speaking_rate_cps, rel=0.05)
    assert abs(_st(narrow.pitch.median_f0_hz, wide.pitch.median_f0_hz)) < 0.5
    assert [round(p.start_s, 1) for p in narrow.pauses.pauses] == [round(p.start_s, 1) for p in wide.pauses.pauses]


@FEW
@given(phrases=st.lists(st.integers(4, 8), min_size=2, max_size=3), pause_s=st.floats(0.3, 2.0), level_dbfs=st.floats(-35.0, -12.0))
def test_a_batch_scores_a_call_exactly_as_one_analysis(tmp_path_factory, monkeypatch_module, phrases, pause_s, level_dbfs):
    import soundfile as sf

    import voicecoach.qa.work as batch
    from voicecoach.judge.targets import load_targets

    sp = utterance(phrases, pause_s=pause_s, level_dbfs=level_dbfs)
    wav = tmp_path_factory.mktemp("call") / "call.wav"
    sf.write(wav, sp.samples, SR, subtype="FLOAT")
    monkeypatch_module.setattr(batch, "_WORKER", {"settings": batch.BatchSettings(), "recognizer": FakeRecognizer(sp.chars),
                                                  "targets": load_targets(), "rules": None, "name": "test"})
    out = batch.score({"path": str(wav), "channel": "mix"})
    assert out["status"] == "done", out
    alone = analyze(wav, recognizer=FakeRecognizer(sp.chars), use_cache=False, whole_call=True).to_dict()  # a batch scores whole calls
    for d in (out["report"], alone):
        d.pop("timings_s"), d.pop("created_utc"), d["source"].pop("path")
    assert out["report"] == alone


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
