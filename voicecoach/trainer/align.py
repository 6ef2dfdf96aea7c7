"""Pair two takes by content: Levenshtein alignment of their syllables (rapidfuzz), gaps slid
to sentence starts, and a map from the trainee's time to the benchmark's."""

from __future__ import annotations

import numpy as np

from voicecoach.analysis import Analysis


def alignment(a: Analysis, b: Analysis) -> tuple[np.ndarray, float]:
    """For each benchmark syllable the index of the trainee syllable it matches (-1: none),
    and the share of benchmark syllables matched identically."""
    from rapidfuzz.distance import Levenshtein

    ta, tb = [c.text for c in a.chars], [c.text for c in b.chars]
    mapping = np.full(len(tb), -1, dtype=int)
    equal = 0
    for op in Levenshtein.opcodes(tb, ta):
        if op.tag == "equal":
            mapping[op.src_start:op.src_end] = np.arange(op.dest_start, op.dest_end)
            equal += op.src_end - op.src_start
        elif op.tag == "replace":
            n = min(op.src_end - op.src_start, op.dest_end - op.dest_start)
            mapping[op.src_start:op.src_start + n] = np.arange(op.dest_start, op.dest_start + n)
    starts = {s.first_char for s in b.segmentation.sentences} | {len(tb)}
    return _slide_gaps(mapping, tb, starts), (equal / len(tb) if tb else 0.0)


def _slide_gaps(mapping: np.ndarray, tb: list[str], starts: set[int]) -> np.ndarray:
    """Move each run of unmatched benchmark syllables onto sentence boundaries where the text
    allows it.

    A left-out stretch has as many equally good places as the syllables repeated at its edges
    (leaving out "您反应...联系您。" after "...帮您" can also be read as leaving out
    "您。您反应...联系"); the edit distance cannot tell them apart, but a trainee leaves out
    whole sentences far more often than a sentence's last syllable and the next one's body.
    """
    from voicecoach.audio.activity import runs

    m = mapping.copy()
    n = len(m)
    on_boundary = lambda a, b: a in starts or b in starts  # noqa: E731
    for s, e in zip(*(r.tolist() for r in runs(mapping < 0))):
        if on_boundary(s, e) or s == 0 or e == n or m[e] != m[s - 1] + 1:
            continue  # already on a boundary, or not a pure deletion between two matches
        left = 0  # the gap may move left while the syllable before it repeats at its end
        while s - left > 0 and m[s - left - 1] >= 0 and tb[s - left - 1] == tb[e - left - 1] and not on_boundary(s - left, e - left):
            left += 1
        right = 0  # and right while the syllable after it repeats at its start
        while e + right < n and m[e + right] >= 0 and tb[s + right] == tb[e + right] and not on_boundary(s + right, e + right):
            right += 1
        shifts = [k for k, ok in ((-left, on_boundary(s - left, e - left)), (right, on_boundary(s + right, e + right))) if k and ok]
        if not shifts:
            continue
        k = min(shifts, key=abs)  # the nearest boundary; left first on a tie
        if k < 0:
            m[e + k:e], m[s + k:s] = m[s + k:s].copy(), -1
        else:
            m[s:s + k], m[e:e + k] = m[e:e + k].copy(), -1
    return m


def time_map(a: Analysis, b: Analysis, mapping: np.ndarray) -> np.ndarray:
    pts = [((a.chars[t].start_s + a.chars[t].end_s) / 2, (b.chars[i].start_s + b.chars[i].end_s) / 2) for i, t in enumerate(mapping) if t >= 0]
    pts = [(0.0, 0.0)] + pts + [(a.duration_s, b.duration_s)]
    out = [pts[0]]
    for p in pts[1:]:
        if p[0] > out[-1][0] and p[1] > out[-1][1]:
            out.append(p)
    return np.array(out)
