"""Mono calls: both sides mixed in one channel, separated into two tracks.

:func:`load_mono_call` (a file) and :func:`mono_call_from_array` (samples) find where each of
two voices speaks (:mod:`voicecoach.measures.voices`) and build a :class:`CallAudio` whose two
sides are the mix with the other voice's frames silenced, so :func:`analyze_call` works on it
unchanged. Which voice is the agent is guessed as for stereo (the one whose first sustained
speech comes first) unless given. The separation travels with the call and into the
:class:`~voicecoach.conversation.analyze.CallAnalysis`: when it is not confident the analysis
says so and judges nothing.

:func:`two_voices_likely` (from :mod:`voicecoach.measures.voices`, so the one-speaker
analysis can call it) checks a recording analysed as one speaker; :func:`diarization_error_rate`
scores a separation against known tracks.
"""

from __future__ import annotations

import os
import numpy as np

from voicecoach.audio import FRAME_S, NARROW_RATE_HZ, Audio, audio_from_array, load_audio, resample
from voicecoach.audio.activity import compute_activity
from voicecoach.conversation.inputs import CallAudio
from voicecoach.errors import Notice, UsageError
from voicecoach.measures.p56 import active_level
from voicecoach.measures.voices import TwoVoices, VoiceSettings, voice_split, two_voices_likely

RAMP_S = 0.01
"""Gain ramps where a side is silenced or let through, s (no clicks)."""


def load_mono_call(path: str | os.PathLike, *, agent_voice: str | int | None = None, max_duration_s: float = 4 * 3600.0,
                   encoder=None, settings: VoiceSettings = VoiceSettings()) -> CallAudio:
    """Read a call with both sides mixed in one channel and separate the two voices.

    Parameters
    ----------
    path : str or path-like
        Any recording :func:`voicecoach.audio.load_audio` reads; several channels are mixed.
    agent_voice : str or int, optional
        ``"first"``/1 (the voice heard first) or ``"second"``/2. Default: guessed when the call
        is analysed (the voice whose first sustained speech comes first).
    max_duration_s : float
        Longer recordings are refused, s.
    encoder : VoiceEncoder, optional
        Default: the shared one (:func:`voicecoach.measures.embed.shared_encoder`).
    settings : VoiceSettings

    Returns
    -------
    CallAudio
        ``layout`` ``"mono"``; ``separation`` holds the :class:`VoiceSplit`.
    """
    loaded = load_audio(path, channel="mix", max_duration_s=max_duration_s)
    return _split_call(loaded.audio, loaded.source, loaded.notices, agent_voice, encoder, settings)


def mono_call_from_array(samples: np.ndarray, *, sample_rate_hz: int, agent_voice: str | int | None = None,
                         encoder=None, settings: VoiceSettings = VoiceSettings()) -> CallAudio:
    """:func:`load_mono_call` on samples in memory, shape (n,), full scale +-1.0."""
    loaded = audio_from_array(samples, sample_rate_hz=sample_rate_hz)
    return _split_call(loaded.audio, loaded.source, loaded.notices, agent_voice, encoder, settings)


def _split_call(audio: Audio, source, notices, agent_voice, encoder, settings: VoiceSettings) -> CallAudio:
    narrow = Audio(resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
    level = active_level(audio.samples, sample_rate_hz=audio.sample_rate_hz).active_level_dbov
    activity = compute_activity(audio, active_level_dbov=level, narrow=narrow)
    split = voice_split(audio, activity, encoder=encoder, settings=settings)
    sides = tuple(Audio(audio.samples * _gain(split.mask(k), len(audio.samples), audio.sample_rate_hz), audio.sample_rate_hz) for k in (0, 1))
    out_notices = list(notices)
    if not split.confident:
        out_notices.append(Notice("separation_not_confident", "two voices could not be told apart in this mono recording; "
                                  "the call's figures would mix the agent and the customer, so none is judged: record the sides on two channels",
                                  {"separation": round(split.separation, 2) if np.isfinite(split.separation) else None}))
    return CallAudio(sides, _voice_index(agent_voice), "mono", (source, source), tuple(out_notices), split)


def _gain(kept: np.ndarray, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Per-sample gain: 1 in the frames of ``kept``, 0 elsewhere, with short ramps."""
    hop = int(round(FRAME_S * sample_rate_hz))
    g = np.zeros(n_samples, np.float32)
    frame_gain = np.repeat(kept.astype(np.float32), hop)[:n_samples]
    g[:len(frame_gain)] = frame_gain
    k = max(1, int(round(RAMP_S * sample_rate_hz)))
    if k > 1:
        g = np.convolve(g, np.ones(k, np.float32) / k, mode="same").astype(np.float32)
    return g


def _voice_index(agent_voice: str | int | None) -> int | None:
    if agent_voice is None:
        return None
    v = str(agent_voice).strip().lower()
    names = {"first": 0, "1": 0, "second": 1, "2": 1}
    if v not in names:
        raise UsageError(f"agent_voice is '{agent_voice}'; a mono call has two voices, first/second (1/2) by who is heard first: pass one, or none to guess")
    return names[v]


def diarization_error_rate(reference: tuple[np.ndarray, np.ndarray], hypothesis: tuple[np.ndarray, np.ndarray], *,
                           frame_s: float = FRAME_S, collar_s: float = 0.25) -> float:
    """Diarization error rate of a two-speaker hypothesis, overlap counted.

    DER = (missed speech + false alarm + speaker confusion) / reference speech, summed over
    speakers frame by frame (NIST RT-09 evaluation plan; the definition pyannote.metrics and
    md-eval use): in each frame with R reference and H hypothesis speakers, of which C are
    matched, the error is ``max(R, H) - C``, the reference speech ``R``. Frames within
    ``collar_s`` of any reference speech edge are not scored. The two hypothesis voices are
    mapped to the reference speakers in the order that gives the lower error.

    Parameters
    ----------
    reference, hypothesis : tuple of two numpy.ndarray
        bool per frame for each speaker (any length; the shorter is padded with silence).
    frame_s : float
        Frame step, s.
    collar_s : float
        Forgiveness either side of every reference edge, s (>= 0).

    Returns
    -------
    float
        0 for a perfect split; NaN when the reference holds no scored speech.
    """
    n = max(max(len(r) for r in reference), max(len(h) for h in hypothesis))
    pad = lambda m: np.concatenate([np.asarray(m, bool), np.zeros(n - len(m), bool)])  # noqa: E731
    ref = [pad(r) for r in reference]
    hyp = [pad(h) for h in hypothesis]
    scored = np.ones(n, bool)
    c = int(round(collar_s / frame_s))
    for r in ref:
        edges = np.flatnonzero(np.diff(np.concatenate([[False], r, [False]]).astype(np.int8)))
        for e in edges:
            scored[max(0, e - c):e + c] = False
    r_count = (ref[0].astype(int) + ref[1])[scored]
    h_count = (hyp[0].astype(int) + hyp[1])[scored]
    total = r_count.sum()
    if total == 0:
        return float("nan")
    errs = []
    for order in ((0, 1), (1, 0)):
        matched = (ref[0] & hyp[order[0]]).astype(int) + (ref[1] & hyp[order[1]])
        errs.append(int((np.maximum(r_count, h_count) - matched[scored]).sum()))
    return float(min(errs) / total)


__all__ = ["TwoVoices", "diarization_error_rate", "load_mono_call", "mono_call_from_array", "two_voices_likely"]
