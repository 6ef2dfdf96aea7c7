"""Targets: every threshold with its unit, reason and source; defaults plus an organisation's overrides.

The defaults ship as ``voicecoach/data/targets.toml``. An organisation's file may override any
subset of keys. Both are validated; a mistake is reported by key and line::

    our_centre.toml line 7: pace.speaking_rate_cps.min is "fast" but must be a number (syllables/s)
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from voicecoach.errors import TargetsError
from voicecoach.i18n import N_

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NUMERIC = ("min", "max", "value", "falloff")
_TEXT = ("unit", "reason", "source")
_REGISTERED: dict[str, tuple[dict, float | None]] = {}
"""Default targets and weight of each dimension registered beyond ``data/targets.toml``
(filled by :func:`voicecoach.judge.dimensions.register`)."""


def register_defaults(section: str, items: Mapping[str, Mapping], weight: float | None) -> None:
    """Add a registered dimension's default targets (TOML fields per name) and overall weight."""
    _REGISTERED[section] = ({k: dict(v) for k, v in items.items()}, weight)


def unregister_defaults(section: str) -> None:
    _REGISTERED.pop(section, None)


@dataclass(frozen=True)
class Target:
    """One threshold or band.

    Attributes
    ----------
    key : str
        ``"section.name"``, e.g. ``"pace.speaking_rate_cps"``.
    min, max : float or None
        Band edges (either may be open).
    value : float or None
        A single threshold.
    falloff : float or None
        Distance outside the band at which the score reaches 0, in ``unit``.
    unit, reason, source : str
    origin : str
        The file the effective values came from.
    """

    key: str
    min: float | None = None
    max: float | None = None
    value: float | None = None
    falloff: float | None = None
    unit: str = ""
    reason: str = ""
    source: str = ""
    origin: str = "defaults"

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("min", "max", "value", "falloff", "unit", "reason", "source", "origin") if getattr(self, k) is not None}


@dataclass(frozen=True)
class Targets:
    """All targets in effect.

    Attributes
    ----------
    items : Mapping[str, Target]
    weights : Mapping[str, float]
        Overall-score weight of each dimension, normalised to sum 1.
    files : tuple of str
        Files merged, defaults first.
    """

    items: Mapping[str, Target]
    weights: Mapping[str, float]
    files: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Target:
        try:
            return self.items[key]
        except KeyError:
            raise KeyError(f"no target '{key}'") from None

    def value(self, key: str) -> float:
        t = self[key]
        if t.value is None:
            raise KeyError(f"target '{key}' is a band, not a single value")
        return t.value

    def to_dict(self) -> dict:
        return {"files": list(self.files), "weights": dict(self.weights), "items": {k: v.to_dict() for k, v in self.items.items()}}


def default_targets_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "targets.toml"


def load_targets(path: str | Path | None = None) -> Targets:
    """Defaults, overridden by ``path`` when given.

    Raises
    ------
    TargetsError
        Unreadable TOML, unknown keys, wrong types or units, inverted bands; with key and line.
    """
    base_path = default_targets_path()
    base = _parse(base_path)
    items = _items(base, base_path, None)
    weights = _weights(base, base_path)
    for section, (extra, weight) in _REGISTERED.items():
        if not any(k.startswith(section + ".") for k in items):
            items.update(_items({section: extra}, Path(f"dimension {section}"), None))
        if weight is not None and section not in weights:
            weights[section] = float(weight)
    files = [str(base_path)]
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise TargetsError.of(N_("targets file {name} does not exist; give the path of a .toml file (see voicecoach targets --show)"), name=p.name)
        over = _parse(p)
        items = _items(over, p, items)
        if "overall" in over:
            weights = _weights(over, p, weights)
        files.append(str(p))
    return Targets(MappingProxyType(items), MappingProxyType(_normalised(weights)), tuple(files))


def _parse(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TargetsError.of(N_("{name} is not UTF-8 text; save it as UTF-8"), name=path.name) from None
    except OSError as e:
        raise TargetsError.of(N_("targets file {name} cannot be read ({reason}); check the path and its permissions"), name=path.name, reason=e.strerror) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TargetsError.of(N_("{name}: not valid TOML ({reason}); fix the syntax at that line"), name=path.name, reason=str(e)) from None


def _line_of(path: Path, key: str) -> int | None:
    """Line where a dotted key is set: ``[a.b]`` then ``c = ...``, or ``[a]`` then ``b.c = ...``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    parts = key.split(".")
    table = None
    for n, line in enumerate(lines, 1):
        s = line.strip()
        m = re.match(r"^\[([^\]]+)\]", s)
        if m:
            table = m.group(1).strip()
            if table == key:
                return n
            continue
        m = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=", s)
        if m and table is not None:
            full = f"{table}.{m.group(1).strip()}"
            if full == key:
                return n
    for n, line in enumerate(lines, 1):
        if parts[-1] in line:
            return n
    return None


def _fail(path: Path, key: str, message: str) -> TargetsError:
    line = _line_of(path, key)
    where = f"{path.name} line {line}" if line else path.name
    return TargetsError.of(N_("{where}: {key} {problem}"), where=where, key=key, problem=message)


def _items(doc: dict, path: Path, base: dict[str, Target] | None) -> dict[str, Target]:
    out = dict(base) if base else {}
    for section, table in doc.items():
        if section == "format":
            if table != 1:
                raise _fail(path, "format", f"is {table!r}; this voicecoach reads format = 1")
            continue
        if section == "overall":
            continue
        if not isinstance(table, dict):
            raise _fail(path, section, "must be a table like [section.name]")
        sections = list(dict.fromkeys(k.split(".", 1)[0] for k in base)) if base is not None else []
        if base is not None and section not in sections:
            raise _fail(path, section, f"is not a known section; known: {', '.join(sections)}, overall")
        for name, spec in table.items():
            key = f"{section}.{name}"
            if base is not None and key not in base:
                known = ", ".join(k.split(".", 1)[1] for k in base if k.startswith(section + "."))
                raise _fail(path, key, f"is not a known target; known in [{section}]: {known}")
            if not isinstance(spec, dict):
                raise _fail(path, key, f"must be a table ([{key}] with min/max/value), got {spec!r}")
            out[key] = _target(key, spec, path, base.get(key) if base else None)
    return out


def _target(key: str, spec: dict, path: Path, old: Target | None) -> Target:
    fields = {}
    for k, v in spec.items():
        if k in _NUMERIC:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                unit = spec.get("unit") or (old.unit if old else "")
                raise _fail(path, f"{key}.{k}", f"is {v!r} but must be a number ({unit})")
            fields[k] = float(v)
        elif k in _TEXT:
            if not isinstance(v, str):
                raise _fail(path, f"{key}.{k}", f"must be text, got {v!r}")
            fields[k] = v
        else:
            raise _fail(path, f"{key}.{k}", "is not a known field; use min, max, value, falloff, unit, reason, source")
    if old is not None:
        if "unit" in fields and fields["unit"] != old.unit:
            raise _fail(path, f"{key}.unit", f"is '{fields['unit']}' but this target is measured in '{old.unit}'; convert the numbers to {old.unit}")
        if old.value is not None and any(k in fields for k in ("min", "max")) and "value" not in fields:
            raise _fail(path, key, "is a single threshold: set `value`, not min/max")
        if old.value is None and "value" in fields:
            raise _fail(path, key, "is a band: set `min` and/or `max`, not `value`")
        merged = {**old.to_dict(), **fields, "origin": str(path)}
        if "reason" not in fields and "source" not in fields and fields:
            merged["source"] = f"{path.name} (organisation override); default: {old.source}"
    else:
        if not any(k in fields for k in ("min", "max", "value")):
            raise _fail(path, key, "needs min/max or value")
        for k in ("unit", "reason", "source"):
            if not fields.get(k):
                raise _fail(path, key, f"has no {k}: every default target states unit, reason and source")
        merged = {**fields, "origin": "defaults"}
    t = Target(key=key, **merged)
    if t.min is not None and t.max is not None and t.min >= t.max:
        raise _fail(path, key, f"has min {t.min:g} >= max {t.max:g}; min must be below max")
    if t.falloff is not None and t.falloff <= 0:
        raise _fail(path, f"{key}.falloff", f"is {t.falloff:g}; it must be > 0")
    return t


def _weights(doc: dict, path: Path, base: dict[str, float] | None = None) -> dict[str, float]:
    section = doc.get("overall", {})
    if not isinstance(section, dict):
        raise _fail(path, "overall", f"is {section!r} but must be a table: [overall.weights] with one number per dimension")
    for k in section:
        if k != "weights" and k not in _TEXT:
            raise _fail(path, f"overall.{k}", "is not a known key; [overall] holds only weights (as [overall.weights])")
    table = section.get("weights")
    if table is not None and not isinstance(table, dict):
        raise _fail(path, "overall.weights", f"is {table!r} but must be a table with one number per dimension")
    if table is None:
        if base is None:
            raise _fail(path, "overall.weights", "is missing")
        return dict(base)
    out = dict(base) if base else {}
    for k, v in table.items():
        if k in _TEXT:
            continue
        if base is not None and k not in base:
            raise _fail(path, f"overall.weights.{k}", f"is not a dimension; use {', '.join(base)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise _fail(path, f"overall.weights.{k}", f"is {v!r} but must be a finite number >= 0")
        out[k] = float(v)
    if sum(out.values()) <= 0:
        raise _fail(path, "overall.weights", "are all 0; give at least one dimension a weight")
    return out


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()}
