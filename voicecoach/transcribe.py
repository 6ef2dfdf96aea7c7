"""Speech recognition: a Transcriber protocol, the faster-whisper adapter, and a transcript cache.

The adapter loads the model once (``local_files_only`` unless a download was allowed),
decodes with bounded settings (one temperature, no conditioning on previous text: the
library defaults can retry every window at six temperatures and return almost nothing), and
turns Whisper's tokens into :class:`Char` values: one per *spoken syllable*, simplified
script, with start/end times and the recogniser's probability. Multi-character tokens share
their token's time span evenly; digits are expanded to the syllables that are read aloud.

Transcripts are cached on disk by audio content + model checksum + settings, so re-running a
report, re-scoring with other targets, or comparing against a benchmark never re-transcribes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from voicecoach.audio import ANALYSIS_RATE_HZ, Audio
from voicecoach.cache_check import read_entry, write_entry
from voicecoach.errors import ModelError
from voicecoach.models import ModelSpec, cache_root, resolve_model
from voicecoach.textnorm import (
    HALLUCINATIONS,
    SENTENCE_END,
    is_punctuation,
    normalize_punctuation,
    spoken_units,
    to_simplified,
)

log = logging.getLogger(__name__)

TRANSCRIPT_FORMAT = 5  # bump when Char/Transcript change shape: invalidates the cache


@dataclass(frozen=True)
class Char:
    """One spoken syllable as recognised.

    Attributes
    ----------
    text : str
        The syllable as one character (``"二"`` for part of a recognised "24").
    written : str
        The written token it came from (``"24"``), for display.
    start_s, end_s : float
        Time span in the recording, s (Whisper token timing, 20 ms resolution).
    probability : float
        Recogniser confidence of the token, 0..1.
    punct_after : str
        Punctuation Whisper wrote right after it ('' if none), full-width.
    """

    text: str
    written: str
    start_s: float
    end_s: float
    probability: float
    punct_after: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Segment:
    """A Whisper segment, kept for its quality figures."""

    start_s: float
    end_s: float
    text: str
    avg_logprob: float
    no_speech_prob: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TranscribeSettings:
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


@dataclass(frozen=True)
class Transcript:
    """What was recognised, one :class:`Char` per spoken syllable.

    Attributes
    ----------
    chars : tuple of Char
    segments : tuple of Segment
    language : str
    model : ModelSpec
    settings : TranscribeSettings
    dropped : tuple of str
        Segments removed as hallucinations (stock phrases over silence) and repetition loops
        cut from the text, for the record.
    n_gap_windows : int
        Windows decoded again by the second pass over unrecognised speech
        (:mod:`voicecoach.gapfill`).
    """

    chars: tuple[Char, ...]
    segments: tuple[Segment, ...]
    language: str
    model: ModelSpec
    settings: TranscribeSettings
    dropped: tuple[str, ...] = field(default_factory=tuple)
    n_gap_windows: int = 0

    @property
    def text(self) -> str:
        """Display text: written tokens with punctuation."""
        return _display(self.chars)

    def to_dict(self) -> dict:
        return {
            "language": self.language,
            "text": self.text,
            "chars": [c.to_dict() for c in self.chars],
            "segments": [s.to_dict() for s in self.segments],
            "model": self.model.to_dict(),
            "settings": self.settings.to_dict(),
            "dropped": list(self.dropped),
            "n_gap_windows": self.n_gap_windows,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        return cls(
            chars=tuple(Char(**c) for c in d["chars"]),
            segments=tuple(Segment(**s) for s in d["segments"]),
            language=d["language"],
            model=ModelSpec(**d["model"]),
            settings=TranscribeSettings(**d["settings"]),
            dropped=tuple(d.get("dropped", ())),
            n_gap_windows=int(d.get("n_gap_windows", 0)),
        )


def _display(chars: tuple[Char, ...]) -> str:
    """Rebuild the written text: a multi-syllable token ("24") is shown once."""
    out: list[str] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        j = i + 1
        if c.written != c.text:
            while j < len(chars) and chars[j].written == c.written and chars[j].start_s == c.start_s and not chars[j - 1].punct_after:
                j += 1
            out.append(c.written)
        else:
            out.append(c.text)
        out.append(chars[j - 1].punct_after)
        i = j
    return "".join(out)


@runtime_checkable
class Transcriber(Protocol):
    """Anything that turns 16 kHz audio into a :class:`Transcript` (the real model or a fake)."""

    @property
    def model(self) -> ModelSpec: ...

    @property
    def settings(self) -> TranscribeSettings: ...

    def transcribe(self, audio: Audio) -> Transcript: ...


class WhisperTranscriber:
    """faster-whisper behind our own types; the model is loaded on first use, once.

    Parameters
    ----------
    model : str or ModelSpec
        ``"base"`` (bundled), a CTranslate2 folder, or a hub name.
    settings : TranscribeSettings, optional
    allow_download : bool
        Let a hub model be fetched over the network.
    """

    def __init__(self, model: str | ModelSpec = "base", settings: TranscribeSettings | None = None, *, allow_download: bool = False) -> None:
        self._spec = model if isinstance(model, ModelSpec) else resolve_model(model, allow_download=allow_download)
        self._settings = settings or TranscribeSettings()
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self) -> ModelSpec:
        return self._spec

    @property
    def settings(self) -> TranscribeSettings:
        return self._settings

    def device(self) -> tuple[str, str]:
        """The (device, compute_type) this transcriber runs with."""
        device = self._settings.device
        if device == "auto":
            device = "cuda" if _cuda_available() else "cpu"
        compute = self._settings.compute_type
        if compute == "auto":
            compute = "float16" if device == "cuda" else "int8"
        return device, compute

    def load(self):
        """Load the model now (otherwise the first transcription does)."""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                device, compute = self.device()
                try:
                    self._model = WhisperModel(
                        self._spec.path, device=device, compute_type=compute,
                        cpu_threads=self._settings.cpu_threads, local_files_only=True,
                    )
                except Exception as e:
                    raise ModelError(f"cannot load the model at {self._spec.path} on {device}/{compute} ({type(e).__name__}: {e}); check the folder" + (", or use --device cpu" if device != "cpu" else "")) from None
        return self._model

    def transcribe(self, audio: Audio) -> Transcript:
        """Recognise ``audio`` (must be at 16 kHz).

        Long recordings are cut at their quietest moments into pieces of at most
        ``MAX_PIECE_S``: faster-whisper computes the spectrogram of everything it is given at
        once, which for a one-hour call alone would take about 1 GB.
        """
        if audio.sample_rate_hz != ANALYSIS_RATE_HZ:
            raise ValueError(f"audio must be at {ANALYSIS_RATE_HZ} Hz, got {audio.sample_rate_hz}")
        model = self.load()
        s = self._settings
        pieces = []
        language = s.language or ""
        for a, b in cut_points(audio, max_piece_s=MAX_PIECE_S):
            segments, info = model.transcribe(
                audio.samples[a:b],
                language=s.language,
                beam_size=s.beam_size,
                temperature=s.temperature,
                condition_on_previous_text=s.condition_on_previous_text,
                vad_filter=s.vad_filter,
                vad_parameters={"min_silence_duration_ms": s.vad_min_silence_ms},
                no_speech_threshold=s.no_speech_threshold,
                word_timestamps=True,
                initial_prompt=s.initial_prompt,
                max_new_tokens=max_new_tokens((b - a) / audio.sample_rate_hz, s.max_tokens_per_s, prompt=s.initial_prompt),
            )
            pieces.append((a / audio.sample_rate_hz, list(segments)))  # consuming decodes
            language = language or info.language
        return _join(pieces, language, self._spec, s)


MAX_PIECE_S = 300.0
MAX_SYLLABLE_S = 0.6
"""Longest span a recognised syllable keeps, s. Whisper stretches the last word before
speech it could not make out over all of it (a 4.8 s "问" on the long-form benchmark), which
would hide the lost words from the coverage and move the syllable's centre; a syllable
dragged to three times its length still lasts under 0.6 s."""
WHISPER_WINDOW_S = 30.0
WHISPER_MAX_NEW_TOKENS = 440  # 448 positions less the start-of-transcript prompt


def max_new_tokens(duration_s: float, tokens_per_s: float, *, prompt: str | None = None) -> int:
    """Tokens one decoding window of a ``duration_s`` piece may generate (an initial prompt
    takes its share of Whisper's 448 positions: counted generously, two per character)."""
    room = WHISPER_MAX_NEW_TOKENS - 2 * len(prompt or "")
    return int(max(16, min(room, 16 + tokens_per_s * min(duration_s, WHISPER_WINDOW_S))))


def cut_points(audio: Audio, *, max_piece_s: float, search_s: float = 30.0, quiet_s: float = 0.3) -> list[tuple[int, int]]:
    """(start, end) sample ranges of at most ``max_piece_s``, cut at the quietest ``quiet_s``
    within ``search_s`` before each nominal boundary (so no word is cut in two)."""
    from voicecoach.audio import frame_power_db

    sr = audio.sample_rate_hz
    n = len(audio.samples)
    if n <= max_piece_s * sr:
        return [(0, n)]
    db = frame_power_db(audio.samples, sample_rate_hz=sr, frame_s=0.01)
    k = max(1, int(quiet_s / 0.01))
    smooth = np.convolve(db, np.ones(k) / k, mode="same")
    cuts, start = [], 0
    while n - start > max_piece_s * sr:
        hi = int((start / sr + max_piece_s) / 0.01)
        lo = max(int(start / sr / 0.01) + 1, hi - int(search_s / 0.01))
        frame = lo + int(np.argmin(smooth[lo:hi]))
        end = frame * int(0.01 * sr)
        cuts.append((start, end))
        start = end
    cuts.append((start, n))
    return cuts


def _join(pieces, language: str, spec: ModelSpec, settings: TranscribeSettings) -> Transcript:
    chars, segments, dropped = [], [], []
    for offset, raw in pieces:
        t = _to_transcript(raw, language, spec, settings)
        chars += [dataclasses.replace(c, start_s=round(c.start_s + offset, 4), end_s=round(c.end_s + offset, 4)) for c in t.chars]
        segments += [dataclasses.replace(g, start_s=g.start_s + offset, end_s=g.end_s + offset) for g in t.segments]
        dropped += list(t.dropped)
    return Transcript(tuple(chars), tuple(segments), language, spec, settings, tuple(dropped))


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
        return False


def _to_transcript(raw, language: str, spec: ModelSpec, settings: TranscribeSettings) -> Transcript:
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
            # second pass (voicecoach.gapfill) to decode again.
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
            chars.extend(_word_to_chars(word.word, float(word.start), float(word.end), float(word.probability)))
    return Transcript(tuple(chars), tuple(segments), language or (settings.language or ""), spec, settings, tuple(dropped))


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


def _word_to_chars(token: str, start_s: float, end_s: float, probability: float) -> list[Char]:
    """One Whisper token -> one Char per spoken syllable, sharing the token's span evenly."""
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


# ------------------------------------------------------------------------------------ cache


class CachedTranscriber:
    """Wraps a Transcriber with an on-disk cache keyed by audio content + model + settings.

    Parameters
    ----------
    inner : Transcriber
    cache_dir : path-like, optional
        Default ``<user cache>/transcripts``.
    """

    def __init__(self, inner: Transcriber, cache_dir: str | os.PathLike | None = None) -> None:
        self.inner = inner
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root() / "transcripts"
        self.hits = 0

    @property
    def model(self) -> ModelSpec:
        return self.inner.model

    @property
    def settings(self) -> TranscribeSettings:
        return self.inner.settings

    def key(self, audio: Audio) -> str:
        payload = json.dumps({
            "audio": audio.content_sha256(),
            "model": self.inner.model.sha256 or self.inner.model.name,
            "settings": self.inner.settings.cache_dict(),
            "format": TRANSCRIPT_FORMAT,
        }, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def transcribe(self, audio: Audio) -> Transcript:
        key = self.key(audio)
        path = self.cache_dir / key[:2] / f"{key}.json"
        if path.exists():
            try:
                transcript = Transcript.from_dict(read_entry(path))
                self.hits += 1
                return transcript
            except (ValueError, KeyError, TypeError, OSError) as e:
                log.warning("replacing invalid cache entry %s (%s)", path.name, e)
        transcript = self.inner.transcribe(audio)
        try:
            write_entry(path, transcript.to_dict())
        except OSError as e:
            log.warning("cannot write transcript cache %s: %s", path, e)
        return transcript


def is_sentence_end(char: Char) -> bool:
    return any(p in SENTENCE_END for p in char.punct_after)


def char_times(chars: tuple[Char, ...] | list[Char]) -> tuple[np.ndarray, np.ndarray]:
    """(start_s, end_s) arrays of a char sequence."""
    return (np.array([c.start_s for c in chars], dtype=float), np.array([c.end_s for c in chars], dtype=float))
