"""Two-sided calls: the agent and the customer apart.

Turn-taking, overtalk, interruptions, response latency, dead air, holds, backchannels and pace
matching from a stereo recording (one side per channel), two mono files (one per side), or a
mono mix of both sides (:mod:`.separate`: the two voices separated first)::

    from voicecoach.conversation import load_stereo_call, analyze_call
    result = analyze_call(load_stereo_call("call.wav", agent_channel="left"))
    result.turns.latency_median_s, result.turns.overtalk_s, result.pace.gap_median_cps

Modules: :mod:`.inputs` (reading the sides, guessing the agent), :mod:`.turns` (who spoke
when), :mod:`.backchannel`, :mod:`.pace_match`, :mod:`.analyze` (``analyze_call``).
"""

from voicecoach.conversation.analyze import CallAnalysis, CallCheck, SideSignal, analyze_call, measure_side, settings_from_targets
from voicecoach.conversation.backchannel import BACKCHANNEL_WORDS, Backchannel, is_listening_word, label_backchannels
from voicecoach.conversation.inputs import CallAudio, call_from_arrays, guess_agent_index, load_stereo_call, load_two_file_call, stereo_from_array
from voicecoach.conversation.separate import TwoVoices, diarization_error_rate, load_mono_call, mono_call_from_array, two_voices_likely
from voicecoach.conversation.pace_match import Exchange, PaceMatch, PaceSettings, match_pace
from voicecoach.conversation.turns import AGENT, CUSTOMER, Interval, Latency, Turn, TurnSettings, TurnTaking, analyze_turns

__all__ = [
    "AGENT", "BACKCHANNEL_WORDS", "CUSTOMER", "Backchannel", "CallAnalysis", "CallAudio", "CallCheck", "Exchange", "Interval",
    "Latency", "PaceMatch", "PaceSettings", "SideSignal", "Turn", "TurnSettings", "TurnTaking", "analyze_call", "analyze_turns",
    "call_from_arrays", "guess_agent_index", "is_listening_word", "label_backchannels", "load_stereo_call", "load_two_file_call",
    "match_pace", "measure_side", "settings_from_targets", "stereo_from_array",
    "TwoVoices", "diarization_error_rate", "load_mono_call", "mono_call_from_array", "two_voices_likely",
]
