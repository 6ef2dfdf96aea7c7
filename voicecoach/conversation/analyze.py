"""``analyze_call``: the library entry point for a two-sided call.

Per side, the same signal measures the one-sided analysis uses (P.56 active level, the 10 ms
speech decision in the 300-3400 Hz band, pitch for voicing, syllable nuclei); then who spoke
when (:mod:`.turns`), the agent's backchannels (:mod:`.backchannel`) and pace matching
(:mod:`.pace_match`). No recognition is needed; the agent's (or the customer's) recognised
characters can be passed to label backchannels and to count syllables from text.

The agent's own delivery (pace, volume, pitch...) stays with :func:`voicecoach.analysis.analyze`
on the agent's channel; a :class:`CallAnalysis` sits beside it.
"""

from __future__ import annotations

import logging
import time
import dataclasses
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from voicecoach.audio import FRAME_S, NARROW_RATE_HZ, Audio, SourceInfo, resample
from voicecoach.conversation.backchannel import Backchannel, TimedText, label_backchannels
from voicecoach.conversation.figures import CallFigures, call_figures
from voicecoach.conversation.inputs import CallAudio, guess_agent_index
from voicecoach.conversation.pace_match import PaceMatch, PaceSettings, match_pace
from voicecoach.conversation.turns import AGENT, TurnSettings, TurnTaking, analyze_turns
from voicecoach.errors import Notice, display_name
from voicecoach.audio.activity import Activity, compute_activity, runs
from voicecoach.measures.p56 import active_level
from voicecoach.measures.pitch import track_pitch
from voicecoach.measures.syllables import detect_nuclei
from voicecoach.measures.voices import SPLIT_RELIABILITY, VoiceSplit
from voicecoach.judge.scoring import check
from voicecoach.judge.targets import Targets, load_targets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallCheck:
    """One call measure against its target.

    Attributes
    ----------
    key : str
        Target key, e.g. ``"conversation.talk_ratio"``.
    value : float
        Measured, in ``unit`` (NaN when not measurable).
    min, max : float or None
        The band.
    unit, source : str
    judged : bool
        False for a figure shown but not judged (a separated mono call: its split is not
        reliable enough for a verdict, ``quality.separation_reliability``).
    within : bool or None
        None when the value is NaN or the figure is not judged.
    """

    key: str
    value: float
    min: float | None
    max: float | None
    unit: str
    source: str
    judged: bool = True

    @property
    def within(self) -> bool | None:
        if not self.judged or not np.isfinite(self.value):
            return None
        return (self.min is None or self.value >= self.min - 1e-9) and (self.max is None or self.value <= self.max + 1e-9)

    def to_dict(self) -> dict:
        return {"key": self.key, "value": round(float(self.value), 3) if np.isfinite(self.value) else None,
                "min": self.min, "max": self.max, "unit": self.unit, "within": self.within, "judged": self.judged, "source": self.source}


@dataclass(frozen=True, eq=False)
class SideSignal:
    """One side's signal measures on the call's 10 ms grid.

    Attributes
    ----------
    activity : Activity
    syllables_s : numpy.ndarray
        Syllable-nucleus times, s.
    active_level_dbov : float
        ITU-T P.56 active level, dBov (NaN when silent).
    """

    activity: Activity
    syllables_s: np.ndarray
    active_level_dbov: float


@dataclass(frozen=True, eq=False)
class CallAnalysis:
    """Everything measured on a two-sided call.

    Attributes
    ----------
    duration_s : float
    layout : str
        ``"stereo"``, ``"two_files"``, ``"arrays"`` or ``"mono"``.
    agent_index : int
        Which side (0: left/first file, 1: right/second) is the agent.
    agent_guessed : bool
        True when ``agent_index`` was guessed (:func:`voicecoach.conversation.inputs.guess_agent_index`).
    turns : TurnTaking
    backchannels : tuple of Backchannel
        The agent's backchannels.
    pace : PaceMatch or None
        None when pace was not measured (``pace=False``).
    checks : tuple of CallCheck
        Each judged measure against ``[conversation]`` in the targets.
    agent, customer : SideSignal
    notices : tuple of Notice
    timings_s : dict
        Seconds per stage.
    targets_files : tuple of str
    sources : tuple of SourceInfo
        What each side was read from, in recorded order.
    separation : VoiceSplit, optional
        For a mono call: how the two voices were separated. When it is not ``confident`` no
        check is judged (every check's value is NaN): the figures would mix the two people.
    """

    duration_s: float
    layout: str
    agent_index: int
    agent_guessed: bool
    turns: TurnTaking
    backchannels: tuple[Backchannel, ...]
    pace: PaceMatch | None
    checks: tuple[CallCheck, ...]
    agent: SideSignal
    customer: SideSignal
    notices: tuple[Notice, ...]
    timings_s: dict
    targets_files: tuple[str, ...]
    sources: tuple[SourceInfo, ...] = ()
    separation: VoiceSplit | None = None

    @property
    def figures(self) -> CallFigures:
        """The whole-call figures (the ``conversation`` dimension's measures)."""
        return call_figures(self)

    def check(self, key: str) -> CallCheck:
        for c in self.checks:
            if c.key == key or c.key == f"conversation.{key}":
                return c
        raise KeyError(f"no call check '{key}'")

    def to_dict(self) -> dict:
        from voicecoach import __version__

        return {
            "tool": {"name": "voicecoach", "version": __version__},
            "duration_s": round(self.duration_s, 3), "layout": self.layout,
            "agent_side": ("left/first" if self.agent_index == 0 else "right/second"), "agent_index": self.agent_index,
            "agent_guessed": self.agent_guessed,
            "turns": self.turns.to_dict(),
            "backchannels": [b.to_dict() for b in self.backchannels],
            "pace": self.pace.to_dict() if self.pace is not None else None,
            "checks": [c.to_dict() for c in self.checks],
            "notices": [n.to_dict() for n in self.notices],
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "targets_files": list(self.targets_files),
            "sources": [{**src.to_dict(), "path": display_name(src.path) if src.path != "<array>" else src.path} for src in self.sources],
            "separation": self.separation.to_dict() if self.separation is not None else None,
        }


NOT_ON_MONO = ("conversation.overtalk_ratio", "conversation.agent_interruptions_per_min")
"""Checks a mono call cannot measure (one voice per frame after separation)."""


def settings_from_targets(tgt: Targets) -> tuple[TurnSettings, PaceSettings]:
    """The segmentation and pace settings the targets file sets."""
    v = tgt.value
    turn = TurnSettings(
        bridge_s=v("conversation.bridge_s"), backchannel_max_s=v("conversation.backchannel_max_s"),
        overlap_min_s=v("conversation.overlap_min_s"), dead_air_s=v("conversation.dead_air_s"),
        long_wait_s=v("conversation.long_wait_s"), hold_min_s=v("conversation.hold_min_s"),
    )
    pace = PaceSettings(window_s=v("conversation.pace_window_s"), min_exchanges=int(v("conversation.pace_min_exchanges")))
    return turn, pace


def measure_side(audio: Audio, *, pace: bool = True) -> SideSignal:
    """One side's activity and syllable nuclei (nuclei only when ``pace``)."""
    level = active_level(audio.samples, sample_rate_hz=audio.sample_rate_hz).active_level_dbov
    narrow = Audio(resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
    activity = compute_activity(audio, active_level_dbov=level, narrow=narrow)
    syllables = np.zeros(0)
    if pace and activity.is_speech.any():
        starts, ends = runs(activity.is_speech)
        spans = [(a * activity.frame_s, b * activity.frame_s) for a, b in zip(starts, ends)]  # pitch only where the side speaks
        syllables = detect_nuclei(activity, track_pitch(audio, narrow=narrow, within_s=spans)).times_s
    return SideSignal(activity, syllables, float(level))


def confident_speech(activity: Activity, *, margin_db: float = 10.0) -> np.ndarray:
    """The side's speech decision without runs that never rise ``margin_db`` above the
    silence threshold in force (breath and line noise just over it).

    Double-threshold endpoint detection (Lamel, Rabiner, Rosenberg & Wilpon 1981, "An improved
    endpoint detector for isolated word recognition", IEEE Trans. ASSP 29(4)): a run of speech
    frames counts only when it holds a frame clearly above the threshold. On the real call in
    ../shared/audio/calls, breath tails at 1-2 dB over the threshold otherwise ended customer
    turns up to 0.8 s late.
    """
    speech = activity.is_speech.copy()
    starts, ends = runs(speech)
    level = np.nan_to_num(activity.smooth_db, nan=-np.inf)
    thr = activity.local_threshold_db if activity.local_threshold_db is not None else np.full(len(level), activity.threshold_db)
    for s, e in zip(starts, ends):
        if not np.any(level[s:e] >= thr[s:e] + margin_db):
            speech[s:e] = False
    return speech


def sounding(activity: Activity) -> np.ndarray:
    """Frames above the recording's own (not the local) full-band silence threshold: any sound
    on the channel, music and tones included, where holds are looked for."""
    return np.nan_to_num(activity.smooth_db, nan=-np.inf) > activity.threshold_db


def analyze_call(call: CallAudio, *, targets: Targets | str | None = None, agent_words: Iterable[TimedText] | None = None,
                 customer_words: Iterable[TimedText] | None = None, pace: bool = True) -> CallAnalysis:
    """Turn-taking, overtalk, latency, dead air, holds, backchannels and pace matching of a call.

    Parameters
    ----------
    call : CallAudio
        Both sides (:func:`~voicecoach.conversation.inputs.load_stereo_call`,
        :func:`~voicecoach.conversation.inputs.load_two_file_call`,
        :func:`~voicecoach.conversation.inputs.call_from_arrays`). With ``agent_index`` None
        the agent is guessed (the side that speaks first).
    targets : Targets or path, optional
        Default: the bundled targets.
    agent_words, customer_words : iterable of TimedText, optional
        Recognised characters with times, s: label the agent's backchannels, and count that
        side's syllables for pace from text instead of nuclei.
    pace : bool
        Measure pace matching (needs a pitch track per side for the nuclei: most of the cost).

    Returns
    -------
    CallAnalysis
    """
    tgt = targets if isinstance(targets, Targets) else load_targets(targets)
    turn_settings, pace_settings = settings_from_targets(tgt)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    need_nuclei = (pace and agent_words is None, pace and customer_words is None)
    sides = []
    for k, audio in enumerate(call.sides):
        # nuclei are needed per side unless that side's text is given; which side is which is
        # not known before the guess, so both get them unless both texts are given
        sides.append(measure_side(audio, pace=pace and (any(need_nuclei))))
    timings["signal"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    notices = list(call.notices)
    guessed = call.agent_index is None
    agent_index = call.agent_index if not guessed else guess_agent_index((sides[0].activity.is_speech, sides[1].activity.is_speech), frame_s=FRAME_S, bridge_s=turn_settings.bridge_s)
    if guessed:
        log.info("agent side guessed: %d", agent_index)
        notices.append(Notice("agent_guessed", f"the agent's side was guessed as the {'left/first' if agent_index == 0 else 'right/second'} one (it speaks first); give --agent-channel if that is wrong", {"agent_index": agent_index}))
    agent, customer = sides[agent_index], sides[1 - agent_index]
    a_speech, c_speech = _same_length(confident_speech(agent.activity), confident_speech(customer.activity))
    a_sound, c_sound = _same_length(sounding(agent.activity), sounding(customer.activity))
    turns = analyze_turns(a_speech, c_speech, frame_s=FRAME_S, settings=turn_settings, agent_sound=a_sound, customer_sound=c_sound)
    backchannels = label_backchannels(turns.agent_backchannels, words=agent_words)
    pace_result = None
    if pace:
        a_syl = _centres(agent_words) if agent_words is not None else agent.syllables_s
        c_syl = _centres(customer_words) if customer_words is not None else customer.syllables_s
        pace_result = match_pace(turns, agent_speech=a_speech, customer_speech=c_speech, agent_syllables_s=a_syl, customer_syllables_s=c_syl,
                                 settings=pace_settings, source_agent="transcript" if agent_words is not None else "nuclei",
                                 source_customer="transcript" if customer_words is not None else "nuclei")
    timings["turns"] = time.perf_counter() - t1
    if not a_speech.any() or not c_speech.any():
        who = "the agent" if not a_speech.any() else "the customer"
        notices.append(Notice("one_side_silent", f"{who}'s side holds no speech; check that both sides were recorded", {"side": who}))
    checks = _checks(turns, pace_result, tgt)
    if call.layout == "mono":
        # the separation gives every speech frame to one voice, so two voices at once cannot
        # show: overtalk and interruptions would read 0 whatever happened. Not measured.
        checks = tuple(CallCheck(c.key, float("nan"), c.min, c.max, c.unit, c.source) if c.key in NOT_ON_MONO else c for c in checks)
        notices.append(Notice("overtalk_not_measured", "on a mono recording two voices at once cannot be told apart, so overtalk and interruptions are not measured", {}))
    if call.separation is not None and not call.separation.confident:
        # mixed speech: report what was measured, judge nothing (the notice comes from the loader)
        checks = tuple(CallCheck(c.key, float("nan"), c.min, c.max, c.unit, c.source, judged=False) for c in checks)
    elif call.separation is not None and not separation_trusted(tgt):
        # told apart, but such splits rarely keep the figures within tolerance: shown, not judged
        checks = tuple(dataclasses.replace(c, judged=False) for c in checks)
        notices.append(Notice("separation_unreliable", f"the two voices were separated, but such separations kept the agent's figures within tolerance in {SPLIT_RELIABILITY:.0%} of test calls; the figures are shown, none is judged", {"reliability": round(SPLIT_RELIABILITY, 3), "min": tgt["quality.separation_reliability"].min}))
    return CallAnalysis(call.duration_s, call.layout, agent_index, guessed, turns, backchannels, pace_result,
                        checks, agent, customer, tuple(notices), timings, tgt.files, tuple(call.sources), call.separation)


def separation_trusted(tgt: Targets) -> bool:
    """Whether figures of a confidently separated mono call may be judged: the separation's
    measured reliability (``voices.SPLIT_RELIABILITY``) inside ``quality.separation_reliability``."""
    c = check("quality.separation_reliability", SPLIT_RELIABILITY, tgt["quality.separation_reliability"])
    return c is None or c.inside


def _checks(turns: TurnTaking, pace: PaceMatch | None, tgt: Targets) -> tuple[CallCheck, ...]:
    per_min = turns.span_min
    values = {
        "talk_ratio": turns.talk_ratio,
        "longest_monologue_s": turns.longest_monologue_s(AGENT),
        "turns_per_min": turns.turns_per_min,
        "overtalk_ratio": turns.overtalk_s / turns.span.duration_s if turns.span.duration_s > 0 else float("nan"),
        "agent_interruptions_per_min": len(turns.agent_interruptions) / per_min if per_min > 0 else float("nan"),
        "latency_median_s": turns.latency_median_s,
        "latency_p90_s": turns.latency_p90_s,
        "n_dead_air": float(len(turns.dead_air)),
        "long_hold_s": max((h.duration_s for h in turns.holds), default=float("nan")),
        "pace_gap_cps": pace.gap_abs_median_cps if pace is not None else float("nan"),
        "pace_follow_slope": pace.follow_slope if pace is not None else float("nan"),
    }
    out = []
    for name, value in values.items():
        t = tgt[f"conversation.{name}"]
        out.append(CallCheck(t.key, float(value), t.min, t.max, t.unit, t.source))
    return tuple(out)


def _same_length(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = min(len(a), len(b))
    return a[:n], b[:n]


def _centres(words: Iterable[TimedText]) -> np.ndarray:
    return np.array([(w.start_s + w.end_s) / 2 for w in words], float)
