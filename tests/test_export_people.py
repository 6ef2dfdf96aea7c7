"""The XLSX export for people: headers and verdicts in the language, dates as dates, a unit
and a plain explanation for every column, verdicts and scores coloured, the header frozen."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from qa_pages import make_store
from voicecoach.judge import dimensions
from voicecoach.qa.export import columns, export
from voicecoach.qa.store import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("x"), pages=False)


@pytest.mark.parametrize("lang", ["zh", "zh-Hant", "en", None])
def test_xlsx_for_people(db, tmp_path, lang):
    from openpyxl import load_workbook

    path = tmp_path / "calls.xlsx"
    assert export(Store(db), path, lang=lang) == 13
    wb = load_workbook(path)
    ws, notes = wb["calls"], wb["columns"]
    header = [c.value for c in ws[1]]
    keys = [r[3] for r in notes.iter_rows(min_row=2, values_only=True)]
    col = {k: i + 1 for i, k in enumerate(keys)}
    assert ws.freeze_panes == "B2"  # the header row (and the call column) stay in view
    if lang in ("zh", "zh-Hant"):
        ours = header[:len(columns())]  # the manifest's own columns (team, two_voices) keep their names
        assert not [h for h in ours if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", str(h))], "no snake_case header"
        assert ws.cell(2, col["pace_verdict"]).value in ("达标", "達標")
    elif lang == "en":
        assert header[0] == "call" and ws.cell(2, col["pace_verdict"]).value == "within target"
    else:
        assert header[:2] == ["call_id", "agent_id"] and ws.cell(2, col["pace_verdict"]).value == "within"
    date = ws.cell(2, col["call_date"])
    assert isinstance(date.value, dt.datetime) and date.value.date() == dt.date(2026, 11, 2) and date.number_format == "yyyy-mm-dd"
    assert ws.cell(2, col["pause_ratio"]).number_format == "0%"
    # every column of the calls sheet explained, with a unit
    assert [r[0] for r in notes.iter_rows(min_row=2, values_only=True)] == header
    assert all(r[1] and r[2] for r in notes.iter_rows(min_row=2, values_only=True))
    # verdicts: green inside the target, grey when unsure, red otherwise; scores by the summary's thresholds
    ranges = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    letter = lambda k: ws.cell(1, col[k]).column_letter  # noqa: E731
    verdict_rules = ranges[f"{letter('pace_verdict')}2:{letter('pace_verdict')}14"]
    within = ws.cell(2, col["pace_verdict"]).value
    assert verdict_rules[0].formula == [f'"{within}"'] and verdict_rules[0].dxf.fill.fgColor.rgb.endswith("C6EFCE")
    assert verdict_rules[-1].dxf.fill.fgColor.rgb.endswith("FFC7CE")
    assert len(ranges[f"{letter('overall_score')}2:{letter('overall_score')}14"]) == 3
    for d in dimensions.names():
        assert f"{letter(d + '_verdict')}2:{letter(d + '_verdict')}14" in ranges


def test_csv_keeps_iso_dates_and_keys(db, tmp_path):
    path = tmp_path / "calls.csv"
    export(Store(db), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("call_id,agent_id,call_date") and ",2026-11-02," in lines[1]


def test_the_cli_writes_xlsx_for_people_and_csv_for_machines_unless_told(db, tmp_path):
    """voicecoach export: an XLSX without --lang is in the default language (zh), --keys gives
    the column keys; a CSV without --lang keeps the keys; --keys with --lang is refused."""
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from voicecoach.cli import app

    run = lambda *a: CliRunner().invoke(app, ["export", "--db", str(db), *a])  # noqa: E731
    assert run("-o", str(tmp_path / "people.xlsx")).exit_code == 0
    ws = load_workbook(tmp_path / "people.xlsx")["calls"]
    assert ws.cell(1, 1).value == "通话" and "达标" in [c.value for c in ws[2]]
    assert run("-o", str(tmp_path / "machine.xlsx"), "--keys").exit_code == 0
    assert [c.value for c in load_workbook(tmp_path / "machine.xlsx")["calls"][1]][:2] == ["call_id", "agent_id"]
    assert run("-o", str(tmp_path / "m.csv")).exit_code == 0
    assert (tmp_path / "m.csv").read_text(encoding="utf-8-sig").startswith("call_id,agent_id,")
    res = run("-o", str(tmp_path / "x.xlsx"), "--keys", "--lang", "en")
    assert res.exit_code != 0 and "--keys" in res.output and not (tmp_path / "x.xlsx").exists()
