"""Plain-language advice: one tip per dimension and verdict, in Chinese or English, in our own words.

Each tip cites the rule of the customer-service guide it serves (``../shared/guide``; file
numbers and section marks as the guide's README lists them).
"""

from __future__ import annotations

RULES = {
    "pace": {"zh": "指南 001 §发音训练 1「语速」；000 §2.2.3", "en": "guide 001 §发音训练 1 (pace); 000 §2.2.3"},
    "pauses": {"zh": "指南 001 §发音训练 4「停顿与重音」；000 §6.1.2", "en": "guide 001 §发音训练 4 (pause and stress); 000 §6.1.2"},
    "volume": {"zh": "指南 001 §发音训练 2「音量」；004 §(二)", "en": "guide 001 §发音训练 2 (volume); 004 §(二)"},
    "pitch": {"zh": "指南 001 §发音训练 3「声高/语调」；000 §2.2.4", "en": "guide 001 §发音训练 3 (pitch and intonation); 000 §2.2.4"},
    "articulation": {"zh": "指南 001 §发音训练 4「音准」；000 §4.3.1", "en": "guide 001 §发音训练 4 (articulation); 000 §4.3.1"},
    "drawl": {"zh": "指南 001 §发音训练 4「句尾不拉长尾音」", "en": "guide 001 §发音训练 4 (no trailing drawl)"},
}

TIPS: dict[tuple[str, str], dict[str, str]] = {
    ("pace", "within"): {
        "zh": "语速合适，客户跟得上也不会着急。遇到重要或客户不熟悉的内容时，可以再放慢一点。",
        "en": "Your pace is comfortable to follow. Slow down a little more for anything important or unfamiliar to the caller.",
    },
    ("pace", "too_fast"): {
        "zh": "说得太快，客户容易跟不上，听起来也像在推销。每句话说完停半拍，关键信息（订单号、时间、金额）放慢说。",
        "en": "You speak too fast: callers lose track and it sounds like a sales pitch. Leave a half-beat after each sentence and slow right down for key details (order numbers, times, amounts).",
    },
    ("pace", "too_slow"): {
        "zh": "说得偏慢，客户会觉得拖沓、着急。把每句话想好再开口，句子中间少停顿，保持连贯。",
        "en": "You speak slowly enough that a caller may grow impatient. Know each sentence before you start it and keep it flowing, with fewer stops inside sentences.",
    },
    ("pauses", "within"): {
        "zh": "停顿自然。在说到对客户有利的内容前稍作停顿，能吸引客户注意。",
        "en": "Your pauses are natural. A short pause just before the caller's benefit draws their attention to it.",
    },
    ("pauses", "long_pauses"): {
        "zh": "有较长的停顿。需要查资料时先告诉客户「请您稍等，我帮您查一下」，不要让电话里没有声音。",
        "en": "There are long silences. When you need to look something up, say so first (\"One moment please, let me check that for you\") rather than going quiet.",
    },
    ("pauses", "dead_air"): {
        "zh": "出现了长时间的冷场（无人说话）。客户会以为电话断了。查询时每隔几秒说一句进展。",
        "en": "There is dead air: long silence in which the caller may think the line has dropped. Give a short update every few seconds while you look things up.",
    },
    ("pauses", "few_pauses"): {
        "zh": "句子之间几乎不停，客户没有时间消化。每说完一个意思，停顿一下再继续。",
        "en": "Sentences run into each other, so the caller has no time to take them in. Pause briefly after each point.",
    },
    ("pauses", "hesitant"): {
        "zh": "停顿偏多，听起来犹豫、不熟练。先熟悉话术，把一句话连起来说完。",
        "en": "Frequent pauses make you sound unsure. Practise the script until each sentence comes out in one go.",
    },
    ("volume", "within"): {
        "zh": "音量合适，客户听得清也不费力。",
        "en": "Your volume is right: easy to hear without effort.",
    },
    ("volume", "too_quiet"): {
        "zh": "声音偏小，会拉远和客户的距离。把麦克风放在嘴边一到两指宽的位置，说话时面向麦克风。",
        "en": "You are too quiet, which puts distance between you and the caller. Place the microphone one to two finger-widths from your mouth and speak towards it.",
    },
    ("volume", "too_loud"): {
        "zh": "声音偏大，客户听着累，还会带进喘气声和打字声。稍微放轻，或把麦克风移到嘴角一侧。",
        "en": "You are too loud: tiring for the caller, and it carries your breathing and typing. Speak a little softer or move the microphone to the side of your mouth.",
    },
    ("volume", "uneven"): {
        "zh": "音量忽大忽小。保持坐姿和麦克风位置不变，句尾不要越说越轻。",
        "en": "Your volume rises and falls. Keep your posture and microphone position steady and don't let sentence ends fade away.",
    },
    ("volume", "noisy"): {
        "zh": "背景噪声或呼吸声偏大。检查麦克风位置（不要对着鼻子），关闭风扇等噪声源，打字时放轻。",
        "en": "Background noise or breathing is loud relative to your voice. Check the microphone position (not under your nose), switch off noise sources and type quietly.",
    },
    ("volume", "clipped"): {
        "zh": "录音有削波失真（声音爆了）。把麦克风增益调低，或离麦克风远一点。",
        "en": "The recording clips (distorts at the peaks). Turn the microphone gain down or move back from it a little.",
    },
    ("pitch", "within"): {
        "zh": "语调有起伏，听起来亲切自然。",
        "en": "Your pitch rises and falls naturally; you sound warm and engaged.",
    },
    ("pitch", "flat"): {
        "zh": "语调偏平，听起来冷淡、没精神。读话术时把关键词读得稍高一点，问句句尾上扬，微笑着说。",
        "en": "Your pitch is flat, which sounds cold or bored. Lift key words a little, let questions rise at the end, and smile while you talk.",
    },
    ("pitch", "monotone"): {
        "zh": "有几段话语调没有变化。注意在这些地方加入起伏，强调对客户重要的词。",
        "en": "Some stretches have no pitch movement at all. Add rise and fall there and stress the words that matter to the caller.",
    },
    ("pitch", "low_in_range"): {
        "zh": "说话的音高偏向你自己音域的低端，听起来沉闷。坐直、放松，让自然音落在音域中间。",
        "en": "Your speaking pitch sits near the bottom of your own range, which sounds heavy. Sit up, relax, and let your natural voice settle in the middle of your range.",
    },
    ("pitch", "high_in_range"): {
        "zh": "说话的音高偏向你自己音域的高端，听起来紧张。放慢呼吸，让自然音落在音域中间。",
        "en": "Your speaking pitch sits near the top of your own range, which sounds tense. Breathe calmly and let your natural voice settle in the middle of your range.",
    },
    ("drawl", "within"): {
        "zh": "句尾干脆，没有拉长尾音。",
        "en": "Your sentence endings are crisp, with no drawl.",
    },
    ("drawl", "drawled"): {
        "zh": "句尾拖长（拉长尾音），客户会以为你话还没说完。最后一个字说完就收，不要拖音。",
        "en": "You drag out the last syllable of sentences, which makes the caller think more is coming. Finish the last word cleanly and stop.",
    },
    ("articulation", "within"): {
        "zh": "吐字清楚。",
        "en": "Your words come across clearly.",
    },
    ("articulation", "unclear"): {
        "zh": "有些地方听不清。咬字要清楚，通话时不要吃东西、喝水或边说边找东西；语速快的地方放慢。",
        "en": "Some passages are hard to make out. Articulate each word, don't eat, drink or rummage while talking, and slow down where you rush.",
    },
}

MOMENT_LABELS = {
    "fast_sentence": {"zh": "语速过快", "en": "too fast"},
    "slow_sentence": {"zh": "语速过慢", "en": "too slow"},
    "long_pause": {"zh": "长停顿", "en": "long pause"},
    "dead_air": {"zh": "冷场", "en": "dead air"},
    "quiet_phrase": {"zh": "音量偏低", "en": "quiet"},
    "monotone": {"zh": "语调平", "en": "monotone"},
    "drawl": {"zh": "拉长尾音", "en": "drawl"},
    "unclear": {"zh": "不清楚", "en": "unclear"},
    "omitted": {"zh": "漏说", "en": "omitted"},
    "added": {"zh": "多说", "en": "added"},
}

DIMENSION_NAMES = {
    "pace": {"zh": "语速", "en": "Pace"},
    "pauses": {"zh": "停顿", "en": "Pauses"},
    "volume": {"zh": "音量", "en": "Volume"},
    "pitch": {"zh": "语调", "en": "Pitch"},
    "articulation": {"zh": "吐字", "en": "Articulation"},
    "drawl": {"zh": "拉长尾音", "en": "Trailing drawl"},
}

VERDICT_NAMES = {
    "within": {"zh": "达标", "en": "within target"},
    "too_fast": {"zh": "太快", "en": "too fast"},
    "too_slow": {"zh": "太慢", "en": "too slow"},
    "long_pauses": {"zh": "长停顿多", "en": "long pauses"},
    "dead_air": {"zh": "有冷场", "en": "dead air"},
    "few_pauses": {"zh": "停顿太少", "en": "too few pauses"},
    "hesitant": {"zh": "停顿太多", "en": "hesitant"},
    "too_quiet": {"zh": "太小声", "en": "too quiet"},
    "too_loud": {"zh": "太大声", "en": "too loud"},
    "uneven": {"zh": "忽大忽小", "en": "uneven"},
    "noisy": {"zh": "噪声大", "en": "noisy"},
    "clipped": {"zh": "削波失真", "en": "clipped"},
    "flat": {"zh": "语调平", "en": "flat"},
    "monotone": {"zh": "有单调段", "en": "monotone stretches"},
    "low_in_range": {"zh": "音高偏低", "en": "low in range"},
    "high_in_range": {"zh": "音高偏高", "en": "high in range"},
    "drawled": {"zh": "拖音", "en": "drawled"},
    "unclear": {"zh": "不够清楚", "en": "unclear"},
    "uncertain": {"zh": "不确定", "en": "uncertain"},
    "not_measured": {"zh": "未测量", "en": "not measured"},
}

# every figure a verdict can rest on (the keys of scoring.VERDICT_WORDS)
CHECK_LABELS = {
    "pace.speaking_rate_cps": {"zh": "语速（含停顿）", "en": "speaking rate (pauses included)"},
    "pace.articulation_rate_cps": {"zh": "发音速度（不含停顿）", "en": "articulation rate (pauses removed)"},
    "pauses.long_pauses_per_min": {"zh": "长停顿", "en": "long pauses"},
    "pauses.pause_ratio": {"zh": "停顿占说话时间", "en": "time in pauses"},
    "pauses.n_dead_air": {"zh": "冷场（5 秒以上无声）", "en": "dead air (silences ≥ 5 s)"},
    "volume.active_level_dbov": {"zh": "有效语音电平", "en": "active speech level"},
    "volume.level_variation_db": {"zh": "音量起伏", "en": "level variation"},
    "volume.snr_db": {"zh": "信噪比", "en": "speech over background noise"},
    "volume.clipped_ratio": {"zh": "削波采样比例", "en": "clipped samples"},
    "pitch.range_st": {"zh": "音高变化范围", "en": "pitch range"},
    "pitch.monotone_ratio": {"zh": "单调段占比", "en": "speech in monotone stretches"},
    "pitch.position_ratio": {"zh": "音高在自己音域中的位置", "en": "pitch position in your range"},
    "drawl.flagged_ratio": {"zh": "拖音句尾比例", "en": "drawled phrase endings"},
    "articulation.low_confidence_ratio": {"zh": "不清楚音节比例", "en": "unclear syllables"},
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


def tip(dimension: str, verdict: str, lang: str) -> tuple[str, str]:
    """(tip, rule) for a dimension's verdict in ``lang`` ("zh" or "en")."""
    lang = lang if lang in LANGS else "zh"
    entry = TIPS.get((dimension, verdict)) or TIPS.get((dimension, "within"))
    return entry[lang], RULES[dimension][lang]


# why a dimension was not measured (voicecoach.assess writes them in English)
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
