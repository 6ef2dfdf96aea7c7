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
from datetime import date, datetime
from pathlib import Path

from voicecoach import i18n
from voicecoach.i18n import N_, NP_
from voicecoach.judge import dimensions
from voicecoach.judge.advice import check_label, dimension_name, verdict_name
from voicecoach.errors import VoiceCoachError
from voicecoach.qa.store import Store

BASE_COLUMNS = ["call_id", "agent_id", "call_date", "path", "status", "error_code", "error_message", "duration_s", "overall_score"]
TAIL_COLUMNS = ["n_notices", "model_name", "voicecoach_version", "attempts", "created_at", "key"]
UNITS = {"duration_s": "s", "overall_score": "0-100", "call_date": "date", "created_at": "date and time (UTC)", "status": "done / error",
         "n_notices": "count", "attempts": "count", "call_id": "text", "agent_id": "text", "path": "text", "error_code": "text",
         "error_message": "text", "model_name": "text", "voicecoach_version": "text", "key": "text"}
UNIT_WORDS = {"date": N_("date"), "date and time (UTC)": N_("date and time (UTC)"), "done / error": N_("done / error"), "count": N_("count"),
              "text": N_("text"), "verdict word": N_("verdict"), "slope": N_("slope (no unit)")}
"""Units of the columns that hold no measured quantity, as the column sheet writes them in a language."""
UNIT_ALIASES = {"semitones": "st"}  # a figure's unit as written -> the unit table's key
TITLES = {
    "call_id": NP_("column", "call"), "agent_id": NP_("column", "agent"), "call_date": NP_("column", "date"), "path": NP_("column", "file"),
    "status": NP_("column", "status"), "error_code": NP_("column", "error code"), "error_message": NP_("column", "error"),
    "duration_s": NP_("column", "duration (s)"), "overall_score": NP_("column", "overall score"), "n_notices": NP_("column", "notices"),
    "model_name": NP_("column", "model"), "voicecoach_version": NP_("column", "voicecoach version"), "attempts": NP_("column", "attempts"),
    "created_at": NP_("column", "scored at"), "key": NP_("column", "key"),
    "n_syllables": NP_("column", "syllables"), "median_f0_hz": NP_("column", "median pitch (Hz)"),
    # a two-sided call's figures that are not judged against a target
    "longest_monologue_customer_s": NP_("column", "customer's longest turn (s)"), "overtalk_s": NP_("column", "both talking, total (s)"),
    "n_overlaps": NP_("column", "both talking ≥ 1 s (count)"), "longest_overlap_s": NP_("column", "longest stretch both talking (s)"),
    "n_agent_interruptions": NP_("column", "agent interruptions (count)"), "dead_air_s": NP_("column", "dead air, total (s)"),
    "n_holds": NP_("column", "holds (count)"), "hold_s": NP_("column", "holds, total (s)"),
    "n_agent_backchannels": NP_("column", "agent backchannels (嗯, 对...)"),
}
"""Headers of the columns that are not a dimension's score, verdict or judged figure, for an
export in a language (context "column")."""

MEANINGS = {
    "call_id": N_("The call's id, from the manifest (else the file name)."),
    "agent_id": N_("The agent who took the call, from the manifest."),
    "call_date": N_("The day of the call, from the manifest."),
    "path": N_("The recording that was scored."),
    "status": N_("done: scored; error: the file could not be scored (see the error)."),
    "error_code": N_("Why a call failed, as a short code (empty when it was scored)."),
    "error_message": N_("Why a call failed, in a sentence, with what to do (empty when it was scored)."),
    "duration_s": N_("Length of the recording."),
    "overall_score": N_("The weighted mean of the dimension scores; 100 when every dimension is inside its target."),
    "n_notices": N_("How many warnings the analysis gave (clipping, noise, little speech...): see the call's report."),
    "model_name": N_("The speech recognition model that transcribed the call."),
    "voicecoach_version": N_("The voicecoach version that scored the call."),
    "attempts": N_("How many times the call was scored (a retry or changed targets add one)."),
    "created_at": N_("When the call was scored (UTC)."),
    "key": N_("The result's key in the store: the file's checksum and the settings' checksum."),
    "n_syllables": N_("Syllables (characters) recognised in the call."),
    "median_f0_hz": N_("The agent's typical pitch (median over voiced speech)."),
}
"""A plain explanation of each column that is not a dimension's score, verdict or figure."""
SCORE_MEANING = N_("{dimension}: score from 0 to 100; 100 inside the target, lower the further outside.")
VERDICT_MEANING = N_("{dimension}: the verdict in words (inside the target, too fast, uncertain...).")
FIGURE_MEANING = N_("{figure}, over the whole call.")
FIGURE_TARGET = N_("{figure}, over the whole call; target {band}.")
SHEET_HEADER = (N_("column"), N_("unit"), N_("what it means"), N_("key"))


def title(column: str, lang: str) -> str:
    """A column's header in ``lang``: "语速 得分", "speaking rate (pauses included) (syllables/s)"."""
    if column in TITLES:
        return i18n.pgettext(lang, "column", TITLES[column])
    for d in dimensions.registered(None):
        if column == f"{d.name}_score":
            return i18n.pgettext(lang, "column", "{dimension} score").format(dimension=dimension_name(d.name, lang))
        if column == f"{d.name}_verdict":
            return i18n.pgettext(lang, "column", "{dimension} verdict").format(dimension=dimension_name(d.name, lang))
        for f in d.figures:
            if f.key == column and f.target:
                from voicecoach.report.figures import unit_label

                base = f.unit.split(" (")[0]
                unit = unit_label(UNIT_ALIASES.get(base, base), lang) if f.unit not in ("0-1", "count", "slope") else ""
                p = i18n.sep(lang)
                return check_label(f.target, lang) + (f"{p['open']}{unit}{p['close']}" if unit else "")
    return column


def meaning(column: str, lang: str | None, targets=None) -> str:
    """A plain explanation of a column in ``lang`` (English when None); a judged figure's
    explanation names its target band (``targets``: the default targets when None)."""
    lang = lang or "en"
    if column in MEANINGS:
        return i18n.gettext(lang, MEANINGS[column])
    for d in dimensions.registered(None):
        name = dimension_name(d.name, lang)
        if column == f"{d.name}_score":
            return i18n.gettext(lang, SCORE_MEANING).format(dimension=name)
        if column == f"{d.name}_verdict":
            return i18n.gettext(lang, VERDICT_MEANING).format(dimension=name)
        for f in d.figures:
            if f.key == column:
                label = check_label(f.target, lang) if f.target else title(column, lang)
                if f.target is None:
                    return i18n.gettext(lang, FIGURE_MEANING).format(figure=label)
                from voicecoach.judge.targets import load_targets
                from voicecoach.report.figures import format_band

                t = (targets or load_targets(None))[f.target]
                band = format_band(t.min, t.max, "ratio" if f.unit == "0-1" else "" if f.unit == "slope" else f.unit.split(" (")[0], lang)
                return i18n.gettext(lang, FIGURE_TARGET if band else FIGURE_MEANING).format(figure=label, band=band)
    return i18n.gettext(lang, N_("A column of the manifest, as it was given."))


def unit_text(unit: str, lang: str | None) -> str:
    """A unit as the column sheet writes it: as stored for a machine export; in ``lang``
    otherwise ("字/秒 (pauses...)"), shares as %, as the XLSX shows them."""
    if lang is None or not unit:
        return unit
    if unit == "0-1":
        return "%"
    if unit == "0-100":
        return "0–100"
    if unit in UNIT_WORDS:
        return i18n.gettext(lang, UNIT_WORDS[unit])
    from voicecoach.report.figures import unit_label

    base, _, rest = unit.partition(" (")
    return (unit_label(UNIT_ALIASES.get(base, base), lang) or base) + (f" ({rest}" if rest else "")


def units() -> dict[str, str]:
    """Column -> unit or meaning, for the XLSX column sheet (figures: as each dimension declares)."""
    return {**UNITS, **{f.key: f.unit for _, f in dimensions.figures(None)}}


def kinds_of(rows: list[dict]) -> tuple[str, ...]:
    """The inputs (``dimensions.INPUTS``) whose columns an export of ``rows`` has: single-sided
    takes always; two-sided calls when a row holds a call-only dimension's verdict or figure."""
    call_only = [d for d in dimensions.registered("call") if not d.applies("take")]
    keys = [f"{d.name}_verdict" for d in call_only] + [f.key for d in call_only for f in d.figures]
    return ("take", "call") if any(r.get(k) is not None for r in rows for k in keys) else ("take",)


def columns(kinds: tuple[str, ...] = ("take",)) -> list[str]:
    """Every column, in order: the call, each dimension's score and verdict, each figure, provenance
    (the dimensions of the inputs ``kinds``: a call-only dimension's columns only with "call")."""
    dims = [d for d in dimensions.registered(None) if any(d.applies(k) for k in kinds)]
    cols = list(BASE_COLUMNS)
    for d in dims:
        cols += [f"{d.name}_score", f"{d.name}_verdict"]
    cols += [f.key for d in dims for f in d.figures]
    return cols + TAIL_COLUMNS


def table(store: Store, *, lang: str | None = None, **filters) -> tuple[list[str], list[list]]:
    """Header and rows (extra manifest columns appended, sorted by name); with ``lang``,
    headers and verdicts in that language."""
    rows = store.rows(**filters)
    extras = sorted({k for r in rows if r.get("extra") for k in json.loads(r["extra"])})
    cols = columns(kinds_of(rows))
    header = cols + extras if lang is None else [title(c, lang) for c in cols] + extras
    verdicts = {f"{d.name}_verdict" for d in dimensions.registered(None)} if lang is not None else set()
    out = []
    for r in rows:
        extra = json.loads(r["extra"]) if r.get("extra") else {}
        out.append([_cell(verdict_name(r[c], lang) if c in verdicts and r.get(c) else r.get(c)) for c in cols] + [_cell(extra.get(k)) for k in extras])
    return [neutralise(h) for h in header], out


def _cell(v):
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, date):  # a date (or datetime) stays one: the XLSX writes a date cell, the CSV ISO text
        return v
    return "" if v is None else neutralise(v)


def _csv_cell(v):
    return v.isoformat() if isinstance(v, date) else v


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
                w.writerows([_csv_cell(v) for v in r] for r in rows)
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
    return [neutralise(h) for h in columns(kinds_of(rows)) + extras]


def _xlsx(path: Path, header: list[str], rows: list[list], *, keys: list[str] | None = None, lang: str | None = None) -> None:
    """The "calls" sheet (frozen header row and call column, filters, dates as dates, shares as
    percentages, verdicts and scores coloured) and the "columns" sheet (each column's unit and a
    plain explanation, in ``lang``; English when None)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    keys = keys or header
    wb = Workbook()
    ws = wb.active
    ws.title = "calls"
    ws.append(header)
    for r in rows:
        ws.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in r])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (openpyxl takes "=..." as one)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.data_type = "s"
    ws.freeze_panes = "B2"  # the header row and the call column stay in view
    ws.auto_filter.ref = ws.dimensions
    known = units()
    for i, (name, key) in enumerate(zip(header, keys), 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(40, _width(name) + 2))
        fmt = {"call_date": "yyyy-mm-dd", "created_at": "yyyy-mm-dd hh:mm"}.get(key) or ("0%" if known.get(key) == "0-1" else "0" if key.endswith("_score") else None)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    _colour(ws, keys, lang)
    notes = wb.create_sheet("columns")
    notes.append([i18n.gettext(lang or "en", h) for h in SHEET_HEADER])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.freeze_panes = "A2"
    from voicecoach.judge.targets import load_targets

    targets = load_targets(None)
    for name, key in zip(header, keys):
        unit = known.get(key, "0-100" if key.endswith("_score") else "verdict word" if key.endswith("_verdict") else "text")
        notes.append([name, unit_text(unit, lang), meaning(key, lang, targets), key])
    for letter, width in zip("ABCD", (30, 22, 80, 24)):
        notes.column_dimensions[letter].width = width
    wb.save(str(path))


def _width(text: str) -> int:
    """Display width of a header: a CJK character takes two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


GREEN, AMBER, RED, GREY = "C6EFCE", "FFEB9C", "FFC7CE", "E4E7EB"


def _colour(ws, keys: list[str], lang: str | None) -> None:
    """Conditional formatting: a verdict inside its target green, uncertain or not measured grey,
    any other verdict red; a score of 90 or more green, under 60 red, between amber (the QA
    summary's thresholds)."""
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    from voicecoach.qa.queue import LOW_SCORE
    from voicecoach.qa.summary import PASS_SCORE

    fill = lambda c: PatternFill("solid", start_color=c, end_color=c)  # noqa: E731
    word = (lambda w: verdict_name(w, lang)) if lang else (lambda w: w)
    last = max(ws.max_row, 2)
    for i, key in enumerate(keys, 1):
        col = get_column_letter(i)
        cells = f"{col}2:{col}{last}"
        if key.endswith("_verdict"):
            ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[f'"{word("within")}"'], fill=fill(GREEN), stopIfTrue=True))
            for w in ("uncertain", "not_measured"):
                ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[f'"{word(w)}"'], fill=fill(GREY), stopIfTrue=True))
            ws.conditional_formatting.add(cells, FormulaRule(formula=[f'LEN({col}2)>0'], fill=fill(RED)))
        elif key.endswith("_score"):  # an empty cell (a failed call) stays white
            for rule, colour in ((f"AND(ISNUMBER({col}2),{col}2>={PASS_SCORE:g})", GREEN), (f"AND(ISNUMBER({col}2),{col}2<{LOW_SCORE:g})", RED),
                                 (f"ISNUMBER({col}2)", AMBER)):
                ws.conditional_formatting.add(cells, FormulaRule(formula=[rule], fill=fill(colour), stopIfTrue=True))
