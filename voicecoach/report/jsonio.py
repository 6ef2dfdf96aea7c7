"""report.json: the Analysis as a documented, versioned dict (schema in data/report.schema.json)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from voicecoach import __version__
from voicecoach.judge import dimensions
from voicecoach.errors import InputError, safe_text
from voicecoach.audio.filecheck import file_sha256
from voicecoach.i18n import N_


REPORT_SCHEMA = "voicecoach.report"
REPORT_SCHEMA_VERSION = "1.3"
"""1.2: ``dimensions[].figures`` (each registered dimension's stored figures with units); a
dimension's name and a moment's kind are any registered one, no longer a fixed list.
1.3: ``filled_pauses`` (嗯/呃-type hesitations, their moments and rate per minute of speech).
   ``wording``, what the wording coach (话术) found: flagged phrases with suggestions and
moments, the required-lines checklist, the rules files in effect.
:func:`migrate_report` brings a 1.0, 1.1 or 1.2 report up to date."""


def analysis_to_dict(a, *, full_paths: bool = False) -> dict:
    """Every figure, score and verdict of an :class:`~voicecoach.analysis.Analysis`, and its provenance.

    Parameters
    ----------
    a : Analysis
    full_paths : bool
        Keep the absolute paths of the recording, model folder and targets files. By default a
        report names files and gives their SHA-256 instead, so that it tells nothing about the
        machine or the user it was made on.
    """
    t = a.transcript
    d = _analysis_dict(a, t)
    return json_safe(d if full_paths else without_paths(d))


def without_paths(d: dict) -> dict:
    """The report with file names (and checksums) where it held paths of this machine."""
    src = dict(d.get("source") or {})
    path = src.get("path")
    if isinstance(path, str) and path != "<array>":
        src["path"] = os.path.basename(path)
        src.setdefault("file_sha256", file_sha256(path))
    model = dict(d.get("model") or {})
    if isinstance(model.get("path"), str) and model.get("source") != "hub" and os.path.isabs(model["path"]):
        model["path"] = os.path.basename(model["path"].rstrip("/"))
    targets = dict(d.get("targets") or {})
    if "files" in targets:
        targets["files"] = [os.path.basename(f) if os.path.isabs(f) else f for f in targets["files"]]
        targets["files_sha256"] = [file_sha256(f) for f in (d.get("targets") or {}).get("files", [])]
    if "items" in targets:
        targets["items"] = {k: ({**v, "origin": os.path.basename(v["origin"])} if os.path.isabs(str(v.get("origin", ""))) else v) for k, v in targets["items"].items()}
    wording = d.get("wording")
    if isinstance(wording, dict) and isinstance(wording.get("rules"), dict):
        rules = wording["rules"]
        wording = {**wording, "rules": {**rules, "files": [os.path.basename(f) if os.path.isabs(f) else f for f in rules.get("files", [])],
                                        "files_sha256": [file_sha256(f) for f in rules.get("files", [])]}}
    return {**d, "source": src, "model": model, "targets": targets, "wording": wording}


def tool_info() -> dict:
    return {"name": "voicecoach", "version": __version__}


def _analysis_dict(a, t) -> dict:
    measures = {d.name: d.measures(a).to_dict() for d in dimensions.registered()}
    measures["syllable_nuclei"] = {"n_syllables": a.acoustic_syllables, "ratio_to_transcript": a.rate_agreement_ratio()}
    return ({
        "schema": REPORT_SCHEMA,
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": tool_info(),
        "created_utc": a.created_utc,
        "source": a.loaded.source.to_dict(),
        "settings": {"channel": a.loaded.source.channel, "lang": a.lang, "transcription": t.settings.to_dict(), "script": a.script is not None},
        "model": t.model.to_dict(),
        "targets": a.targets.to_dict(),
        "summary": {
            "overall_score": a.overall.to_dict()["score"],
            "weights": a.overall.to_dict()["weights"],
            "duration_s": a.duration_s,
            "speech_s": a.pace.speaking_time_s,
            "n_syllables": a.pace.n_syllables,
            "acoustic_syllables": a.acoustic_syllables,
            "verdicts": {d.name: d.verdict for d in a.dimensions},
        },
        "dimensions": [{**d.to_dict(), "figures": _figures(d.name, measures)} for d in a.dimensions],
        "measures": measures,
        "sentences": [s.to_dict() for s in a.sentences],
        "transcript": {
            "text": a.text,
            "recognised_text": t.text,
            "language": t.language,
            "chars": [{"text": c.text, "start_s": c.start_s, "end_s": c.end_s, "probability": c.probability, "punct_after": c.punct_after} for c in a.chars],
            "dropped_segments": list(t.dropped),
            "n_gap_windows": t.n_gap_windows,
            "coverage": a.coverage.to_dict() if a.coverage is not None else None,
        },
        "script": a.script.to_dict() if a.script is not None else None,
        "voices": a.measures.voices.to_dict() if a.measures.voices is not None else None,
        "filled_pauses": a.measures.filled_pauses.to_dict() if a.measures.filled_pauses is not None else None,
        "wording": _wording(a),
        "notices": [n.to_dict() for n in a.notices],
        "timings_s": {k: round(v, 4) for k, v in a.timings_s.items()},
    })


def _wording(a) -> dict | None:
    """The wording block: what the wording coach found, and the rules it applied."""
    w = a.measures.wording
    if w is None:
        return None
    rules = getattr(a, "rules", None)
    return {**w.to_dict(), "rules": rules.to_dict() if rules is not None else None}


def _figures(name: str, measures: dict) -> dict:
    """A dimension's stored figures, ``{key: {"value", "unit"}}``, from its measures section."""
    if name not in dimensions.names():
        return {}
    section = measures.get(name) or {}
    return {f.key: {"value": section.get(f.field), "unit": f.unit} for f in dimensions.get(name).figures}


def migrate_report(d: dict) -> dict:
    """A report.json of schema 1.0, 1.1 or 1.2 in the shape of the current version (1.3).

    1.2 added ``dimensions[].figures``; they are filled from the report's own ``measures``
    (nothing is measured again). 1.3 added ``filled_pauses`` and ``wording``: an older report
    gets null for both (not measured, its transcript not searched), never a count of zero. A
    current report comes back unchanged.

    Raises
    ------
    InputError
        Not a voicecoach report, or one newer than this voicecoach reads.
    """
    if d.get("schema") != REPORT_SCHEMA:
        raise InputError.of(N_("not a voicecoach report (schema {schema}); give a report.json written by voicecoach analyze"), schema=repr(d.get('schema')))
    version = str(d.get("schema_version", ""))
    if version == REPORT_SCHEMA_VERSION:
        return d
    if version not in ("1.0", "1.1", "1.2"):
        raise InputError.of(N_("report schema {version} is not one this voicecoach ({ours}) can read; upgrade voicecoach"), version=version, ours=REPORT_SCHEMA_VERSION)
    measures = d.get("measures") or {}
    dims = [{**x, "figures": x.get("figures") or json_safe(_figures(x.get("name", ""), measures))} for x in d.get("dimensions", [])]
    return {**d, "schema_version": REPORT_SCHEMA_VERSION, "dimensions": dims,
            "filled_pauses": d.get("filled_pauses"), "wording": d.get("wording")}


def json_safe(x):
    """NaN/inf -> None, numpy scalars -> Python, undecodable file-name bytes -> U+FFFD,
    recursively (JSON has no NaN, and is written as UTF-8)."""
    if isinstance(x, str):
        return safe_text(x)
    if isinstance(x, dict):
        return {safe_text(str(k)): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if not math.isfinite(v) else v
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def write_json(data: dict, path: Path) -> Path:
    """Write ``data`` as UTF-8 JSON through a temporary file renamed into place (a full disk
    leaves the old file or none, never a truncated one)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def schema_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "report.schema.json"
