"""QA mode over two-sided calls: one batch of a stereo call, the same call as two files, a
single-sided take and a corrupt call; stored figures, export columns, summary, queue."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from conftest import SAMPLES, SHARED_AUDIO
from synth import FakeRecognizer
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

model = pytest.mark.model  # the batch's worker loads the recogniser (the take, the agents' delivery)

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


@model
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


@model
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


@model
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


@model
def test_the_queue_lists_the_calls_dead_air_with_its_reason(batch):
    _, _, rows = batch
    q = {e.row["call_id"]: e for e in listening_queue(list(rows.values()))}
    e = q["stereo"]
    assert [(r.code, r.dimensions) for r in e.reasons][0] == ("dead_air", ("conversation",))
    assert "dead air: both sides silent 1 times, 7.0 s in all" in reason_texts(e, "en")
    assert [r.code for r in q["broken"].reasons] == ["failed"]
    assert "take" not in q or all(r.code != "dead_air" for r in q["take"].reasons)


@model
def test_cli_batch_calls_flag(batch, tmp_path):
    from typer.testing import CliRunner

    from voicecoach.cli import app

    d, _, _ = batch
    db = tmp_path / "cli.sqlite"
    res = CliRunner().invoke(app, ["batch", "--calls", "--channel", "left", str(d / "stereo.wav"), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    (row,) = Store(db).rows()
    assert row["status"] == "done" and is_call(row) and row["n_dead_air"] == 1 and row["channel"] == "left"


# ---- the agent's delivery in a call row, with a fake recogniser (fast; no Whisper)

CHARS = [(c, 1.0 + 0.25 * i, 1.2 + 0.25 * i) for i, c in enumerate("您好这里是客服中心请问有什么可以帮您")]


@pytest.fixture
def fake_worker(monkeypatch):
    """A worker (qa/work.py) whose recogniser is the fake one: every call's delivery hears CHARS."""
    from voicecoach.judge.targets import load_targets
    from voicecoach.qa import work
    from voicecoach.wording import load_rules

    fake = FakeRecognizer(CHARS)
    monkeypatch.setattr(work, "_WORKER", {"settings": BatchSettings(), "recognizer": fake, "targets": load_targets(None),
                                          "rules": load_rules(None), "name": "test"})
    return fake


def _row(job, out):
    from voicecoach.qa.work import result_row

    return result_row(job, f"k-{job.call_id}", "f" * 64, "s" * 64, out)


def _job(path, call_id, **kw):
    from voicecoach.qa.inputs import Job

    return Job(path=str(path), call_id=call_id, agent_id="A1", call_date="2026-12-01", channel=kw.pop("channel", "left"), extra={}, call=True, **kw)


def test_a_stereo_call_row_carries_the_agents_delivery_as_analysing_the_agents_side(fake_worker, tmp_path):
    from dataclasses import asdict

    from voicecoach.analysis import analyze
    from voicecoach.conversation.agent import agent_recording
    from voicecoach.qa import work

    job = _job(SAMPLES / "call_stereo.wav", "stereo")
    out = work.score(asdict(job))
    assert out["status"] == "done", out
    row, sentences = _row(job, out)
    call = load_stereo_call(SAMPLES / "call_stereo.wav", agent_channel="left")
    c = analyze_call(call)
    direct = analyze(agent_recording(call, agent_index=c.agent_index), recognizer=FakeRecognizer(CHARS), use_cache=False,
                     targets=work._WORKER["targets"], phrases=work._WORKER["rules"], whole_call=True).to_dict()
    assert len(direct["dimensions"]) == len(dimensions.registered("take")) >= 6  # the control: the direct analysis has every take dimension
    for d in direct["dimensions"]:
        assert (row[f"{d['name']}_score"], row[f"{d['name']}_verdict"]) == (d["score"], d["verdict"]), d["name"]
    for d in dimensions.registered("take"):
        for f in d.figures:
            want = direct["measures"][d.name].get(f.field)
            assert row[f.key] == (pytest.approx(want) if want is not None else None), f.key
    assert row["overall_score"] == direct["summary"]["overall_score"] is not None
    assert len(sentences) == len(direct["sentences"]) > 0
    figures = c.figures.to_dict()  # and the conversation, as before
    assert row["n_dead_air"] == 1 and row["latency_median_s"] == pytest.approx(figures["latency_median_s"])
    assert row["conversation_verdict"] is not None and is_call(row)
    assert "delivery" not in json.loads(row["extra"])
    # the store keeps both; the export has both; the summary counts the call in the agent's delivery means
    from voicecoach.qa.summary import summarise

    store = Store(tmp_path / "qa.sqlite")
    store.put(row, sentences)
    export(store, tmp_path / "all.csv")
    with open(tmp_path / "all.csv", encoding="utf-8-sig") as f:
        (got,) = list(csv.DictReader(f))
    take_columns = [f"{d.name}_{w}" for d in dimensions.registered("take") for w in ("score", "verdict")] + [f.key for _, f in dimensions.figures("take")]
    assert sum(row[k] is not None for k in take_columns) >= 10  # the control: most are filled
    for k in take_columns:
        assert got[k] == ("" if row[k] is None else str(row[k]) if isinstance(row[k], str) else got[k]), k
        if isinstance(row[k], float):
            assert float(got[k]) == pytest.approx(row[k], abs=1e-3), k
    assert float(got["n_dead_air"]) == 1 and got["conversation_verdict"] == row["conversation_verdict"]
    html = write_summary(store, tmp_path / "summary", lang="en").read_text(encoding="utf-8")
    (g,) = summarise(store.rows(), by="agent")
    assert g.dimension_scores["volume"] == pytest.approx(row["volume_score"]) and g.dimension_scores["pauses"] == pytest.approx(row["pauses_score"])
    assert 'data-agent="A1"' in html and ">stereo<" in html  # listed with the calls that have delivery scores


def test_no_delivery_is_timing_only_and_says_why(fake_worker, monkeypatch):
    from dataclasses import asdict, replace

    from voicecoach.qa import work

    monkeypatch.setitem(work._WORKER, "settings", replace(work._WORKER["settings"], delivery=False))
    job = _job(SAMPLES / "call_stereo.wav", "stereo")
    out = work.score(asdict(job))
    row, sentences = _row(job, out)
    assert fake_worker.calls == 0 and sentences == []
    assert all(row.get(f"{n}_verdict") is None for n in dimensions.names()) and row["n_dead_air"] == 1
    assert json.loads(row["extra"])["delivery"] == "left_out" and out["report"]["delivery"]["note"]
    assert BatchSettings(delivery=False).fingerprint("call:left") != BatchSettings().fingerprint("call:left")
    assert BatchSettings(delivery=False).fingerprint("left") == BatchSettings().fingerprint("left")  # takes keep their keys


def test_a_two_file_call_whose_files_travel_as_bytes(fake_worker, tmp_path):
    """What the Ray engine sends: both files' contents; the paths need not exist on the worker."""
    from dataclasses import asdict

    from voicecoach.qa import work

    x, sr = sf.read(SAMPLES / "call_stereo.wav", always_2d=True)
    sf.write(tmp_path / "agent.wav", x[:, 0], sr)
    sf.write(tmp_path / "customer.wav", x[:, 1], sr)
    agent, customer = (tmp_path / "agent.wav").read_bytes(), (tmp_path / "customer.wav").read_bytes()
    job = _job("/nowhere/agent.wav", "twofile", channel="", customer_path="/nowhere/customer.wav")
    out = work.score(asdict(job), agent, customer)
    assert out["status"] == "done", out
    row, _ = _row(job, out)
    assert row["n_dead_air"] == 1 and row["pace_verdict"] is not None
    lost = work.score(asdict(job), agent, None)  # the customer's bytes not sent: the missing file is named
    assert lost["status"] == "error" and "customer.wav" in lost["message"]


def test_failed_calls_count_in_the_agents_week():
    rows = [{"status": "done", "extra": '{"call": true}', "agent_id": "A1", "call_date": "2026-12-01", "n_dead_air": 1},
            {"status": "error", "extra": '{"call": true}', "agent_id": "A1", "call_date": "2026-12-02"},
            {"status": "error", "extra": '{"call": true}', "agent_id": "A2", "call_date": "2026-12-02"},
            {"status": "error", "extra": None, "agent_id": "A1", "call_date": "2026-12-02"}]  # a take: not a call
    got = {(g.agent, g.n_calls, g.n_failed) for g in summarise_calls(rows)}
    assert got == {("A1", 1, 1), ("A2", 0, 1)}


def test_a_batch_of_calls_without_delivery_never_loads_the_recogniser(monkeypatch):
    from voicecoach.qa import work

    loaded = []
    monkeypatch.setattr(work.BatchSettings, "recognizer", lambda self, **kw: type("R", (), {"load": lambda r: loaded.append(1)})())
    work._init_worker({**BatchSettings(delivery=False).__dict__, "load_recognizer": False}, 1)
    assert loaded == []
    work._init_worker(BatchSettings().__dict__, 1)
    assert loaded == [1]  # the control: a batch with delivery loads it once, at the start


needs_weights = pytest.mark.skipif(not (SAMPLES.parent / "models" / "resemblyzer").exists(), reason="voice encoder weights not installed: python scripts/fetch_voice_encoder.py")
needs_audio = pytest.mark.skipif(not (SHARED_AUDIO / "calls").is_dir(), reason="../shared/audio not found (set VOICECOACH_SHARED_AUDIO)")


@needs_weights
@needs_audio
def test_mono_calls_in_a_batch(fake_worker, tmp_path):
    """A mono call whose voices separate gets the agent's delivery; one voice alone (not
    separable with confidence) gets the call's row, no delivery, and the reason."""
    from dataclasses import asdict

    from voicecoach.qa import work

    a, sr = sf.read(str(SHARED_AUDIO / "calls" / "lca_auto_repairs_40_agent.wav"), dtype="float32")
    c, _ = sf.read(str(SHARED_AUDIO / "calls" / "lca_auto_repairs_40_caller.wav"), dtype="float32")
    n = min(len(a), len(c))
    sf.write(tmp_path / "mono.wav", a[:n] + c[:n], sr)
    x, sr1 = sf.read(str(SHARED_AUDIO / "real" / "funasr_paraformer_example_1.wav"), dtype="float32")
    sf.write(tmp_path / "one_voice.wav", np.concatenate([x, x]), sr1)
    two = _job(tmp_path / "mono.wav", "mono", channel="mono")
    row, _ = _row(two, work.score(asdict(two)))
    assert row["status"] == "done" and json.loads(row["extra"])["layout"] == "mono"
    assert row["pace_verdict"] is not None and row["conversation_verdict"] is not None and "delivery" not in json.loads(row["extra"])
    one = _job(tmp_path / "one_voice.wav", "one", channel="mono")
    out = work.score(asdict(one))
    row, sentences = _row(one, out)
    assert row["status"] == "done" and sentences == []
    assert all(row.get(f"{n}_verdict") is None for n in dimensions.names())
    assert json.loads(row["extra"])["delivery"] == "not_separated" and "told apart" in out["report"]["delivery"]["note"]


def test_batch_reports_write_the_call_page_with_the_agents_delivery(fake_worker, monkeypatch, tmp_path):
    from dataclasses import asdict, replace

    from voicecoach.qa import work

    monkeypatch.setitem(work._WORKER, "settings", replace(work._WORKER["settings"], reports=True))
    job = _job(SAMPLES / "call_stereo.wav", "stereo")
    out = work.score(asdict(job))
    html = out["report_html"]
    assert 'id="conversation"' in html and 'id="delivery"' in html and 'id="delivery-not-assessed"' not in html
    row, sentences = _row(job, out)  # a store without pages: summary --render-reports writes the same page
    store = Store(tmp_path / "qa.sqlite")
    store.put(row, sentences)
    assert work.render_missing_pages(store.rows(), tmp_path / "reports", recognizer=fake_worker) == 1
    (page,) = (tmp_path / "reports").glob("*.html")
    assert 'id="delivery"' in page.read_text(encoding="utf-8")


@pytest.mark.ray
@pytest.mark.slow
def test_local_ray_sends_both_files_of_a_two_file_call(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    from voicecoach.qa import engines

    sent, read = [], engines._read
    monkeypatch.setattr(engines, "_read", lambda path: sent.append(path) or read(path))  # what travels to the actors
    x, sr = sf.read(SAMPLES / "call_stereo.wav", always_2d=True)
    sf.write(tmp_path / "agent.wav", x[:, 0], sr)
    sf.write(tmp_path / "customer.wav", x[:, 1], sr)
    jobs = [_job(tmp_path / "agent.wav", "twofile", channel="", customer_path=str(tmp_path / "customer.wav"))]
    pool, ray_store = Store(tmp_path / "pool.sqlite"), Store(tmp_path / "ray.sqlite")
    settings = BatchSettings(delivery=False)  # timing only: no recogniser, fast
    run_batch(jobs, pool, settings, workers=1)
    p = run_batch(jobs, ray_store, settings, workers=1, engine="ray")
    assert (p.done, p.failed) == (1, 0)
    assert sent == [str(tmp_path / "agent.wav"), str(tmp_path / "customer.wav")]  # a local Ray sees the files anyway: what was sent is the check
    (a,), (b,) = pool.rows(), ray_store.rows()
    assert b["status"] == "done" and b["n_dead_air"] == 1
    assert [a[k] for k in CALL_FIGURES] == [b[k] for k in CALL_FIGURES]
