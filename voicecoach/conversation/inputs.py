"""The two sides of a call: a stereo file with one side per channel, or two mono files.

Both sides come out as 16 kHz analysis copies on one time axis. Which side is the agent is
given (``agent_channel``) or, when not, guessed by :func:`guess_agent_index`: **the side whose
first sustained speech comes first** is the agent, who answers the call with the greeting
(您好，很高兴为您服务). An outbound call, or a recorder that starts late on one side, breaks the
guess: give the channel (``--agent-channel``, the manifest's ``agent_channel`` column).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import Audio, SourceInfo, audio_from_array, load_audio
from voicecoach.measures.voices import VoiceSplit
from voicecoach.errors import CallMismatchError, ChannelError, Notice, UsageError, display_name
from voicecoach.i18n import N_

MAX_LENGTH_DIFF_S = 0.1
"""Two one-side files may differ in length by this much (encoder padding), s; the longer one is
cut to the shorter."""


@dataclass(frozen=True, eq=False)
class CallAudio:
    """The two sides of one call, on one time axis.

    Attributes
    ----------
    sides : tuple of Audio
        The two channels (or files) in their recorded order, 16 kHz, equal lengths.
    agent_index : int or None
        0 or 1: which of ``sides`` is the agent; None until guessed
        (:func:`guess_agent_index`).
    layout : str
        ``"stereo"``, ``"two_files"``, ``"arrays"`` or ``"mono"`` (one channel, separated).
    sources : tuple of SourceInfo
        What each side was read from.
    notices : tuple of Notice
    separation : VoiceSplit, optional
        For a mono call (:mod:`voicecoach.conversation.separate`): which frames belong to which
        voice, and whether the two were told apart with confidence.
    """

    sides: tuple[Audio, Audio]
    agent_index: int | None
    layout: str
    sources: tuple[SourceInfo, ...]
    notices: tuple[Notice, ...] = ()
    separation: VoiceSplit | None = None

    @property
    def duration_s(self) -> float:
        return self.sides[0].duration_s


def load_stereo_call(path: str | os.PathLike, *, agent_channel: str | int | None = None, max_duration_s: float = 4 * 3600.0) -> CallAudio:
    """Read a call recorded with one side per channel.

    Parameters
    ----------
    path : str or path-like
        A two-channel recording (any format :func:`voicecoach.audio.load_audio` reads).
    agent_channel : str or int, optional
        The agent's channel: ``"left"``/``"right"`` or 1/2. Default: guessed when the call is
        analysed (:func:`guess_agent_index`).
    max_duration_s : float
        Longer recordings are refused, s.

    Raises
    ------
    ChannelError
        The file does not have exactly two channels, or ``agent_channel`` is not one of them.
    """
    index = _channel_index(agent_channel)
    first = load_audio(path, channel="1", max_duration_s=max_duration_s)
    n_ch = first.source.n_channels
    if n_ch != 2:
        raise ChannelError(
            f"{display_name(path)} has {n_ch} channel(s); a two-sided call needs the agent and the customer on two channels "
            "(for two files, one per side, use load_two_file_call / --customer FILE)"
        )
    second = load_audio(path, channel="2", max_duration_s=max_duration_s)
    notices = _dedupe(first.notices + second.notices)
    return CallAudio((first.audio, second.audio), index, "stereo", (first.source, second.source), notices)


def load_two_file_call(agent_path: str | os.PathLike, customer_path: str | os.PathLike, *, max_duration_s: float = 4 * 3600.0,
                       max_length_diff_s: float = MAX_LENGTH_DIFF_S) -> CallAudio:
    """Read a call stored as two mono files, one per side, both starting at the call's start.

    Parameters
    ----------
    agent_path, customer_path : str or path-like
    max_duration_s : float
        Longer recordings are refused, s.
    max_length_diff_s : float
        Largest length difference accepted, s (>= 0).

    Raises
    ------
    CallMismatchError
        The files differ in sample rate, or in length by more than ``max_length_diff_s``.
    """
    a = load_audio(agent_path, channel="mix", max_duration_s=max_duration_s)
    c = load_audio(customer_path, channel="mix", max_duration_s=max_duration_s)
    an, cn = display_name(agent_path), display_name(customer_path)
    if a.source.sample_rate_hz != c.source.sample_rate_hz:
        raise CallMismatchError(
            f"{an} is at {a.source.sample_rate_hz} Hz but {cn} at {c.source.sample_rate_hz} Hz; the two sides of a call come "
            "from one recorder at one rate: check that the files belong to the same call"
        )
    return _pair(a.audio, c.audio, max_length_diff_s, (an, cn), "two_files", (a.source, c.source), _dedupe(a.notices + c.notices))


def call_from_arrays(agent: np.ndarray, customer: np.ndarray, *, sample_rate_hz: int, max_length_diff_s: float = MAX_LENGTH_DIFF_S) -> CallAudio:
    """Build a call from two mono sample arrays (tests, notebooks); the agent is known.

    Parameters
    ----------
    agent, customer : numpy.ndarray
        Shape (n,), full scale +-1.0 (or integer PCM).
    sample_rate_hz : int
        Rate of both arrays, Hz (> 0).
    """
    a = audio_from_array(agent, sample_rate_hz=sample_rate_hz)
    c = audio_from_array(customer, sample_rate_hz=sample_rate_hz)
    return _pair(a.audio, c.audio, max_length_diff_s, ("the agent array", "the customer array"), "arrays", (a.source, c.source), _dedupe(a.notices + c.notices), 0)


def stereo_from_array(samples: np.ndarray, *, sample_rate_hz: int, agent_channel: str | int | None = None) -> CallAudio:
    """A two-channel array (n, 2) as a call; the agent's channel given or guessed later."""
    x = np.asarray(samples)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ChannelError(f"a two-sided call needs an array of shape (n, 2); got {x.shape}")
    a = audio_from_array(x, sample_rate_hz=sample_rate_hz, channel="1")
    b = audio_from_array(x, sample_rate_hz=sample_rate_hz, channel="2")
    return CallAudio((a.audio, b.audio), _channel_index(agent_channel), "stereo", (a.source, b.source), _dedupe(a.notices + b.notices))


def guess_agent_index(speech: tuple[np.ndarray, np.ndarray], *, frame_s: float, min_run_s: float = 0.5, bridge_s: float = 0.3) -> int:
    """Which side is the agent: the one whose first sustained speech starts first.

    Parameters
    ----------
    speech : tuple of two numpy.ndarray
        bool speech decision per frame of each side.
    frame_s : float
        Frame step, s.
    min_run_s : float
        Speech (gaps under ``bridge_s`` bridged) must last this long to count, s: a click or a
        cough on the line does not answer the call.
    bridge_s : float
        Gaps bridged, s.

    Returns
    -------
    int
        0 or 1; 0 when neither side speaks or both start in the same frame.
    """
    from voicecoach.conversation.turns import bridge

    firsts = []
    for s in speech:
        sp = bridge(s, bridge_frames=int(round(bridge_s / frame_s)))
        long_ = np.flatnonzero(sp.ends - sp.starts >= int(round(min_run_s / frame_s)))
        firsts.append(int(sp.starts[long_[0]]) if len(long_) else np.iinfo(np.int64).max)
    return int(firsts[1] < firsts[0])


def _pair(a: Audio, c: Audio, max_diff_s: float, names: tuple[str, str], layout: str, sources, notices, agent_index: int | None = 0) -> CallAudio:
    if a.sample_rate_hz != c.sample_rate_hz:  # pragma: no cover - the loader gives one rate
        raise CallMismatchError.of(N_("{first} and {second} differ in sample rate; give both at one rate"), first=names[0], second=names[1])
    diff_s = abs(a.duration_s - c.duration_s)
    if diff_s > max_diff_s + 1e-9:
        raise CallMismatchError(
            f"{names[0]} is {a.duration_s:.2f} s long but {names[1]} {c.duration_s:.2f} s; the two sides of a call must start "
            f"together and be equally long (at most {max_diff_s:g} s apart): export both sides of the whole call from the recorder"
        )
    n = min(len(a.samples), len(c.samples))
    out_notices = list(notices)
    if diff_s > 0:
        out_notices.append(Notice("sides_trimmed", f"the two sides differ in length by {diff_s * 1000:.0f} ms; the longer was cut to the shorter", {"diff_ms": round(diff_s * 1000)}))
    return CallAudio((Audio(a.samples[:n], a.sample_rate_hz), Audio(c.samples[:n], c.sample_rate_hz)), agent_index, layout, tuple(sources), tuple(out_notices))


def _channel_index(agent_channel: str | int | None) -> int | None:
    if agent_channel is None:
        return None
    c = str(agent_channel).strip().lower()
    names = {"left": 0, "l": 0, "1": 0, "right": 1, "r": 1, "2": 1}
    if c not in names:
        raise UsageError(f"agent_channel is '{agent_channel}'; a two-sided call has channels left/right (1/2): pass one of them, or none to guess")
    return names[c]


def _dedupe(notices: tuple[Notice, ...]) -> tuple[Notice, ...]:
    seen, out = set(), []
    for n in notices:
        if (n.code, n.message) not in seen:
            seen.add((n.code, n.message))
            out.append(n)
    return tuple(out)


__all__ = ["MAX_LENGTH_DIFF_S", "CallAudio", "call_from_arrays", "guess_agent_index", "load_stereo_call", "load_two_file_call", "stereo_from_array"]
