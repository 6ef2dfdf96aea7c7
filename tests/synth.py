"""Synthetic test material whose true rate, level, F0, pauses and drawl we construct.

A "syllable" is a harmonic complex (F0 plus 11 harmonics at 1/k amplitude) with 15 ms raised-
cosine edges; syllables inside a phrase are separated by 30 ms at -30 dB (a consonant-like dip),
phrases by exact digital silences. The matching :class:`FakeRecognizer` returns one Char per
syllable at its true times, so logic can be tested without the recogniser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voicecoach.audio import Audio
from voicecoach.recognize.models import ModelSpec
from voicecoach.recognize.types import Char, Transcript

SR = 16000
TEXT = "您好很高兴为您服务请问有什么可以帮您请您提供一下订单号我帮您查询一下物流信息非常抱歉给您带来不便"


def tone(f0_hz: float, duration_s: float, *, sr: int = SR, level_dbfs: float = -20.0, harmonics: int = 12, glide_st: float = 0.0) -> np.ndarray:
    """Harmonic complex, RMS at ``level_dbfs`` dB re full scale (mean square, 0 dB = RMS 1.0)."""
    n = int(round(duration_s * sr))
    t = np.arange(n) / sr
    f = f0_hz * 2 ** (glide_st * (t / max(duration_s, 1e-9)) / 12)
    phase = 2 * np.pi * np.cumsum(f) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1) if k * f0_hz < sr / 2 - 500)
    x = x / np.sqrt(np.mean(x ** 2)) * 10 ** (level_dbfs / 20)
    return x.astype(np.float32)


def ramp(x: np.ndarray, *, sr: int = SR, edge_s: float = 0.015) -> np.ndarray:
    n = min(int(edge_s * sr), len(x) // 2)
    w = np.ones(len(x), np.float32)
    if n:
        r = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, n))
        w[:n], w[-n:] = r, r[::-1]
    return x * w


@dataclass
class Speech:
    """A synthetic utterance and its ground truth."""

    samples: np.ndarray
    chars: list = field(default_factory=list)  # (text, start_s, end_s)
    pauses: list = field(default_factory=list)  # (start_s, end_s)
    finals: list = field(default_factory=list)  # (char index, start_s, end_s) of phrase-final syllables
    sr: int = SR

    @property
    def audio(self) -> Audio:
        return Audio(self.samples.astype(np.float32), self.sr)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sr


def utterance(
    phrases: list[int],
    *,
    syllable_s: float = 0.2,
    gap_s: float = 0.03,
    pause_s: float | list[float] = 0.5,
    final_factor: float | list[float] = 1.4,
    f0_hz: float = 200.0,
    f0_pattern_st: tuple[float, ...] = (0.0, 3.0, -2.0, 5.0, 1.0, -3.0),
    level_dbfs: float = -20.0,
    phrase_levels_db: list[float] | None = None,
    lead_s: float = 0.3,
    tail_s: float = 0.3,
    text: str = TEXT,
    sr: int = SR,
) -> Speech:
    """Build phrases of syllables with known timing.

    Parameters
    ----------
    phrases : list of int
        Number of syllables in each phrase.
    syllable_s : float
        Duration of every non-final syllable, s.
    gap_s : float
        Dip between syllables inside a phrase (-30 dB), s.
    pause_s : float or list
        Digital silence after each phrase but the last, s.
    final_factor : float or list
        Duration of each phrase-final syllable over ``syllable_s`` (1.4 = normal lengthening).
    f0_hz : float
        Base F0; each syllable moves by the next value of ``f0_pattern_st`` (semitones).
    level_dbfs : float
        RMS of the voiced parts, dB re full scale.
    phrase_levels_db : list of float, optional
        Level offset of each phrase, dB.
    """
    pauses = pause_s if isinstance(pause_s, list) else [pause_s] * (len(phrases) - 1)
    factors = final_factor if isinstance(final_factor, list) else [final_factor] * len(phrases)
    offsets = phrase_levels_db or [0.0] * len(phrases)
    parts = [np.zeros(int(lead_s * sr), np.float32)]
    t = lead_s
    sp = Speech(np.zeros(0), sr=sr)
    k = 0
    for p, n in enumerate(phrases):
        for j in range(n):
            final = j == n - 1
            dur = syllable_s * (factors[p] if final else 1.0)
            f0 = f0_hz * 2 ** (f0_pattern_st[k % len(f0_pattern_st)] / 12)
            syl = ramp(tone(f0, dur, sr=sr, level_dbfs=level_dbfs + offsets[p], glide_st=-1.0), sr=sr)
            parts.append(syl)
            sp.chars.append((text[k % len(text)], t, t + dur))
            if final:
                sp.finals.append((k, t, t + dur))
            t += dur
            k += 1
            if not final:
                dip = (np.random.default_rng(k).standard_normal(int(gap_s * sr)) * 10 ** ((level_dbfs - 30) / 20)).astype(np.float32)
                parts.append(dip)
                t += gap_s
        if p < len(phrases) - 1:
            parts.append(np.zeros(int(round(pauses[p] * sr)), np.float32))
            sp.pauses.append((t, t + pauses[p]))
            t += pauses[p]
    parts.append(np.zeros(int(tail_s * sr), np.float32))
    sp.samples = np.concatenate(parts)
    return sp


class FakeRecognizer:
    """Returns the known syllables of a :class:`Speech` (or any char list) as the transcript
    (a :class:`~voicecoach.recognize.types.Recognizer`)."""

    MODEL = ModelSpec("fake", "<fake>", "0" * 64, "fake")

    def __init__(self, chars: list, *, probability: float | list[float] = 0.9, punct: dict[int, str] | None = None) -> None:
        self._chars = chars
        self._prob = probability
        self._punct = punct or {}
        self.calls = 0

    def fingerprint(self) -> str:
        return f"{type(self).__name__} {self.MODEL.sha256}"

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        self.calls += 1
        probs = self._prob if isinstance(self._prob, list) else [self._prob] * len(self._chars)
        chars = tuple(Char(t, t, float(s), float(e), float(p), self._punct.get(i, "")) for i, ((t, s, e), p) in enumerate(zip(self._chars, probs)))
        return Transcript(chars, (), "zh", self.MODEL)
