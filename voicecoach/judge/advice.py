"""Plain-language advice and labels, in Chinese or English, in our own words.

The tips (one per dimension and verdict) and each dimension's labels are declared with the
dimension (:mod:`voicecoach.judge.dimensions`); each tip cites the rule of the customer-service
guide it serves (``../shared/guide``; file numbers and section marks as the guide's README
lists them). Here: the lookups, and the texts that belong to no one dimension (notes on
uncertain and unmeasured dimensions, notices).
"""

from __future__ import annotations

from voicecoach.judge import dimensions

# verdict words every dimension may have; a dimension names its own in its declaration
VERDICT_NAMES = {
    "within": {"zh": "达标", "en": "within target"},
    "uncertain": {"zh": "不确定", "en": "uncertain"},
    "not_measured": {"zh": "未测量", "en": "not measured"},
}

# the quality figures that make a dimension "uncertain" (keys of scoring.QUALITY_WORDS); a
# dimension's own figures are labelled in its declaration (``Dimension.criteria``)
CHECK_LABELS = {
    "quality.covered_ratio": {"zh": "转写覆盖的语音", "en": "speech transcribed"},
    "quality.acoustic_count_ratio": {"zh": "信号音节数 / 转写字数", "en": "signal / transcript syllables"},
    "quality.speech_s": {"zh": "语音时长", "en": "speech time"},
}

# why a dimension is "uncertain" (keys of scoring.UNCERTAIN_REASONS)
UNCERTAIN_NOTES = {
    "little_speech": {
        "zh": "只有 {value:.1f} 秒语音（至少要 {min:g} 秒）：这一项只能粗略参考，不评分，也不计入总分。",
        "en": "Only {value:.1f} s of speech (at least {min:g} s is needed): this is a rough guide only, not scored and not counted in the overall score.",
    },
    "low_coverage": {
        "zh": "转写只覆盖了 {value:.0%} 的语音（至少要 {min:.0%}）：没转写出来的部分没有算进这一项，结果不可靠，不评分，也不计入总分。",
        "en": "The transcript covers only {value:.0%} of the speech (at least {min:.0%} is needed): what it missed is not counted here, so this is unreliable, not scored and not counted in the overall score.",
    },
    "count_disagreement": {
        "zh": "转写数出 {n} 个字，但信号里大约有 {nuclei} 个音节：字数不可靠，语速不评分，也不计入总分。照稿朗读时加上 --script 可以得到可靠的语速。",
        "en": "The transcript counts {n} syllables but the signal shows about {nuclei}: the count is unreliable, so pace is not scored and not counted in the overall score. For a read script, give --script for a reliable pace.",
    },
}

LANGS = ("zh", "en")


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "zh"


def tip(dimension: str, verdict: str, lang: str) -> tuple[str, str]:
    """(tip, rule) for a dimension's verdict in ``lang`` ("zh" or "en")."""
    lang = _lang(lang)
    d = dimensions.get(dimension)
    entry = d.tips.get(verdict) or d.tips["within"]
    return entry[lang], d.rule[lang]


def dimension_name(name: str, lang: str) -> str:
    """A dimension's name on reports (the name itself for one not registered)."""
    return dimensions.get(name).label[_lang(lang)] if name in dimensions.names() else name


def verdict_name(word: str, lang: str) -> str:
    """A verdict word in ``lang``: the shared ones, then the dimensions' own."""
    text = VERDICT_NAMES.get(word) or dimensions.verdict_text(word)
    return text[_lang(lang)] if text else word


def verdict_names(lang: str) -> dict[str, str]:
    """Every verdict word's name in ``lang``."""
    words = list(VERDICT_NAMES) + [w for d in dimensions.registered() for w in d.verdicts]
    return {w: verdict_name(w, lang) for w in words}


def check_label(key: str, lang: str) -> str:
    """What a target key's figure is, in ``lang`` (a dimension's criterion or a quality check)."""
    c = dimensions.criterion(key)
    text = c.label if c is not None else CHECK_LABELS.get(key)
    return text[_lang(lang)] if text else key


def moment_label(kind: str, lang: str) -> str:
    text = dimensions.moment_text(kind)
    return text[_lang(lang)] if text else kind


# why a dimension was not measured (voicecoach.judge.assess writes them in English)
NOT_MEASURED_ZH = {
    "too few syllables were recognised to measure pace": "识别出的字太少，无法计算语速。",
    "less than 2 s of speech": "语音不到 2 秒。",
    "no active speech found": "没有找到有效语音。",
    "less than 1 s of voiced speech": "浊音（有音高的声音）不到 1 秒。",
    "the recogniser could not transcribe any of it": "识别器一个字也没能转写出来。",
    "no syllables were recognised": "没有识别出任何字。",
    "no phrase end followed by a pause was found": "没有找到后面跟着停顿的句尾。",
    "the recogniser could not follow this recording, so the script was laid over the speech: syllable timings and clarity are not known": "识别器跟不上这段录音，字是按稿件均匀分布到语音上的：每个字的时间和清晰度都不知道。",
}


def not_measured_note(note: str, lang: str) -> str:
    """Why a dimension was not measured, in ``lang`` (the English note when no translation is known)."""
    return NOT_MEASURED_ZH.get(note, note) if lang == "zh" else note


def uncertain_note(reason: str, params: dict, lang: str) -> str:
    """Why a dimension is uncertain, in ``lang``; ``params`` fill the sentence (value, min, n, nuclei)."""
    lang = lang if lang in LANGS else "zh"
    return UNCERTAIN_NOTES[reason][lang].format(**params)


def label(table: dict, key: str, lang: str) -> str:
    """Look a label up in one of the tables above, falling back to the key."""
    lang = lang if lang in LANGS else "zh"
    return table.get(key, {}).get(lang, key)


NOTICES_ZH = {
    "dropped_text": "有 {n} 个识别出的字落在静音上，已作为识别器的幻觉去掉。",
    "unrecognised": "识别器没能转写这段录音（{speech_s} 秒语音）：语速按信号里的音节数计算，拖音和吐字没有测量。如果这是普通话，说明很难听清；如果是照稿朗读，请加上 --script。",
    "recognition_failed": "识别结果只对上了稿件的 {ratio:.0%}，覆盖了 {covered:.0%} 的语音：稿件的字是均匀分布到语音上的，句内时间只是大概。",
    "clipping": "录音有削波（{ratio:.2%} 的采样点到了满幅），音量和音高是在失真的声音上测的。",
    "low_snr": "背景噪声大（语音只比背景高 {snr_db:.0f} dB），停顿和吐字的结果不够确定。",
    "narrowband": "这是电话带宽的录音（{rate_hz} Hz），识别准确度比宽带录音低。",
    "count_disagreement": "转写数出 {n} 个字，但信号里大约有 {nuclei} 个音节：识别器可能漏字或多字，语速不够确定。",
    "short": "只有 {speech_s} 秒语音，结果只是粗略参考。",
    "unrecognised_speech": "有 {speech_s} 秒语音（{n} 段，第一段在 {at}）没能转写：语速按信号里的音节数计入，这些地方的拖音和吐字没有测量。",
    "truncated": "文件不完整：文件头说有 {promised_s} 秒，实际只有 {held_s} 秒；只分析了现有部分。",
    "channels_differ": "{n_channels} 个声道的内容不同（相关度 {similarity}），很可能是不同的人在说话，却被混在一起分析了：请用 --channel left/right 选坐席的声道。",
}


def notice_text(notice, lang: str) -> str:
    """A notice in the report's language (English is the notice's own message)."""
    if lang == "zh" and notice.code in NOTICES_ZH:
        try:
            return NOTICES_ZH[notice.code].format(**notice.params)
        except (KeyError, ValueError, IndexError):
            return notice.message
    return notice.message
