"""Find phrases in a recognised transcript by pronunciation, tolerating recognition errors.

The recogniser (Whisper base) gets about one character in five wrong, mostly for a homophone
(政策 -> 正册) or a near-homophone. So a phrase is matched on its syllables (pinyin, from
pypinyin) rather than its characters, with an edit distance in which

* the same syllable costs 0, a different tone only ``TONE_COST`` (the neutral tone half of it);
* a near-homophone costs ``NEAR_COST`` per differing part: the initials zh/z, ch/c, sh/s, n/l,
  f/h, l/r and the finals en/eng, in/ing, an/ang, ian/iang, uan/uang that many speakers (and
  the recogniser) merge;
* anything else, a syllable left out, or one put in costs 1;

and a substitution or insertion on a syllable the recogniser itself doubted costs less, in
proportion to its probability (``0.5 + 0.5 p``: a syllable heard with p = 0 costs half). A phrase
of m syllables is found where the distance is at most ``tolerance x m`` (approximate substring
search, Sellers 1980, one row of the dynamic programme per phrase syllable, vectorised over the
transcript). Each hit's confidence is its similarity (1 - distance / m) times the recogniser's
mean probability over it.

References
----------
Sellers, P. H. (1980). The theory and computation of evolutionary distances: pattern
recognition. Journal of Algorithms 1(4), 359-373.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
from pypinyin import Style, lazy_pinyin, pinyin

TONE_COST = 0.2
NEAR_COST = 0.3
NEAR_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"), ("l", "r"))
NEAR_FINALS = (("en", "eng"), ("in", "ing"), ("an", "ang"), ("ian", "iang"), ("uan", "uang"))
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w")


@dataclass(frozen=True)
class Syllable:
    """A syllable's parts: initial ('' for none), final, tone (1-4, 5 neutral; 0 not Chinese)."""

    initial: str
    final: str
    tone: int


def _split(token: str, char: str) -> Syllable:
    if not token or not token[-1].isdigit() or not token[0].isalpha():
        return Syllable("", "#" + char, 0)  # not a Chinese syllable: matches itself only
    tone, body = int(token[-1]), token[:-1]
    initial = next((i for i in _INITIALS if body.startswith(i) and len(body) > len(i)), "")
    return Syllable(initial, body[len(initial):], tone)


@lru_cache(maxsize=4096)
def syllables(text: str) -> tuple[Syllable, ...]:
    """The syllables of a text (a rule's phrase), one per character, punctuation and spaces
    left out. Polyphones are read in context (pypinyin's phrase dictionary): 还是 hai2, 还钱 huan2.
    """
    chars = [c for c in text if not c.isspace() and c.isalnum()]
    tokens = lazy_pinyin("".join(chars), style=Style.TONE3, neutral_tone_with_five=True, errors=lambda s: list(s))
    if len(tokens) != len(chars):  # pypinyin joined something: one character at a time
        tokens = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda s: list(s))[0] for c in chars]
    return tuple(_split(t, c) for t, c in zip(tokens, chars))


MAX_READINGS = 3


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[Syllable, ...]:
    """Every reading of one recognised character (at most ``MAX_READINGS``, the commonest first).

    A transcript's characters are read out of context, each with all its readings, and a phrase
    syllable matches the closest one: the recogniser's character may stand for any of them,
    and reading a 10-minute transcript in context would take longer than the whole search.
    """
    if not char.isalnum():
        return (Syllable("", "#" + char, 0),)
    tokens = pinyin(char, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True, errors=lambda s: [[c] for c in s])[0]
    return tuple(_split(t, char) for t in tokens[:MAX_READINGS]) or (Syllable("", "#" + char, 0),)


@lru_cache(maxsize=None)
def _near(table: tuple[tuple[str, str], ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, b in table:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def syllable_cost(a: Syllable, b: Syllable) -> float:
    """Substitution cost of ``b`` heard for ``a``, 0..1 (see the module notes)."""
    if a == b:
        return 0.0
    parts = 0.0
    for x, y, table in ((a.initial, b.initial, NEAR_INITIALS), (a.final, b.final, NEAR_FINALS)):
        if x != y:
            if y not in _near(table).get(x, ()):
                return 1.0
            parts += NEAR_COST
    if a.tone != b.tone:
        if a.tone == 0 or b.tone == 0:
            return 1.0
        parts += TONE_COST / 2 if 5 in (a.tone, b.tone) else TONE_COST
    return min(1.0, parts)


class _Parts:
    """Initials and finals as small integers, and which pairs are near (grows as finals are met)."""

    def __init__(self) -> None:
        self.initials: dict[str, int] = {}
        self.finals: dict[str, int] = {}

    def ids(self, s: Syllable) -> tuple[int, int, int]:
        return (self.initials.setdefault(s.initial, len(self.initials)), self.finals.setdefault(s.final, len(self.finals)), s.tone)

    def near(self, table: tuple[tuple[str, str], ...], ids: dict[str, int], part: str) -> np.ndarray:
        """Ids of the parts near ``part``."""
        return np.array([ids[x] for x in _near(table).get(part, ()) if x in ids], dtype=np.int64)


@dataclass(frozen=True)
class Match:
    """One approximate occurrence: transcript syllables ``start`` .. ``end - 1``.

    Attributes
    ----------
    start, end : int
        Index range into the searched syllables.
    distance : float
        Weighted edit distance (see the module notes).
    similarity : float
        1 - distance / phrase length, 0..1.
    """

    start: int
    end: int
    distance: float
    similarity: float


class SyllableIndex:
    """A transcript's syllables, ready to search for many phrases.

    Parameters
    ----------
    texts : sequence of str
        One character per spoken syllable (``Char.text``).
    probabilities : sequence of float
        The recogniser's probability of each, 0..1 (1 for a script's own syllables).
    """

    def __init__(self, texts: Sequence[str], probabilities: Sequence[float]) -> None:
        if len(texts) != len(probabilities):
            raise ValueError(f"{len(texts)} syllables but {len(probabilities)} probabilities; give one probability per syllable")
        self.texts = tuple(texts)
        vocab = {t: i for i, t in enumerate(dict.fromkeys(self.texts))}
        self._ids = np.array([vocab[t] for t in self.texts], dtype=np.int64)
        parts = _Parts()
        read = [readings(t) for t in vocab]
        grid = np.zeros((3, len(vocab), MAX_READINGS), dtype=np.int64)
        for k, rs in enumerate(read):
            for r in range(MAX_READINGS):
                grid[:, k, r] = parts.ids(rs[min(r, len(rs) - 1)])
        self._parts, self._grid = parts, grid
        p = np.clip(np.nan_to_num(np.asarray(probabilities, dtype=float), nan=0.0), 0.0, 1.0)
        self.probabilities = p
        self._weight = 0.5 + 0.5 * p
        self._cum_weight = np.concatenate([[0.0], np.cumsum(self._weight)])
        self._rows: dict[Syllable, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def window(self, start: int, end: int) -> "SyllableIndex":
        """The same index over syllables ``start`` .. ``end - 1`` only (nothing read again)."""
        out = object.__new__(SyllableIndex)
        out.texts = self.texts[start:end]
        out._ids, out._parts, out._grid = self._ids[start:end], self._parts, self._grid
        out.probabilities, out._weight = self.probabilities[start:end], self._weight[start:end]
        out._cum_weight = np.concatenate([[0.0], np.cumsum(out._weight)])
        out._rows = {}
        return out

    def _vocab_cost(self, s: Syllable) -> np.ndarray:
        """Cost of each distinct transcript character for phrase syllable ``s``: its closest reading."""
        parts = self._parts
        ini, fin, tone = self._grid
        pi, pf = parts.initials.get(s.initial, -1), parts.finals.get(s.final, -2)
        ic = np.where(ini == pi, 0.0, np.where(np.isin(ini, parts.near(NEAR_INITIALS, parts.initials, s.initial)), NEAR_COST, 9.0))
        fc = np.where(fin == pf, 0.0, np.where(np.isin(fin, parts.near(NEAR_FINALS, parts.finals, s.final)), NEAR_COST, 9.0))
        neutral = (tone == 5) | (s.tone == 5)
        tc = np.where(tone == s.tone, 0.0, np.where((tone == 0) | (s.tone == 0), 9.0, np.where(neutral, TONE_COST / 2, TONE_COST)))
        return np.minimum(1.0, ic + fc + tc).min(axis=1)

    def _sub_row(self, s: Syllable) -> np.ndarray:
        row = self._rows.get(s)
        if row is None:
            row = self._rows[s] = self._vocab_cost(s)[self._ids] * self._weight
        return row

    def find(self, phrase: str | Sequence[Syllable], *, tolerance: float) -> list[Match]:
        """Every place ``phrase`` occurs within ``tolerance`` x its length, best first per place.

        Parameters
        ----------
        phrase : str or sequence of Syllable
        tolerance : float
            Distance allowed per phrase syllable, 0..1.

        Returns
        -------
        list of Match
            Non-overlapping, in transcript order.
        """
        pat = syllables(phrase) if isinstance(phrase, str) else tuple(phrase)
        m, n = len(pat), len(self.texts)
        if m == 0 or n == 0:
            return []
        allowed = tolerance * m + 1e-9
        cols = np.arange(n + 1)
        prev = np.zeros(n + 1)  # row 0: the phrase may start anywhere, for free
        prev_start = cols.copy()
        for i, s in enumerate(pat, 1):
            sub = self._sub_row(s)
            diag = prev[:-1] + sub
            up = prev[1:] + 1.0
            e = np.empty(n + 1)
            e_start = np.empty(n + 1, dtype=np.int64)
            e[0], e_start[0] = i * 1.0, 0
            take_diag = diag <= up
            e[1:] = np.where(take_diag, diag, up)
            e_start[1:] = np.where(take_diag, prev_start[:-1], prev_start[1:])
            # insertions (a transcript syllable skipped inside the phrase) run left to right:
            # D[j] = min_k E[k] + W[j] - W[k], W the cumulative insertion cost
            shifted = e - self._cum_weight
            run = np.minimum.accumulate(shifted)
            where = np.maximum.accumulate(np.where(shifted <= run, cols, 0))
            prev = run + self._cum_weight
            prev_start = e_start[where]
        ends = np.flatnonzero(prev[1:] <= allowed) + 1
        out: list[Match] = []
        for j in ends:
            start, d = int(prev_start[j]), float(prev[j])
            if start >= j:
                continue
            if out and start < out[-1].end:  # overlaps the previous place: keep the better one
                if d < out[-1].distance:
                    out[-1] = Match(start, int(j), d, max(0.0, 1.0 - d / m))
                continue
            out.append(Match(start, int(j), d, max(0.0, 1.0 - d / m)))
        return out

    def confidence(self, match: Match) -> float:
        """Similarity x the recogniser's mean probability over the match, 0..1."""
        return float(match.similarity * self.probabilities[match.start:match.end].mean())
