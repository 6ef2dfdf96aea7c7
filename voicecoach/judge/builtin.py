"""The built-in dimensions, declared in the order reports show them: six of delivery (how it is
said) and wording (话术, what is said).

Each is one :func:`~voicecoach.judge.dimensions.register` call: what the dimension says (its
label, guide rule, tips, verdict and moment names, comparison texts) as English source strings
marked for extraction; how they read in Chinese is the message catalogues' business
(``voicecoach/locale``, see :mod:`voicecoach.i18n`). Their default targets live in
``data/targets.toml`` with each target's reason and source.
"""

from __future__ import annotations

from voicecoach.i18n import N_, NP_
from voicecoach.judge import judges
from voicecoach.judge.dimensions import Chart, Contrast, Criterion, Dimension, Figure, register
from voicecoach.wording.types import WordingResult

EMPTY_WORDING = WordingResult((), (), 0.0, 0, float("nan"))

register(Dimension(
    name="pace",
    label=NP_("dimension", "Pace"),
    rule=N_("guide 001 §发音训练 1 (pace); 000 §2.2.3"),
    criteria=(
        Criterion("pace.speaking_rate_cps", "too_slow", "too_fast", NP_("figure", "speaking rate (pauses included)")),
        Criterion("pace.articulation_rate_cps", "too_slow", "too_fast", NP_("figure", "articulation rate (pauses removed)")),
    ),
    tips={
        "within": N_("Your pace is comfortable to follow. Slow down a little more for anything important or unfamiliar to the caller."),
        "too_fast": N_("You speak too fast: callers lose track and it sounds like a sales pitch. Leave a half-beat after each sentence and slow right down for key details (order numbers, times, amounts)."),
        "too_slow": N_("You speak slowly enough that a caller may grow impatient. Know each sentence before you start it and keep it flowing, with fewer stops inside sentences."),
    },
    verdicts={
        "too_fast": NP_("verdict", "too fast"),
        "too_slow": NP_("verdict", "too slow"),
    },
    headline="pace.speaking_rate_cps",
    judge=judges.judge_pace,
    measures=lambda a: a.pace,
    figures=(
        Figure("speaking_rate_cps", "speaking_rate_cps", "syllables/s", "pace.speaking_rate_cps"),
        Figure("articulation_rate_cps", "articulation_rate_cps", "syllables/s", "pace.articulation_rate_cps"),
        Figure("n_syllables", "n_syllables", "count"),
    ),
    moments={"fast_sentence": NP_("moment", "too fast"), "slow_sentence": NP_("moment", "too slow")},
    doubted_by=("separated_mono", "second_voice", "little_speech", "low_coverage", "count_disagreement"),
    chart=Chart(timeline="pace"),
    contrasts=(
        Contrast("speaking_rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True, match="ratio",
                 label=NP_("contrast", "speaking rate (syllables/s)"), changes={"faster": "slow_down", "slower": "speed_up"}),
        Contrast("articulation_rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True, match="ratio",
                 label=NP_("contrast", "articulation rate (syllables/s)")),
    ),
    sentence_contrast=Contrast("rate_cps", "syllables/s", "faster", "slower", "compare.rate_ratio", relative=True,
                               changes={"faster": "slow_down", "slower": "speed_up"},
                               column=NP_("column", "pace /s"), threshold_label=NP_("threshold", "pace")),
    changes={
        "slow_down": N_("Slow down to your trainer's pace, above all in these sentences."),
        "speed_up": N_("Tighten up: keep the sentences moving, as your trainer does."),
    },
))

register(Dimension(
    name="pauses",
    label=NP_("dimension", "Pauses"),
    rule=N_("guide 001 §发音训练 4 (pause and stress); 000 §6.1.2"),
    criteria=(
        Criterion("pauses.long_pauses_per_min", "within", "long_pauses", NP_("figure", "long pauses")),
        Criterion("pauses.pause_ratio", "few_pauses", "hesitant", NP_("figure", "time in pauses")),
        Criterion("pauses.n_dead_air", "within", "dead_air", NP_("figure", "dead air (silences ≥ 5 s)")),
    ),
    tips={
        "within": N_("Your pauses are natural. A short pause just before the caller's benefit draws their attention to it."),
        "long_pauses": N_('There are long silences. When you need to look something up, say so first ("One moment please, let me check that for you") rather than going quiet.'),
        "dead_air": N_("There is dead air: long silence in which the caller may think the line has dropped. Give a short update every few seconds while you look things up."),
        "few_pauses": N_("Sentences run into each other, so the caller has no time to take them in. Pause briefly after each point."),
        "hesitant": N_("Frequent pauses make you sound unsure. Practise the script until each sentence comes out in one go."),
    },
    verdicts={
        "long_pauses": NP_("verdict", "long pauses"),
        "dead_air": NP_("verdict", "dead air"),
        "few_pauses": NP_("verdict", "too few pauses"),
        "hesitant": NP_("verdict", "hesitant"),
    },
    headline="pauses.long_pauses_per_min",
    judge=judges.judge_pauses,
    measures=lambda a: a.pauses,
    figures=(
        Figure("long_pauses_per_min", "long_pauses_per_min", "1/min", "pauses.long_pauses_per_min"),
        Figure("pause_ratio", "pause_ratio", "0-1", "pauses.pause_ratio"),
    ),
    moments={"long_pause": NP_("moment", "long pause"), "dead_air": NP_("moment", "dead air")},
    doubted_by=("separated_mono", "second_voice"),
    chart=Chart(),  # drawn in the volume panel of the timeline
    contrasts=(
        Contrast("pause_ratio", "ratio", "more_pauses", "fewer_pauses", label=NP_("contrast", "share of time in pauses")),
    ),
    sentence_contrast=Contrast("pause_before_s", "s", "longer_pause", "shorter_pause", "compare.pause_s",
                               changes={"shorter_pause": "pause_more", "longer_pause": "pause_less"}, cell="{:.2f}",
                               column=NP_("column", "pause before s"), threshold_label=NP_("threshold", "pause before")),
    changes={
        "pause_more": N_("Pause before these sentences as your trainer does, to give the caller time."),
        "pause_less": N_("Your pauses before these sentences are too long; join them up more."),
    },
))

register(Dimension(
    name="volume",
    label=NP_("dimension", "Volume"),
    rule=N_("guide 001 §发音训练 2 (volume); 004 §(二)"),
    criteria=(
        Criterion("volume.active_level_dbov", "too_quiet", "too_loud", NP_("figure", "active speech level")),
        Criterion("volume.level_variation_db", "within", "uneven", NP_("figure", "level variation")),
        Criterion("volume.snr_db", "noisy", "within", NP_("figure", "speech over background noise")),
        Criterion("volume.clipped_ratio", "within", "clipped", NP_("figure", "clipped samples")),
    ),
    tips={
        "within": N_("Your volume is right: easy to hear without effort."),
        "too_quiet": N_("You are too quiet, which puts distance between you and the caller. Place the microphone one to two finger-widths from your mouth and speak towards it."),
        "too_loud": N_("You are too loud: tiring for the caller, and it carries your breathing and typing. Speak a little softer or move the microphone to the side of your mouth."),
        "uneven": N_("Your volume rises and falls. Keep your posture and microphone position steady and don't let sentence ends fade away."),
        "noisy": N_("Background noise or breathing is loud relative to your voice. Check the microphone position (not under your nose), switch off noise sources and type quietly."),
        "clipped": N_("The recording clips (distorts at the peaks). Turn the microphone gain down or move back from it a little."),
    },
    verdicts={
        "too_quiet": NP_("verdict", "too quiet"),
        "too_loud": NP_("verdict", "too loud"),
        "uneven": NP_("verdict", "uneven"),
        "noisy": NP_("verdict", "noisy"),
        "clipped": NP_("verdict", "clipped"),
    },
    headline="volume.active_level_dbov",
    judge=judges.judge_volume,
    measures=lambda a: a.loudness,
    figures=(
        Figure("active_level_dbov", "active_level_dbov", "dBov (ITU-T P.56)", "volume.active_level_dbov"),
        Figure("snr_db", "snr_db", "dB", "volume.snr_db"),
        Figure("level_variation_db", "level_variation_db", "dB", "volume.level_variation_db"),
    ),
    moments={"quiet_phrase": NP_("moment", "quiet")},
    doubted_by=("separated_mono", "second_voice"),
    chart=Chart(timeline="volume"),
    contrasts=(
        Contrast("active_level_dbov", "dBov", "louder", "quieter", "compare.level_db", match="threshold",
                 label=NP_("contrast", "active speech level (dBov)"), changes={"quieter": "speak_up", "louder": "speak_softer"}),
    ),
    sentence_contrast=Contrast("level_dbov", "dBov", "louder", "quieter", "compare.level_db", changes={"quieter": "speak_up", "louder": "speak_softer"},
                               column=NP_("column", "level dBov"), threshold_label=NP_("threshold", "level")),
    changes={
        "speak_up": N_("You are quieter than your trainer here: give these sentences more voice."),
        "speak_softer": N_("You are louder than your trainer here: bring the volume down a little."),
    },
))

register(Dimension(
    name="pitch",
    label=NP_("dimension", "Pitch"),
    rule=N_("guide 001 §发音训练 3 (pitch and intonation); 000 §2.2.4"),
    criteria=(
        Criterion("pitch.range_st", "flat", "within", NP_("figure", "pitch range")),
        Criterion("pitch.monotone_ratio", "within", "monotone", NP_("figure", "speech in monotone stretches")),
        Criterion("pitch.position_ratio", "low_in_range", "high_in_range", NP_("figure", "pitch position in your range")),
    ),
    tips={
        "within": N_("Your pitch rises and falls naturally; you sound warm and engaged."),
        "flat": N_("Your pitch is flat, which sounds cold or bored. Lift key words a little, let questions rise at the end, and smile while you talk."),
        "monotone": N_("Some stretches have no pitch movement at all. Add rise and fall there and stress the words that matter to the caller."),
        "low_in_range": N_("Your speaking pitch sits near the bottom of your own range, which sounds heavy. Sit up, relax, and let your natural voice settle in the middle of your range."),
        "high_in_range": N_("Your speaking pitch sits near the top of your own range, which sounds tense. Breathe calmly and let your natural voice settle in the middle of your range."),
    },
    verdicts={
        "flat": NP_("verdict", "flat"),
        "monotone": NP_("verdict", "monotone stretches"),
        "low_in_range": NP_("verdict", "low in range"),
        "high_in_range": NP_("verdict", "high in range"),
    },
    headline="pitch.range_st",
    judge=judges.judge_pitch,
    measures=lambda a: a.pitch,
    figures=(
        Figure("median_f0_hz", "median_f0_hz", "Hz"),
        Figure("pitch_range_st", "range_st", "semitones (10-90 %)", "pitch.range_st"),
        Figure("monotone_ratio", "monotone_ratio", "0-1", "pitch.monotone_ratio"),
    ),
    moments={"monotone": NP_("moment", "monotone")},
    doubted_by=("separated_mono", "second_voice", "little_speech"),
    chart=Chart(timeline="pitch"),
    contrasts=(
        Contrast("pitch_range_st", "st", "livelier", "flatter", "compare.pitch_range_st", match="floor",
                 label=NP_("contrast", "pitch range (st)"), changes={"flatter": "more_pitch"}),
    ),
    sentence_contrast=Contrast("pitch_range_st", "st", "livelier", "flatter", "compare.pitch_range_st", changes={"flatter": "more_pitch"},
                               column=NP_("column", "pitch range st"), threshold_label=NP_("threshold", "pitch range")),
    changes={
        "more_pitch": N_("Your pitch is flatter than your trainer's here: let it rise and fall more."),
    },
))

register(Dimension(
    name="articulation",
    label=NP_("dimension", "Articulation"),
    rule=N_("guide 001 §发音训练 4 (articulation); 000 §4.3.1"),
    criteria=(
        Criterion("articulation.low_confidence_ratio", "within", "unclear", NP_("figure", "unclear syllables")),
    ),
    tips={
        "within": N_("Your words come across clearly."),
        "unclear": N_("Some passages are hard to make out. Articulate each word, don't eat, drink or rummage while talking, and slow down where you rush."),
    },
    verdicts={
        "unclear": NP_("verdict", "unclear"),
    },
    headline="articulation.low_confidence_ratio",
    judge=judges.judge_articulation,
    measures=lambda a: a.articulation,
    figures=(Figure("low_confidence_ratio", "low_confidence_ratio", "0-1", "articulation.low_confidence_ratio"),),
    moments={"unclear": NP_("moment", "unclear"), "omitted": NP_("moment", "omitted"), "added": NP_("moment", "added")},
    doubted_by=("separated_mono", "second_voice", "low_coverage"),
    chart=Chart(),
    contrasts=(
        Contrast("low_confidence_ratio", "ratio", "less_clear", "clearer", label=NP_("contrast", "share of unclear syllables")),
    ),
    sentence_contrast=Contrast("mean_confidence", "probability", "clearer", "less_clear", "compare.confidence", changes={"less_clear": "articulate"},
                               cell="{:.0%}", column=NP_("column", "clarity"), threshold_label=NP_("threshold", "clarity")),
    changes={
        "articulate": N_("These sentences are less clear than your trainer's: slow a little and articulate each word."),
    },
))

register(Dimension(
    name="drawl",
    label=NP_("dimension", "Trailing drawl"),
    rule=N_("guide 001 §发音训练 4 (no trailing drawl)"),
    criteria=(
        Criterion("drawl.flagged_ratio", "within", "drawled", NP_("figure", "drawled phrase endings")),
    ),
    tips={
        "within": N_("Your sentence endings are crisp, with no drawl."),
        "drawled": N_("You drag out the last syllable of sentences, which makes the caller think more is coming. Finish the last word cleanly and stop."),
    },
    verdicts={
        "drawled": NP_("verdict", "drawled"),
    },
    headline="drawl.flagged_ratio",
    judge=judges.judge_drawl,
    measures=lambda a: a.drawl,
    figures=(Figure("drawl_flagged_ratio", "flagged_ratio", "0-1", "drawl.flagged_ratio"),),
    moments={"drawl": NP_("moment", "drawl")},
    doubted_by=("separated_mono", "second_voice", "low_coverage"),
    chart=Chart(),  # drawn in the pitch panel of the timeline
    contrasts=(
        Contrast("drawl_flagged_ratio", "ratio", "more_drawl", "less_drawl", label=NP_("contrast", "share of drawled endings")),
    ),
    sentence_contrast=Contrast("final_ratio", "ratio", "longer_ending", "shorter_ending", "compare.final_ratio", audible_from="drawl.final_ratio",
                               changes={"longer_ending": "shorter_endings"}, cell="{:.1f}×",
                               column=NP_("column", "ending"), threshold_label=NP_("threshold", "ending (times a typical syllable)")),
    changes={
        "shorter_endings": N_("Your sentence endings drag longer than your trainer's: stop cleanly on the last word."),
    },
))

register(Dimension(
    name="wording",
    label=NP_("dimension", "Wording"),
    rule=N_("guide 001 §三 服务技能 1-3 (professional wording, 您 not 你); 000 §6.1.1, §6.3.1 (greeting, closing); QA forms (forbidden phrases)"),
    criteria=(
        Criterion("wording.forbidden_per_5min", "within", "forbidden", NP_("figure", "forbidden phrases per 5 min")),
        Criterion("wording.discouraged_per_5min", "within", "discouraged", NP_("figure", "habitual phrases per 5 min")),
        Criterion("wording.required_missing", "within", "lines_missing", NP_("figure", "required lines missing")),
        Criterion("wording.pointing_you_ratio", "within", "pointing_you", NP_("figure", "你 among 你 and 您")),
        Criterion("wording.fillers_per_5min", "within", "fillers", NP_("figure", "fillers and pet phrases per 5 min")),
    ),
    tips={
        "within": N_("Your wording is professional: polite words, the standard lines, no phrases to avoid."),
        "forbidden": N_("You used phrases that are never said on a call. Listen to each one and practise the wording shown beside it."),
        "discouraged": N_("Some habitual phrases have a more professional wording. Listen to each one and practise the suggested wording until it comes first."),
        "lines_missing": N_("A required line is missing: open with the standard greeting and close with the standard farewell, as the script says."),
        "pointing_you": N_("You say 你 more than 您. Address the caller as 您, and say 我 where you can rather than pointing at them."),
        "fillers": N_("Fillers (那个, 就是, 然后...) and pet phrases break up your sentences. Pause silently instead, and know the next sentence before you start it."),
    },
    verdicts={
        "forbidden": NP_("verdict", "forbidden phrases"),
        "discouraged": NP_("verdict", "habitual phrases"),
        "lines_missing": NP_("verdict", "lines missing"),
        "pointing_you": NP_("verdict", "pointing 你"),
        "fillers": NP_("verdict", "fillers"),
    },
    headline="wording.discouraged_per_5min",
    judge=judges.judge_wording,
    measures=lambda a: a.measures.wording or EMPTY_WORDING,
    figures=(
        Figure("wording_forbidden_per_5min", "forbidden_per_5min", "1/5 min", "wording.forbidden_per_5min"),
        Figure("wording_discouraged_per_5min", "discouraged_per_5min", "1/5 min", "wording.discouraged_per_5min"),
        Figure("wording_required_missing", "n_required_missing", "count", "wording.required_missing"),
        Figure("wording_pointing_you_ratio", "pointing_you_ratio", "0-1", "wording.pointing_you_ratio"),
        Figure("wording_fillers_per_5min", "fillers_per_5min", "1/5 min", "wording.fillers_per_5min"),
    ),
    moments={
        "forbidden": NP_("moment", "forbidden phrase"),
        "discouraged": NP_("moment", "habitual phrase"),
        "pointing_you": NP_("moment", "pointing 你"),
        "filler": NP_("moment", "filler"),
        "pet_phrase": NP_("moment", "pet phrase"),
    },
    doubted_by=("separated_mono", "second_voice", "low_coverage", "low_confidence"),
    chart=Chart(),
    contrasts=(
        Contrast("wording_discouraged_per_5min", "1/5 min", "more_habitual", "fewer_habitual", threshold="compare.wording_per_5min",
                 label=NP_("contrast", "habitual phrases per 5 min"), changes={"more_habitual": "professional_wording"}),
        Contrast("wording_required_missing", "count", "more_missing", "fewer_missing", threshold="compare.wording_lines",
                 label=NP_("contrast", "required lines missing"), changes={"more_missing": "say_required_lines"}),
    ),
    changes={
        "professional_wording": N_("Your trainer uses the professional wording where you use habitual phrases: listen to the phrases flagged and say them as your trainer does."),
        "say_required_lines": N_("Your trainer says lines that you leave out: add the standard greeting and closing."),
    },
))

register(Dimension(
    name="conversation",
    applies_to=("call",),  # two-sided calls only: absent from single-sided takes
    label=NP_("dimension", "Conversation"),
    rule=N_("guide 000 §2.1 (listen, acknowledge, do not interrupt); 001 §发音训练 1 (match the caller's pace)"),
    criteria=(
        Criterion("conversation.talk_ratio", "agent_quiet", "agent_dominates", NP_("figure", "agent's share of the talking")),
        Criterion("conversation.longest_monologue_s", "within", "monologue", NP_("figure", "agent's longest turn")),
        Criterion("conversation.turns_per_min", "few_turns", "within", NP_("figure", "turns (both sides)")),
        Criterion("conversation.overtalk_ratio", "within", "overtalk", NP_("figure", "time both talk at once")),
        Criterion("conversation.agent_interruptions_per_min", "within", "interrupts", NP_("figure", "agent interruptions")),
        Criterion("conversation.latency_median_s", "within", "slow_response", NP_("figure", "agent's response time (median)")),
        Criterion("conversation.latency_p90_s", "within", "slow_response", NP_("figure", "agent's response time (slowest 10 %)")),
        Criterion("conversation.n_dead_air", "within", "dead_air", NP_("figure", "dead air (both silent ≥ 5 s)")),
        Criterion("conversation.long_hold_s", "within", "long_hold", NP_("figure", "longest hold")),
        Criterion("conversation.pace_gap_cps", "within", "pace_mismatch", NP_("figure", "pace gap to the customer (median)")),
        Criterion("conversation.pace_follow_slope", "pace_mismatch", "within", NP_("figure", "pace follow slope")),
    ),
    tips={
        "within": N_("The conversation flows: both sides get the floor, answers come promptly and nobody talks over the other."),
        "agent_quiet": N_("The customer does most of the talking. Guide the call: summarise, ask the next question, say what you will do."),
        "agent_dominates": N_("You do most of the talking. Ask, then listen: let the customer explain before you answer."),
        "monologue": N_("You hold the floor too long at a stretch. Break long explanations up and check the customer is following."),
        "few_turns": N_("The floor changes hands rarely. Check in with the customer more often."),
        "overtalk": N_("You and the customer often talk at once. Let the customer finish before you speak."),
        "interrupts": N_("You start talking while the customer is still speaking. Wait for the customer to finish; acknowledge with a short 嗯 instead."),
        "slow_response": N_("The customer waits for your answers. Acknowledge at once, and say so when you need a moment to check."),
        "dead_air": N_("There is dead air: long silence in which the caller may think the line has dropped. Give a short update every few seconds while you look things up."),
        "long_hold": N_("A hold runs long. Come back to the customer at least every two minutes with an update."),
        "pace_mismatch": N_("Your pace does not follow the customer's. Slow down for a slow speaker, keep it brisk for a brisk one."),
    },
    verdicts={
        "agent_quiet": NP_("verdict", "agent too quiet"),
        "agent_dominates": NP_("verdict", "agent dominates"),
        "monologue": NP_("verdict", "long monologue"),
        "few_turns": NP_("verdict", "few turns"),
        "overtalk": NP_("verdict", "overtalk"),
        "interrupts": NP_("verdict", "interrupts"),
        "slow_response": NP_("verdict", "slow responses"),
        "long_hold": NP_("verdict", "long hold"),
        "pace_mismatch": NP_("verdict", "pace not matched"),
    },
    headline="conversation.talk_ratio",
    judge=judges.judge_conversation,
    measures=lambda call: call.figures,  # a CallAnalysis
    figures=(
        Figure("talk_ratio", "talk_ratio", "0-1", "conversation.talk_ratio"),
        Figure("longest_monologue_agent_s", "longest_monologue_s", "s", "conversation.longest_monologue_s"),
        Figure("longest_monologue_customer_s", "longest_monologue_customer_s", "s"),
        Figure("turns_per_min", "turns_per_min", "1/min", "conversation.turns_per_min"),
        Figure("overtalk_s", "overtalk_s", "s"),
        Figure("overtalk_ratio", "overtalk_ratio", "0-1", "conversation.overtalk_ratio"),
        Figure("n_overlaps", "n_overlaps", "count"),
        Figure("longest_overlap_s", "longest_overlap_s", "s"),
        Figure("n_agent_interruptions", "n_agent_interruptions", "count"),
        Figure("agent_interruptions_per_min", "agent_interruptions_per_min", "1/min", "conversation.agent_interruptions_per_min"),
        Figure("latency_median_s", "latency_median_s", "s", "conversation.latency_median_s"),
        Figure("latency_p90_s", "latency_p90_s", "s", "conversation.latency_p90_s"),
        Figure("n_dead_air", "n_dead_air", "count", "conversation.n_dead_air"),
        Figure("dead_air_s", "dead_air_s", "s"),
        Figure("n_holds", "n_holds", "count"),
        Figure("hold_s", "hold_s", "s"),
        Figure("longest_hold_s", "long_hold_s", "s", "conversation.long_hold_s"),
        Figure("n_agent_backchannels", "n_agent_backchannels", "count"),
        Figure("pace_follow_slope", "pace_follow_slope", "slope", "conversation.pace_follow_slope"),
        Figure("pace_gap_cps", "pace_gap_cps", "syllables/s", "conversation.pace_gap_cps"),
    ),
    moments={},
    doubted_by=("separated_mono",),
    chart=Chart(),
    # no weight: a call's conversation is judged per call, beside the agent's delivery score
    # (data/targets.toml: "not part of the overall delivery score"; the guide gives it none)
))
