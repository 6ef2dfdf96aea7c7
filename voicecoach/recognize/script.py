"""Known script: align the text that was meant to be said to what was recognised.

Practice takes and benchmark recordings are usually read from a script. Aligning the script's
spoken syllables to the recognised ones (Levenshtein alignment, rapidfuzz) lets the script
supply the character count and the punctuation (sentence boundaries), while the recognition
supplies the timings. Where they disagree we report a *departure*:

* ``omitted``: script syllables with no recognised counterpart and no speech under the time
  they would occupy: the speaker skipped them;
* ``added``: recognised syllables with no counterpart in the script, over real speech;
* ``unclear``: three or more consecutive syllables recognised as something else, or script
  syllables with speech under them that the recogniser did not catch.

Single substitutions are recognition errors, not departures: the offline base model gets
about a third of the characters of real speech wrong.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from voicecoach.errors import ScriptError, display_name
from voicecoach.audio.activity import Activity
from voicecoach.recognize.textnorm import is_punctuation, spoken_units, written_tokens
from voicecoach.recognize.types import Char
from voicecoach.i18n import N_

SCRIPT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Departure:
    """Where what was heard departs from the script.

    Attributes
    ----------
    kind : str
        ``"omitted"``, ``"added"`` or ``"unclear"``.
    start_s, end_s : float
    expected : str
        Script text of the passage ('' for added).
    heard : str
        Recognised text ('' for omitted).
    """

    kind: str
    start_s: float
    end_s: float
    expected: str
    heard: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "expected": self.expected, "heard": self.heard}


@dataclass(frozen=True)
class ScriptAlignment:
    """A script aligned to a recognition.

    Attributes
    ----------
    chars : tuple of Char
        The spoken syllables as they will be measured: script text and punctuation, recognised
        timings; omitted syllables are left out, added ones kept.
    departures : tuple of Departure
    n_script_syllables : int
    n_matched : int
        Script syllables recognised exactly.
    script_text : str
    """

    chars: tuple[Char, ...]
    departures: tuple[Departure, ...]
    n_script_syllables: int
    n_matched: int
    script_text: str
    spread: bool = False

    @property
    def match_ratio(self) -> float:
        return self.n_matched / self.n_script_syllables if self.n_script_syllables else 0.0

    def to_dict(self) -> dict:
        return {
            "script_text": self.script_text,
            "n_script_syllables": self.n_script_syllables,
            "n_matched": self.n_matched,
            "match_ratio": round(self.match_ratio, 4),
            "departures": [d.to_dict() for d in self.departures],
            "spread": self.spread,
        }


def load_script(script: str | Path, *, scripts_dir: str | Path | None = None) -> str:
    """Read a script by file path, or by id from a scripts folder (``<dir>/<id>.txt``).

    Raises
    ------
    ScriptError
        Neither a file nor a known id, or the file is empty.
    """
    p = Path(script)
    candidates = [p]
    if scripts_dir is not None:
        candidates += [Path(scripts_dir) / f"{script}{s}" for s in SCRIPT_SUFFIXES] + [Path(scripts_dir) / str(script)]
    for c in candidates:
        if c.is_file():
            try:
                text = c.read_text(encoding="utf-8-sig").strip()
            except UnicodeDecodeError:
                raise ScriptError.of(N_("script {name} is not UTF-8 text; save it as UTF-8"), name=display_name(c)) from None
            except OSError as e:
                raise ScriptError.of(N_("script {name} cannot be read ({reason}); check the file and its permissions"), name=display_name(c), reason=e.strerror) from None
            if not text:
                raise ScriptError.of(N_("script {name} is empty; put the text that was meant to be said in it"), name=display_name(c))
            return text
    where = f" or as an id in {display_name(scripts_dir)}" if scripts_dir else ""
    raise ScriptError.of(N_("script '{name}' was not found as a file{where}; give a .txt file with the text to be read"), name=display_name(script), where=where)


def _script_units(text: str) -> list[tuple[str, str, str]]:
    """(spoken syllable, written token, punctuation after) for every syllable of a script."""
    tokens = written_tokens(text)
    units = spoken_units(text)
    punct_after_token: dict[int, str] = {}
    for i, tok in enumerate(tokens):
        if _is_punct(tok) and not tok.isspace():
            j = i - 1
            while j >= 0 and (_is_punct(tokens[j]) or tokens[j].isspace()):
                j -= 1
            if j >= 0:
                punct_after_token[j] = punct_after_token.get(j, "") + tok
    out = []
    for k, u in enumerate(units):
        last_of_token = k + 1 == len(units) or units[k + 1].source_index != u.source_index
        out.append((u.spoken, u.source, punct_after_token.get(u.source_index, "") if last_of_token else ""))
    return out


def _is_punct(token: str) -> bool:
    """A one-character punctuation token (a number or a Latin word such as "APP" is not)."""
    return len(token) == 1 and is_punctuation(token)


def align_script(script_text: str, recognised: Sequence[Char], activity: Activity, *, min_spoken_s_per_syllable: float = 0.08) -> ScriptAlignment:
    """Align a script to recognised syllables.

    Parameters
    ----------
    script_text : str
        What was meant to be said.
    recognised : sequence of Char
        The recogniser's syllables with timings.
    activity : Activity
        Decides whether unrecognised script passages were spoken (speech under their time).
    min_spoken_s_per_syllable : float
        Speech time per missing syllable needed to call them spoken-but-unrecognised, s.
    """
    from rapidfuzz.distance import Levenshtein

    script = _script_units(script_text)
    heard = [c.text for c in recognised]
    out: list[Char] = []
    departures: list[Departure] = []
    matched = 0
    ops = Levenshtein.opcodes([s[0] for s in script], heard)
    for op in ops:
        s_slice, r_slice = script[op.src_start:op.src_end], list(recognised[op.dest_start:op.dest_end])
        if op.tag == "equal":
            matched += len(s_slice)
            out += [_from_script(s, r) for s, r in zip(s_slice, r_slice)]
        elif op.tag == "replace":
            n = min(len(s_slice), len(r_slice))
            out += [_from_script(s, r) for s, r in zip(s_slice[:n], r_slice[:n])]
            if len(s_slice) > n:
                out += _missing(s_slice[n:], out, recognised, op.dest_end, activity, min_spoken_s_per_syllable, departures)
            if len(r_slice) > n:
                out += _added(r_slice[n:], activity, departures)
            if n >= 3:
                departures.append(Departure("unclear", r_slice[0].start_s, r_slice[n - 1].end_s, "".join(s[1] if s[1] == s[0] else s[0] for s in s_slice[:n]), "".join(r.text for r in r_slice[:n])))
        elif op.tag == "delete":
            out += _missing(s_slice, out, recognised, op.dest_start, activity, min_spoken_s_per_syllable, departures)
        elif op.tag == "insert":
            out += _added(r_slice, activity, departures)
    out.sort(key=lambda c: c.start_s)
    return ScriptAlignment(tuple(out), tuple(departures), len(script), matched, script_text)


def _from_script(s: tuple[str, str, str], r: Char) -> Char:
    return dataclasses.replace(r, text=s[0], written=s[1], punct_after=s[2])


def _speech_bounds(activity: Activity) -> tuple[float, float]:
    return activity.speech_bounds_s() or (0.0, 0.0)


def _missing(s_slice, out: list[Char], recognised: Sequence[Char], next_index: int, activity: Activity, min_s: float, departures: list[Departure]) -> list[Char]:
    """Script syllables the recogniser did not produce: spoken-but-missed, or omitted.

    They would occupy the time between the previous aligned syllable (or the start of speech)
    and the next recognised one (or the end of speech); if there is speech under that time,
    they were said and the recogniser missed them.
    """
    first, last = _speech_bounds(activity)
    t0 = out[-1].end_s if out else first
    t1 = recognised[next_index].start_s if next_index < len(recognised) else last
    t1 = max(t1, t0)
    speech_s = activity.speech_ratio(t0, t1) * (t1 - t0) if t1 > t0 else 0.0
    expected = "".join(s[0] for s in s_slice)
    if speech_s >= min_s * len(s_slice):
        step = (t1 - t0) / len(s_slice)
        if len(s_slice) >= 2:
            departures.append(Departure("unclear", t0, t1, expected, ""))
        return [Char(s[0], s[1], t0 + k * step, t0 + (k + 1) * step, 0.0, s[2]) for k, s in enumerate(s_slice)]
    departures.append(Departure("omitted", t0, t1, expected, ""))
    if out and s_slice[-1][2] and not out[-1].punct_after:
        out[-1] = dataclasses.replace(out[-1], punct_after=s_slice[-1][2])  # keep a sentence boundary
    return []


def _added(r_slice: list[Char], activity: Activity, departures: list[Departure]) -> list[Char]:
    spoken = [r for r in r_slice if activity.speech_ratio(r.start_s, r.end_s) >= 0.5]
    if spoken:
        departures.append(Departure("added", spoken[0].start_s, spoken[-1].end_s, "", "".join(r.text for r in spoken)))
    return spoken


def spread_script(script_text: str, activity: Activity, *, n_matched: int = 0) -> ScriptAlignment:
    """Lay the script's syllables evenly over the detected speech, pauses skipped.

    For a recording the recogniser could not follow (a voice it loops on, heavy noise): the
    count comes from the script and the timing from the signal, so pace stays right while
    timings inside sentences are rough. ``n_matched`` records how much the recogniser did
    match, for the alignment's ``match_ratio``.
    """
    script = _script_units(script_text)
    speech = np.flatnonzero(activity.is_speech)
    if not script or len(speech) == 0:
        return ScriptAlignment((), (), len(script), n_matched, script_text, spread=True)
    edges = np.linspace(0, len(speech), len(script) + 1)
    half = activity.frame_s / 2
    chars = []
    for k, s in enumerate(script):
        i, j = int(edges[k]), max(int(edges[k]) + 1, int(edges[k + 1]))
        start = float(activity.times_s[speech[i]] - half)
        end = float(activity.times_s[speech[min(j, len(speech)) - 1]] + half)
        chars.append(Char(s[0], s[1], start, max(end, start + activity.frame_s), 0.0, s[2]))
    return ScriptAlignment(tuple(chars), (), len(script), n_matched, script_text, spread=True)
