"""QA mode over two-sided calls: one batch of a stereo call, the same call as two files, a
single-sided take and a corrupt call; stored figures, export columns, summary, queue."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest
import soundfile as sf

from conftest import SAMPLES
from voicecoach.conversation.analyze import analyze_call
from voicecoach.conversation.inputs import load_stereo_call
from voicecoach.judge import dimensions
from voicecoach.qa.batch import run_batch
from voicecoach.qa.call_summary import summarise_calls
from voicecoach.qa.calls import is_call
from voicecoach.qa.export import export, meaning as _meaning, title
from voicecoach.qa.inputs import discover
from voicecoach.qa.queue import listening_queue
from voicecoach.qa.store import Store
from voicecoach.qa.summary import reason_texts, write_summary
from voicecoach.qa.work import BatchSettings

pytestmark = pytest.mark.model  # the batch's worker loads the recogniser for the take

CALL_FIGURES = [f.key for _, f in dimensions.figures("call")]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("callqa")
    shutil.copy(SAMPLES / "call_stereo.wav", d / "stereo.wav")
    shutil.copy(SAMPLES / "good_take.flac", d / "take.flac")
    x, sr = sf.read(SAMPLES / "call_stereo.wav", always_2d=True)
    sf.write(d / "agent.wav", x[:, 0], sr)  # the agent is the left channel (samples/README.md)
    sf.write(d / "customer.wav", x[:, 1], sr)
    (d / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8)))
    with open(d / "calls.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["path", "customer_path", "call_id", "agent_id", "date", "channel", "kind"])
        w.writerow(["stereo.wav", "", "stereo", "A1", "2026-11-30", "left", "call"])
        w.writerow(["agent.wav", "customer.wav", "twofile", "A1", "2026-12-01", "", ""])
        w.writerow(["take.flac", "", "take", "A2", "2026-12-01", "", ""])
        w.writerow(["broken.wav", "", "broken", "A1", "2026-12-02", "", "call"])
    jobs = discover([], manifest=d / "calls.csv")
    assert [j.call for j in jobs] == [True, True, False, True]
    store = Store(d / "qa.sqlite")
    p = run_batch(jobs, store, BatchSettings(), workers=1)
    assert (p.done, p.failed) == (3, 1)
    return d, store, {r["call_id"]: r for r in store.rows()}


def test_each_call_is_one_row_with_its_figures_and_the_take_has_none(batch):
    d, store, rows = batch
    direct = analyze_call(load_stereo_call(d / "stereo.wav", agent_channel="left")).figures.to_dict()
    for call in ("stereo", "twofile"):
        r = rows[call]
        assert r["status"] == "done" and is_call(r)
        for _, f in dimensions.figures("call"):
            assert r[f.key] == pytest.approx(direct[f.field], abs=1e-3) if direct[f.field] is not None else r[f.key] is None, (call, f.key)
        assert r["conversation_verdict"] not in (None, "within")  # 7 s of dead air: n_dead_air over its max of 0
    assert rows["stereo"]["n_dead_air"] == 1 and rows["stereo"]["dead_air_s"] == pytest.approx(7.0, abs=0.2)
    assert rows["stereo"]["longest_monologue_agent_s"] == pytest.approx(13.1, abs=0.1)  # ends at the dead air
    take = rows["take"]
    assert take["status"] == "done" and not is_call(take)
    assert all(take[k] is None for k in CALL_FIGURES) and take["conversation_verdict"] is None
    assert all(take[f"{n}_verdict"] for n in dimensions.names())  # the six dimensions, as ever
    report = store.report(take["key"])
    assert "conversation" not in report["measures"] and [x["name"] for x in report["dimensions"]] == list(dimensions.names())
    assert "conversation" in store.report(rows["stereo"]["key"])["measures"]
    broken = rows["broken"]
    assert broken["status"] == "error" and "broken.wav" in broken["error_message"] and "Traceback" not in broken["error_message"]
    assert broken["error_code"] != "internal"


def test_export_has_call_columns_with_units_only_when_a_call_is_there(batch, tmp_path):
    import openpyxl

    _, store, _ = batch
    export(store, tmp_path / "all.csv")
    with open(tmp_path / "all.csv", encoding="utf-8-sig") as f:
        header, *body = list(csv.reader(f))
    assert set(CALL_FIGURES) <= set(header) and "conversation_verdict" in header
    export(store, tmp_path / "takes.csv", agent="A2")
    with open(tmp_path / "takes.csv", encoding="utf-8-sig") as f:
        take_header = next(csv.reader(f))
    assert not set(CALL_FIGURES) & set(take_header) and "conversation_verdict" not in take_header
    export(store, tmp_path / "all.xlsx", lang="zh")
    wb = openpyxl.load_workbook(tmp_path / "all.xlsx")
    sheet = {r[3]: r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}  # column, unit, meaning, key
    for key in CALL_FIGURES:  # every call column: a header and an explanation of its own, in Chinese; a unit
        column, unit, meaning, _ = sheet[key]
        assert column == title(key, "zh") != title(key, "en") != key and unit, key
        assert meaning == _meaning(key, "zh") != _meaning(key, "en"), key


def test_summary_by_agent_and_week_equals_the_stored_figures(batch, tmp_path):
    _, store, rows = batch
    groups = summarise_calls(list(rows.values()))
    assert [(g.agent, g.week, g.n_calls) for g in groups] == [("A1", "2026-W49", 2)]
    g, calls = groups[0], [rows["stereo"], rows["twofile"]]
    assert g.latency_median_s == pytest.approx(np.median([r["latency_median_s"] for r in calls]))
    assert g.dead_air_s_per_call == pytest.approx(np.mean([r["dead_air_s"] for r in calls]))
    assert g.overtalk_s_per_call == pytest.approx(np.mean([r["overtalk_s"] for r in calls]))
    assert g.n_dead_air_per_call == pytest.approx(1.0) and g.n_out_of_band == 2
    html = write_summary(store, tmp_path / "summary", lang="en").read_text(encoding="utf-8")
    assert 'id="call-weeks"' in html and "2026-W49" in html


def test_the_queue_lists_the_calls_dead_air_with_its_reason(batch):
    _, _, rows = batch
    q = {e.row["call_id"]: e for e in listening_queue(list(rows.values()))}
    e = q["stereo"]
    assert [(r.code, r.dimensions) for r in e.reasons][0] == ("dead_air", ("conversation",))
    assert "dead air: both sides silent 1 times, 7.0 s in all" in reason_texts(e, "en")
    assert [r.code for r in q["broken"].reasons] == ["failed"]
    assert "take" not in q or all(r.code != "dead_air" for r in q["take"].reasons)


def test_cli_batch_calls_flag(batch, tmp_path):
    from typer.testing import CliRunner

    from voicecoach.cli import app

    d, _, _ = batch
    db = tmp_path / "cli.sqlite"
    res = CliRunner().invoke(app, ["batch", "--calls", "--channel", "left", str(d / "stereo.wav"), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    (row,) = Store(db).rows()
    assert row["status"] == "done" and is_call(row) and row["n_dead_air"] == 1 and row["channel"] == "left"
