"""analyze() on a channel that holds two people: the two-voices detector makes every built-in
dimension "uncertain" (no verdict on mixed speech), with the second voice's share shown as the
deciding figure; one person's channel is judged as before."""

from __future__ import annotations

import pytest
import soundfile as sf

from voicecoach.analysis import analyze
from voicecoach.audio import audio_from_array
from voicecoach.judge import dimensions
from voicecoach.measures.embed import find_weights

pytestmark = [pytest.mark.model, pytest.mark.skipif(find_weights() is None, reason="the voice encoder's weights are not installed (scripts/fetch_voice_encoder.py)")]


@pytest.fixture(scope="module")
def tracks(shared_audio):
    agent = sf.read(shared_audio / "calls" / "lca_auto_repairs_40_agent.wav", dtype="float32")[0][: 8000 * 90]
    caller = sf.read(shared_audio / "calls" / "lca_auto_repairs_40_caller.wav", dtype="float32")[0][: 8000 * 90]
    return agent, caller


def test_a_mono_mix_of_agent_and_caller_is_not_judged(tracks, whisper):
    a = analyze(audio_from_array(tracks[0] + tracks[1], sample_rate_hz=8000), recognizer=whisper, lang="en")
    assert a.measures.voices is not None and a.measures.voices.confident
    assert 0.2 < a.measures.voices.share_of_second_voice <= 0.5
    assert [d.name for d in a.dimensions] == list(dimensions.names())  # the seven built-in ones
    for d in a.dimensions:
        assert d.verdict == "uncertain" and d.reason == "second_voice" and d.score is None and not d.moments, d.name
        assert d.deciding.key == "quality.second_voice_share" and d.deciding.value == pytest.approx(a.measures.voices.share_of_second_voice)
    assert "two_voices" in [n.code for n in a.notices]
    assert a.to_dict()["voices"]["confident"] is True


def test_the_agent_track_alone_is_one_voice_and_judged(tracks, whisper):
    a = analyze(audio_from_array(tracks[0], sample_rate_hz=8000), recognizer=whisper, lang="en")
    assert a.measures.voices is not None and not a.measures.voices.confident
    assert not [d for d in a.dimensions if d.reason == "second_voice"]
    assert "two_voices" not in [n.code for n in a.notices]


def test_a_batch_row_of_a_two_voice_call_enters_the_listening_queue_for_it(tracks, whisper):
    from voicecoach.qa.inputs import Job
    from voicecoach.qa.queue import reasons
    from voicecoach.qa.work import result_row

    a = analyze(audio_from_array(tracks[0] + tracks[1], sample_rate_hz=8000), recognizer=whisper, lang="en")
    row, _ = result_row(Job(path="mix.wav", call_id="c1"), "k", "f", "s", {"status": "done", "report": a.to_dict()})
    row.update({f"{d.name}_verdict": d.verdict for d in a.dimensions})
    assert "two_voices" in [r.code for r in reasons(row)]
