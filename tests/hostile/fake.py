"""A recogniser stand-in for the hostile-input corpus: one syllable per burst of sound.

The corpus checks what voicecoach does with odd *files*, not what Whisper hears, so the
recogniser only needs to be cheap, deterministic and plausible: it finds syllable-like bursts
(120-600 ms of sound between dips of 20 dB, or halfway to the noise floor) in the 16 kHz analysis copy and returns one
:class:`~voicecoach.recognize.types.Char` per burst. Steady sounds (tones, hiss, sustained notes)
and clicks give no bursts (and fewer than four bursts count as none), so they reach voicecoach's own "no speech" decision, as they would
with the real model.
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio import frame_power_db
from voicecoach.recognize.models import ModelSpec
from voicecoach.recognize.types import Char, Transcript

TEXT = "您好很高兴为您服务请问有什么可以帮您请您提供一下订单号我帮您查询一下物流信息"
_FRAME_S = 0.01


class BurstRecognizer:
    """One Char per syllable-like burst of sound; punctuation at every long gap (a
    :class:`~voicecoach.recognize.types.Recognizer`)."""

    MODEL = ModelSpec("fake-bursts", "<fake>", "b" * 64, "fake")

    def __init__(self) -> None:
        self.calls = 0

    def fingerprint(self) -> str:
        return f"{type(self).__name__} {self.MODEL.sha256}"  # its own cache key, apart from synth.FakeRecognizer

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        self.calls += 1
        db = frame_power_db(samples, sample_rate_hz=sample_rate_hz, frame_s=_FRAME_S)
        chars: list[Char] = []
        heard = np.isfinite(db)  # digital silence is -inf dB
        if heard.any() and not np.isnan(db).any():
            top, floor = float(np.percentile(db[heard], 99)), float(np.percentile(db[heard], 10))
            active = heard & (db > max(top - 20.0, (top + floor) / 2, -110.0))
            padded = np.concatenate(([False], active, [False])).astype(np.int8)
            edges = np.flatnonzero(np.diff(padded))
            runs = [(a, b) for a, b in zip(edges[0::2], edges[1::2]) if 12 <= b - a <= 60]
            if len(runs) < 4:  # a few bursts in a note or a hum are not syllables
                runs = []
            for k, (a, b) in enumerate(runs):
                gap_after = runs[k + 1][0] - b if k + 1 < len(runs) else 999
                punct = "。" if gap_after >= 25 else ""
                chars.append(Char(TEXT[k % len(TEXT)], TEXT[k % len(TEXT)], round(a * _FRAME_S, 3), round(b * _FRAME_S, 3), 0.9, punct))
        return Transcript(tuple(chars), (), "zh", self.MODEL)
