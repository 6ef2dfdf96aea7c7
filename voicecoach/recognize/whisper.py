"""The faster-whisper adapter: Whisper behind our own :class:`~voicecoach.recognize.types.Recognizer`.

The model is loaded once (``local_files_only`` unless a download was allowed, through
:func:`voicecoach.recognize.models.resolve_model`), decoded with bounded settings (one temperature, no
conditioning on previous text: the library defaults can retry every window at six
temperatures and return almost nothing), and Whisper's tokens become :class:`Char` values:
one per *spoken syllable*, simplified script, with start/end times and the recogniser's
probability. Multi-character tokens share their token's time span evenly; digits are expanded
to the syllables that are read aloud. Repetition loops are cut and stock phrases over silence
dropped here, because they are Whisper's failure modes.

The adapter decodes what it is given in one call; :mod:`voicecoach.recognize.splitter` cuts
long recordings first (:func:`voicecoach.recognize.build_recognizer` puts it in front).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import ANALYSIS_RATE_HZ
from voicecoach.errors import InputError, ModelError
from voicecoach.recognize.models import ModelSpec
from voicecoach.recognize.types import Char, RecognizerSettings, Segment, Transcript
from voicecoach.recognize.textnorm import HALLUCINATIONS, is_punctuation, normalize_punctuation, spoken_units, to_simplified


@dataclass(frozen=True)
class WhisperSettings:
    """Every decoding choice in one place; the defaults are the measured, bounded ones.

    Attributes
    ----------
    language : str
        Whisper language code; ``"zh"`` for Mandarin. ``None`` detects it.
    beam_size : int
        1 = greedy: 0.06-0.09 x real time here; beam 5 costs 2.3 x for little gain on base.
    temperature : float
        A single temperature: no fallback loop.
    condition_on_previous_text : bool
        False stops one bad window from poisoning the next (repetition loops).
    vad_filter : bool
        Silero VAD removes silence before decoding: fewer hallucinations, less work.
    compute_type : str
        ``"auto"``: int8 on CPU, float16 on CUDA.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    cpu_threads : int
        0 = all cores.
    initial_prompt : str or None
        A simplified prompt fixes the script but raised the error rate on base from 32 to
        43 %, so the default is none and OpenCC converts afterwards.
    max_tokens_per_s : float
        Tokens a window may generate per second of audio it holds (plus 16). Mandarin at 5-6
        syllables/s, mostly one token per character plus two timestamp tokens per segment,
        stays under it (with it, the long-form benchmark's counts are within 1 % of the
        references at 10 and 30 minutes); a repetition loop stops there instead of running to
        Whisper's 448 tokens, which is what made a looping window cost several times a normal
        one.
    compression_ratio_threshold : float
        A segment whose text compresses better than this (gzip ratio) is a repetition loop
        ("请问，请问，请问..."): with one temperature there is no retry, so it is dropped.
        2.4 is faster-whisper's own threshold for "this decode failed".
    """

    language: str | None = "zh"
    beam_size: int = 1
    temperature: float = 0.0
    condition_on_previous_text: bool = False
    vad_filter: bool = True
    vad_min_silence_ms: int = 500
    no_speech_threshold: float = 0.6
    compression_ratio_threshold: float = 2.4
    compute_type: str = "auto"
    device: str = "auto"
    cpu_threads: int = 0
    initial_prompt: str | None = None
    max_tokens_per_s: float = 12.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def cache_dict(self) -> dict:
        """Only what changes the text and timings (not the device or threads)."""
        d = self.to_dict()
        for k in ("device", "cpu_threads"):
            d.pop(k)
        return d


MAX_SYLLABLE_S = 0.6
"""Longest span a recognised syllable keeps, s. Whisper stretches the last word before
speech it could not make out over all of it (a 4.8 s "问" on the long-form benchmark), which
would hide the lost words from the coverage and move the syllable's centre; a syllable
dragged to three times its length still lasts under 0.6 s."""
WHISPER_WINDOW_S = 30.0
WHISPER_MAX_NEW_TOKENS = 440  # 448 positions less the start-of-transcript prompt


class WhisperRecognizer:
    """faster-whisper behind our own types; the model is loaded on first use, once.

    Parameters
    ----------
    model : ModelSpec
        The CTranslate2 model (:func:`voicecoach.recognize.models.resolve_model`).
    settings : WhisperSettings, optional
    """

    def __init__(self, model: ModelSpec, settings: WhisperSettings | None = None) -> None:
        self.model = model
        self.settings = settings or WhisperSettings()
        self._model = None
        self._lock = threading.Lock()

    def fingerprint(self) -> str:
        return "faster-whisper " + json.dumps({"model": self.model.sha256 or self.model.name, "settings": self.settings.cache_dict()}, sort_keys=True)

    def device(self) -> tuple[str, str]:
        """The (device, compute_type) this recogniser runs with."""
        device = self.settings.device
        if device == "auto":
            device = "cuda" if _cuda_available() else "cpu"
        compute = self.settings.compute_type
        if compute == "auto":
            compute = "float16" if device == "cuda" else "int8"
        return device, compute

    def load(self) -> ModelSpec:
        """Load the model now (otherwise the first recognition does); the model loaded."""
        self.whisper_model()
        return self.model

    def whisper_model(self):
        """The loaded ``faster_whisper.WhisperModel`` (for benchmarks that call it directly)."""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                device, compute = self.device()
                try:
                    self._model = WhisperModel(
                        self.model.path, device=device, compute_type=compute,
                        cpu_threads=self.settings.cpu_threads, local_files_only=True,
                    )
                except Exception as e:
                    raise ModelError(f"cannot load the model at {self.model.path} on {device}/{compute} ({type(e).__name__}: {e}); check the folder" + (", or use --device cpu" if device != "cpu" else "")) from None
        return self._model

    def recognize(self, samples: np.ndarray, *, sample_rate_hz: int) -> Transcript:
        """Recognise ``samples`` (mono float32 at 16 kHz) in one call to faster-whisper."""
        if sample_rate_hz != ANALYSIS_RATE_HZ:
            raise InputError(f"the recogniser takes audio at {ANALYSIS_RATE_HZ} Hz and was given {sample_rate_hz} Hz; resample it first (voicecoach.audio.resample)")
        s = self.settings
        segments, info = self.whisper_model().transcribe(
            samples,
            language=s.language,
            beam_size=s.beam_size,
            temperature=s.temperature,
            condition_on_previous_text=s.condition_on_previous_text,
            vad_filter=s.vad_filter,
            vad_parameters={"min_silence_duration_ms": s.vad_min_silence_ms},
            no_speech_threshold=s.no_speech_threshold,
            word_timestamps=True,
            initial_prompt=s.initial_prompt,
            max_new_tokens=max_new_tokens(len(samples) / sample_rate_hz, s.max_tokens_per_s, prompt=s.initial_prompt),
        )
        raw = list(segments)  # consuming the generator is what decodes
        return to_transcript(raw, s.language or info.language or "", self.model, s)


def max_new_tokens(duration_s: float, tokens_per_s: float, *, prompt: str | None = None) -> int:
    """Tokens one decoding window of a ``duration_s`` piece may generate (an initial prompt
    takes its share of Whisper's 448 positions: counted generously, two per character)."""
    room = WHISPER_MAX_NEW_TOKENS - 2 * len(prompt or "")
    return int(max(16, min(room, 16 + tokens_per_s * min(duration_s, WHISPER_WINDOW_S))))


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
        return False


def to_transcript(raw, language: str, model: ModelSpec, settings: WhisperSettings) -> Transcript:
    """Our :class:`Transcript` from faster-whisper's segments (each with ``words``): stock
    phrases dropped, repetition loops cut, tokens turned into syllables."""
    chars: list[Char] = []
    segments: list[Segment] = []
    dropped: list[str] = []
    for seg in raw:
        text = to_simplified(seg.text.strip())
        if any(h in text for h in HALLUCINATIONS):
            dropped.append(text)
            continue
        words = list(seg.words or ())
        if getattr(seg, "compression_ratio", 0.0) > settings.compression_ratio_threshold:
            # A repetition loop ("请问，请问，请问..."): keep what was said before it and one
            # instance of the repeated words; the rest of the window is left uncovered, for the
            # second pass (voicecoach.recognize.gapfill) to decode again.
            keep = loop_start([w.word for w in words])
            if keep is None:
                dropped.append(text)
                continue
            dropped.append(to_simplified("".join(w.word for w in words[keep:])).strip())
            words = words[:keep]
            if not words:
                continue
            text = to_simplified("".join(w.word for w in words).strip())
        segments.append(Segment(float(seg.start), float(words[-1].end) if words else float(seg.end), normalize_punctuation(text), float(seg.avg_logprob), float(seg.no_speech_prob)))
        for word in words:
            chars.extend(word_to_chars(word.word, float(word.start), float(word.end), float(word.probability)))
    return Transcript(tuple(chars), tuple(segments), language, model, RecognizerSettings.of(settings.to_dict()), tuple(dropped))


def loop_start(tokens: list[str], *, min_repeats: int = 3, max_unit_tokens: int = 8) -> int | None:
    """Where a repetition loop at the end of a token sequence starts being a repeat.

    Returns the index just after the *first* instance of the repeated unit (so that instance
    is kept: it was most likely said once), or None when the tokens do not end in at least
    ``min_repeats`` copies of a unit of at most ``max_unit_tokens`` tokens. Punctuation and spaces
    are ignored when comparing.
    """
    norm = [normalize_punctuation(to_simplified(t.strip())).rstrip("，。？！、,.?! ") for t in tokens]
    n = len(norm)
    best: tuple[int, int] | None = None  # (suffix length, unit)
    for unit in range(1, min(max_unit_tokens, n // min_repeats) + 1):
        k = n - unit - 1
        while k >= 0 and norm[k] == norm[k + unit]:
            k -= 1
        length = n - 1 - k
        if length >= unit * min_repeats and (best is None or length > best[0]):
            best = (length, unit)
    if best is None:
        return None
    length, unit = best
    return n - length + unit


def word_to_chars(token: str, start_s: float, end_s: float, probability: float) -> list[Char]:
    """One Whisper token -> one Char per spoken syllable, sharing the token's span evenly
    (at most ``MAX_SYLLABLE_S`` each)."""
    text = normalize_punctuation(to_simplified(token.strip()))
    if not text:
        return []
    units = spoken_units(text)
    stripped = text
    while stripped and is_punctuation(stripped[-1]):
        stripped = stripped[:-1]
    trailing = text[len(stripped):]
    if not units:
        return []
    n = len(units)
    end_s = min(end_s, start_s + n * MAX_SYLLABLE_S)
    step = max(end_s - start_s, 0.0) / n
    out = []
    for k, u in enumerate(units):
        out.append(Char(
            text=u.spoken,
            written=u.source,
            start_s=round(start_s + k * step, 4),
            end_s=round(start_s + (k + 1) * step, 4),
            probability=round(probability, 4),
            punct_after=trailing if k == n - 1 else "",
        ))
    return out


__all__ = ["WhisperSettings", "WhisperRecognizer", "MAX_SYLLABLE_S", "loop_start", "max_new_tokens", "to_transcript", "word_to_chars"]
