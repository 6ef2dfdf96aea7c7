"""Text-level validation of the wording matcher: constructed sentences with known phrases,
recognition errors simulated from pronunciation, precision and recall per rule class.

The recogniser (Whisper base) gets about one character in five wrong, mostly homophones. Here
each character of a constructed transcript is replaced, with probability ``error_rate``, by
another common character: of the same syllable and tone (50 % of errors), the same syllable in
another tone (20 %), a near-homophone syllable (zh/z, n/l, en/eng, ...; 10 %) or any syllable
(20 %), and given a lower recogniser probability;
the matcher must still find the phrases (recall) and find none in sentences that hold none
(precision, false flags). Exact string matching is scored beside it as the baseline.

Used by benchmarks/wording.py (results/wording.md) and tests/test_wording.py (its gates).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pypinyin import Style, lazy_pinyin

from voicecoach.recognize.types import Char
from voicecoach.wording import analyze_wording, load_rules
from voicecoach.wording.match import NEAR_FINALS, NEAR_INITIALS, syllables

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent / "shared" / "audio"))
HAN = re.compile(r"[\u4e00-\u9fff]")

# Carrier text: our own neutral customer-service sentences (none holds a rule's phrase).
CARRIERS = (
    "好的，我这边帮您查询一下订单的物流信息。",
    "您的宽带维修已经安排在明天上午，师傅出发前会先给您打电话。",
    "这个套餐每个月包含二十吉的流量和三百分钟的通话。",
    "我已经把您的情况记录下来了，稍后会有同事跟进处理。",
    "退款会在三到五个工作日内原路返回到您的账户。",
    "麻烦您核对一下收货地址和联系电话是否正确。",
)


def char_pool(texts: list[str]) -> list[str]:
    """Distinct Chinese characters of ``texts`` (the substitutes are drawn from them)."""
    return sorted({c for t in texts for c in t if HAN.match(c)})


def pool_texts() -> list[str]:
    """Common characters: the guide (converted to Simplified) and the real clips' references."""
    import opencc

    conv = opencc.OpenCC("t2s")
    guide = SHARED.parent / "guide" / "sources"
    texts = [conv.convert(p.read_text(encoding="utf-8", errors="ignore")) for p in sorted(guide.glob("*.txt"))] if guide.is_dir() else []
    return texts + list(CARRIERS) + negative_texts()


def negative_texts() -> list[str]:
    """Texts that hold no discouraged or forbidden phrase: the real clips' reference transcripts,
    the TTS script of ../shared/audio/tts and our own sample script."""
    out = list(CARRIERS)
    manifest = SHARED / "real" / "manifest.csv"
    if manifest.exists():
        with manifest.open(encoding="utf-8") as f:
            out += [r["transcript"] for r in csv.DictReader(f) if r.get("transcript")]
    for p in (SHARED / "tts" / "texts.txt", ROOT / "samples" / "scripts" / "service_call.txt"):
        if p.exists():
            out += [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


class ErrorModel:
    """Homophone and near-homophone substitutions drawn from a pool of common characters."""

    def __init__(self, pool: list[str]) -> None:
        self.by_tone3: dict[str, list[str]] = {}
        self.by_bare: dict[str, list[str]] = {}
        for c, s in zip(pool, lazy_pinyin(pool, style=Style.TONE3, neutral_tone_with_five=True)):
            self.by_tone3.setdefault(s, []).append(c)
            self.by_bare.setdefault(s[:-1] if s[-1:].isdigit() else s, []).append(c)
        near = {}
        for a, b in NEAR_INITIALS + NEAR_FINALS:
            near.setdefault(a, []).append(b)
            near.setdefault(b, []).append(a)
        self.near = near
        self.pool = pool

    def substitute(self, c: str, rng: np.random.Generator) -> str:
        s = lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0]
        bare = s[:-1] if s[-1:].isdigit() else s
        same = [x for x in self.by_tone3.get(s, []) if x != c]
        other = [x for x in self.by_bare.get(bare, []) if x != c]
        syl = syllables(c)[0]
        nears = []
        for alt in self.near.get(syl.initial, []):
            nears += self.by_bare.get(alt + syl.final, [])
        for alt in self.near.get(syl.final, []):
            nears += self.by_bare.get(syl.initial + alt, [])
        r = rng.random()
        if r >= 0.8:  # a fifth of the errors are not homophones at all: any other character
            return str(rng.choice(self.pool))
        for choice in ((same, other, nears) if r < 0.5 else (other, same, nears) if r < 0.7 else (nears, same, other)):
            if choice:
                return str(rng.choice(choice))
        return c

    def corrupt(self, text: str, rng: np.random.Generator, error_rate: float) -> tuple[str, list[float]]:
        """``text`` with characters substituted and the recogniser probability of each."""
        out, probs = [], []
        for c in text:
            if HAN.match(c) and rng.random() < error_rate:
                out.append(self.substitute(c, rng))
                probs.append(float(rng.uniform(0.2, 0.75)))
            else:
                out.append(c)
                probs.append(float(rng.uniform(0.7, 0.99)))
        return "".join(out), probs


def to_chars(text: str, probs: list[float] | None = None, *, syllable_s: float = 0.22, pause_s: float = 0.45) -> tuple[Char, ...]:
    """A transcript of ``text``: one syllable every ``syllable_s``, a pause after punctuation."""
    chars: list[Char] = []
    t = 0.3
    for i, c in enumerate(text):
        if not (HAN.match(c) or c.isalnum()):
            if chars:
                last = chars[-1]
                chars[-1] = Char(last.text, last.written, last.start_s, last.end_s, last.probability, last.punct_after + c)
                t += pause_s
            continue
        p = probs[i] if probs is not None else 0.95
        chars.append(Char(c, c, t, t + syllable_s * 0.9, p))
        t += syllable_s
    return tuple(chars)


@dataclass(frozen=True)
class Score:
    """Precision and recall of one rule class."""

    kind: str
    n_true: int
    n_found: int
    n_correct: int

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_true if self.n_true else float("nan")

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_found if self.n_found else float("nan")


def exact_hits(text: str, kind: str, rules) -> list[str]:
    """The baseline: rule ids whose phrase appears character for character."""
    return [r.id for r in rules.of_kind(kind) for p in r.phrases if p in text]


def text_benchmark(*, error_rate: float = 0.2, n_rounds: int = 8, seed: int = 0) -> dict:
    """Recall of each default discouraged/forbidden phrase inside carrier sentences under
    simulated errors, false flags on the negative texts under the same errors, and the exact-
    matching baseline. Returns plain figures (see :func:`format_text_results`)."""
    rules = load_rules()
    model = ErrorModel(char_pool(pool_texts()))
    rng = np.random.default_rng(seed)
    out = {}
    for kind in ("discouraged", "forbidden"):
        n_true = n_found = n_correct = n_exact = 0
        for _ in range(n_rounds):
            for r in rules.of_kind(kind):
                for phrase in r.phrases:
                    pre, post = (CARRIERS[int(i)] for i in rng.integers(0, len(CARRIERS), 2))
                    text = pre + phrase + "，" + post
                    noisy, probs = model.corrupt(text, rng, error_rate)
                    res = analyze_wording(to_chars(noisy, probs), rules)
                    found = [h for h in res.hits if h.kind in ("discouraged", "forbidden")]
                    n_true += 1
                    n_found += len(found)
                    n_correct += int(any(h.rule_id == r.id for h in found))
                    n_exact += int(r.id in exact_hits(noisy, kind, rules))
        out[kind] = {"score": Score(kind, n_true, n_found, n_correct), "exact_recall": n_exact / n_true}
    neg_chars = 0
    false_flags = []
    for _ in range(n_rounds):
        for text in negative_texts():
            noisy, probs = model.corrupt(text, rng, error_rate)
            chars = to_chars(noisy, probs)
            neg_chars += len(chars)
            false_flags += [(h.rule_id, h.heard, text) for h in analyze_wording(chars, rules).hits if h.kind in ("discouraged", "forbidden")]
    out["negative"] = {"n_chars": neg_chars, "false_flags": false_flags, "per_1000_chars": 1000 * len(false_flags) / max(1, neg_chars)}
    return out
