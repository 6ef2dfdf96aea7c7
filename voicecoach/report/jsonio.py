"""report.json: the Analysis as a documented, versioned dict (schema in data/report.schema.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


def analysis_to_dict(a) -> dict:
    """Every figure, score and verdict of an :class:`~voicecoach.analysis.Analysis`, and its provenance."""
    from voicecoach.analysis import REPORT_SCHEMA, REPORT_SCHEMA_VERSION, tool_info

    t = a.transcript
    return json_safe({
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
        "dimensions": [d.to_dict() for d in a.dimensions],
        "measures": {
            "pace": a.pace.to_dict(),
            "pauses": a.pauses.to_dict(),
            "volume": a.loudness.to_dict(),
            "pitch": a.pitch.to_dict(),
            "drawl": a.drawl.to_dict(),
            "articulation": a.articulation.to_dict(),
            "syllable_nuclei": {"n_syllables": a.acoustic_syllables, "ratio_to_transcript": a.rate_agreement_ratio()},
        },
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
        "notices": [n.to_dict() for n in a.notices],
        "timings_s": {k: round(v, 4) for k, v in a.timings_s.items()},
    })


def json_safe(x):
    """NaN/inf -> None, numpy scalars -> Python, recursively (JSON has no NaN)."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
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
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def schema_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "report.schema.json"
