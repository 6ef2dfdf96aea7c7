"""Shared pieces of the mono-call evaluation (benchmarks/separation.py and tests/test_separation.py):
the constructed and real mixes, their reference tracks, DER and the agent's figures against stereo."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.conversation_calls import SR, mandarin_call, real_customer_call, to_rate  # noqa: E402
from voicecoach.conversation import analyze_call, call_from_arrays  # noqa: E402
from voicecoach.conversation.analyze import confident_speech  # noqa: E402
from voicecoach.conversation.separate import diarization_error_rate, mono_call_from_array  # noqa: E402


def shared_audio() -> Path:
    return Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent.parent / "shared" / "audio"))


@dataclass
class Mix:
    name: str
    agent: np.ndarray
    customer: np.ndarray
    sample_rate_hz: int


def mixes(audio_dir: Path, *, rates=(16_000, 8_000)) -> list[Mix]:
    """The constructed Mandarin calls (TTS customer, real customers) at each rate and the real
    English two-track call, as two tracks to be summed."""
    out = []
    for name, build in (("TTS call", mandarin_call), ("real-customer call", real_customer_call)):
        call = build(audio_dir / "tts") if build is mandarin_call else build(audio_dir)
        for r in rates:
            a, c = (call.agent, call.customer) if r == SR else (to_rate(call.agent, r), to_rate(call.customer, r))
            out.append(Mix(f"{name} {r // 1000} kHz", a, c, r))
    out.append(real_call(audio_dir))
    return out


def real_call(audio_dir: Path) -> Mix:
    import soundfile as sf

    a, sr = sf.read(str(audio_dir / "calls" / "lca_auto_repairs_40_agent.wav"), dtype="float32")
    c, _ = sf.read(str(audio_dir / "calls" / "lca_auto_repairs_40_caller.wav"), dtype="float32")
    n = min(len(a), len(c))
    return Mix("real English call 8 kHz", a[:n], c[:n], sr)


@dataclass
class MixResult:
    name: str
    der: float
    confident: bool
    separation: float
    stereo: object
    mono: object
    seconds: float


def evaluate(m: Mix) -> MixResult:
    """Stereo analysis (the reference) and mono analysis of the sum; DER of the mono split
    against each track's own speech decision (the stereo analysis's, confident_speech)."""
    import time

    stereo = analyze_call(call_from_arrays(m.agent, m.customer, sample_rate_hz=m.sample_rate_hz), pace=False)
    mix = (m.agent.astype(np.float64) + m.customer).astype(np.float32)
    t0 = time.perf_counter()
    call = mono_call_from_array(mix, sample_rate_hz=m.sample_rate_hz)
    mono = analyze_call(call, pace=False)
    seconds = time.perf_counter() - t0
    ref = (confident_speech(stereo.agent.activity), confident_speech(stereo.customer.activity))
    hyp = (call.separation.mask(0), call.separation.mask(1))
    der = diarization_error_rate(ref, hyp)
    return MixResult(m.name, der, call.separation.confident, call.separation.separation, stereo, mono, seconds)


def figure_errors(r: MixResult) -> dict:
    """Mono minus stereo for the figures the stereo checks hold to tolerances."""
    s, m = r.stereo.turns, r.mono.turns
    return {
        "agent_is_agent": r.mono.agent_index == 0 if r.mono.agent_index is not None else None,
        "n_turns": (len(m.turns), len(s.turns)),
        "turn_edge_max_ms": _edges_ms(s.turns, m.turns),
        "latency_median_s": (m.latency_median_s, s.latency_median_s),
        "overtalk_s": (m.overtalk_s, s.overtalk_s),
        "n_dead_air": (len(m.dead_air), len(s.dead_air)),
        "talk_ratio": (m.talk_ratio, s.talk_ratio),
    }


def _edges_ms(ref, hyp) -> float:
    if len(ref) != len(hyp) or any(a.side != b.side for a, b in zip(ref, hyp)):
        return float("nan")
    return 1000 * max((max(abs(a.start_s - b.start_s), abs(a.end_s - b.end_s)) for a, b in zip(ref, hyp)), default=0.0)


if __name__ == "__main__":
    for mx in mixes(shared_audio()):
        r = evaluate(mx)
        print(f"{r.name:28s} DER {r.der:.3f} conf {r.confident} sep {r.separation:.2f} {r.seconds:.1f}s", figure_errors(r))
