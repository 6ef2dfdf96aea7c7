"""The dimension registry: every dimension of delivery is declared here, once.

A :class:`Dimension` says everything the rest of voicecoach needs to know of it: its name,
the figures it keeps (store, export, report.json) with their units, the target keys it is
judged on and the verdict words for a value below or above each band, the function that
judges it, its label, guide rule, tips and verdict names in every report language, and its
chart. Scoring, advice, the result store, the export, the QA summary, the charts, the
trainer comparison and report.json all read :func:`registered`; a new dimension is one
:func:`register` call (see the README, "Adding a dimension")::

    register(Dimension(name="warmth", label={"zh": "亲和力", "en": "Warmth"}, ...))

The six built-in dimensions are declared at the end of this module, in the order reports
show them. Their default targets live in ``data/targets.toml`` with each target's reason and
source; a dimension registered later brings its own (``Dimension.targets``, ``weight``).

Names: the dimension is "volume" everywhere a user or a file sees it (targets, report.json,
store, export); ``loudness`` is the name of the measuring module and of the Analysis field
that holds its measures (:mod:`voicecoach.measures.loudness`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from voicecoach.judge import judges
from voicecoach.judge.judges import MeasureSet
from voicecoach.judge.scoring import DimensionResult, Rubric
from voicecoach.judge.targets import Targets, register_defaults, unregister_defaults

LANGS = ("zh", "en")
Text = Mapping[str, str]
"""A text in every report language: ``{"zh": ..., "en": ...}``."""

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
        What the figure is, in every report language.
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
        Its name on the comparison page (whole recordings).
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
        Sentences: the column's heading on the comparison page, and the threshold's name.
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
        Its name on reports, and the customer-service guide rule its tips serve.
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
        Names of its own verdict words.
    moments : Mapping[str, Text]
        Names of the kinds of moment it points at.
    doubted_by : tuple of str
        Reasons (``scoring.UNCERTAIN_REASONS``) that make it "uncertain".
    chart : Chart
    contrasts : tuple of Contrast
        Whole-recording figures the trainer comparison sets against the benchmark's.
    sentence_contrast : Contrast or None
        The figure it compares sentence by sentence.
    changes : Mapping[str, Text]
        What the trainee should change (keys of the contrasts' ``changes``), in every language.
    targets : Mapping[str, Mapping]
        Default targets of a dimension that ``data/targets.toml`` does not hold: name ->
        ``{"min"/"max"/"value", "falloff", "unit", "reason", "source"}`` (TOML fields).
    weight : float or None
        Its default weight in the overall score, when ``data/targets.toml`` has none.
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
        raise ValueError(f"dimension {d.name!r} is already registered")
    if not d.name.isidentifier() or d.name != d.name.lower():
        raise ValueError(f"dimension name {d.name!r} must be a lower-case identifier")
    taken = {f.key for other in _REGISTRY.values() for f in other.figures}
    clash = [f.key for f in d.figures if f.key in taken]
    if clash:
        raise ValueError(f"dimension {d.name!r}: figure key(s) {', '.join(clash)} already belong to another dimension")
    keys = [d.headline] + [c.key for c in d.criteria] + [f.target for f in d.figures if f.target]
    outside = [k for k in keys if not k.startswith(d.name + ".")]
    if outside:
        raise ValueError(f"dimension {d.name!r}: target key(s) {', '.join(outside)} must start with '{d.name}.'")
    texts = [d.label, d.rule, *d.tips.values(), *d.verdicts.values(), *d.moments.values(), *(c.label for c in d.criteria),
             *d.changes.values(), *(c.label for c in d.contrasts),
             *((d.sentence_contrast.column, d.sentence_contrast.threshold_label) if d.sentence_contrast else ())]
    if any(not t.get(lang) for t in texts for lang in LANGS):
        raise ValueError(f"dimension {d.name!r}: every label, tip and name needs {' and '.join(LANGS)}")
    own = {f.key for f in d.figures}
    if any(c.key not in own for c in d.contrasts) or any(k not in d.changes for c in (*d.contrasts, d.sentence_contrast) if c for k in c.changes.values()):
        raise ValueError(f"dimension {d.name!r}: a contrast names a figure it does not keep or a change it does not describe")
    if "within" not in d.tips:
        raise ValueError(f"dimension {d.name!r} needs a tip for the verdict 'within'")
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


def registered() -> tuple[Dimension, ...]:
    """Every dimension, in report order."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get(name: str) -> Dimension:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no dimension {name!r}; registered: {', '.join(_REGISTRY)}") from None


def figures() -> tuple[tuple[Dimension, Figure], ...]:
    """Every stored figure with its dimension, in report order."""
    return tuple((d, f) for d in _REGISTRY.values() for f in d.figures)


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


# ------------------------------------------------------------------------- built-in dimensions

register(Dimension(
    name="pace",
    label={"zh": "语速", "en": "Pace"},
    rule={"zh": "指南 001 §发音训练 1「语速」；000 §2.2.3", "en": "guide 001 §发音训练 1 (pace); 000 §2.2.3"},
    criteria=(
        Criterion("pace.speaking_rate_cps", "too_slow", "too_fast", {"zh": "语速（含停顿）", "en": "speaking rate (pauses included)"}),
        Criterion("pace.articulation_rate_cps", "too_slow", "too_fast", {"zh": "发音速度（不含停顿）", "en": "articulation rate (pauses removed)"}),
    ),
    tips={
        "within": {"zh": "语速合适，客户跟得上也不会着急。遇到重要或客户不熟悉的内容时，可以再放慢一点。", "en": "Your pace is comfortable to follow. Slow down a little more for anything important or unfamiliar to the caller."},
        "too_fast": {"zh": "说得太快，客户容易跟不上，听起来也像在推销。每句话说完停半拍，关键信息（订单号、时间、金额）放慢说。", "en": "You speak too fast: callers lose track and it sounds like a sales pitch. Leave a half-beat after each sentence and slow right down for key details (order numbers, times, amounts)."},
        "too_slow": {"zh": "说得偏慢，客户会觉得拖沓、着急。把每句话想好再开口，句子中间少停顿，保持连贯。", "en": "You speak slowly enough that a caller may grow impatient. Know each sentence before you start it and keep it flowing, with fewer stops inside sentences."},
    },
    verdicts={
        "too_fast": {"zh": "太快", "en": "too fast"},
        "too_slow": {"zh": "太慢", "en": "too slow"},
    },
    headline="pace.speaking_rate_cps",
    judge=judges.judge_pace,
    measures=lambda a: a.pace,
    figures=(
        Figure("speaking_rate_cps", "speaking_rate_cps", "syllables/s", "pace.speaking_rate_cps"),
        Figure("articulation_rate_cps", "articulation_rate_cps", "syllables/s", "pace.articulation_rate_cps"),
        Figure("n_syllables", "n_syllables", "count"),
    ),
    moments={"fast_sentence": {"zh": "语速过快", "en": "too fast"}, "slow_sentence": {"zh": "语速过慢", "en": "too slow"}},
    doubted_by=("little_speech", "low_coverage", "count_disagreement"),
    chart=Chart(timeline="pace"),
    contrasts=(
        Contrast("speaking_rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True, match="ratio",
                 label={"zh": "语速（字/秒，含停顿）", "en": "speaking rate (syllables/s)"}, changes={"faster": "slow_down", "slower": "speed_up"}),
        Contrast("articulation_rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True, match="ratio",
                 label={"zh": "发音速度（字/秒，不含停顿）", "en": "articulation rate (syllables/s)"}),
    ),
    sentence_contrast=Contrast("rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True,
                               changes={"faster": "slow_down", "slower": "speed_up"},
                               column={"zh": "语速 字/秒", "en": "pace /s"}, threshold_label={"zh": "语速", "en": "pace"}),
    changes={
        "slow_down": {"zh": "放慢语速，向培训师的节奏靠拢，尤其是这些句子。", "en": "Slow down to your trainer's pace, above all in these sentences."},
        "speed_up": {"zh": "说得再紧凑一些，不要拖沓，向培训师的节奏靠拢。", "en": "Tighten up: keep the sentences moving, as your trainer does."},
    },
))

register(Dimension(
    name="pauses",
    label={"zh": "停顿", "en": "Pauses"},
    rule={"zh": "指南 001 §发音训练 4「停顿与重音」；000 §6.1.2", "en": "guide 001 §发音训练 4 (pause and stress); 000 §6.1.2"},
    criteria=(
        Criterion("pauses.long_pauses_per_min", "within", "long_pauses", {"zh": "长停顿", "en": "long pauses"}),
        Criterion("pauses.pause_ratio", "few_pauses", "hesitant", {"zh": "停顿占说话时间", "en": "time in pauses"}),
        Criterion("pauses.n_dead_air", "within", "dead_air", {"zh": "冷场（5 秒以上无声）", "en": "dead air (silences ≥ 5 s)"}),
    ),
    tips={
        "within": {"zh": "停顿自然。在说到对客户有利的内容前稍作停顿，能吸引客户注意。", "en": "Your pauses are natural. A short pause just before the caller's benefit draws their attention to it."},
        "long_pauses": {"zh": "有较长的停顿。需要查资料时先告诉客户「请您稍等，我帮您查一下」，不要让电话里没有声音。", "en": 'There are long silences. When you need to look something up, say so first ("One moment please, let me check that for you") rather than going quiet.'},
        "dead_air": {"zh": "出现了长时间的冷场（无人说话）。客户会以为电话断了。查询时每隔几秒说一句进展。", "en": "There is dead air: long silence in which the caller may think the line has dropped. Give a short update every few seconds while you look things up."},
        "few_pauses": {"zh": "句子之间几乎不停，客户没有时间消化。每说完一个意思，停顿一下再继续。", "en": "Sentences run into each other, so the caller has no time to take them in. Pause briefly after each point."},
        "hesitant": {"zh": "停顿偏多，听起来犹豫、不熟练。先熟悉话术，把一句话连起来说完。", "en": "Frequent pauses make you sound unsure. Practise the script until each sentence comes out in one go."},
    },
    verdicts={
        "long_pauses": {"zh": "长停顿多", "en": "long pauses"},
        "dead_air": {"zh": "有冷场", "en": "dead air"},
        "few_pauses": {"zh": "停顿太少", "en": "too few pauses"},
        "hesitant": {"zh": "停顿太多", "en": "hesitant"},
    },
    headline="pauses.long_pauses_per_min",
    judge=judges.judge_pauses,
    measures=lambda a: a.pauses,
    figures=(
        Figure("long_pauses_per_min", "long_pauses_per_min", "1/min", "pauses.long_pauses_per_min"),
        Figure("pause_ratio", "pause_ratio", "0-1", "pauses.pause_ratio"),
    ),
    moments={"long_pause": {"zh": "长停顿", "en": "long pause"}, "dead_air": {"zh": "冷场", "en": "dead air"}},
    doubted_by=(),
    chart=Chart(),  # drawn in the volume panel of the timeline
    contrasts=(
        Contrast("pause_ratio", "ratio", "more_pauses", "fewer_pauses", label={"zh": "停顿占比", "en": "share of time in pauses"}),
    ),
    sentence_contrast=Contrast("pause_before_s", "s", "longer_pause", "shorter_pause", "compare.pause_s",
                               changes={"shorter_pause": "pause_more", "longer_pause": "pause_less"}, cell="{:.2f}",
                               column={"zh": "句前停顿 秒", "en": "pause before s"}, threshold_label={"zh": "句前停顿", "en": "pause before"}),
    changes={
        "pause_more": {"zh": "在这些句子前像培训师一样停顿一下，给客户消化的时间。", "en": "Pause before these sentences as your trainer does, to give the caller time."},
        "pause_less": {"zh": "这些句子前的停顿太长，接得更连贯一些。", "en": "Your pauses before these sentences are too long; join them up more."},
    },
))

register(Dimension(
    name="volume",
    label={"zh": "音量", "en": "Volume"},
    rule={"zh": "指南 001 §发音训练 2「音量」；004 §(二)", "en": "guide 001 §发音训练 2 (volume); 004 §(二)"},
    criteria=(
        Criterion("volume.active_level_dbov", "too_quiet", "too_loud", {"zh": "有效语音电平", "en": "active speech level"}),
        Criterion("volume.level_variation_db", "within", "uneven", {"zh": "音量起伏", "en": "level variation"}),
        Criterion("volume.snr_db", "noisy", "within", {"zh": "信噪比", "en": "speech over background noise"}),
        Criterion("volume.clipped_ratio", "within", "clipped", {"zh": "削波采样比例", "en": "clipped samples"}),
    ),
    tips={
        "within": {"zh": "音量合适，客户听得清也不费力。", "en": "Your volume is right: easy to hear without effort."},
        "too_quiet": {"zh": "声音偏小，会拉远和客户的距离。把麦克风放在嘴边一到两指宽的位置，说话时面向麦克风。", "en": "You are too quiet, which puts distance between you and the caller. Place the microphone one to two finger-widths from your mouth and speak towards it."},
        "too_loud": {"zh": "声音偏大，客户听着累，还会带进喘气声和打字声。稍微放轻，或把麦克风移到嘴角一侧。", "en": "You are too loud: tiring for the caller, and it carries your breathing and typing. Speak a little softer or move the microphone to the side of your mouth."},
        "uneven": {"zh": "音量忽大忽小。保持坐姿和麦克风位置不变，句尾不要越说越轻。", "en": "Your volume rises and falls. Keep your posture and microphone position steady and don't let sentence ends fade away."},
        "noisy": {"zh": "背景噪声或呼吸声偏大。检查麦克风位置（不要对着鼻子），关闭风扇等噪声源，打字时放轻。", "en": "Background noise or breathing is loud relative to your voice. Check the microphone position (not under your nose), switch off noise sources and type quietly."},
        "clipped": {"zh": "录音有削波失真（声音爆了）。把麦克风增益调低，或离麦克风远一点。", "en": "The recording clips (distorts at the peaks). Turn the microphone gain down or move back from it a little."},
    },
    verdicts={
        "too_quiet": {"zh": "太小声", "en": "too quiet"},
        "too_loud": {"zh": "太大声", "en": "too loud"},
        "uneven": {"zh": "忽大忽小", "en": "uneven"},
        "noisy": {"zh": "噪声大", "en": "noisy"},
        "clipped": {"zh": "削波失真", "en": "clipped"},
    },
    headline="volume.active_level_dbov",
    judge=judges.judge_volume,
    measures=lambda a: a.loudness,
    figures=(
        Figure("active_level_dbov", "active_level_dbov", "dBov (ITU-T P.56)", "volume.active_level_dbov"),
        Figure("snr_db", "snr_db", "dB", "volume.snr_db"),
        Figure("level_variation_db", "level_variation_db", "dB", "volume.level_variation_db"),
    ),
    moments={"quiet_phrase": {"zh": "音量偏低", "en": "quiet"}},
    doubted_by=(),
    chart=Chart(timeline="volume"),
    contrasts=(
        Contrast("active_level_dbov", "dBov", "louder", "quieter", "compare.level_db", match="threshold",
                 label={"zh": "有效语音电平（dBov）", "en": "active speech level (dBov)"}, changes={"quieter": "speak_up", "louder": "speak_softer"}),
    ),
    sentence_contrast=Contrast("level_dbov", "dBov", "louder", "quieter", "compare.level_db", changes={"quieter": "speak_up", "louder": "speak_softer"},
                               column={"zh": "音量 dBov", "en": "level dBov"}, threshold_label={"zh": "音量", "en": "level"}),
    changes={
        "speak_up": {"zh": "这些句子说得比培训师轻，声音再饱满一些。", "en": "You are quieter than your trainer here: give these sentences more voice."},
        "speak_softer": {"zh": "这些句子比培训师响，稍微收一点音量。", "en": "You are louder than your trainer here: bring the volume down a little."},
    },
))

register(Dimension(
    name="pitch",
    label={"zh": "语调", "en": "Pitch"},
    rule={"zh": "指南 001 §发音训练 3「声高/语调」；000 §2.2.4", "en": "guide 001 §发音训练 3 (pitch and intonation); 000 §2.2.4"},
    criteria=(
        Criterion("pitch.range_st", "flat", "within", {"zh": "音高变化范围", "en": "pitch range"}),
        Criterion("pitch.monotone_ratio", "within", "monotone", {"zh": "单调段占比", "en": "speech in monotone stretches"}),
        Criterion("pitch.position_ratio", "low_in_range", "high_in_range", {"zh": "音高在自己音域中的位置", "en": "pitch position in your range"}),
    ),
    tips={
        "within": {"zh": "语调有起伏，听起来亲切自然。", "en": "Your pitch rises and falls naturally; you sound warm and engaged."},
        "flat": {"zh": "语调偏平，听起来冷淡、没精神。读话术时把关键词读得稍高一点，问句句尾上扬，微笑着说。", "en": "Your pitch is flat, which sounds cold or bored. Lift key words a little, let questions rise at the end, and smile while you talk."},
        "monotone": {"zh": "有几段话语调没有变化。注意在这些地方加入起伏，强调对客户重要的词。", "en": "Some stretches have no pitch movement at all. Add rise and fall there and stress the words that matter to the caller."},
        "low_in_range": {"zh": "说话的音高偏向你自己音域的低端，听起来沉闷。坐直、放松，让自然音落在音域中间。", "en": "Your speaking pitch sits near the bottom of your own range, which sounds heavy. Sit up, relax, and let your natural voice settle in the middle of your range."},
        "high_in_range": {"zh": "说话的音高偏向你自己音域的高端，听起来紧张。放慢呼吸，让自然音落在音域中间。", "en": "Your speaking pitch sits near the top of your own range, which sounds tense. Breathe calmly and let your natural voice settle in the middle of your range."},
    },
    verdicts={
        "flat": {"zh": "语调平", "en": "flat"},
        "monotone": {"zh": "有单调段", "en": "monotone stretches"},
        "low_in_range": {"zh": "音高偏低", "en": "low in range"},
        "high_in_range": {"zh": "音高偏高", "en": "high in range"},
    },
    headline="pitch.range_st",
    judge=judges.judge_pitch,
    measures=lambda a: a.pitch,
    figures=(
        Figure("median_f0_hz", "median_f0_hz", "Hz"),
        Figure("pitch_range_st", "range_st", "semitones (10-90 %)", "pitch.range_st"),
        Figure("monotone_ratio", "monotone_ratio", "0-1", "pitch.monotone_ratio"),
    ),
    moments={"monotone": {"zh": "语调平", "en": "monotone"}},
    doubted_by=("little_speech",),
    chart=Chart(timeline="pitch"),
    contrasts=(
        Contrast("pitch_range_st", "st", "livelier", "flatter", "compare.pitch_range_st", match="floor",
                 label={"zh": "音高范围（半音）", "en": "pitch range (st)"}, changes={"flatter": "more_pitch"}),
    ),
    sentence_contrast=Contrast("pitch_range_st", "st", "livelier", "flatter", "compare.pitch_range_st", changes={"flatter": "more_pitch"},
                               column={"zh": "音高范围 半音", "en": "pitch range st"}, threshold_label={"zh": "音高范围", "en": "pitch range"}),
    changes={
        "more_pitch": {"zh": "这些句子语调比培训师平，加入更多起伏。", "en": "Your pitch is flatter than your trainer's here: let it rise and fall more."},
    },
))

register(Dimension(
    name="articulation",
    label={"zh": "吐字", "en": "Articulation"},
    rule={"zh": "指南 001 §发音训练 4「音准」；000 §4.3.1", "en": "guide 001 §发音训练 4 (articulation); 000 §4.3.1"},
    criteria=(
        Criterion("articulation.low_confidence_ratio", "within", "unclear", {"zh": "不清楚音节比例", "en": "unclear syllables"}),
    ),
    tips={
        "within": {"zh": "吐字清楚。", "en": "Your words come across clearly."},
        "unclear": {"zh": "有些地方听不清。咬字要清楚，通话时不要吃东西、喝水或边说边找东西；语速快的地方放慢。", "en": "Some passages are hard to make out. Articulate each word, don't eat, drink or rummage while talking, and slow down where you rush."},
    },
    verdicts={
        "unclear": {"zh": "不够清楚", "en": "unclear"},
    },
    headline="articulation.low_confidence_ratio",
    judge=judges.judge_articulation,
    measures=lambda a: a.articulation,
    figures=(Figure("low_confidence_ratio", "low_confidence_ratio", "0-1", "articulation.low_confidence_ratio"),),
    moments={"unclear": {"zh": "不清楚", "en": "unclear"}, "omitted": {"zh": "漏说", "en": "omitted"}, "added": {"zh": "多说", "en": "added"}},
    doubted_by=("low_coverage",),
    chart=Chart(),
    contrasts=(
        Contrast("low_confidence_ratio", "ratio", "less_clear", "clearer", label={"zh": "不清楚音节比例", "en": "share of unclear syllables"}),
    ),
    sentence_contrast=Contrast("mean_confidence", "probability", "clearer", "less_clear", "compare.confidence", changes={"less_clear": "articulate"},
                               cell="{:.0%}", column={"zh": "清晰度", "en": "clarity"}, threshold_label={"zh": "清晰度", "en": "clarity"}),
    changes={
        "articulate": {"zh": "这些句子不如培训师清楚，放慢一点，把每个字咬清楚。", "en": "These sentences are less clear than your trainer's: slow a little and articulate each word."},
    },
))

register(Dimension(
    name="drawl",
    label={"zh": "拉长尾音", "en": "Trailing drawl"},
    rule={"zh": "指南 001 §发音训练 4「句尾不拉长尾音」", "en": "guide 001 §发音训练 4 (no trailing drawl)"},
    criteria=(
        Criterion("drawl.flagged_ratio", "within", "drawled", {"zh": "拖音句尾比例", "en": "drawled phrase endings"}),
    ),
    tips={
        "within": {"zh": "句尾干脆，没有拉长尾音。", "en": "Your sentence endings are crisp, with no drawl."},
        "drawled": {"zh": "句尾拖长（拉长尾音），客户会以为你话还没说完。最后一个字说完就收，不要拖音。", "en": "You drag out the last syllable of sentences, which makes the caller think more is coming. Finish the last word cleanly and stop."},
    },
    verdicts={
        "drawled": {"zh": "拖音", "en": "drawled"},
    },
    headline="drawl.flagged_ratio",
    judge=judges.judge_drawl,
    measures=lambda a: a.drawl,
    figures=(Figure("drawl_flagged_ratio", "flagged_ratio", "0-1", "drawl.flagged_ratio"),),
    moments={"drawl": {"zh": "拉长尾音", "en": "drawl"}},
    doubted_by=("low_coverage",),
    chart=Chart(),  # drawn in the pitch panel of the timeline
    contrasts=(
        Contrast("drawl_flagged_ratio", "ratio", "more_drawl", "less_drawl", label={"zh": "拖音句尾比例", "en": "share of drawled endings"}),
    ),
    sentence_contrast=Contrast("final_ratio", "ratio", "longer_ending", "shorter_ending", "compare.final_ratio", audible_from="drawl.final_ratio",
                               changes={"longer_ending": "shorter_endings"}, cell="{:.1f}×",
                               column={"zh": "句尾长度", "en": "ending"}, threshold_label={"zh": "句尾长度（正常字长的倍数）", "en": "ending (times a typical syllable)"}),
    changes={
        "shorter_endings": {"zh": "这些句子的句尾拖得比培训师长，最后一个字说完就收。", "en": "Your sentence endings drag longer than your trainer's: stop cleanly on the last word."},
    },
))
