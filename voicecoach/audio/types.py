"""The audio values every stage shares, and the conventions they keep.

Conventions
-----------
Samples are float32 with digital full scale at +-1.0. ``peak_dbfs`` is the sample peak
relative to full scale (0 dBFS = a sample at +-1.0). Speech levels elsewhere are in dBov
(ITU-T P.56): 0 dBov is the RMS of a full-scale square wave, so a full-scale sine measures
-3.01 dBov.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from voicecoach.errors import Notice

ANALYSIS_RATE_HZ = 16_000
"""Sample rate of the analysis copy: Whisper's rate, enough for speech F0 and level."""

NARROW_RATE_HZ = 8_000
"""Sample rate of the telephone-band copy that speech activity and the pitch tracker share
(F0 <= 500 Hz needs no more; it halves the tracker's FFT work)."""

FRAME_S = 0.010
"""Hop of every frame-wise track in voicecoach (10 ms)."""

CLIP_LEVEL = 0.999
"""|x| at or above this counts as a full-scale (clipped) sample, in the file check and in articulation's causes."""

BLOCK_S = 20.0
"""Length of the blocks that decoding and resampling stream through, s."""


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono audio samples with their sample rate.

    Attributes
    ----------
    samples : numpy.ndarray
        float32, shape (n_samples,), full scale +-1.0.
    sample_rate_hz : int
        Samples per second.
    """

    samples: np.ndarray
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz

    def content_sha256(self) -> str:
        """SHA-256 of the samples and rate: the key of every cache."""
        digest = hashlib.sha256(str(self.sample_rate_hz).encode())
        digest.update(np.ascontiguousarray(self.samples, dtype=np.float32).tobytes())
        return digest.hexdigest()

    def slice_s(self, start_s: float, end_s: float) -> np.ndarray:
        """Samples between two times (clamped to the recording)."""
        a = max(0, int(round(start_s * self.sample_rate_hz)))
        b = min(len(self.samples), int(round(end_s * self.sample_rate_hz)))
        return self.samples[a:max(a, b)]


@dataclass(frozen=True)
class SourceInfo:
    """What the original file was and what was measured on its original samples.

    Attributes
    ----------
    path : str
        The file as given ("<array>" when samples were passed in directly).
    format : str
        Container, e.g. ``"WAV"``, ``"FLAC"``, ``"MP3"``, ``"mov,mp4,m4a..."``.
    codec : str
        Sample encoding, e.g. ``"PCM_16"``, ``"ULAW"``, ``"aac"``.
    sample_rate_hz : int
        Original rate.
    n_channels : int
        Channels in the file.
    channel : str
        What was analysed: ``"mix"`` or a channel name/number.
    duration_s : float
        Decoded length.
    peak_dbfs : float
        Sample peak of the analysed channel(s), dB re full scale (-inf for digital silence).
    clipped_ratio : float
        Fraction of samples that sit in runs of >= 3 consecutive full-scale samples.
    channel_similarity : float or None
        Correlation (0..1) of the channels' 10 ms level envelopes; None for mono.
    """

    path: str
    format: str
    codec: str
    sample_rate_hz: int
    n_channels: int
    channel: str
    duration_s: float
    peak_dbfs: float
    clipped_ratio: float
    channel_similarity: float | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class LoadedAudio:
    """The analysis copy of a recording and what is known about its source.

    Attributes
    ----------
    audio : Audio
        The analysed channel (or mix) at :data:`ANALYSIS_RATE_HZ`.
    source : SourceInfo
        The original file's properties.
    other_level_db : numpy.ndarray or None
        For multi-channel input analysed on one channel: the 10 ms frame level (dB re full
        scale, mean square) of the loudest *other* channel, to tell a pause from listening.
    notices : tuple of Notice
        Degraded-input warnings found while loading.
    separation_reliability : float or None
        For one side separated from a mono mix (:func:`voicecoach.conversation.agent.agent_recording`):
        how often such separations kept the agent's figures within the two-track tolerances
        (:data:`voicecoach.measures.voices.SPLIT_RELIABILITY`), 0..1; None for a recorded channel.
    """

    audio: Audio
    source: SourceInfo
    other_level_db: np.ndarray | None = None
    notices: tuple[Notice, ...] = field(default_factory=tuple)
    separation_reliability: float | None = None
