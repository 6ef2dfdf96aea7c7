"""Trainer mode: compare a trainee's take with a benchmark take of the same script.

Both recordings go through :func:`voicecoach.analyze` (same recogniser, same cache). Their
syllables are aligned by content (Levenshtein alignment of the recognised or script text,
rapidfuzz), so recognition errors, skipped or added sentences and different pauses do not
break the pairing. Each benchmark sentence is paired with the stretch of the trainee's take
that matches it, and the two are compared figure by figure; differences a listener would not
hear (thresholds in the ``[compare]`` section of the targets, with sources) are not reported.
The benchmark's own figures can also serve as the trainee's targets ("match your trainer").
"""

from __future__ import annotations

import dataclasses
import os
from types import MappingProxyType
from typing import Sequence

import numpy as np

from voicecoach.wording import Rules, load_rules
from voicecoach import i18n
from voicecoach.i18n import N_
from voicecoach.judge import dimensions
from voicecoach.analysis import Analysis, analyze
from voicecoach.judge.assess import assess
from voicecoach.errors import VoiceCoachError
from voicecoach.measures.sentences import SentenceDetail, span_detail
from voicecoach.judge.scoring import DimensionResult
from voicecoach.judge.targets import Targets, load_targets
from voicecoach.trainer.align import alignment, time_map
from voicecoach.trainer.types import Change, Comparison, Difference, OffTarget, SentencePair, WordingDifference

# What is compared, and how, is declared with each dimension (voicecoach.judge.dimensions:
# ``Dimension.contrasts`` for whole recordings, ``sentence_contrast`` sentence by sentence).


# ------------------------------------------------------------------------------------ entry point


def compare(
    trainee: str | os.PathLike | Analysis,
    benchmark: str | os.PathLike | Analysis | Sequence,
    *,
    lang: str = "zh",
    targets: Targets | str | os.PathLike | None = None,
    phrases: str | os.PathLike | None = None,
    script: str | os.PathLike | None = None,
    scripts_dir: str | os.PathLike | None = None,
    recognizer=None,
    channel: str = "mix",
) -> Comparison:
    """Compare a trainee's recording with one benchmark recording, or a set of takes.

    Parameters
    ----------
    trainee : path-like or Analysis
    benchmark : path-like, Analysis, or a sequence of them
        With several takes, sentences are paired with the take closest in content, and the
        whole-recording benchmark figures are the median over the takes.
    lang : str
        Report language (:func:`voicecoach.i18n.normalize`: "zh", "zh-Hant", "en").
    targets : Targets or path-like, optional
        Targets (including the ``[compare]`` thresholds).
    phrases : Rules or path-like, optional
        An organisation's phrase list (wording rules) for both recordings.
    script : path-like, optional
        The script both read: counts and sentences then come from it.
    recognizer : Recognizer, optional
        Default: :func:`~voicecoach.analyze` builds one for each recording.
    channel : str
        Channel to analyse in both files.

    Raises
    ------
    VoiceCoachError
        When one input is bad: the message names which one.
    """
    tgt = targets if isinstance(targets, Targets) else load_targets(targets)
    lang = i18n.normalize(lang)
    kw = dict(targets=tgt, phrases=load_rules(phrases) if not isinstance(phrases, Rules) else phrases, script=script, scripts_dir=scripts_dir, recognizer=recognizer, lang=lang, channel=channel)
    a = _analyse("trainee", trainee, kw)
    takes = list(benchmark) if isinstance(benchmark, (list, tuple)) else [benchmark]
    if not takes:
        raise VoiceCoachError.of(N_("the benchmark set is empty; give at least one benchmark recording"))
    analyses = [_analyse(f"benchmark {i + 1}" if len(takes) > 1 else "benchmark", b, kw) for i, b in enumerate(takes)]
    alignments = [alignment(a, b) for b in analyses]
    best = int(np.argmax([sim for _, sim in alignments]))
    return _compare(a, analyses[best], alignments[best], analyses, tgt, lang)


def _analyse(role: str, source, kw) -> Analysis:
    if isinstance(source, Analysis):
        return source
    try:
        return analyze(source, **kw)
    except VoiceCoachError as e:
        raise type(e)(f"{role} recording: {e}") from None


def _compare(a: Analysis, b: Analysis, alignment: tuple[np.ndarray, float], takes: list[Analysis], tgt: Targets, lang: str) -> Comparison:
    mapping, similarity = alignment
    same = similarity >= tgt.value("compare.content_similarity")
    pairs = _pairs(a, b, mapping, tgt) if same else ()
    whole = _overall(a, takes, tgt)
    matched, off_target = _match_benchmark(a, takes, tgt, lang)
    changes = _changes(pairs, whole, lang, settled=_settled(matched), refused=_away_from_guide(a, off_target))
    return Comparison(a, b, same, similarity, pairs, whole, changes, matched, time_map(a, b, mapping) if same else np.zeros((0, 2)),
                      tuple(t.loaded.source.path for t in [b] + [t for t in takes if t is not b]), lang, off_target, wording_differences(a, b))


def wording_differences(a: Analysis, b: Analysis) -> tuple[WordingDifference, ...]:
    """The trainee's flagged phrases whose rule the benchmark does not break, and the required
    lines the benchmark says and the trainee leaves out (with a script, only the script's lines)."""
    wa, wb = a.measures.wording, b.measures.wording
    if wa is None or wb is None:
        return ()
    broken = {(h.kind, h.rule_id) for h in wb.hits}
    out = [WordingDifference(h.kind, h.rule_id, h.heard, h.suggest, h.start_s, h.end_s) for h in wa.hits
           if h.kind in ("discouraged", "forbidden", "filler", "pet_phrase") and (h.kind, h.rule_id) not in broken]
    said = {line.rule_id: line for line in wb.lines if line.status == "said"}
    out += [WordingDifference("missing_line", line.rule_id, "", said[line.rule_id].hit.heard if said[line.rule_id].hit else "")
            for line in wa.lines if line.status == "missing" and line.rule_id in said]
    return tuple(out)


def _pairs(a: Analysis, b: Analysis, mapping: np.ndarray, tgt: Targets) -> tuple[SentencePair, ...]:
    out: list[SentencePair] = []
    used = np.zeros(len(a.chars), bool)
    for s in b.sentences:
        span = b.segmentation.sentences[s.index]
        idx = mapping[span.first_char:span.last_char + 1]
        found = idx[idx >= 0]
        ratio = len(found) / len(idx) if len(idx) else 0.0
        if ratio < 0.3:
            out.append(SentencePair(len(out), "missing", s.text, ratio, s, None))
            continue
        first, last = int(found.min()), int(found.max())
        used[first:last + 1] = True
        t = _trainee_span(a, len(out), first, last)
        out.append(SentencePair(len(out), "paired", s.text, ratio, s, t, _differences(t, s, tgt)))
    for first, last in _runs(~used):
        if last - first + 1 >= 4:
            t = _trainee_span(a, len(out), first, last)
            out.append(SentencePair(len(out), "extra", t.text, 0.0, None, t))
    return tuple(out)


def _trainee_span(a: Analysis, index: int, first: int, last: int) -> SentenceDetail:
    """The trainee's figures over characters first..last, with edges taken from the signal
    where the trainee's own phrases begin or end there."""
    start, end = a.chars[first].start_s, a.chars[last].end_s
    for ph in a.segmentation.phrases:
        if ph.first_char == first:
            start = ph.start_s
        if ph.last_char == last:
            end = ph.end_s
    pause = float(a.segmentation.pause_after[first - 1]) if first > 0 else 0.0
    text = "".join(c.text + c.punct_after for c in a.chars[first:last + 1])
    return span_detail(index, start, end, first, last, text, pause, a.chars, activity=a.activity, pitch=a.pitch_track, drawl=a.drawl)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    from voicecoach.audio.activity import runs

    s, e = runs(mask)
    return [(int(x), int(y) - 1) for x, y in zip(s, e)]


def _differences(t: SentenceDetail, b: SentenceDetail, tgt: Targets) -> tuple[Difference, ...]:
    out = []
    for c in (d.sentence_contrast for d in dimensions.registered() if d.sentence_contrast is not None):
        tv, bv = getattr(t, c.key), getattr(b, c.key)
        if not (np.isfinite(tv) and np.isfinite(bv)):
            continue
        thr = tgt.value(c.threshold) if c.threshold else 0.1
        delta = (tv / bv - 1.0) if c.relative and bv > 0 else tv - bv
        audible = abs(delta) >= thr
        if c.audible_from:  # e.g. an ending difference matters only if one of the two is drawled
            audible = audible and max(tv, bv) >= tgt.value(c.audible_from)
        out.append(Difference(c.key, float(tv), float(bv), c.unit, float(delta), thr, bool(audible), c.up if delta > 0 else c.down))
    return tuple(out)


def _median_over(takes: Sequence[Analysis], f) -> float:
    """Median of a figure over the benchmark takes that have it (NaN if none do)."""
    vals = [v for v in (f(t) for t in takes) if np.isfinite(v)]
    return float(np.median(vals)) if vals else float("nan")


def _figure_of(key: str):
    """A function reading a registered whole-recording figure from an Analysis (NaN if undefined)."""
    dim, fig = next((d, f) for d, f in dimensions.figures() if f.key == key)

    def read(a: Analysis) -> float:
        v = getattr(dim.measures(a), fig.field)
        return float("nan") if v is None else float(v)

    return read


def _overall(a: Analysis, takes: list[Analysis], tgt: Targets) -> tuple[Difference, ...]:
    out = []
    for c in (c for d in dimensions.registered() for c in d.contrasts):
        f = _figure_of(c.key)
        tv, bv = f(a), _median_over(takes, f)
        if not (np.isfinite(tv) and np.isfinite(bv)):
            continue
        thr = tgt.value(c.threshold) if c.threshold else 0.1
        delta = (tv / bv - 1.0) if c.relative and bv > 0 else tv - bv
        out.append(Difference(c.key, float(tv), float(bv), c.unit, float(delta), thr, bool(abs(delta) >= thr), c.up if delta > 0 else c.down))
    return tuple(out)


# ---------------------------------------------------------------------------------- advice

CHANGE_TIPS = {  # the changes of no one dimension; each dimension describes its own (Dimension.changes)
    "say_missing": N_("Say the sentences you left out: follow the script through every sentence."),
}


def _change_of(contrasts) -> dict[tuple[str, str], str]:
    """(figure, direction) -> the change it calls for."""
    return {(c.key, direction): change for c in contrasts for direction, change in c.changes.items()}


def _change_tip(key: str, lang: str) -> str:
    text = CHANGE_TIPS.get(key) or dimensions.change_text(key)
    return i18n.text(lang, text) if text else key


def _settled(matched: Sequence[DimensionResult]) -> frozenset[str]:
    """Dimensions the match-your-trainer table calls on target (or cannot judge): no change is
    advised on them, so "what to change" never contradicts the table."""
    return frozenset(d.name for d in matched if d.verdict in ("within", "not_measured", "uncertain"))


def _away_from_guide(a: Analysis, off_target: Sequence[OffTarget]) -> frozenset[str]:
    """Changes that would move the trainee further from the guide where the benchmark is off it.

    There the guide's band is the target; a trainee outside it on the benchmark's side of it
    (a trainer at -46 dBov, a trainee at -38, the guide from -32) differs from the benchmark
    in the direction the guide wants, so copying the benchmark ("speak softer") is refused.
    """
    out = set()
    for o in off_target:
        dim = dimensions.get(o.dimension)
        fig = next((f for f in dim.figures if f.target == o.key), None)
        v = _figure_of(fig.key)(a) if fig is not None else float("nan")
        if not np.isfinite(v):
            continue
        need = 1 if o.guide_min is not None and v < o.guide_min else -1 if o.guide_max is not None and v > o.guide_max else 0
        for c in dim.contrasts + ((dim.sentence_contrast,) if dim.sentence_contrast is not None else ()):
            # the change for "trainee is higher" lowers the value; for "lower" it raises it
            out |= {change for direction, change in c.changes.items() if need == 0 or (direction == c.up) == (need > 0)}
    return frozenset(out)


def _dimension_of_change() -> dict[str, str]:
    """Change key -> the dimension whose contrasts call for it."""
    return {change: d.name for d in dimensions.registered()
            for c in d.contrasts + ((d.sentence_contrast,) if d.sentence_contrast is not None else ())
            for change in c.changes.values()}


def _changes(pairs: Sequence[SentencePair], whole: Sequence[Difference], lang: str, limit: int = 4, *, settled: frozenset[str] = frozenset(),
             refused: frozenset[str] = frozenset()) -> tuple[Change, ...]:
    """The changes that close the largest perceptible gaps to the benchmark, ranked; none on a
    dimension in ``settled`` (already on target), and none in ``refused`` (change keys)."""
    owner = _dimension_of_change()
    weights: dict[str, float] = {}
    where: dict[str, list[tuple[float, int]]] = {}
    total = sum(p.benchmark.n_syllables for p in pairs if p.benchmark) or 1
    by_sentence = _change_of(d.sentence_contrast for d in dimensions.registered() if d.sentence_contrast is not None)
    for p in pairs:
        if p.status == "missing":
            w = 2.0 * p.benchmark.n_syllables / total + 1.0
            weights["say_missing"] = weights.get("say_missing", 0.0) + w
            where.setdefault("say_missing", []).append((w, p.index))
            continue
        drawled = any(d.perceptible and by_sentence.get((d.figure, d.direction)) == "shorter_endings" for d in p.differences)
        for d in p.differences:
            key = by_sentence.get((d.figure, d.direction))
            if key is None or not d.perceptible:
                continue
            if key == "speed_up" and drawled:
                continue  # the sentence is slower because its ending drags: one change, not two
            w = (1.0 + d.excess) * (p.benchmark.n_syllables / total if p.benchmark else 0.0)
            weights[key] = weights.get(key, 0.0) + w
            where.setdefault(key, []).append((w, p.index))
    if not pairs:  # different content: advise from the whole recordings
        by_figure = _change_of(c for dim in dimensions.registered() for c in dim.contrasts)
        for d in whole:
            key = by_figure.get((d.figure, d.direction))
            if key and d.perceptible:
                weights[key] = weights.get(key, 0.0) + 1.0 + d.excess
    weights = {k: w for k, w in weights.items() if owner.get(k) not in settled and k not in refused}
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])[:limit]
    return tuple(
        Change(k, w, _change_tip(k, lang), tuple(i for _, i in sorted(where.get(k, []), reverse=True)[:3]))
        for k, w in ranked
    )


def _match_benchmark(a: Analysis, takes: list[Analysis], tgt: Targets, lang: str) -> tuple[tuple[DimensionResult, ...], tuple[OffTarget, ...]]:
    """Judge the trainee with the benchmark's own figures as the targets, inside the guide's.

    Each matched band is the benchmark's value ± its tolerance, cut to the guide's band: a
    trainee is never asked to leave the guide to sound like the benchmark. Where the
    benchmark's own value lies outside the guide's band, the guide's band stays the target
    and the benchmark is reported as off target on that figure.
    """
    items = dict(tgt.items)
    tol = tgt.value("compare.benchmark_tolerance_ratio")
    off: list[OffTarget] = []
    for dim, c in ((d, c) for d in dimensions.registered() for c in d.contrasts if c.match):
        key = next(f.target for f in dim.figures if f.key == c.key)
        v = _median_over(takes, _figure_of(c.key))
        if not (key and np.isfinite(v)):
            continue
        guide = items[key]
        if (guide.min is not None and v < guide.min) or (guide.max is not None and v > guide.max):
            off.append(OffTarget(dim.name, key, float(v), guide.min, guide.max))
            continue
        width = tol * v if c.match == "ratio" else tgt.value(c.threshold)
        lo, hi = (max(0.0, v - width), None) if c.match == "floor" else (v - width, v + width)
        band = {"min": lo if guide.min is None else max(lo, guide.min),
                "max": hi if guide.max is None else guide.max if hi is None else min(hi, guide.max)}
        items[key] = dataclasses.replace(guide, **band, origin="benchmark", source="the benchmark recording's own figure, inside the guide's band")
    bench = Targets(MappingProxyType(items), tgt.weights, tgt.files + ("<benchmark>",))
    return assess(a.measures, bench, lang=lang), tuple(off)  # the trainee's doubts hold here too
