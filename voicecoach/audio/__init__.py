"""Audio in: decode any recording once (:mod:`.decode`), the values every stage shares
(:mod:`.types`) and the signal helpers the measures use (:mod:`.dsp`)."""

from voicecoach.audio.decode import AUDIO_EXTENSIONS, audio_from_array, load_audio
from voicecoach.audio.dsp import frame_power_db, resample
from voicecoach.audio.types import ANALYSIS_RATE_HZ, CLIP_LEVEL, FRAME_S, NARROW_RATE_HZ, Audio, LoadedAudio, SourceInfo

__all__ = [
    "ANALYSIS_RATE_HZ", "AUDIO_EXTENSIONS", "CLIP_LEVEL", "FRAME_S", "NARROW_RATE_HZ",
    "Audio", "LoadedAudio", "SourceInfo", "audio_from_array", "frame_power_db", "load_audio", "resample",
]
