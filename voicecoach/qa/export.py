"""Exports of the result store: CSV and XLSX, one row per call, with filters.

Without a language the export is for machines: the header row is the column keys
(``pace_score``, ``speaking_rate_cps``) and verdicts are the verdict words (``too_fast``), the
same whatever language the calls were scored in. With ``lang`` it is for people: headers and
verdicts in that language ("语速 得分", "太快"); the XLSX "columns" sheet then maps each
header to its key and unit, so a script can still find a column.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date
from pathlib import Path

from voicecoach import i18n
from voicecoach.i18n import N_, NP_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import check_label, dimension_name, verdict_name
from voicecoach.errors import VoiceCoachError
from voicecoach.qa.store import Store

BASE_COLUMNS = ["call_id", "agent_id", "call_date", "path", "status", "error_code", "error_message", "duration_s", "overall_score"]
TAIL_COLUMNS = ["n_notices", "model_name", "voicecoach_version", "attempts", "created_at", "key"]
UNITS = {"duration_s": "s", "overall_score": "0-100"}
TITLES = {
    "call_id": NP_("column", "call"), "agent_id": NP_("column", "agent"), "call_date": NP_("column", "date"), "path": NP_("column", "file"),
    "status": NP_("column", "status"), "error_code": NP_("column", "error code"), "error_message": NP_("column", "error"),
    "duration_s": NP_("column", "duration (s)"), "overall_score": NP_("column", "overall score"), "n_notices": NP_("column", "notices"),
    "model_name": NP_("column", "model"), "voicecoach_version": NP_("column", "voicecoach version"), "attempts": NP_("column", "attempts"),
    "created_at": NP_("column", "scored at"), "key": NP_("column", "key"),
    "n_syllables": NP_("column", "syllables"), "median_f0_hz": NP_("column", "median pitch (Hz)"),
}
"""Headers of the columns that are not a dimension's score, verdict or judged figure, for an
export in a language (context "column")."""


def title(column: str, lang: str) -> str:
    """A column's header in ``lang``: "语速 得分", "speaking rate (pauses included) (syllables/s)"."""
    if column in TITLES:
        return i18n.pgettext(lang, "column", TITLES[column])
    for d in dimensions.registered():
        if column == f"{d.name}_score":
            return i18n.pgettext(lang, "column", "{dimension} score").format(dimension=dimension_name(d.name, lang))
        if column == f"{d.name}_verdict":
            return i18n.pgettext(lang, "column", "{dimension} verdict").format(dimension=dimension_name(d.name, lang))
        for f in d.figures:
            if f.key == column and f.target:
                from voicecoach.report.figures import unit_label

                unit = unit_label(f.unit, lang) if f.unit not in ("0-1", "count") else ""
                p = i18n.sep(lang)
                return check_label(f.target, lang) + (f"{p['open']}{unit}{p['close']}" if unit else "")
    return column


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


def table(store: Store, *, lang: str | None = None, **filters) -> tuple[list[str], list[list]]:
    """Header and rows (extra manifest columns appended, sorted by name); with ``lang``,
    headers and verdicts in that language."""
    rows = store.rows(**filters)
    extras = sorted({k for r in rows if r.get("extra") for k in json.loads(r["extra"])})
    cols = columns()
    header = cols + extras if lang is None else [title(c, lang) for c in cols] + extras
    verdicts = {f"{d.name}_verdict" for d in dimensions.registered()} if lang is not None else set()
    out = []
    for r in rows:
        extra = json.loads(r["extra"]) if r.get("extra") else {}
        out.append([_cell(verdict_name(r[c], lang) if c in verdicts and r.get(c) else r.get(c)) for c in cols] + [_cell(extra.get(k)) for k in extras])
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


def export(store: Store, path: str | os.PathLike, *, fmt: str | None = None, lang: str | None = None, **filters) -> int:
    """Write the filtered results to CSV or XLSX; returns the number of rows.

    ``lang`` (None, "zh", "zh-Hant", "en"): None writes the machine-readable export (column
    keys, verdict words); a language writes headers and verdicts in it (module docstring)."""
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".") or "csv").lower()
    header, rows = table(store, lang=lang, **filters)
    keys = table_keys(store, **filters) if lang is not None else None
    if fmt not in ("csv", "xlsx"):
        raise VoiceCoachError.of(N_("unknown export format '{fmt}'; use csv or xlsx"), fmt=fmt)
    tmp = p.with_name(f".{p.name[:100]}.{os.getpid()}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            with open(tmp, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel opens Chinese text correctly
                w = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
                w.writerow(header)
                w.writerows(rows)
        else:
            _xlsx(tmp, header, rows) if lang is None else _xlsx(tmp, header, rows, keys=keys, lang=lang)
        os.replace(tmp, p)  # a full disk leaves the old export, never half a new one
    except OSError as e:
        raise VoiceCoachError.of(N_("cannot write the export {name} ({reason}); free some disk space or choose another folder with -o"), name=p.name, reason=e.strerror or e) from None
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows)


def table_keys(store: Store, **filters) -> list[str]:
    """The column keys of :func:`table`'s header (the machine-readable one)."""
    rows = store.rows(**filters)
    extras = sorted({k for r in rows if r.get("extra") for k in json.loads(r["extra"])})
    return [neutralise(h) for h in columns() + extras]


def _xlsx(path: Path, header: list[str], rows: list[list], *, keys: list[str] | None = None, lang: str | None = None) -> None:
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
    notes.append(["column", "unit / meaning"] if lang is None else ["column", "unit / meaning", "key"])
    known = units()
    for name, key in zip(header, keys or header):
        unit = known.get(key, "0-100" if key.endswith("_score") else "verdict word" if key.endswith("_verdict") else "")
        notes.append([name, unit] if lang is None else [name, unit, key])
    wb.save(str(path))
