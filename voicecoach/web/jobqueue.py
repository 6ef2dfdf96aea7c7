"""The durable analysis queue: table ``web_jobs`` is the queue, a process pool does the work.

* An upload adds a take and a ``queued`` job in one transaction; nothing else is needed for it
  to be analysed, even if the server stops right after.
* One dispatcher thread hands at most ``workers`` jobs to the pool (the rest stay ``queued`` in
  the table), so memory is bounded by the worker count, not the number of uploads.
* A finished analysis is written to the result store first, then its job is marked ``done``:
  nothing is shown as done that is not stored.
* On start, jobs left ``running`` by a server that died go back to ``queued``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import queue as _queue
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import sqlalchemy as sa

from voicecoach.web import tables as T
from voicecoach.web.accounts import now
from voicecoach.web.config import WebConfig
from voicecoach.web.i18n import CRASHED, NOT_RUN, UNKNOWN_FAILURE

log = logging.getLogger(__name__)



def report_dir(config: WebConfig, key: str) -> Path:
    """Where the report page of a stored result lives (a hash: no user text in the path)."""
    return config.reports_dir / hashlib.sha256(key.encode()).hexdigest()[:40]


def compare_dir(config: WebConfig, take_id: int) -> Path:
    """Where a practice take's comparison with its script's benchmark lives."""
    return config.reports_dir / f"compare-{int(take_id)}"


def settings_hash(config: WebConfig) -> str:
    """What changes a take's figures (the batch's fingerprint, plus a test recogniser's name)."""
    from voicecoach.web.library import BatchSettings

    base = BatchSettings(model=config.model, lang=config.lang, targets=config.targets, phrases=config.phrases).fingerprint("mix")
    return hashlib.sha256(f"{base}|{config.recognizer or ''}|web".encode()).hexdigest() if config.recognizer else base


class JobQueue:
    """Runs the queued jobs of ``web_jobs`` in a process pool until :meth:`stop`."""

    def __init__(self, config: WebConfig, engine, store) -> None:
        self.config, self.engine, self.store = config, engine, store
        self._wake = threading.Event()
        self._done: _queue.Queue = _queue.Queue()
        self._stop = threading.Event()
        self._inflight: dict[int, dict] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._settings_sha: str | None = None

    # -- life ---------------------------------------------------------------------------
    def start(self) -> None:
        with self.engine.begin() as conn:  # a dead server's jobs: back in the queue
            n = conn.execute(T.jobs.update().where(T.jobs.c.status == "running").values(status="queued", stage=None)).rowcount
        if n:
            log.info("%d job(s) left running by a stopped server are queued again", n)
        self._settings_sha = settings_hash(self.config)
        self._start_pool()
        self._thread = threading.Thread(target=self._loop, name="voicecoach-web-queue", daemon=True)
        self._thread.start()

    def _start_pool(self) -> None:
        from voicecoach.web.library import engine_url

        workers = self.config.workers
        settings = {"recognizer": self.config.recognizer, "model": self.config.model, "lang": self.config.lang,
                    "threads": max(1, (os.cpu_count() or 1) // workers), "db": self.config.db,
                    "db_is_sqlite": engine_url(self.config.db).startswith("sqlite"), "max_duration_s": self.config.max_duration_s,
                    "targets": self.config.targets, "phrases": self.config.phrases,
                    "parent_pid": os.getpid()}
        from voicecoach.web import worker

        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker.init, initargs=(settings,))
        for _ in range(workers):  # start the workers (and load the model) now, not on the first upload
            self._pool.submit(_ready)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._inflight:  # interrupted: queued again for the next start
            with self.engine.begin() as conn:
                conn.execute(T.jobs.update().where(T.jobs.c.id.in_(list(self._inflight))).values(status="queued", stage=None))

    def poke(self) -> None:
        """A job was queued: look now rather than at the next tick."""
        self._wake.set()

    # -- the dispatcher -----------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._collect()
                self._fill()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive a database hiccup
                log.exception("job queue")
            self._wake.wait(0.5)
            self._wake.clear()

    def _fill(self) -> None:
        while len(self._inflight) < self.config.workers and not self._stop.is_set():
            job = self._claim_next()
            if job is None:
                return
            if self._already_stored(job):
                continue
            try:
                fut = self._pool.submit(_run, job)
            except BrokenProcessPool:
                self._restart_pool()
                fut = self._pool.submit(_run, job)
            self._inflight[job["job_id"]] = job
            fut.add_done_callback(lambda f, jid=job["job_id"]: (self._done.put((jid, f)), self._wake.set()))

    def _claim_next(self) -> dict | None:
        j, t, u = T.jobs.c, T.takes.c, T.users.c
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(T.jobs.c.id, T.takes, u.username).join(T.takes, t.id == j.take_id).join(T.users, u.id == t.user_id)
                               .where(j.status == "queued").order_by(j.id).limit(1)).first()
            if row is None:
                return None
            taken = conn.execute(T.jobs.update().where((j.id == row[0]) & (j.status == "queued"))
                                 .values(status="running", stage="queued", started_at=now(), attempts=j.attempts + 1)).rowcount
            if taken != 1:
                return None
            m = row._mapping
            script_text, benchmark, benchmark_id = None, None, None
            if m["script_id"] is not None:
                s = _script_version(conn, m["script_id"], m["script_version"])
                script_text = s.text if s else None
                if s and s.benchmark_take_id and m["kind"] == "take":
                    b = conn.execute(sa.select(T.takes).where(T.takes.c.id == s.benchmark_take_id)).first()
                    if b is not None:
                        benchmark, benchmark_id = str(self.config.uploads_dir / f"{b.file_sha256}.{b.file_ext}"), b.id
        agent = m["agent"] if m["kind"] == "call" else m["username"]  # a QA upload is not QA's own call
        settings_sha = self._settings_sha[:64] if not script_text else hashlib.sha256((self._settings_sha + script_text).encode()).hexdigest()
        # the store keeps a row per recording, settings and agent: the same bytes from two agents are two rows
        key = f"{m['file_sha256']}:{hashlib.sha256(f'{settings_sha}|agent={agent}'.encode()).hexdigest()}"
        job = {"job_id": int(row[0]), "take_id": m["id"], "kind": m["kind"], "username": m["username"], "agent": agent, "label": m["label"],
               "path": str(self.config.uploads_dir / f"{m['file_sha256']}.{m['file_ext']}"), "file_sha256": m["file_sha256"],
               "key": key, "settings_sha": settings_sha, "report_dir": str(report_dir(self.config, key)), "script_text": script_text,
               "created": m["created_at"].date().isoformat()}
        if benchmark:
            job.update(benchmark=benchmark, benchmark_take_id=benchmark_id, compare_dir=str(compare_dir(self.config, m["id"])))
        return job

    def _already_stored(self, job: dict) -> bool:
        """The same recording with the same settings is stored with its page: done at once."""
        if job.get("benchmark") or not (Path(job["report_dir"]) / "report.html").exists():
            return False
        if self.store.status_of([job["key"]]).get(job["key"]) != "done":
            return False
        report = self.store.report(job["key"]) or {}
        self._finish(job, {"status": "done", "report": report}, store=False)
        return True

    def _collect(self) -> None:
        while True:
            try:
                job_id, fut = self._done.get_nowait()
            except _queue.Empty:
                return
            job = self._inflight.pop(job_id, None)
            if job is None:
                continue
            try:
                out = fut.result()
            except BrokenProcessPool:
                out = {"status": "error", "code": "worker_crashed", "message": CRASHED, "template": CRASHED}
                self._restart_pool()
            except Exception as e:  # noqa: BLE001
                kind = type(e).__name__
                out = {"status": "error", "code": "internal", "message": NOT_RUN.format(kind=kind), "template": NOT_RUN, "params": {"kind": kind}}
            self._finish(job, out)

    def _restart_pool(self) -> None:
        try:
            self._pool.shutdown(wait=False, cancel_futures=True)
        except Exception:  # noqa: BLE001
            pass
        self._start_pool()

    def _finish(self, job: dict, out: dict, *, store: bool = True) -> None:
        """Store first, then mark the job: a job reads done only once its result is stored."""
        from voicecoach.web.library import Job, result_row

        summary = None
        if out["status"] == "done":
            if store:
                bj = Job(path=job["path"], call_id=f"web-{job['kind']}-{job['take_id']}", agent_id=job["agent"], call_date=job["created"],
                         extra={"source": "web", "kind": job["kind"], "take": job["take_id"], "file": job["label"], "by": job["username"]})
                row, sentences = result_row(bj, job["key"], job["file_sha256"], job["settings_sha"], out)
                self.store.put(row, sentences)
            summary = json.dumps(_summary(out.get("report") or {}), ensure_ascii=False)
        with self.engine.begin() as conn:
            if out["status"] == "done":
                conn.execute(T.takes.update().where(T.takes.c.id == job["take_id"]).values(result_key=job["key"], summary=summary, compared=bool(job.get("benchmark")),
                                                                                       benchmark_take_id=job.get("benchmark_take_id")))
                conn.execute(T.jobs.update().where(T.jobs.c.id == job["job_id"]).values(status="done", stage=None, error=None, finished_at=now(), elapsed_s=out.get("elapsed_s"), cpu_s=out.get("cpu_s")))
            else:
                template = out.get("template") or (None if out.get("message") else UNKNOWN_FAILURE)
                conn.execute(T.jobs.update().where(T.jobs.c.id == job["job_id"]).values(
                    status="failed", stage=None, error=out.get("message") or UNKNOWN_FAILURE, error_template=template,
                    error_params=json.dumps(out.get("params") or {}, ensure_ascii=False, default=str) if template else None,
                    finished_at=now(), elapsed_s=out.get("elapsed_s")))


def _script_version(conn, script_id: int, version: int | None):
    """The text and benchmark take of the script version a take was uploaded against (the
    script as it is now for a take from before versions were kept)."""
    v = T.script_versions.c
    if version is not None:
        row = conn.execute(sa.select(v.text, v.benchmark_take_id).where((v.script_id == script_id) & (v.version == version))).first()
        if row is not None:
            return row
    return conn.execute(sa.select(T.scripts.c.text, T.scripts.c.benchmark_take_id).where(T.scripts.c.id == script_id)).first()


def _ready() -> bool:
    return True


def _run(job: dict) -> dict:
    from voicecoach.web import worker

    return worker.run(job)


def _summary(report: dict) -> dict:
    """What the history page shows of a take: the overall and each dimension's score and verdict."""
    s = report.get("summary") or {}
    return {"overall": s.get("overall_score"), "duration_s": s.get("duration_s"),
            "dimensions": {d.get("name"): {"score": d.get("score"), "verdict": d.get("verdict")} for d in report.get("dimensions", [])}}
