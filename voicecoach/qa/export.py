"""Exports of the result store: CSV and XLSX, one row per call, with filters."""

from __future__ import annotations

import csv
import json
import os
from datetime import date
from pathlib import Path

from voicecoach.judge import dimensions
from voicecoach.errors import VoiceCoachError
from voicecoach.qa.store import Store

BASE_COLUMNS = ["call_id", "agent_id", "call_date", "path", "status", "error_code", "error_message", "duration_s", "overall_score"]
TAIL_COLUMNS = ["n_notices", "model_name", "voicecoach_version", "attempts", "created_at", "key"]
UNITS = {"duration_s": "s", "overall_score": "0-100"}


def units() -> dict[str, str]:
    """Column -> unit or meaning, for the XLSX column sheet (figures: as each dimension declares)."""
    return {**UNITS, **{f.key: f.unit for _, f in dimensions.figures()}}


def columns() -> list[str]:
    """Every column, in order: the call, each dimension's score and verdict, each figure, provenance."""
    cols = list(BASE_COLUMNS)
    for d in dimensions.registered():
        cols += [f"{d.name}_score", f"{d.name}_verdict"]
    cols += [f.key for _, f in dimensions.figures()]
    return cols + TAIL_COLUMNS


def table(store: Store, **filters) -> tuple[list[str], list[list]]:
    """Header and rows (extra manifest columns appended, sorted by name)."""
    rows = store.rows(**filters)
    extras = sorted({k for r in rows if r.get("extra") for k in json.loads(r["extra"])})
    cols = columns()
    header = cols + extras
    out = []
    for r in rows:
        extra = json.loads(r["extra"]) if r.get("extra") else {}
        out.append([_cell(r.get(c)) for c in cols] + [_cell(extra.get(k)) for k in extras])
    return [neutralise(h) for h in header], out


def _cell(v):
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else neutralise(v)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Characters with which a spreadsheet starts a formula (OWASP CSV injection; full-width forms too)."""


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula, made inert.

    Notes
    -----
    OWASP's CSV-injection rule: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return gets a leading single quote, so ``=HYPERLINK(...)`` or ``=1+1`` shows as
    text; the CSV writer quotes every cell holding a separator or a quote. Numbers are left
    alone (a negative score stays a number).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export(store: Store, path: str | os.PathLike, *, fmt: str | None = None, **filters) -> int:
    """Write the filtered results to CSV or XLSX; returns the number of rows."""
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".") or "csv").lower()
    header, rows = table(store, **filters)
    if fmt not in ("csv", "xlsx"):
        raise VoiceCoachError(f"unknown export format '{fmt}'; use csv or xlsx")
    tmp = p.with_name(f".{p.name[:100]}.{os.getpid()}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel opens Chinese text correctly
                w = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
                w.writerow(header)
                w.writerows(rows)
        else:
            _xlsx(tmp, header, rows)
        os.replace(tmp, p)  # a full disk leaves the old export, never half a new one
    except OSError as e:
        raise VoiceCoachError(f"cannot write the export {p.name} ({e.strerror or e}); free some disk space or choose another folder with -o") from None
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows)


def _xlsx(path: Path, header: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "calls"
    ws.append(header)
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (openpyxl takes "=..." as one)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    for i, name in enumerate(header, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) + 2))
    notes = wb.create_sheet("columns")
    notes.append(["column", "unit / meaning"])
    known = units()
    for name in header:
        unit = known.get(name, "0-100" if name.endswith("_score") else "verdict word" if name.endswith("_verdict") else "")
        notes.append([name, unit])
    wb.save(str(path))
