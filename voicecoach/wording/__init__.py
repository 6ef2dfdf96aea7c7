"""The wording coach (话术): what is said, against the guide's wording rules.

Rules are data (:mod:`voicecoach.wording.rules`: the defaults in ``data/wording.toml`` with their
sources, and an organisation's phrase list); phrases are found by pronunciation so that the
recogniser's homophone errors neither hide nor invent them (:mod:`voicecoach.wording.match`);
:func:`analyze_wording` applies them to one recording's syllables.

Stage: after ``recognize`` (it reads transcripts and script alignments), before ``measures``
(whose :class:`~voicecoach.measures.measure_set.MeasureSet` carries its result to the judge).
"""

from voicecoach.wording.analyze import analyze_wording
from voicecoach.wording.rules import default_phrases_path, load_rules
from voicecoach.wording.types import PhraseHit, RequiredLine, Rule, Rules, Settings, WordingResult

__all__ = ["analyze_wording", "load_rules", "default_phrases_path", "PhraseHit", "RequiredLine", "Rule", "Rules", "Settings", "WordingResult"]
