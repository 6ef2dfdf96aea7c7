"""``analyze()``: the one library entry point. Load -> recognise -> measure -> judge.

Every shell (CLI, notebook, trainer comparison, QA batch) calls :func:`analyze` and gets an
:class:`Analysis`, whose ``to_dict()`` is exactly what ``report.json`` holds.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from voicecoach import i18n
from voicecoach.i18n import N_
from voicecoach.judge.assess import assess, quality_checks
from voicecoach.audio import NARROW_RATE_HZ, Audio, LoadedAudio, audio_from_array, load_audio, resample
from voicecoach.recognize.coverage import Coverage, measure_coverage
from voicecoach.recognize.gapfill import fill_gaps
from voicecoach.errors import AudioTooShortError, NoSpeechError, Notice, SilentAudioError, UsageError
from voicecoach.audio.activity import Activity, compute_activity, runs
from voicecoach.measures.articulation import measure_articulation
from voicecoach.measures.drawl import DrawlRule, measure_drawl, typical_syllable_s
from voicecoach.measures.loudness import measure_loudness
from voicecoach.measures.fillers import measure_filled_pauses
from voicecoach.measures.measure_set import MeasureSet
from voicecoach.measures.p56 import ActiveLevel, active_level
from voicecoach.measures.pace import measure_pace
from voicecoach.measures.pauses import detect_pauses, measure_pauses
from voicecoach.measures.pitch import PitchTrack, measure_pitch, track_pitch
from voicecoach.measures.sentences import sentence_details
from voicecoach.measures.embed import find_weights
from voicecoach.measures.syllables import detect_nuclei
from voicecoach.measures.voices import TwoVoices, two_voices_likely
from voicecoach.recognize.models import DEFAULT_MODEL
from voicecoach.recognize import build_recognizer
from voicecoach.recognize.cache import CachedRecognizer
from voicecoach.recognize.types import Char, Recognizer, Transcript
from voicecoach.judge.scoring import DimensionResult, Overall, overall
from voicecoach.report.jsonio import REPORT_SCHEMA, REPORT_SCHEMA_VERSION, analysis_to_dict
from voicecoach.recognize.script import ScriptAlignment, align_script, load_script, spread_script
from voicecoach.measures.segmentation import segment
from voicecoach.judge.targets import Targets, load_targets
from voicecoach.wording import Rules, analyze_wording, load_rules

log = logging.getLogger(__name__)

MIN_SPEECH_S = 1.0
MIN_SCRIPT_MATCH_RATIO = 0.3  # below this share of the script matched (or of the speech covered), the script is spread over the speech
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything voicecoach found in one recording.

    Attributes
    ----------
    loaded : LoadedAudio
        The analysis audio and what is known of its source.
    transcript : Transcript
        What the recogniser heard.
    activity : Activity
    pitch_track : PitchTrack
    measures : MeasureSet
        Every measure's result (``pace``, ``pauses``, ``loudness``, ``pitch``, ``drawl``,
        ``articulation``, ``chars``, ``segmentation``, ``script``, ``coverage``, ``sentences``,
        ``acoustic_syllables``: also read straight from the Analysis).
    dimensions : tuple of DimensionResult
    overall : Overall
    targets : Targets
    lang : str
    notices : tuple of Notice
    timings_s : dict
        Wall time of each stage, s.
    created_utc : str
    rules : Rules or None
        The wording rules in effect (defaults and an organisation's phrase list).
    """

    loaded: LoadedAudio
    transcript: Transcript
    activity: Activity
    pitch_track: PitchTrack
    measures: MeasureSet
    dimensions: tuple[DimensionResult, ...]
    overall: Overall
    targets: Targets
    lang: str
    notices: tuple[Notice, ...]
    timings_s: dict = field(default_factory=dict)
    created_utc: str = ""
    rules: Rules | None = None

    chars = property(lambda self: self.measures.chars, doc="The syllables measured (the script's when one was given).")
    script = property(lambda self: self.measures.script, doc="The script's alignment, or None.")
    segmentation = property(lambda self: self.measures.segmentation)
    pace = property(lambda self: self.measures.pace)
    pauses = property(lambda self: self.measures.pauses)
    loudness = property(lambda self: self.measures.loudness)
    pitch = property(lambda self: self.measures.pitch)
    drawl = property(lambda self: self.measures.drawl)
    articulation = property(lambda self: self.measures.articulation)
    coverage = property(lambda self: self.measures.coverage)
    sentences = property(lambda self: self.measures.sentences)
    filled_pauses = property(lambda self: self.measures.filled_pauses, doc="嗯/呃-type hesitations (FilledPauses), or None.")
    acoustic_syllables = property(lambda self: self.measures.n_acoustic_syllables, doc="Syllable nuclei counted from the signal alone.")

    @property
    def duration_s(self) -> float:
        return self.loaded.audio.duration_s

    def dimension(self, name: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.name == name)

    @property
    def text(self) -> str:
        return "".join(c.text + c.punct_after for c in self.chars)

    def rate_agreement_ratio(self) -> float:
        """Acoustic syllable count over the transcript's count (1.0 = they agree)."""
        return self.acoustic_syllables / self.pace.n_syllables if self.pace.n_syllables else float("nan")

    def to_dict(self) -> dict:
        """The report: every figure, score and verdict, plus what produced it."""
        return analysis_to_dict(self)


def analyze(
    source: str | os.PathLike | LoadedAudio | np.ndarray,
    *,
    sample_rate_hz: int | None = None,
    channel: str = "mix",
    targets: Targets | str | os.PathLike | None = None,
    phrases: Rules | str | os.PathLike | None = None,
    whole_call: bool = False,
    script: str | os.PathLike | None = None,
    script_text: str | None = None,
    scripts_dir: str | os.PathLike | None = None,
    recognizer: Recognizer | None = None,
    model: str = DEFAULT_MODEL,
    lang: str = "zh",
    use_cache: bool = True,
    max_duration_s: float = 4 * 3600.0,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse one recording's delivery against the targets.

    Parameters
    ----------
    source : path-like, LoadedAudio or numpy.ndarray
        A recording file, an already loaded recording, or samples (then ``sample_rate_hz``).
    sample_rate_hz : int, optional
        Rate of ``source`` when it is an array, Hz.
    channel : str
        ``"mix"``, ``"left"``, ``"right"`` or a channel number (1-based).
    targets : Targets or path-like, optional
        Targets in effect, or an organisation's TOML overriding the defaults.
    phrases : Rules or path-like, optional
        Wording rules in effect, or an organisation's phrase list (TOML) overriding and
        extending the defaults (:mod:`voicecoach.wording.rules`).
    whole_call : bool
        A whole call (QA), not a practice take: the greeting and closing lines are checked.
    script : path-like, optional
        File (or id in ``scripts_dir``) with the text that was meant to be said.
    script_text : str, optional
        The script itself, instead of a file.
    scripts_dir : path-like, optional
        Folder of scripts for ids.
    recognizer : Recognizer, optional
        Default: :func:`~voicecoach.recognize.build_recognizer` for ``model``.
    model : str
        Used when no recogniser is given: ``"base"``, a folder or a hub name.
    lang : str
        Report language: ``"zh"`` (Simplified Chinese), ``"zh-Hant"`` (Traditional, Taiwan
        phrases; the transcript shown converted with OpenCC) or ``"en"``; other codes as
        :func:`voicecoach.i18n.normalize` maps them (zh-TW, zh-HK -> zh-Hant; unknown -> zh).
        report.json records it (``settings.lang``).
    use_cache : bool
        Cache transcripts on disk (a given recogniser is put behind the cache too).
    max_duration_s : float
        Longer recordings are refused, s.
    progress : callable, optional
        Called with the name of each stage as it starts.

    Returns
    -------
    Analysis

    Raises
    ------
    InputError
        Bad, silent, speechless or too short input (one sentence saying what to do).
    UsageError
        Samples given without their rate.
    """
    timings: dict[str, float] = {}
    step = _Stopwatch(timings, progress)
    lang = i18n.normalize(lang)
    tgt = targets if isinstance(targets, Targets) else load_targets(targets)
    rules = phrases if isinstance(phrases, Rules) else load_rules(phrases)
    with step("decode"):
        loaded = _load(source, sample_rate_hz, channel, max_duration_s)
    name = Path(loaded.source.path).name
    audio = loaded.audio
    notices = list(loaded.notices)
    with step("level"):
        level = active_level(audio.samples, sample_rate_hz=audio.sample_rate_hz)
    if level.is_silent or loaded.source.peak_dbfs < -70:
        raise SilentAudioError.of(N_("{name} is silent (peak {peak_dbfs:.0f} dBFS, no active speech); check the microphone was on, or choose another channel"), name=name, peak_dbfs=loaded.source.peak_dbfs)
    with step("activity"):
        narrow = Audio(resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)  # shared with pitch
        activity = compute_activity(audio, active_level_dbov=level.active_level_dbov, narrow=narrow)
    speech_s = float(activity.is_speech.sum() * activity.frame_s)
    with step("voices"):
        voices = _voices(audio, activity)
    if audio.duration_s < MIN_SPEECH_S or speech_s < MIN_SPEECH_S:
        raise AudioTooShortError.of(N_("{name} holds {speech_s:.1f} s of speech in {duration_s:.1f} s; at least {min_s:.0f} s of speech is needed (3 s or more for pace and pitch): record a longer sample"), name=name, speech_s=speech_s, duration_s=audio.duration_s, min_s=MIN_SPEECH_S)
    with step("recognition"):
        if recognizer is None:
            recognizer = build_recognizer(model, use_cache=use_cache)
        elif use_cache and not isinstance(recognizer, CachedRecognizer):
            recognizer = CachedRecognizer(recognizer)
        transcript = recognizer.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)
    with step("recognition_gaps"):
        transcript = fill_gaps(transcript, audio, activity, recognizer)
    chars, n_silent = _drop_chars_in_silence(transcript.chars, activity)
    heard = tuple(chars)  # what was recognised, whatever a script later puts in its place
    coverage = measure_coverage(activity, [(c.start_s, c.end_s) for c in chars])
    if n_silent:
        notices.append(Notice("dropped_text", f"{n_silent} recognised syllable(s) lay over silence and were left out as recogniser hallucinations", {"n": n_silent}))
    has_script = script is not None or script_text is not None
    if len(chars) == 0 and not has_script:
        vad_s = _vad_speech_s(audio)
        if vad_s < MIN_SPEECH_S:
            raise NoSpeechError.of(N_("no speech was found in {name} ({speech_s:.1f} s of sound, {vad_s:.1f} s of it speech-like); it may be tones, music or noise: check the file and the channel"), name=name, speech_s=speech_s, vad_s=vad_s)
        notices.append(Notice("unrecognised", f"the recogniser could not transcribe this recording ({vad_s:.1f} s of speech); pace is counted from syllable nuclei in the signal, and drawl and articulation are not measured. If it is Mandarin, it is very hard to understand; give --script if it was read", {"speech_s": round(vad_s, 1)}))
    alignment = None
    if has_script:
        with step("script"):
            text = script_text if script_text is not None else load_script(script, scripts_dir=scripts_dir)
            alignment = align_script(text, chars, activity)
            if alignment.match_ratio < MIN_SCRIPT_MATCH_RATIO or coverage.covered_ratio < MIN_SCRIPT_MATCH_RATIO:
                # too few anchors to place the script by: spread it over the speech instead
                alignment = spread_script(text, activity, n_matched=alignment.n_matched)
                notices.append(Notice("recognition_failed", f"the recogniser matched {alignment.match_ratio:.0%} of the script and covered {coverage.covered_ratio:.0%} of the speech; the script's syllables were laid evenly over the speech, so timings inside sentences are rough", {"ratio": round(alignment.match_ratio, 3), "covered": round(coverage.covered_ratio, 3)}))
            chars = alignment.chars or chars
        if not chars:
            raise NoSpeechError.of(N_("none of the script was heard in {name}; check that the recording and the script belong together"), name=name)
    with step("pitch"):
        starts, ends = runs(activity.is_speech)  # telephone band: SwiftF0 only where there is speech (a call's agent side is silent half the time)
        pitch_track = track_pitch(audio, narrow=narrow, within_s=[(a * activity.frame_s, b * activity.frame_s) for a, b in zip(starts, ends)])
    measures = _measure(chars, audio=audio, loaded=loaded, level=level, activity=activity, pitch_track=pitch_track, targets=tgt, alignment=alignment, coverage=coverage, step=step)
    with step("filled_pauses"):
        fillers = measure_filled_pauses(audio, activity=activity, pitch_track=pitch_track, chars=heard)
    with step("wording"):
        wording = analyze_wording(chars, rules, script_text=alignment.script_text if alignment is not None else None, whole_call=whole_call)
    measures = dataclasses.replace(measures, voices=voices, filled_pauses=fillers, wording=wording, separation_reliability=loaded.separation_reliability)
    notices += _quality_notices(measures, loaded, tgt)
    with step("assess"):
        dims = assess(measures, tgt, lang=lang)
        total = overall(dims, tgt)
    return Analysis(
        loaded=loaded, transcript=transcript, activity=activity, pitch_track=pitch_track, measures=measures,
        dimensions=dims, overall=total, targets=tgt, lang=lang, notices=tuple(notices), timings_s=timings,
        created_utc=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), rules=rules,
    )


def _measure(chars: Sequence[Char], *, audio: Audio, loaded: LoadedAudio, level: ActiveLevel, activity: Activity, pitch_track: PitchTrack,
             targets: Targets, alignment: ScriptAlignment | None, coverage: Coverage | None, step: _Stopwatch) -> MeasureSet:
    """Every measure of the recording, each step timed by ``step``."""
    tgt = targets
    with step("pauses"):
        pauses = detect_pauses(activity, min_pause_s=tgt.value("pauses.min_pause_s"), other_level_db=loaded.other_level_db)
        pause_m = measure_pauses(activity, pauses, long_pause_s=tgt.value("pauses.long_pause_s"), dead_air_s=tgt.value("pauses.dead_air_s"))
        seg = segment(chars, pauses, sentence_pause_s=tgt.value("pauses.sentence_pause_s"))
    with step("syllable_nuclei"):
        nuclei = detect_nuclei(activity, pitch_track)
    with step("pace"):
        if chars:
            span = _speech_span(activity, chars)
            centres = np.array([(c.start_s + c.end_s) / 2 for c in chars])
            if alignment is None and coverage is not None and coverage.unrecognised:
                centres, span = _count_unrecognised(centres, span, coverage, nuclei.times_s, activity)
        else:  # nothing recognised: count syllable nuclei in the signal instead
            span = (pause_m.speech_start_s, pause_m.speech_end_s)
            centres = nuclei.times_s[(nuclei.times_s >= span[0]) & (nuclei.times_s <= span[1])]
        n_nuclei = int(np.sum((nuclei.times_s >= span[0]) & (nuclei.times_s <= span[1])))
        pace = measure_pace(centres, span_s=span, pauses=pauses, sentences=seg.sentences, window_s=tgt.value("pace.rate_window_s"))
    with step("volume"):
        loud = measure_loudness(activity, level=level, phrases=seg.phrases, peak_dbfs=loaded.source.peak_dbfs, clipped_ratio=loaded.source.clipped_ratio, background_known=loaded.separation_reliability is None)
    with step("pitch_measures"):
        pitch = measure_pitch(pitch_track, monotone_range_st=tgt.value("pitch.monotone_window_range_st"), window_s=tgt.value("pitch.monotone_window_s"))
    with step("drawl"):
        typical = typical_syllable_s(chars, seg.phrases, fallback_s=pace.phonation_time_s / pace.n_syllables if pace.n_syllables else float("nan"))
        rule = DrawlRule(relative_ratio=tgt.value("drawl.relative_ratio"), final_ratio=tgt.value("drawl.final_ratio"), max_usual_ratio=tgt.value("drawl.max_usual_ratio"),
                         min_other_ends=int(tgt.value("drawl.min_other_ends")), voiced_share=tgt.value("drawl.voiced_share"))
        drawl = measure_drawl(chars, seg.phrases, activity, pitch_track, typical_syllable_s=typical, rule=rule)
    with step("articulation"):
        artic = measure_articulation(chars, audio=audio, activity=activity, articulation_rate_cps=pace.articulation_rate_cps, low_probability=tgt.value("articulation.low_probability"))
    sentences = sentence_details(seg.sentences, chars, activity=activity, pitch=pitch_track, drawl=drawl)
    return MeasureSet(tuple(chars), seg, pace, pause_m, loud, pitch, drawl, artic, alignment, coverage=coverage,
                      n_acoustic_syllables=n_nuclei, sentences=sentences)


def _load(source, sample_rate_hz, channel, max_duration_s) -> LoadedAudio:
    if isinstance(source, LoadedAudio):
        return source
    if isinstance(source, np.ndarray):
        if sample_rate_hz is None:
            raise UsageError("analyze() was given samples without their rate: pass sample_rate_hz= (Hz) with a numpy array, or give a file path")
        return audio_from_array(source, sample_rate_hz=sample_rate_hz, channel=channel)
    return load_audio(source, channel=channel, max_duration_s=max_duration_s)


def _vad_speech_s(audio) -> float:
    """Seconds of speech by Silero VAD (faster-whisper's copy), to tell speech from tones or music."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    ts = get_speech_timestamps(audio.samples, VadOptions(min_silence_duration_ms=300, speech_pad_ms=0), sampling_rate=audio.sample_rate_hz)
    return sum(t["end"] - t["start"] for t in ts) / audio.sample_rate_hz


def _drop_chars_in_silence(chars: tuple[Char, ...], activity: Activity) -> tuple[list[Char], int]:
    """Leave out recognised syllables with (almost) no speech under them: hallucinations."""
    kept = []
    for c in chars:
        pad = 0.1
        if activity.speech_ratio(c.start_s - pad, c.end_s + pad) >= 0.1:
            kept.append(c)
    return kept, len(chars) - len(kept)


def _count_unrecognised(centres: np.ndarray, span: tuple[float, float], coverage: Coverage, nuclei_s: np.ndarray, activity: Activity) -> tuple[np.ndarray, tuple[float, float]]:
    """Syllables of the speech the recogniser left out, counted from the signal.

    Each unrecognised stretch contributes its syllable nuclei, and the speech span grows to
    include it, so pace stands on the whole recording rather than on the recognised part.
    """
    lost = coverage.unrecognised
    inside = np.zeros(len(nuclei_s), dtype=bool)
    for u in lost:
        inside |= (nuclei_s >= u.start_s) & (nuclei_s <= u.end_s)
    lo, hi = min(span[0], lost[0].start_s), max(span[1], lost[-1].end_s)
    if (lo, hi) != span:
        lo, hi = activity.speech_bounds_s(lo, hi) or (lo, hi)
    return np.sort(np.concatenate([centres, nuclei_s[inside]])), (lo, hi)


def _speech_span(activity: Activity, chars) -> tuple[float, float]:
    """First speech onset and last offset around the recognised syllables, s."""
    return activity.speech_bounds_s(max(0.0, chars[0].start_s - 0.3), chars[-1].end_s + 0.3) or (chars[0].start_s, chars[-1].end_s)


def _voices(audio: Audio, activity: Activity) -> TwoVoices | None:
    """Whether the channel holds a second voice; None when the voice encoder is not installed."""
    if find_weights() is None:
        return None
    return two_voices_likely(audio, activity)


def _quality_notices(m: MeasureSet, loaded: LoadedAudio, tgt: Targets) -> list[Notice]:
    out = []
    doubts = quality_checks(m, tgt)  # the same checks that make a dimension "uncertain"
    src = loaded.source
    if src.clipped_ratio > 0.001:
        out.append(Notice("clipping", f"the recording clips ({src.clipped_ratio:.2%} of samples at full scale); levels and pitch were measured on distorted audio", {"ratio": src.clipped_ratio}))
    if np.isfinite(m.loudness.snr_db) and m.loudness.snr_db < 15:
        out.append(Notice("low_snr", f"the background is loud (speech only {m.loudness.snr_db:.0f} dB above it); pauses and articulation are less certain", {"snr_db": round(float(m.loudness.snr_db), 1)}))
    if src.sample_rate_hz < 16000:
        out.append(Notice("narrowband", f"telephone-band audio ({src.sample_rate_hz} Hz); recognition is less accurate than on wideband audio", {"rate_hz": src.sample_rate_hz}))
    n, n_nuclei = m.pace.n_syllables, m.n_acoustic_syllables
    if "count_disagreement" in doubts and m.count_source == "transcript":
        out.append(Notice("count_disagreement", f"the transcript counts {n} syllables but the signal shows about {n_nuclei}; the recogniser may have missed or added words, so pace is less certain", {"n": n, "nuclei": n_nuclei}))
    cov = m.coverage
    if cov is not None and cov.unrecognised_s >= 1.0 and m.script is None:
        first = cov.unrecognised[0]
        where = f"{int(first.start_s // 60)}:{int(first.start_s % 60):02d}"
        out.append(Notice("unrecognised_speech", f"{cov.unrecognised_s:.0f} s of speech in {len(cov.unrecognised)} stretch(es) could not be transcribed (the first at {where}); pace counts their syllables from the signal, and drawl and articulation are not measured there", {"speech_s": round(cov.unrecognised_s), "n": len(cov.unrecognised), "at": where}))
    if "second_voice" in doubts and m.voices is not None:
        out.append(Notice("two_voices", f"two voices were heard on this channel (the second speaks {m.voices.share_of_second_voice:.0%} of the time, about {m.voices.second_voice_s:.0f} s), so no dimension is judged: analyse the agent's own channel (--channel), or the whole call with voicecoach call",
                          {"share": round(m.voices.share_of_second_voice, 3), "second_s": round(m.voices.second_voice_s)}))
    if m.voices is None:
        out.append(Notice("voices_not_checked", "whether a second voice is on this channel was not checked: the voice encoder's weights are not installed (make setup, or python scripts/fetch_voice_encoder.py)", {}))
    if "little_speech" in doubts:
        out.append(Notice("short", f"only {m.pace.speaking_time_s:.1f} s of speech; figures from so little speech are rough", {"speech_s": round(m.pace.speaking_time_s, 1)}))
    return out


class _Stopwatch:
    def __init__(self, timings: dict, progress: Progress | None) -> None:
        self.timings = timings
        self.progress = progress

    def __call__(self, name: str):
        return _Stage(self, name)


class _Stage:
    def __init__(self, watch: _Stopwatch, name: str) -> None:
        self.watch, self.name = watch, name

    def __enter__(self):
        if self.watch.progress:
            self.watch.progress(self.name)
        self.t0 = time.perf_counter()

    def __exit__(self, *exc):
        self.watch.timings[self.name] = self.watch.timings.get(self.name, 0.0) + time.perf_counter() - self.t0
        return False


__all__ = ["Analysis", "analyze", "REPORT_SCHEMA", "REPORT_SCHEMA_VERSION"]
