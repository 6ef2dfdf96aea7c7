"""The agent's own delivery in a call: the one-sided analysis on the agent's side only.

:func:`agent_recording` turns a :class:`CallAudio` into the recording the delivery analysis
(:func:`voicecoach.analysis.analyze`) reads: the agent's side alone, with the customer's frame
level beside it (``other_level_db``) so that a silence of the agent while the customer speaks
is *listening*, never a pause, dead air, or time counted against the speaking rate. For a
mono call the agent's side is the mix with the customer's frames silenced; when the two voices
were not told apart with confidence there is no agent side to analyse (None), and no verdict
on the agent's delivery is built on mixed speech. When they were, the side carries the
separation's measured reliability (``separation_reliability``), and while that is under its
target (``quality.separation_reliability``) every delivery dimension is measured and shown but
judged "uncertain" (:func:`voicecoach.judge.assess.quality_checks`).
"""

from __future__ import annotations

import dataclasses

from voicecoach.audio import FRAME_S, LoadedAudio, audio_from_array, frame_power_db
from voicecoach.conversation.inputs import CallAudio
from voicecoach.measures.voices import SPLIT_RELIABILITY


def agent_recording(call: CallAudio, *, agent_index: int) -> LoadedAudio | None:
    """The agent's side of a call as a recording for the delivery analysis.

    Parameters
    ----------
    call : CallAudio
    agent_index : int
        0 or 1: which side is the agent (``CallAnalysis.agent_index``, guessed or given).

    Returns
    -------
    LoadedAudio or None
        The agent's samples (16 kHz) with the customer's 10 ms frame level, dB re full scale,
        as ``other_level_db``; None for a mono call whose separation is not confident.
    """
    if agent_index not in (0, 1):
        raise ValueError(f"agent_index is {agent_index!r}; a call has sides 0 and 1")
    if call.separation is not None and not call.separation.confident:
        return None
    agent, customer = call.sides[agent_index], call.sides[1 - agent_index]
    other_db = frame_power_db(customer.samples, sample_rate_hz=customer.sample_rate_hz, frame_s=FRAME_S)
    source = call.sources[min(agent_index, len(call.sources) - 1)] if call.sources else None
    if source is not None:
        side = "agent (separated)" if call.layout == "mono" else "left" if agent_index == 0 else "right"
        source = dataclasses.replace(source, channel=side if call.layout in ("stereo", "mono") else source.channel)
    else:
        source = audio_from_array(agent.samples, sample_rate_hz=agent.sample_rate_hz).source
    return LoadedAudio(agent, source, other_db, (), SPLIT_RELIABILITY if call.layout == "mono" else None)
