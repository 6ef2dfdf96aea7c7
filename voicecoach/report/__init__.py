"""Report writers: report.json, report.html, charts, terminal summary."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReportFiles:
    """Paths of a written report."""

    folder: Path
    json: Path
    html: Path
    charts: tuple[Path, ...]

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "json": str(self.json), "html": str(self.html), "charts": [str(p) for p in self.charts]}


def default_report_dir(source_path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """``<out or the recording's folder>/<stem>.report``."""
    p = Path(source_path)
    base = Path(out) if out is not None else p.parent
    return base / f"{p.stem}.report"


def write_report(a, folder: str | os.PathLike, *, lang: str | None = None) -> ReportFiles:
    """Write report.json, report.html and the chart PNGs of an analysis into ``folder``."""
    from voicecoach.report.charts import write_charts
    from voicecoach.report.html import write_html
    from voicecoach.report.jsonio import write_json

    lang = lang or a.lang
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    json_path = write_json(a.to_dict(), out / "report.json")
    charts = write_charts(a, out / "charts", lang=lang)
    src = Path(a.loaded.source.path)
    href = os.path.relpath(src, out) if src.exists() else None
    html_path = write_html(a, charts, out / "report.html", lang=lang, audio_href=href)
    return ReportFiles(out, json_path, html_path, tuple(charts["summary"] + charts["timeline"]))
