"""The dimension registry: every dimension of delivery is declared here, once.

A :class:`Dimension` says everything the rest of voicecoach needs to know of it: its name,
the figures it keeps (store, export, report.json) with their units, the target keys it is
judged on and the verdict words for a value below or above each band, the function that
judges it, its label, guide rule, tips and verdict names (English source strings; the
message catalogues hold how they read in each language, see :mod:`voicecoach.i18n`), and its
chart. Scoring, advice, the result store, the export, the QA summary, the charts, the
trainer comparison and report.json all read :func:`registered`; a new dimension is one
:func:`register` call (see the README, "Adding a dimension")::

    register(Dimension(name="warmth", label=NP_("dimension", "Warmth"), ...))

The six built-in dimensions are declared in :mod:`voicecoach.judge.builtin`, in the order
reports show them; the ``voicecoach.judge`` package imports it, so they are registered before
any module of the package is used. Their default targets live in ``data/targets.toml`` with each target's reason and
source; a dimension registered later brings its own (``Dimension.targets``, ``weight``).

Names: the dimension is "volume" everywhere a user or a file sees it (targets, report.json,
store, export); ``loudness`` is the name of the measuring module and of the Analysis field
that holds its measures (:mod:`voicecoach.measures.loudness`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Union

from voicecoach.errors import UsageError
from voicecoach.measures.measure_set import MeasureSet
from voicecoach.judge.scoring import DimensionResult, Rubric
from voicecoach.judge.targets import Targets, register_defaults, unregister_defaults

INPUTS = ("take", "call")
"""What a dimension can apply to: a single-sided take (one speaker's recording) or a
two-sided call (agent and customer on their own channels or files)."""
LANGS = ("zh", "en")
"""The languages a plug-in's own ``{"zh": ..., "en": ...}`` texts must have."""
Text = Union[str, Mapping[str, str]]
"""A text a dimension declares: an English source string, marked for extraction (``N_``,
``NP_``) and translated by the catalogues; or, for a plug-in that brings its own wording,
``{"zh": ..., "en": ...}`` (zh-Hant: its "zh" converted with OpenCC)."""

Judge = Callable[[Rubric, MeasureSet, Targets], DimensionResult]


@dataclass(frozen=True)
class Figure:
    """A whole-recording figure of a dimension, kept in the result store and exported.

    Attributes
    ----------
    key : str
        Column name in the store, export and ``dimensions[].figures`` of report.json; unique
        over all dimensions, units in the name (``speaking_rate_cps``).
    field : str
        Where it is read: the attribute of the dimension's measures, and the key of its
        ``measures`` section in report.json.
    unit : str
        Unit as the export's column sheet writes it (``syllables/s``, ``dBov (ITU-T P.56)``).
    target : str or None
        Target key whose band it is judged against, if any.
    """

    key: str
    field: str
    unit: str
    target: str | None = None


@dataclass(frozen=True)
class Criterion:
    """One target a dimension is judged on: the words for a value outside it, and its label.

    Attributes
    ----------
    key : str
        Target key, ``"<dimension>.<name>"``.
    below, above : str
        Verdict word for a value below / above the band ("within" when that side is fine).
    label : Text
        What the figure is (in context "figure").
    """

    key: str
    below: str
    above: str
    label: Text


@dataclass(frozen=True)
class Contrast:
    """How the trainer comparison sets one of a trainee's figures against the benchmark's.

    Attributes
    ----------
    key : str
        The figure: a :class:`Figure` key of the dimension (whole recordings) or a
        :class:`~voicecoach.measures.sentences.SentenceDetail` field (sentence by sentence).
    unit : str
        Unit of the difference as the comparison reports it.
    up, down : str
        Direction words for a trainee above / below the benchmark ("faster", "slower").
    threshold : str or None
        Target key (``compare.*``) of the smallest difference a listener hears; None: 0.1.
    relative : bool
        The difference is a ratio, trainee / benchmark - 1 (else trainee - benchmark).
    label : Text
        Its name on the comparison page (whole recordings; context "contrast").
    changes : Mapping[str, str]
        Direction -> the change it calls for (a key of ``Dimension.changes``).
    match : str or None
        Whole recordings, "match your trainer": how the benchmark's value becomes the band of
        the figure's target: "ratio" (value ± ``compare.benchmark_tolerance_ratio`` × value),
        "threshold" (value ± the threshold), "floor" (min = value - threshold, max kept);
        None: the target is kept.
    audible_from : str or None
        Sentences: a difference counts only when one of the two reaches this target's value.
    column, threshold_label : Text
        Sentences: the column's heading on the comparison page, and the threshold's name
        (contexts "column", "threshold").
    cell : str
        Sentences: how a value is written in its cell (a ``str.format`` pattern).
    """

    key: str
    unit: str
    up: str
    down: str
    threshold: str | None = None
    relative: bool = False
    label: Text = field(default_factory=dict)
    changes: Mapping[str, str] = field(default_factory=dict)
    match: str | None = None
    audible_from: str | None = None
    column: Text = field(default_factory=dict)
    threshold_label: Text = field(default_factory=dict)
    cell: str = "{:.1f}"


@dataclass(frozen=True)
class Chart:
    """How a dimension is drawn beyond its row of the summary chart (every dimension has one).

    Attributes
    ----------
    timeline : str or None
        The panel of the per-minute timeline that shows it (a name in
        ``voicecoach.report.charts.PANELS``: "pace", "volume", "pitch"); None: no panel of its own.
    """

    timeline: str | None = None


@dataclass(frozen=True)
class Dimension:
    """One dimension of delivery, declared once.

    Attributes
    ----------
    name : str
        Lower-case identifier: the targets section, report.json, store and export name.
    label, rule : Text
        Its name on reports (context "dimension"), and the customer-service guide rule its tips serve.
    headline : str
        Target key of the figure shown as the dimension's value (same on every recording).
    judge : callable
        ``(rubric, measures, targets) -> DimensionResult``: how it is scored (scoring.judge
        does the banding; the function picks the figures and moments).
    measures : callable
        ``Analysis -> measures``: the dimension's measures, a frozen dataclass whose
        ``to_dict()`` is its section of report.json's ``measures`` and whose attributes hold
        its figures (``Figure.field``).
    figures : tuple of Figure
        Whole-recording figures kept in the store and exported.
    criteria : tuple of Criterion
        Every target key a verdict may rest on.
    tips : Mapping[str, Text]
        Verdict -> tip; "within" is required (a verdict without a tip gets it).
    verdicts : Mapping[str, Text]
        Names of its own verdict words (context "verdict").
    moments : Mapping[str, Text]
        Names of the kinds of moment it points at (context "moment").
    doubted_by : tuple of str
        Reasons (``scoring.UNCERTAIN_REASONS``) that make it "uncertain".
    chart : Chart
    contrasts : tuple of Contrast
        Whole-recording figures the trainer comparison sets against the benchmark's.
    sentence_contrast : Contrast or None
        The figure it compares sentence by sentence.
    changes : Mapping[str, Text]
        What the trainee should change (keys of the contrasts' ``changes``).
    targets : Mapping[str, Mapping]
        Default targets of a dimension that ``data/targets.toml`` does not hold: name ->
        ``{"min"/"max"/"value", "falloff", "unit", "reason", "source"}`` (TOML fields).
    weight : float or None
        Its default weight in the overall score, when ``data/targets.toml`` has none.
    applies_to : tuple of str
        The inputs (``INPUTS``) it is measured on. A dimension that does not apply to an input
        is absent from its results: no card, chart row, report.json section, store or export
        column (:func:`registered` lists the dimensions of one input). A call-only dimension's
        ``measures`` receives the :class:`~voicecoach.conversation.analyze.CallAnalysis`.
    """

    name: str
    label: Text
    rule: Text
    headline: str
    judge: Judge
    measures: Callable[[Any], Any]
    figures: tuple[Figure, ...]
    criteria: tuple[Criterion, ...]
    tips: Mapping[str, Text]
    verdicts: Mapping[str, Text] = field(default_factory=dict)
    moments: Mapping[str, Text] = field(default_factory=dict)
    doubted_by: tuple[str, ...] = ()
    chart: Chart = Chart()
    contrasts: tuple[Contrast, ...] = ()
    sentence_contrast: Contrast | None = None
    changes: Mapping[str, Text] = field(default_factory=dict)
    targets: Mapping[str, Mapping] = field(default_factory=dict)
    weight: float | None = None
    applies_to: tuple[str, ...] = ("take",)

    def applies(self, kind: str | None) -> bool:
        """Whether it is measured on ``kind`` of input (``INPUTS``); None: any."""
        return kind is None or kind in self.applies_to

    @property
    def rubric(self) -> Rubric:
        return Rubric(self.name, self.headline, MappingProxyType({c.key: (c.below, c.above) for c in self.criteria}))

    @property
    def headline_figure(self) -> Figure | None:
        """The stored figure judged against the headline target (the QA summary plots it)."""
        return next((f for f in self.figures if f.target == self.headline), None)

    def assess(self, m: MeasureSet, targets: Targets) -> DimensionResult:
        return self.judge(self.rubric, m, targets)


_REGISTRY: dict[str, Dimension] = {}


def register(dimension: Dimension) -> Dimension:
    """Add a dimension (after those registered before it); returns it.

    Raises
    ------
    ValueError
        A name or figure key already taken, a target key outside its own section, a text
        missing a language, or no "within" tip.
    """
    d = dimension
    if d.name in _REGISTRY:
        raise UsageError(f"dimension {d.name!r} is already registered")
    if not d.name.isidentifier() or d.name != d.name.lower():
        raise UsageError(f"dimension name {d.name!r} must be a lower-case identifier")
    taken = {f.key for other in _REGISTRY.values() for f in other.figures}
    clash = [f.key for f in d.figures if f.key in taken]
    if clash:
        raise UsageError(f"dimension {d.name!r}: figure key(s) {', '.join(clash)} already belong to another dimension")
    keys = [d.headline] + [c.key for c in d.criteria] + [f.target for f in d.figures if f.target]
    outside = [k for k in keys if not k.startswith(d.name + ".")]
    if outside:
        raise UsageError(f"dimension {d.name!r}: target key(s) {', '.join(outside)} must start with '{d.name}.'")
    texts = [d.label, d.rule, *d.tips.values(), *d.verdicts.values(), *d.moments.values(), *(c.label for c in d.criteria),
             *d.changes.values(), *(c.label for c in d.contrasts),
             *((d.sentence_contrast.column, d.sentence_contrast.threshold_label) if d.sentence_contrast else ())]
    if any(not t if isinstance(t, str) else any(not t.get(lang) for lang in LANGS) for t in texts):
        raise UsageError(f"dimension {d.name!r}: every label, tip and name needs {' and '.join(LANGS)} (or one English source string, translated by the catalogues)")
    own = {f.key for f in d.figures}
    if any(c.key not in own for c in d.contrasts) or any(k not in d.changes for c in (*d.contrasts, d.sentence_contrast) if c for k in c.changes.values()):
        raise UsageError(f"dimension {d.name!r}: a contrast names a figure it does not keep or a change it does not describe")
    if not d.applies_to or any(k not in INPUTS for k in d.applies_to):
        raise UsageError(f"dimension {d.name!r}: applies_to must name one or more of {', '.join(INPUTS)}; got {d.applies_to!r}")
    if "within" not in d.tips:
        raise UsageError(f"dimension {d.name!r} needs a tip for the verdict 'within'")
    if d.targets or d.weight is not None:
        register_defaults(d.name, d.targets, d.weight)
    _REGISTRY[d.name] = d
    return d


def unregister(name: str) -> None:
    """Remove a dimension registered with :func:`register` (tests; plug-ins being unloaded)."""
    _REGISTRY.pop(name)
    unregister_defaults(name)


@contextlib.contextmanager
def registered_for(dimension: Dimension) -> Iterator[Dimension]:
    """Register ``dimension`` for the ``with`` block only."""
    register(dimension)
    try:
        yield dimension
    finally:
        unregister(dimension.name)


def registered(kind: str | None = "take") -> tuple[Dimension, ...]:
    """The dimensions measured on ``kind`` of input (``INPUTS``; None: every one), in report order.

    The default is the single-sided take, what every report, score and chart of one recording
    shows; the QA layer asks for ``"call"`` (or None, to store and read any row).
    """
    return tuple(d for d in _REGISTRY.values() if d.applies(kind))


def names(kind: str | None = "take") -> tuple[str, ...]:
    return tuple(d.name for d in registered(kind))


def get(name: str) -> Dimension:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no dimension {name!r}; registered: {', '.join(_REGISTRY)}") from None


def figures(kind: str | None = "take") -> tuple[tuple[Dimension, Figure], ...]:
    """Every stored figure of the dimensions of ``kind`` (see :func:`registered`) with its dimension, in report order."""
    return tuple((d, f) for d in registered(kind) for f in d.figures)


def criterion(key: str) -> Criterion | None:
    """The criterion of a target key (None for quality checks and unknown keys)."""
    d = _REGISTRY.get(key.split(".", 1)[0])
    return next((c for c in d.criteria if c.key == key), None) if d else None


def verdict_text(word: str) -> Text | None:
    """A dimension's name for one of its verdict words (the first dimension that has it)."""
    return next((d.verdicts[word] for d in _REGISTRY.values() if word in d.verdicts), None)


def moment_text(kind: str) -> Text | None:
    return next((d.moments[kind] for d in _REGISTRY.values() if kind in d.moments), None)


def change_text(key: str) -> Text | None:
    """What a comparison change asks of the trainee (the dimension that describes it)."""
    return next((d.changes[key] for d in _REGISTRY.values() if key in d.changes), None)

