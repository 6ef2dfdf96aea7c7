"""What the wording coach (话术) finds in one transcript, as typed values.

:class:`Rule` is one phrase rule (data, from ``data/wording.toml`` or an organisation's
phrase list); :class:`PhraseHit` one place a rule's phrase was heard; :class:`RequiredLine` one
line of the checklist (said or missing); :class:`WordingResult` the whole of it with its figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("discouraged", "forbidden", "required")
"""Kinds of phrase rule."""
HIT_KINDS = ("discouraged", "forbidden", "pointing_you", "filler", "pet_phrase")
"""Kinds of flagged moment (``PhraseHit.kind``)."""
STAGES = ("start", "end", "any")


@dataclass(frozen=True)
class Rule:
    """One phrase rule.

    Attributes
    ----------
    id : str
        Stable identifier (an organisation's list replaces a default by its id).
    kind : str
        One of ``KINDS``.
    phrases : tuple of str
        The wordings that count as this rule (any one of them).
    suggest : str
        The professional wording to use instead ('' for a required line).
    source : str
        Where the rule comes from (guide section, QA form, organisation file).
    stage : str
        Required lines: where in the call it belongs, one of ``STAGES``.
    required : bool
        Required lines: counted as missing when absent (False: a recommendation).
    """

    id: str
    kind: str
    phrases: tuple[str, ...]
    suggest: str = ""
    source: str = ""
    stage: str = "any"
    required: bool = True

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "phrases": list(self.phrases), "suggest": self.suggest, "source": self.source,
                "stage": self.stage, "required": self.required}


@dataclass(frozen=True)
class Settings:
    """The matcher's and the analysis' knobs (defaults in ``data/wording.toml``).

    Attributes
    ----------
    tolerance : float
        Pronunciation distance allowed per syllable of a phrase (a different syllable costs 1,
        a near-homophone 0.2-0.5), 0..1.
    min_confidence : float
        Hits below this confidence are dropped, 0..1.
    start_window_s, end_window_s : float
        Where "start" / "end" lines must lie, s from the first / last speech.
    filler_gap_s : float
        Pause after 那个/就是/然后 that makes it a filler, s.
    pet_min_count : int
        Uses of one pet phrase in a recording from which it is flagged.
    """

    tolerance: float = 0.25
    min_confidence: float = 0.35
    start_window_s: float = 20.0
    end_window_s: float = 30.0
    filler_gap_s: float = 0.3
    pet_min_count: int = 3

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Rules:
    """Every wording rule in effect.

    Attributes
    ----------
    rules : tuple of Rule
        Discouraged, forbidden and required-line rules, defaults first.
    polite, fillers, pet : tuple of str
        Polite words (counted), filler words (flagged before a pause), pet phrases (flagged
        when frequent).
    polite_you, pointing_you : str
        您 and 你.
    sources : dict
        ``"polite"``, ``"fillers"``, ``"pet"``, ``"you"`` -> source.
    settings : Settings
    files : tuple of str
        Files merged, defaults first.
    """

    rules: tuple[Rule, ...]
    polite: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    pet: tuple[str, ...] = ()
    polite_you: str = "您"
    pointing_you: str = "你"
    sources: dict = field(default_factory=dict)
    settings: Settings = Settings()
    files: tuple[str, ...] = ()

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def to_dict(self) -> dict:
        return {"files": list(self.files), "settings": self.settings.to_dict(), "n_rules": {k: len(self.of_kind(k)) for k in KINDS}}


@dataclass(frozen=True)
class PhraseHit:
    """One place a phrase was heard (or a word used in a way the rules flag).

    Attributes
    ----------
    kind : str
        One of ``HIT_KINDS`` (or "required" for a required line's own hit).
    rule_id : str
        The rule, or the word for ``pointing_you`` / ``filler`` / ``pet_phrase``.
    phrase : str
        The rule's wording that matched.
    heard : str
        What the transcript holds there.
    start_s, end_s : float
        The moment to listen to, s.
    confidence : float
        Match similarity times the recogniser's mean probability over it, 0..1.
    suggest : str
        What to say instead ('' when the rule has none).
    source : str
    """

    kind: str
    rule_id: str
    phrase: str
    heard: str
    start_s: float
    end_s: float
    confidence: float
    suggest: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "rule": self.rule_id, "phrase": self.phrase, "heard": self.heard, "start_s": round(self.start_s, 3),
                "end_s": round(self.end_s, 3), "confidence": round(self.confidence, 3), "suggest": self.suggest, "source": self.source}


@dataclass(frozen=True)
class RequiredLine:
    """One line of the checklist.

    Attributes
    ----------
    rule_id : str
    stage : str
    required : bool
        False: a recommendation.
    status : str
        ``"said"``, ``"missing"``, ``"not_in_script"`` (a script was given and does not hold it)
        or ``"not_checked"`` (a practice take, not a whole call).
    hit : PhraseHit or None
        Where it was said.
    source : str
    """

    rule_id: str
    stage: str
    required: bool
    status: str
    hit: PhraseHit | None = None
    source: str = ""

    @property
    def missing(self) -> bool:
        return self.required and self.status == "missing"

    def to_dict(self) -> dict:
        return {"rule": self.rule_id, "stage": self.stage, "required": self.required, "status": self.status,
                "hit": None if self.hit is None else self.hit.to_dict(), "source": self.source}


@dataclass(frozen=True)
class WordingResult:
    """Everything the wording coach found in one recording.

    Attributes
    ----------
    hits : tuple of PhraseHit
        Flagged phrases and words, in time order.
    lines : tuple of RequiredLine
        The checklist.
    speech_s : float
        Speaking time the rates are per, s (first to last recognised syllable).
    n_chars : int
        Syllables searched.
    mean_probability : float
        Recogniser's mean probability over them (NaN when none).
    n_polite : int
        Polite words used.
    n_you_polite, n_you_pointing : int
        您 and 你 used.
    source : str
        What was searched: "transcript", or "script" (the script aligned to the speech).
    """

    hits: tuple[PhraseHit, ...]
    lines: tuple[RequiredLine, ...]
    speech_s: float
    n_chars: int
    mean_probability: float
    n_polite: int = 0
    n_you_polite: int = 0
    n_you_pointing: int = 0
    source: str = "transcript"

    def count(self, *kinds: str) -> int:
        return sum(1 for h in self.hits if h.kind in kinds)

    def _per_5min(self, n: int) -> float:
        return n / self.speech_s * 300.0 if self.speech_s > 0 else float("nan")

    @property
    def discouraged_per_5min(self) -> float:
        """Discouraged phrases per 5 minutes of speech."""
        return self._per_5min(self.count("discouraged"))

    @property
    def forbidden_per_5min(self) -> float:
        return self._per_5min(self.count("forbidden"))

    @property
    def fillers_per_5min(self) -> float:
        """Lexical fillers and flagged pet phrases per 5 minutes."""
        return self._per_5min(self.count("filler", "pet_phrase"))

    @property
    def polite_per_5min(self) -> float:
        return self._per_5min(self.n_polite)

    @property
    def n_required_missing(self) -> int | None:
        """Required lines not said; None on a practice take, where none was looked for."""
        return sum(1 for line in self.lines if line.missing) if self.lines_checked else None

    @property
    def lines_checked(self) -> bool:
        """False on a practice take: no required line was looked for."""
        return not self.lines or any(line.status != "not_checked" for line in self.lines)

    @property
    def pointing_you_ratio(self) -> float:
        """Share of 你 among 你 + 您 (NaN when neither was said)."""
        n = self.n_you_polite + self.n_you_pointing
        return self.n_you_pointing / n if n else float("nan")

    def to_dict(self) -> dict:
        def num(v: float):
            return None if v != v else round(float(v), 4)

        return {
            "source": self.source, "speech_s": round(self.speech_s, 2), "n_chars": self.n_chars, "mean_probability": num(self.mean_probability),
            "discouraged_per_5min": num(self.discouraged_per_5min), "forbidden_per_5min": num(self.forbidden_per_5min),
            "fillers_per_5min": num(self.fillers_per_5min), "polite_per_5min": num(self.polite_per_5min),
            "n_required_missing": self.n_required_missing, "pointing_you_ratio": num(self.pointing_you_ratio),
            "n_you_polite": self.n_you_polite, "n_you_pointing": self.n_you_pointing, "n_polite": self.n_polite,
            "hits": [h.to_dict() for h in self.hits], "lines": [line.to_dict() for line in self.lines],
        }
