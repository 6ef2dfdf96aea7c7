"""QA mode: the store, batches that mix bad files, resume after kill -9, PostgreSQL, Ray, exports."""

from __future__ import annotations

import json
import os
import shutil
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
from voicecoach.qa.batch import run_batch
from voicecoach.qa.inputs import Job, discover
from voicecoach.qa.work import BatchSettings
from voicecoach.qa.schema import SCHEMA_VERSION
from voicecoach.qa.store import Store

pytestmark = pytest.mark.model
runner = CliRunner()


def _calls(folder: Path, shared: Path | None = None) -> list[Path]:
    """A small call folder: our samples, some real clips, and bad files of every kind."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ("good_take.flac", "too_fast.flac", "drawl.flac"):
        files.append(Path(shutil.copy(SAMPLES / name, folder / name)))
    if shared is not None:
        for name in ("aishell1_BAC009S0764W0121.wav", "funasr_asr_example_zh.wav", "paddlespeech_zh.wav"):
            files.append(Path(shutil.copy(shared / "real" / name, folder / name)))
    (folder / "empty.wav").write_bytes(b"")
    (folder / "corrupt.mp3").write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    sf.write(folder / "silent.wav", np.zeros(16000 * 3), 16000)
    (folder / "notes.txt").write_text("not audio")  # not an audio extension: not picked up
    return files


def test_store_migrates_an_older_schema_and_keeps_rows(tmp_path):
    db = tmp_path / "old.sqlite"
    old = Store(db, upgrade_to=1)
    assert old.schema_version() == 1
    old.put({"key": "k1", "file_sha256": "f", "settings_sha256": "s", "path": "a.wav", "status": "done", "overall_score": 80.0})
    old.close()
    new = Store(db)
    assert new.schema_version() == SCHEMA_VERSION
    rows = new.rows()
    assert [(r["key"], r["overall_score"]) for r in rows] == [("k1", 80.0)]
    assert "worker" in rows[0]
    new.put({"key": "k1", "file_sha256": "f", "settings_sha256": "s", "path": "a.wav", "status": "done", "overall_score": 90.0})
    assert [(r["overall_score"], r["attempts"]) for r in new.rows()] == [(90.0, 2)]


STORE_V3 = ROOT / "tests" / "data" / "store_v3.sqlite"
"""A store written by the schema-3 code (tests/data/make_store_v3.py, run on that code): three
scored calls, one failed, a re-run, an alias, sentences and a claim, in the wide layout."""


def _wide_values(con) -> dict:
    """key -> every dimension and figure column of a schema-3 ``results`` table."""
    from voicecoach.qa.schema import _V3_COLUMNS

    rows = con.execute(f"SELECT key, {', '.join(_V3_COLUMNS)} FROM results").fetchall()
    return {r[0]: dict(zip(_V3_COLUMNS, r[1:])) for r in rows}


def test_a_schema_3_store_written_by_the_old_code_migrates_keeping_every_value(tmp_path):
    db = tmp_path / "old.sqlite"
    shutil.copy(STORE_V3, db)
    with sqlite3.connect(db) as con:
        before = _wide_values(con)
        kept = {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("sentences", "aliases", "claims")}
        base = con.execute("SELECT key, status, attempts, overall_score, agent_id, call_date FROM results ORDER BY key").fetchall()
    assert len(before) == 4 and before["k0"]["pace_verdict"] == "too_fast" and before["k0"]["drawl_flagged_ratio"] is None

    store = Store(db)
    assert store.schema_version() == SCHEMA_VERSION == 4
    rows = {r["key"]: r for r in store.rows()}
    assert {k: {c: rows[k][c] for c in before[k]} for k in before} == before  # every value, None included
    with sqlite3.connect(db) as con:
        columns = {r[1] for r in con.execute("PRAGMA table_info(results)")}
        assert not columns & set(before["k0"])  # the wide columns are gone
        assert {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in kept} == kept
        assert con.execute("SELECT key, status, attempts, overall_score, agent_id, call_date FROM results ORDER BY key").fetchall() == base
        units = dict(con.execute("SELECT figure, unit FROM figures WHERE result_id = (SELECT id FROM results WHERE key = 'k1')").fetchall())
    assert units["pitch_range_st"] == "semitones (10-90 %)" and units["speaking_rate_cps"] == "syllables/s"
    assert sorted(r["key"] for r in store.rows(verdict="noisy")) == ["k0", "k2"]
    assert [r["key"] for r in store.rows(verdict="too_fast")] == ["k0", "k2"] and len(store.rows(verdict="within")) == 3
    # the migrated store takes new results, and a re-run replaces a call's dimensions and figures
    store.put({"key": "k0", "file_sha256": "f", "settings_sha256": "s", "path": "calls/call_0.wav", "status": "done",
               "overall_score": 99.0, "pace_score": 99.0, "pace_verdict": "within", "speaking_rate_cps": 4.0})
    again = {r["key"]: r for r in Store(db).rows()}
    assert (again["k0"]["attempts"], again["k0"]["pace_verdict"], again["k0"]["volume_verdict"], again["k0"]["speaking_rate_cps"]) == (2, "within", None, 4.0)
    assert again["k2"] == rows["k2"]


def test_batch_mixing_good_corrupt_empty_and_silent_files(tmp_path, shared_audio):
    good = _calls(tmp_path / "calls", shared_audio)
    jobs = discover([tmp_path / "calls"])
    assert len(jobs) == len(good) + 3
    store = Store(tmp_path / "r.sqlite")
    p = run_batch(jobs, store, BatchSettings(), workers=2)
    assert (p.done, p.failed) == (len(good), 3)
    rows = {Path(r["path"]).name: r for r in store.rows()}
    assert {n: r["error_code"] for n, r in rows.items() if r["status"] == "error"} == {"empty.wav": "empty", "corrupt.mp3": "corrupt", "silent.wav": "silent"}
    assert "is silent" in rows["silent.wav"]["error_message"]
    assert all(r["overall_score"] is not None and r["pace_verdict"] for r in rows.values() if r["status"] == "done")
    assert rows["too_fast.flac"]["pace_verdict"] == "too_fast"
    sentences = store.sentence_rows(rows["good_take.flac"]["id"])
    assert len(sentences) >= 5 and all(s["rate_cps"] > 0 for s in sentences)
    # a re-run skips everything; --retry-failed retries only the failures
    again = run_batch(jobs, store, BatchSettings(), workers=2)
    assert (again.done, again.failed, again.skipped) == (0, 0, len(jobs))
    retry = run_batch(jobs, store, BatchSettings(), workers=1, retry_failed=True)
    assert (retry.done, retry.failed, retry.skipped) == (0, 3, len(good))
    assert {r["attempts"] for r in store.rows() if r["status"] == "error"} == {2}
    assert len(store.rows()) == len(jobs)


def test_duplicates_and_changed_targets_rescore_from_cached_transcripts(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(SAMPLES / "good_take.flac", calls / "a.flac")
    shutil.copy(SAMPLES / "good_take.flac", calls / "a_copy.flac")  # the same call saved twice
    shutil.copy(SAMPLES / "too_fast.flac", calls / "b.flac")
    store = Store(tmp_path / "r.sqlite")
    p = run_batch(discover([calls]), store, BatchSettings(), workers=1)
    assert (p.done, p.duplicates) == (2, 1)
    assert [Path(a["path"]).name for a in store.alias_rows()] == ["a_copy.flac"]
    cache = Path(os.environ["VOICECOACH_CACHE_DIR"]) / "transcripts"
    n_cached = len(list(cache.rglob("*.json")))
    ours = tmp_path / "ours.toml"
    ours.write_text("[pace.speaking_rate_cps]\nmax = 7.0\n[pace.articulation_rate_cps]\nmax = 8.0\n[pace.sentence_rate_cps]\nmax = 9.0\n")
    p2 = run_batch(discover([calls]), store, BatchSettings(targets=str(ours)), workers=1)
    assert p2.done == 2  # new settings: new rows ...
    assert len(list(cache.rglob("*.json"))) == n_cached  # ... but no new transcription
    rows = store.rows()
    assert len(rows) == 4
    fast = [r for r in rows if Path(r["path"]).name == "b.flac"]
    assert sorted(r["pace_verdict"] for r in fast) == ["too_fast", "within"]


def test_killed_batch_resumes_with_nothing_lost_or_duplicated(tmp_path, shared_audio):
    calls = tmp_path / "calls"
    calls.mkdir()
    for i, src in enumerate(sorted((shared_audio / "real").glob("*.wav"))[:10]):
        shutil.copy(src, calls / f"call{i:02d}.wav")
    db = tmp_path / "r.sqlite"
    cmd = [sys.executable, "-m", "voicecoach.cli", "batch", str(calls), "--db", str(db), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    n = 0
    while time.time() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    n = c.execute("SELECT count(*) FROM results WHERE status = 'done'").fetchone()[0]
            except sqlite3.DatabaseError:
                n = 0
        if n >= 3:
            break
        time.sleep(0.2)
    assert n >= 3, "the batch did not get going"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: driver and workers, no clean-up
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = dict(c.execute("SELECT key, created_at FROM results").fetchall())
    assert 3 <= len(before) < 10
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"{len(before)} already in the store" in res.stdout
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT key, status, created_at FROM results").fetchall()
    assert len(rows) == 10 and len({k for k, _, _ in rows}) == 10
    assert all(s == "done" for _, s, _ in rows)
    assert all(before[k] == t for k, _, t in rows if k in before)  # finished calls were not redone


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server from Debian's package (as the postgres user when root)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        if os.environ.get("VOICECOACH_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL server binaries are missing (apt-get install postgresql)")
        pytest.skip("PostgreSQL server not installed (scripts/system-deps.sh installs it)")
    bindir = bins[-1].parent
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="vc-pg-"))  # not under pytest's root-only tmp: postgres must reach it
    data = base / "data"
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        os.chmod(base, 0o777)
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "qa", "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "-l", str(base / "log"), "-w", "start"], check=True, capture_output=True)
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "qa", "voicecoach"], check=True, capture_output=True)
    yield f"postgresql://qa@127.0.0.1:{port}/voicecoach"
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_postgresql_store_gives_the_same_rows_as_sqlite(tmp_path, postgres):
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(SAMPLES / "good_take.flac", calls / "a.flac")
    shutil.copy(SAMPLES / "drawl.flac", calls / "b.flac")
    (calls / "empty.wav").write_bytes(b"")
    jobs = discover([calls])
    pg, lite = Store(postgres), Store(tmp_path / "r.sqlite")
    assert pg.schema_version() == SCHEMA_VERSION
    run_batch(jobs, pg, BatchSettings(), workers=1)
    run_batch(jobs, lite, BatchSettings(), workers=1)
    keep = ("key", "status", "error_code", "overall_score", "pace_verdict", "drawl_verdict", "speaking_rate_cps")
    a = sorted(tuple(r[k] for k in keep) for r in pg.rows())
    b = sorted(tuple(r[k] for k in keep) for r in lite.rows())
    assert a == b and len(a) == 3
    assert run_batch(jobs, pg, BatchSettings(), workers=1).skipped == 3


@pytest.mark.postgres
def test_postgresql_store_migrates_from_schema_3(postgres):
    import sqlalchemy as sa

    admin = sa.create_engine(postgres.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE migrate_v3"))
    admin.dispose()
    url = postgres.rsplit("/", 1)[0] + "/migrate_v3"
    old = Store(url, upgrade_to=3)
    with sqlite3.connect(STORE_V3) as con:
        con.row_factory = sqlite3.Row
        written = [dict(r) for r in con.execute("SELECT * FROM results WHERE key != 'k3'")]
    for r in written:  # the fixture's rows, written through the schema-3 layout on PostgreSQL
        r = {k: v for k, v in r.items() if k not in ("id", "created_at", "attempts")}
        r["call_date"] = None if r["call_date"] is None else __import__("datetime").date.fromisoformat(r["call_date"])
        old.put(r)
    old.close()
    store = Store(url)
    assert store.schema_version() == SCHEMA_VERSION
    rows = {r["key"]: r for r in store.rows()}
    for r in written:
        for c in ("pace_verdict", "pace_score", "drawl_verdict", "drawl_score", "speaking_rate_cps", "drawl_flagged_ratio", "pitch_range_st", "overall_score"):
            assert rows[r["key"]][c] == r[c], (r["key"], c)
    assert sorted(r["key"] for r in store.rows(verdict="flat")) == ["k0", "k2"]
    store.close()


@pytest.mark.ray
@pytest.mark.slow
def test_local_ray_gives_the_same_rows_as_the_local_pool(tmp_path):
    pytest.importorskip("ray")
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("good_take.flac", "too_fast.flac", "monotone.flac"):
        shutil.copy(SAMPLES / name, calls / name)
    (calls / "empty.wav").write_bytes(b"")
    jobs = discover([calls])
    pool, ray_store = Store(tmp_path / "pool.sqlite"), Store(tmp_path / "ray.sqlite")
    run_batch(jobs, pool, BatchSettings(), workers=2)
    p = run_batch(jobs, ray_store, BatchSettings(), workers=2, engine="ray")
    assert (p.done, p.failed) == (3, 1)
    keep = ("key", "path", "status", "error_code", "overall_score", "pace_score", "pitch_verdict", "speaking_rate_cps", "active_level_dbov")
    a = sorted(tuple(r[k] for k in keep) for r in pool.rows())
    b = sorted(tuple(r[k] for k in keep) for r in ray_store.rows())
    assert a == b


def test_manifest_exports_and_summary(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(SAMPLES / "good_take.flac", calls / "g.flac")
    shutil.copy(SAMPLES / "too_fast.flac", calls / "f.flac")
    shutil.copy(SAMPLES / "call_stereo.wav", calls / "c.wav")
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,call_id,agent_id,date,channel,team\ng.flac,C1,A01,2026-11-20,mix,north\nf.flac,C2,A01,2026-11-21,mix,north\n"
                        "c.wav,C3,A02,2026-11-21,left,south\nmissing.wav,C4,A02,2026-11-22,mix,south\n", encoding="utf-8")
    db = tmp_path / "q.sqlite"
    from voicecoach.cli import app

    res = runner.invoke(app, ["batch", str(calls), "--manifest", str(manifest), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "3 scored, 1 failed" in res.output
    rows = {r["call_id"]: r for r in Store(db).rows()}
    assert rows["C3"]["channel"] == "left" and json.loads(rows["C3"]["extra"]) == {"team": "south"}
    assert rows["C4"]["error_code"] == "not_found"
    res = runner.invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "nov.xlsx"), "--since", "2026-11-21", "--agent", "A01", "--keys"])  # for a program: column keys
    assert res.exit_code == 0 and "1 rows" in res.output
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "nov.xlsx")["calls"]
    header = [c.value for c in ws[1]]
    values = dict(zip(header, [c.value for c in ws[2]]))
    assert values["call_id"] == "C2" and values["pace_verdict"] == "too_fast" and values["team"] == "north"
    res = runner.invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "all.csv"), "--verdict", "too_fast"])
    assert res.exit_code == 0 and "1 rows" in res.output
    res = runner.invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "x.csv"), "--since", "21/11/2026"])
    assert res.exit_code != 0 and "YYYY-MM-DD" in res.output
    res = runner.invoke(app, ["summary", "--db", str(db), "-o", str(tmp_path / "summary"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "summary" / "summary.html").read_text(encoding="utf-8")
    assert 'data-group="A01"' in html and 'data-group="A02"' in html and "missing.wav" in html
    assert (tmp_path / "summary" / "charts" / "distribution.png").exists()
    assert (tmp_path / "summary" / "charts" / "trend.png").exists()  # two dates: a trend
    # calls with no dates: no empty time axis, a line saying how to get one
    undated = tmp_path / "undated.sqlite"
    assert runner.invoke(app, ["batch", str(calls / "g.flac"), "--db", str(undated), "--workers", "1"]).exit_code == 0
    res = runner.invoke(app, ["summary", "--db", str(undated), "-o", str(tmp_path / "s2"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "s2" / "charts" / "trend.png").exists()
    assert "add a date column" in (tmp_path / "s2" / "summary.html").read_text(encoding="utf-8")


def test_bad_store_url_is_a_clear_error(tmp_path):
    from voicecoach.cli import app

    res = runner.invoke(app, ["export", "--db", "postgresql://qa@127.0.0.1:1/none", "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 5 and "cannot open the result store" in res.output and "Traceback" not in res.output


def test_inputs_from_globs_and_unknown_paths(tmp_path):
    (tmp_path / "a").mkdir()
    sf.write(tmp_path / "a" / "x.wav", np.zeros(100), 8000)
    assert [j.call_id for j in discover([str(tmp_path / "a" / "*.wav")])] == ["x"]
    from voicecoach.errors import VoiceCoachError

    with pytest.raises(VoiceCoachError, match="matches no file"):
        discover([str(tmp_path / "nothing*.wav")])
    assert isinstance(discover([tmp_path / "a"])[0], Job)
