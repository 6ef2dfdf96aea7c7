"""Wording rules as data: the defaults (``data/wording.toml``, each rule with its source) and an
organisation's phrase list that overrides or extends them.

Both files have one shape (see the defaults' header). A mistake is reported by entry and line,
the way a targets file's is (:mod:`voicecoach.judge.targets`)::

    our_phrases.toml line 12: [[discouraged]] "policy" has no suggest; a discouraged phrase needs the wording to use instead
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from pathlib import Path

from voicecoach.errors import PhrasesError
from voicecoach.i18n import N_
from voicecoach.wording.types import KINDS, STAGES, Rule, Rules, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_ENTRY_KEYS = {"discouraged": ("id", "phrases", "suggest", "source"), "forbidden": ("id", "phrases", "suggest", "source"),
               "required": ("id", "phrases", "stage", "required", "source")}
_WORD_TABLES = ("polite", "fillers", "pet")
_TOP = ("format", "settings", "disable", "you", *KINDS, *_WORD_TABLES)
_HAN = re.compile(r"[\u3400-\u9fff]")
_SETTING_RANGES = {"tolerance": (0.0, 1.0), "min_confidence": (0.0, 1.0), "start_window_s": (1.0, 600.0), "end_window_s": (1.0, 600.0),
                   "filler_gap_s": (0.05, 5.0), "pet_min_count": (1, 1000)}


def default_phrases_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "wording.toml"


def load_rules(path: str | Path | None = None) -> Rules:
    """The default rules, overridden and extended by the phrase list at ``path`` when given.

    Raises
    ------
    PhrasesError
        Missing or unreadable file, invalid TOML, unknown tables or keys, wrong types, an entry
        without phrases (or a phrase without a Chinese character), an unknown stage, a
        discouraged phrase without its suggestion; with entry and line.
    """
    base_path = default_phrases_path()
    rules = _apply(_parse(base_path), base_path, None)
    if path is None:
        return rules
    p = Path(path)
    if not p.is_file():
        raise PhrasesError.of(N_("phrase list {name} does not exist; give the path of a .toml file shaped like voicecoach/data/wording.toml"), name=p.name)
    return _apply(_parse(p), p, rules)


def _parse(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PhrasesError.of(N_("{name} is not UTF-8 text; save it as UTF-8"), name=path.name) from None
    except OSError as e:
        raise PhrasesError.of(N_("phrase list {name} cannot be read ({reason}); check the path and its permissions"), name=path.name, reason=e.strerror) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PhrasesError.of(N_("{name}: not valid TOML ({reason}); fix the syntax at that line"), name=path.name, reason=str(e)) from None


def _line_of(path: Path, needle: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if needle in line), None)


def _fail(path: Path, needle: str, what: str, problem: str) -> PhrasesError:
    line = _line_of(path, needle) if needle else None
    where = f"{path.name} line {line}" if line else path.name
    return PhrasesError.of(N_("{where}: {what} {problem}"), where=where, what=what, problem=problem)


def _apply(doc: dict, path: Path, base: Rules | None) -> Rules:
    is_default = base is None
    for key in doc:
        if key not in _TOP:
            raise _fail(path, key, key, f"is not a known table; use {', '.join(_TOP)}")
    if doc.get("format", 1) != 1:
        raise _fail(path, "format", "format", f"is {doc['format']!r}; this voicecoach reads format = 1")
    rules = {r.id: r for r in base.rules} if base else {}
    disable = doc.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(x, str) for x in disable):
        raise _fail(path, "disable", "disable", f"is {disable!r} but must be a list of rule ids")
    for rid in disable:
        if rid not in rules:
            raise _fail(path, rid, "disable", f"names {rid!r}, which is not a rule; known: {', '.join(rules)}")
        del rules[rid]
    seen: set[str] = set()
    for kind in KINDS:
        entries = doc.get(kind, [])
        if not isinstance(entries, list):
            raise _fail(path, kind, kind, f"must be written as [[{kind}]] entries")
        for entry in entries:
            rule = _rule(kind, entry, path, is_default)
            if rule.id in seen:
                raise _fail(path, f'"{rule.id}"', f"[[{kind}]] {rule.id!r}", "appears twice in this file; give each entry its own id")
            seen.add(rule.id)
            rules[rule.id] = rule
    words = {t: getattr(base, t) if base else () for t in _WORD_TABLES}
    sources = dict(base.sources) if base else {}
    for table in _WORD_TABLES:
        if table in doc:
            words[table], sources[table] = _words(table, doc[table], path, is_default, sources.get(table, ""))
    you = (base.polite_you, base.pointing_you) if base else ("您", "你")
    if "you" in doc:
        t = doc["you"]
        if not isinstance(t, dict) or any(k not in ("polite", "pointing", "source") for k in t) or not all(isinstance(v, str) and v for v in t.values()):
            raise _fail(path, "[you]", "[you]", "must hold polite, pointing and source as text")
        you = (t.get("polite", you[0]), t.get("pointing", you[1]))
        sources["you"] = t.get("source", sources.get("you", f"{path.name} (organisation list)"))
    settings = _settings(doc.get("settings", {}), path, base.settings if base else Settings())
    files = (*(base.files if base else ()), str(path))
    return Rules(tuple(rules.values()), words["polite"], words["fillers"], words["pet"], you[0], you[1], sources, settings, files)


def _rule(kind: str, entry, path: Path, is_default: bool) -> Rule:
    if not isinstance(entry, dict):
        raise _fail(path, kind, f"[[{kind}]]", f"entry {entry!r} must be a table with id and phrases")
    rid = entry.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", rid or ""):
        raise _fail(path, kind, f"[[{kind}]]", f"entry has id {rid!r}; give each entry an id of letters, digits, - or _")
    what = f"[[{kind}]] {rid!r}"
    needle = f'"{rid}"'
    for k in entry:
        if k not in _ENTRY_KEYS[kind]:
            raise _fail(path, needle, what, f"has the unknown key {k!r}; use {', '.join(_ENTRY_KEYS[kind])}")
    phrases = entry.get("phrases")
    if isinstance(phrases, str):
        phrases = [phrases]
    if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) for p in phrases):
        raise _fail(path, needle, what, f"has phrases {phrases!r}; give a list of one or more phrases in Chinese characters")
    bad = [p for p in phrases if not _HAN.search(p)]
    if bad:
        raise _fail(path, needle, what, f"has the phrase {bad[0]!r} with no Chinese character; phrases are matched on their pinyin, so write them in characters")
    for k in ("suggest", "source", "stage"):
        if k in entry and not isinstance(entry[k], str):
            raise _fail(path, needle, what, f"has {k} = {entry[k]!r}; it must be text")
    if kind == "discouraged" and not entry.get("suggest"):
        raise _fail(path, needle, what, "has no suggest; a discouraged phrase needs the wording to use instead")
    stage = entry.get("stage", "any")
    if stage not in STAGES:
        raise _fail(path, needle, what, f"has stage {stage!r}; use start, end or any")
    required = entry.get("required", True)
    if not isinstance(required, bool):
        raise _fail(path, needle, what, f"has required = {required!r}; use true or false")
    source = entry.get("source", "")
    if not source:
        if is_default:
            raise _fail(path, needle, what, "has no source; every default rule states where it comes from")
        source = f"{path.name} (organisation list)"
    return Rule(rid, kind, tuple(p.strip() for p in phrases), entry.get("suggest", ""), source, stage, required)


def _words(table: str, spec, path: Path, is_default: bool, old_source: str) -> tuple[tuple[str, ...], str]:
    if not isinstance(spec, dict) or any(k not in ("words", "source") for k in spec):
        raise _fail(path, f"[{table}]", f"[{table}]", "must hold words (a list) and source")
    words = spec.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and _HAN.search(w) for w in words):
        raise _fail(path, f"[{table}]", f"[{table}].words", f"is {words!r}; give a list of words in Chinese characters")
    source = spec.get("source") or ("" if is_default else f"{path.name} (organisation list)")
    if is_default and not source:
        raise _fail(path, f"[{table}]", f"[{table}]", "has no source")
    return tuple(words), source


def _settings(spec, path: Path, old: Settings) -> Settings:
    if not isinstance(spec, dict):
        raise _fail(path, "[settings]", "[settings]", "must be a table")
    values = {}
    for k, v in spec.items():
        if k not in _SETTING_RANGES:
            raise _fail(path, k, f"settings.{k}", f"is not a known setting; use {', '.join(_SETTING_RANGES)}")
        lo, hi = _SETTING_RANGES[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise _fail(path, k, f"settings.{k}", f"is {v!r} but must be a number from {lo:g} to {hi:g}")
        values[k] = int(v) if k == "pet_min_count" else float(v)
    return dataclasses.replace(old, **values)
