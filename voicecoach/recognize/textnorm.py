"""Text normalisation: simplified script, Chinese punctuation, and spoken syllables.

Pace is counted in *spoken* syllables, not glyphs: in Mandarin one character is one syllable,
but digits, Latin letters and symbols are read aloud too ("24小时" is 二十四小时, five
syllables; "VIP" is three letters). :func:`spoken_units` expands a text into one unit per
spoken syllable, which is what pace, alignment to a script and the benchmarks count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")

SENTENCE_END = "。！？；…"
PHRASE_END = "，、：,;:"
_PUNCT_MAP = {",": "，", "?": "？", "!": "！", ";": "；", ":": "：", ".": "。", "、": "、"}
# Stock phrases Whisper writes over silence or music (faster-whisper issues 127, 521; norms.md).
HALLUCINATIONS = (
    "字幕由", "字幕提供", "Amara", "请不吝点赞", "点赞", "订阅", "转发", "打赏", "谢谢观看", "感谢观看",
    "明镜与点点", "栏目", "优优独播剧场", "YoYo Television",
)


@dataclass(frozen=True)
class SpokenUnit:
    """One spoken syllable of a text.

    Attributes
    ----------
    spoken : str
        The syllable as a Chinese character or letter (``"二"`` for part of "24").
    source : str
        The written token it comes from (``"24"``), for display.
    source_index : int
        Index of the written token in the text's token list.
    """

    spoken: str
    source: str
    source_index: int


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional (or mixed) Chinese to simplified (OpenCC ``t2s``)."""
    return _t2s().convert(text)


def normalize_punctuation(text: str) -> str:
    """ASCII punctuation between Chinese characters to its full-width form."""
    out = []
    for i, ch in enumerate(text):
        if ch in _PUNCT_MAP and ch != "、":
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch == "." and prev.isdigit() and nxt.isdigit():
                out.append(ch)  # a decimal point
                continue
            if ch == ":" and prev.isdigit() and nxt.isdigit():
                out.append(ch)  # a time, 9:30
                continue
            out.append(_PUNCT_MAP[ch])
        else:
            out.append(ch)
    return "".join(out)


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch in "～~·…"


_TOKEN = re.compile(r"\d+(?:[.:]\d+)?%?|[A-Za-z]+|.", re.S)


def written_tokens(text: str) -> list[str]:
    """Split text into written tokens: one CJK char, a number, a Latin word, or one symbol."""
    return _TOKEN.findall(text)


def spoken_units(text: str) -> list[SpokenUnit]:
    """Expand a text into its spoken syllables.

    Parameters
    ----------
    text : str
        Any mix of Chinese characters, digits, Latin letters, punctuation.

    Returns
    -------
    list of SpokenUnit
        One unit per spoken syllable; punctuation and spaces give none.

    Notes
    -----
    Numbers follow common reading: up to 4-digit amounts as cardinals (24 -> 二十四,
    2500 -> 两千五百), years before 年, numbers with a leading zero and numbers of 5 or more
    digits digit by digit (order and phone numbers), decimals with 点, a trailing % as
    百分之. Latin words in capitals are spelt letter by letter (VIP -> 3); other Latin
    words count one syllable per vowel group.
    """
    tokens = written_tokens(text)
    units: list[SpokenUnit] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        for syllable in _spoken(tok, nxt):
            units.append(SpokenUnit(syllable, tok, i))
    return units


def _spoken(tok: str, next_token: str) -> list[str]:
    if len(tok) == 1 and (is_cjk(tok) or "\u3040" <= tok <= "\u30ff"):
        return [tok]
    if tok[0].isdigit():
        return _read_number(tok, next_token)
    if tok[0].isascii() and tok[0].isalpha():
        return _read_latin(tok)
    if tok in "%％":
        return list("百分之")
    if tok in "+＋":
        return ["加"]
    if tok in "#＃":
        return list("井号")
    if tok in "@":
        return ["艾", "特"]
    if tok.isdigit():  # full-width digits
        return _read_number(unicodedata.normalize("NFKC", tok), next_token)
    return []


def _read_number(tok: str, next_token: str) -> list[str]:
    percent = tok.endswith("%")
    core = tok.rstrip("%")
    if ":" in core:  # 9:30 -> 九点三十
        h, m = core.split(":", 1)
        return _cardinal(int(h)) + ["点"] + (_cardinal(int(m)) if int(m) else [])
    if "." in core:
        whole, frac = core.split(".", 1)
        out = _cardinal(int(whole)) + ["点"] + [_DIGITS[int(d)] for d in frac]
    elif core.startswith("0") and len(core) > 1 or len(core) >= 5 or (len(core) == 4 and next_token == "年"):
        out = [_DIGITS[int(d)] for d in core]
    else:
        out = _cardinal(int(core))
    return (list("百分之") + out) if percent else out


def _cardinal(n: int) -> list[str]:
    """Chinese reading of 0 <= n < 10**8 as a list of syllables."""
    if n == 0:
        return ["零"]
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        out = _cardinal(high) + ["万"]
        if low:
            if low < 1000:
                out.append("零")
            out += _cardinal(low)
        return out
    digits = [int(d) for d in str(n)]
    out: list[str] = []
    pending_zero = False
    for pos, d in enumerate(digits):
        unit = _SMALL_UNITS[len(digits) - 1 - pos]
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if d == 2 and unit in ("百", "千"):
            out.append("两")
        elif d == 1 and unit == "十" and pos == 0:
            pass  # 十, not 一十
        else:
            out.append(_DIGITS[d])
        if unit:
            out.append(unit)
    return out


def _read_latin(word: str) -> list[str]:
    if word.isupper() or len(word) <= 2:
        return list(word)  # spelt: V-I-P, O-K
    groups = re.findall(r"[aeiouy]+", word.lower())
    return [word] * max(1, len(groups))
