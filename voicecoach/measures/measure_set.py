"""Everything measured on one recording, in one value."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.measures.articulation import ArticulationMeasures
from voicecoach.measures.drawl import DrawlMeasures
from voicecoach.measures.fillers import FilledPauses
from voicecoach.measures.loudness import LoudnessMeasures
from voicecoach.measures.pace import PaceMeasures
from voicecoach.measures.pauses import PauseMeasures
from voicecoach.measures.pitch import PitchMeasures
from voicecoach.measures.segmentation import Segmentation
from voicecoach.measures.sentences import SentenceDetail
from voicecoach.measures.voices import TwoVoices
from voicecoach.recognize.coverage import Coverage
from voicecoach.recognize.script import ScriptAlignment
from voicecoach.wording.types import WordingResult


@dataclass(frozen=True)
class MeasureSet:
    """Everything measured on one recording: the input of the assessment, and what an
    :class:`~voicecoach.analysis.Analysis` reports.

    Attributes
    ----------
    chars : tuple of Char
        The syllables measured: the script's when a script was given, else the recognised ones.
    segmentation : Segmentation
        Sentences and phrases.
    pace, pauses, loudness, pitch, drawl, articulation : measures
        One result per measure module.
    script : ScriptAlignment or None
        The script's alignment to the recognition, when a script was given.
    coverage : Coverage or None
        Share of the speech the transcript covers, and the unrecognised stretches.
    n_acoustic_syllables : int
        Syllable nuclei counted from the signal alone (cross-check of ``pace.n_syllables``).
    sentences : tuple of SentenceDetail
        Per-sentence figures.
    voices : TwoVoices or None
        Whether the channel holds a second voice (None: not checked, the voice encoder's
        weights are not installed).
    filled_pauses : FilledPauses or None
        嗯/呃-type hesitations from the recognised syllables and the signal (None: not measured,
        as in a MeasureSet built before they were).
    wording : WordingResult or None
        The wording rules applied to the syllables (:mod:`voicecoach.wording`); None when not
        analysed.
    separation_reliability : float or None
        For a side separated from a mono mix: how often such separations kept the agent's
        figures within tolerance (``LoadedAudio.separation_reliability``); None otherwise.
    """

    chars: tuple
    segmentation: Segmentation
    pace: PaceMeasures
    pauses: PauseMeasures
    loudness: LoudnessMeasures
    pitch: PitchMeasures
    drawl: DrawlMeasures
    articulation: ArticulationMeasures
    script: ScriptAlignment | None = None
    coverage: Coverage | None = None
    n_acoustic_syllables: int = 0
    sentences: tuple[SentenceDetail, ...] = ()
    voices: TwoVoices | None = None
    filled_pauses: FilledPauses | None = None
    wording: WordingResult | None = None
    separation_reliability: float | None = None

    @property
    def count_source(self) -> str:
        """Where pace's syllable count comes from: "script", "transcript" or "signal"."""
        return "script" if self.script is not None else "transcript" if self.chars else "signal"
