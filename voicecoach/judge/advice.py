"""Plain-language advice and labels in the report's language, in our own words.

The tips (one per dimension and verdict) and each dimension's labels are declared with the
dimension (:mod:`voicecoach.judge.builtin`); each tip cites the rule of the customer-service
guide it serves (``../shared/guide``; file numbers and section marks as the guide's README
lists them). Here: the lookups, and the texts that belong to no one dimension (notes on
uncertain and unmeasured dimensions, notices). Every text is an English source string; the
message catalogues hold how it reads in each language (:mod:`voicecoach.i18n`).
"""

from __future__ import annotations

from voicecoach import i18n
from voicecoach.i18n import N_, NP_
from voicecoach.judge import dimensions

# verdict words every dimension may have; a dimension names its own in its declaration
VERDICT_NAMES = {
    "within": NP_("verdict", "within target"),
    "uncertain": NP_("verdict", "uncertain"),
    "not_measured": NP_("verdict", "not measured"),
}

# the quality figures that make a dimension "uncertain" (keys of scoring.QUALITY_WORDS); a
# dimension's own figures are labelled in its declaration (``Dimension.criteria``)
CHECK_LABELS = {
    "quality.covered_ratio": NP_("figure", "speech transcribed"),
    "quality.acoustic_count_ratio": NP_("figure", "signal / transcript syllables"),
    "quality.speech_s": NP_("figure", "speech time"),
    "quality.transcript_confidence": NP_("figure", "recogniser confidence"),
    "quality.separation_reliability": NP_("figure", "mono separations within tolerance"),
}

# why a dimension is "uncertain" (keys of scoring.UNCERTAIN_REASONS)
UNCERTAIN_NOTES = {
    "separated_mono": N_("This was measured on speech separated from a mono recording. Checked against two-track recordings, such separations kept the agent's figures within tolerance in only {value:.0%} of calls (at least {min:.0%} is needed), so it is shown but not scored and not counted in the overall score. Listen before acting on it; record the two sides on two channels for figures you can rely on."),
    "second_voice": N_("Two voices were heard on this channel (the second speaks {value:.0%} of the time): this figure mixes both people, so it is not scored and not counted in the overall score. Analyse the agent's own channel, or the call with voicecoach call."),
    "little_speech": N_("Only {value:.1f} s of speech (at least {min:g} s is needed): this is a rough guide only, not scored and not counted in the overall score."),
    "low_coverage": N_("The transcript covers only {value:.0%} of the speech (at least {min:.0%} is needed): what it missed is not counted here, so this is unreliable, not scored and not counted in the overall score."),
    "low_confidence": N_("The recogniser is unsure of this transcript (mean confidence {value:.0%}, at least {min:.0%} is needed): which phrases were said cannot be told reliably, so wording is not scored and not counted in the overall score."),
    "count_disagreement": N_("The transcript counts {n} syllables but the signal shows about {nuclei}: the count is unreliable, so pace is not scored and not counted in the overall score. For a read script, give --script for a reliable pace."),
}

# why a dimension was not measured (voicecoach.judge.assess writes them in English; these
# marks put them in the catalogues)
NOT_MEASURED = (
    N_("too few syllables were recognised to measure pace"),
    N_("less than 2 s of speech"),
    N_("no active speech found"),
    N_("less than 1 s of voiced speech"),
    N_("the recogniser could not transcribe any of it"),
    N_("no syllables were recognised"),
    N_("no phrase end followed by a pause was found"),
    N_("the recogniser could not follow this recording, so the script was laid over the speech: syllable timings and clarity are not known"),
)

# a notice in another language: its code's sentence, filled from ``Notice.params`` (English
# shows the notice's own message, written where the notice is raised)
NOTICES = {
    "dropped_text": N_("{n} recognised syllable(s) lay over silence and were left out as recogniser hallucinations"),
    "unrecognised": N_("the recogniser could not transcribe this recording ({speech_s} s of speech); pace is counted from syllable nuclei in the signal, and drawl and articulation are not measured. If it is Mandarin, it is very hard to understand; give --script if it was read"),
    "recognition_failed": N_("the recogniser matched {ratio:.0%} of the script and covered {covered:.0%} of the speech; the script's syllables were laid evenly over the speech, so timings inside sentences are rough"),
    "clipping": N_("the recording clips ({ratio:.2%} of samples at full scale); levels and pitch were measured on distorted audio"),
    "low_snr": N_("the background is loud (speech only {snr_db:.0f} dB above it); pauses and articulation are less certain"),
    "narrowband": N_("telephone-band audio ({rate_hz} Hz); recognition is less accurate than on wideband audio"),
    "count_disagreement": N_("the transcript counts {n} syllables but the signal shows about {nuclei}; the recogniser may have missed or added words, so pace is less certain"),
    "short": N_("only {speech_s} s of speech; figures from so little speech are rough"),
    "two_voices": N_("two voices were heard on this channel (the second speaks {share:.0%} of the time, about {second_s} s), so no dimension is judged: analyse the agent's own channel (--channel), or the whole call with voicecoach call"),
    "voices_not_checked": N_("whether a second voice is on this channel was not checked: the voice encoder's weights are not installed (make setup, or python scripts/fetch_voice_encoder.py)"),
    "unrecognised_speech": N_("{speech_s} s of speech in {n} stretch(es) could not be transcribed (the first at {at}); pace counts their syllables from the signal, and drawl and articulation are not measured there"),
    "truncated": N_("the file is truncated: its header promises {promised_s} s but it holds {held_s} s; the analysis covers what is there"),
    "bad_header": N_("the file's header says it holds no audio, but {bytes} bytes follow it; all of them were analysed"),
    "very_quiet": N_("the recording is very quiet (peak {peak_dbfs:.0f} dBFS); it was measured as it is, but check the microphone gain"),
    "agent_guessed": N_("the agent's side was guessed (the side that speaks first); give --agent-channel if that is wrong"),
    "one_side_silent": N_("one side of the call holds no speech; check that both sides were recorded"),
    "separation_not_confident": N_("two voices could not be told apart in this mono recording; the call's figures would mix the agent and the customer, so none is judged: record the sides on two channels"),
    "separation_unreliable": N_("the two voices were separated, but such separations kept the agent's figures within tolerance in {reliability:.0%} of test calls; the figures are shown, none is judged"),
    "overtalk_not_measured": N_("on a mono recording two voices at once cannot be told apart, so overtalk and interruptions are not measured"),
    "channels_differ": N_("the {n_channels} channels carry different sound (level correlation {similarity}), probably different speakers; they were mixed: choose the agent's channel with --channel left/right"),
}


def tip(dimension: str, verdict: str, lang: str) -> tuple[str, str]:
    """(tip, rule) for a dimension's verdict in ``lang``."""
    d = dimensions.get(dimension)
    entry = d.tips.get(verdict) or d.tips["within"]
    return i18n.text(lang, entry), i18n.text(lang, d.rule)


def dimension_name(name: str, lang: str) -> str:
    """A dimension's name on reports (the name itself for one not registered)."""
    return i18n.text(lang, dimensions.get(name).label, "dimension") if name in dimensions.names() else name


def verdict_name(word: str, lang: str) -> str:
    """A verdict word in ``lang``: the shared ones, then the dimensions' own."""
    text = VERDICT_NAMES.get(word) or dimensions.verdict_text(word)
    return i18n.text(lang, text, "verdict") if text else word


def verdict_names(lang: str) -> dict[str, str]:
    """Every verdict word's name in ``lang``."""
    words = list(VERDICT_NAMES) + [w for d in dimensions.registered(None) for w in d.verdicts]
    return {w: verdict_name(w, lang) for w in words}


def check_label(key: str, lang: str) -> str:
    """What a target key's figure is, in ``lang`` (a dimension's criterion or a quality check)."""
    c = dimensions.criterion(key)
    text = c.label if c is not None else CHECK_LABELS.get(key)
    return i18n.text(lang, text, "figure") if text else key


def moment_label(kind: str, lang: str) -> str:
    text = dimensions.moment_text(kind)
    return i18n.text(lang, text, "moment") if text else kind


def not_measured_note(note: str, lang: str) -> str:
    """Why a dimension was not measured, in ``lang`` (the English note when no translation is known)."""
    return i18n.gettext(lang, note)


def uncertain_note(reason: str, params: dict, lang: str) -> str:
    """Why a dimension is uncertain, in ``lang``; ``params`` fill the sentence (value, min, n, nuclei)."""
    return i18n.gettext(lang, UNCERTAIN_NOTES[reason]).format(**params)


def label(table: dict, key: str, lang: str, context: str | None = None) -> str:
    """Look a label up in a table of source strings (in ``context``), falling back to the key."""
    text = table.get(key)
    return i18n.text(lang, text, context) if text else key


def notice_text(notice, lang: str) -> str:
    """A notice in the report's language (English is the notice's own message)."""
    if i18n.normalize(lang) != "en" and notice.code in NOTICES:
        try:
            return i18n.gettext(lang, NOTICES[notice.code]).format(**notice.params)
        except (KeyError, ValueError, IndexError, TypeError):
            return notice.message
    return notice.message
