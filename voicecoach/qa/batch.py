"""QA mode: score many calls, keep every result in the store, resume where a run stopped.

Inputs are folders (recursive), globs, or a CSV manifest. Each call is keyed by its file's
content hash and the settings; calls already done are skipped, failed ones are retried only
with ``retry_failed``. Work runs in a pool of processes that each load the model once, or on
Ray (a local instance or an existing cluster); results come back to this process, which is
the only writer of the store and commits each call as soon as it arrives.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import logging
import os
import socket
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from voicecoach.judge import dimensions
from voicecoach.audio import AUDIO_EXTENSIONS
from voicecoach.errors import VoiceCoachError, display_name
from voicecoach.audio.filecheck import file_sha256
from voicecoach.recognize.models import DEFAULT_MODEL
from voicecoach.recognize import Recognizer, build_recognizer
from voicecoach.qa.store import Store, owner_id

log = logging.getLogger(__name__)

MANIFEST_FIELDS = {"path": ("path", "file", "filename", "audio"), "call_id": ("call_id", "call", "id"),
                   "agent_id": ("agent_id", "agent"), "date": ("date", "call_date"), "channel": ("channel", "agent_channel")}


@dataclass(frozen=True)
class Job:
    """One call to score.

    Attributes
    ----------
    path : str
    call_id, agent_id : str or None
    call_date : str or None
        ISO date (YYYY-MM-DD).
    channel : str
        Which channel is the agent (``mix``, ``left``, ``right``, ``1``...).
    extra : dict
        Any other manifest columns, kept with the result.
    """

    path: str
    call_id: str | None = None
    agent_id: str | None = None
    call_date: str | None = None
    channel: str = "mix"
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSettings:
    """What every call is scored with; its hash is part of each result's key.

    ``model`` and ``device`` go to :func:`~voicecoach.recognize.build_recognizer` (``device``
    None: the recogniser's default).
    """

    model: str = DEFAULT_MODEL
    targets: str | None = None
    lang: str = "zh"
    script: str | None = None
    device: str | None = None
    time_limit_s: float | None = None  # a call that takes longer is stopped and stored as an error

    def recognizer(self, **settings) -> Recognizer:
        """The recogniser these settings name (with the transcript cache), ``settings`` added."""
        options = {"device": self.device} if self.device is not None else {}
        return build_recognizer(self.model, **options, **settings)

    def fingerprint(self, channel: str) -> str:
        """SHA-256 of everything that changes the figures for a call on ``channel``."""
        from voicecoach.judge.targets import load_targets

        targets = load_targets(self.targets).to_dict()["items"]
        for t in targets.values():
            t.pop("origin", None)
        script = Path(self.script).read_text(encoding="utf-8") if self.script else None
        payload = {"targets": targets, "recognizer": self.recognizer(use_cache=False).fingerprint(),
                   "channel": channel, "script": script, "lang": self.lang}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Progress:
    """Counts of a batch, passed to the progress callback after every call."""

    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    duplicates: int = 0
    elsewhere: int = 0  # taken by another batch running on the same store
    audio_s: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped + self.duplicates + self.elsewhere

    def eta_s(self) -> float | None:
        worked = self.done + self.failed
        remaining = self.total - self.finished
        if worked == 0:
            return None
        return (time.monotonic() - self.started) / worked * remaining


# --------------------------------------------------------------------------------------- inputs


def discover(inputs: Sequence[str | os.PathLike], *, manifest: str | os.PathLike | None = None, channel: str = "mix",
             allow_any_path: bool = False) -> list[Job]:
    """Jobs from folders (recursive), files, globs, and/or a CSV manifest.

    A manifest's ``path`` column is relative to the manifest's folder (or to the first input
    folder when given); it may carry ``call_id``, ``agent_id``, ``date``, ``channel`` and any
    other columns (kept as ``extra``).

    Parameters
    ----------
    allow_any_path : bool
        Let manifest entries point outside the folders named (the manifest's own folder and
        the input folders). By default such an entry (an absolute path elsewhere, ``../``, or
        a link leading out) stops the batch before any file is opened: a manifest from
        someone else must not make voicecoach read other files of this machine.
    """
    jobs: list[Job] = []
    if manifest is not None:
        m = Path(manifest)
        base = Path(inputs[0]) if inputs and Path(inputs[0]).is_dir() else None
        jobs += _from_manifest(m, base=base, channel=channel)
        if not allow_any_path:
            roots = [m.parent] + [Path(i) for i in inputs if Path(i).is_dir()]
            _refuse_outside(jobs, roots, m)
        return jobs
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS)
        elif p.is_file():
            files = [p]
        else:
            files = sorted(Path(f) for f in glob.glob(str(item), recursive=True) if Path(f).is_file())
            if not files:
                raise VoiceCoachError(f"{item} matches no file; give a folder, a file, a glob or --manifest")
        jobs += [Job(str(f), call_id=f.stem, channel=channel) for f in files]
    return jobs


def _refuse_outside(jobs: list[Job], roots: list[Path], manifest: Path) -> None:
    resolved = [r.resolve() for r in roots]
    outside = [j for j in jobs if not any(Path(j.path).resolve().is_relative_to(r) for r in resolved)]
    if outside:
        first = outside[0]
        raise VoiceCoachError(
            f"manifest {manifest.name}: {len(outside)} entr{'y' if len(outside) == 1 else 'ies'} (first: call {first.call_id}) "
            "lie outside the manifest's folder and the folders given; move the recordings there, or pass --allow-any-path"
        )


def _from_manifest(path: Path, *, base: Path | None, channel: str) -> list[Job]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise VoiceCoachError(f"cannot read the manifest {path.name} ({getattr(e, 'strerror', None) or type(e).__name__}); give a UTF-8 CSV with a path column") from None
    if not rows:
        raise VoiceCoachError(f"the manifest {path.name} has no rows; add one line per call with its path")
    header = {h.strip().lower(): h for h in rows[0]}
    col = {k: next((header[a] for a in names if a in header), None) for k, names in MANIFEST_FIELDS.items()}
    if col["path"] is None:
        raise VoiceCoachError(f"the manifest {path.name} has no path column (one of: {', '.join(MANIFEST_FIELDS['path'])}); add one")
    root = base or path.parent
    known = {v for v in col.values() if v}
    jobs = []
    for i, r in enumerate(rows, 2):
        p = Path(r[col["path"]].strip())
        p = p if p.is_absolute() else root / p
        d = (r.get(col["date"]) or "").strip() if col["date"] else ""
        if d:
            try:
                d = date.fromisoformat(d[:10]).isoformat()
            except ValueError:
                raise VoiceCoachError(f"manifest {path.name} line {i}: date '{d}' is not YYYY-MM-DD") from None
        jobs.append(Job(
            path=str(p),
            call_id=(r.get(col["call_id"]) or "").strip() or p.stem if col["call_id"] else p.stem,
            agent_id=(r.get(col["agent_id"]) or "").strip() or None if col["agent_id"] else None,
            call_date=d or None,
            channel=((r.get(col["channel"]) or "").strip() or channel) if col["channel"] else channel,
            extra={k: v for k, v in r.items() if k not in known},
        ))
    return jobs


# ---------------------------------------------------------------------------------- the work

_WORKER: dict = {}


def _init_worker(settings: dict, threads: int, parent_pid: int | None = None) -> None:
    """Once per worker process: watch the parent, load the model, read the targets."""
    from voicecoach.judge.targets import load_targets

    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    s = BatchSettings(**settings)
    recognizer = s.recognizer(cpu_threads=threads)
    recognizer.load()
    _WORKER.update(settings=s, recognizer=recognizer, targets=load_targets(s.targets), name=f"{socket.gethostname()}:{os.getpid()}")


def _exit_with_parent(parent_pid: int, *, every_s: float = 1.0) -> None:
    """End this worker soon after the batch command that started it is gone (``kill -9``
    leaves no orphan worker holding a model in memory)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="voicecoach-parent-watch", daemon=True).start()


class _TimeLimit(BaseException):
    """Raised in a worker when a call has used up its time (not an Exception: nothing inside
    the analysis may catch it)."""


def _time_is_up(signum, frame):
    raise _TimeLimit()


def _alarm(limit_s: float | None) -> bool:
    """Arm a one-shot timer for this call (main thread of a worker only); True when armed."""
    import signal
    import threading

    if not limit_s or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return False
    signal.signal(signal.SIGALRM, _time_is_up)
    signal.setitimer(signal.ITIMER_REAL, float(limit_s))
    return True


def _disarm() -> None:
    import signal

    signal.setitimer(signal.ITIMER_REAL, 0)


def score(job: dict, audio_bytes: bytes | None = None) -> dict:
    """Analyse one call in a worker; never raises: a bad file, or one that takes longer than
    the settings' ``time_limit_s``, becomes an error result."""
    from voicecoach.analysis import analyze

    t0 = time.perf_counter()
    s: BatchSettings = _WORKER["settings"]
    path = job["path"]
    tmp = None
    armed = False
    try:
        armed = _alarm(s.time_limit_s)
        if audio_bytes is not None:  # on a cluster the bytes travel; the path may not exist there
            import tempfile

            tmp = tempfile.NamedTemporaryFile(suffix=Path(path).suffix, delete=False)
            tmp.write(audio_bytes)
            tmp.close()
            source = tmp.name
        else:
            source = path
        try:
            a = analyze(source, channel=job["channel"], targets=_WORKER["targets"], recognizer=_WORKER["recognizer"], lang=s.lang, script=s.script)
            report = a.to_dict()
        finally:  # disarmed inside the try: a timer firing just now is still caught below
            if armed:
                _disarm()
                armed = False
        report["source"]["path"] = path
        return {"status": "done", "report": report, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    except _TimeLimit:
        message = f"{display_name(path)} took more than {s.time_limit_s:g} s to score and was stopped; split the recording, or raise --time-limit"
        return {"status": "error", "code": "time_limit", "message": message, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    except VoiceCoachError as e:
        message = str(e).replace(display_name(tmp.name), display_name(path)) if tmp else str(e)
        return {"status": "error", "code": e.code, "message": message, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    except Exception as e:  # noqa: BLE001 - one bad file must never stop the batch
        return {"status": "error", "code": "internal", "message": f"{type(e).__name__}: {e}", "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    finally:
        if armed:
            _disarm()
        if tmp is not None:
            os.unlink(tmp.name)


def result_row(job: Job, key: str, file_hash: str, settings_hash: str, out: dict) -> tuple[dict, list[dict]]:
    """The store's row (and sentence rows) for one finished call."""
    from voicecoach import __version__

    row = {
        "key": key, "file_sha256": file_hash, "settings_sha256": settings_hash, "path": job.path, "call_id": job.call_id,
        "agent_id": job.agent_id, "call_date": date.fromisoformat(job.call_date) if job.call_date else None, "channel": job.channel,
        "status": out["status"], "extra": json.dumps(job.extra, ensure_ascii=False) if job.extra else None,
        "elapsed_s": out.get("elapsed_s"), "worker": out.get("worker"), "voicecoach_version": __version__,
    }
    if out["status"] != "done":
        row.update(error_code=out.get("code"), error_message=out.get("message"))
        return row, []
    r = out["report"]
    dims = {d["name"]: d for d in r["dimensions"]}
    row.update(duration_s=r["summary"]["duration_s"], overall_score=r["summary"]["overall_score"], n_notices=len(r["notices"]),
               model_name=r["model"]["name"], model_sha256=r["model"]["sha256"],
               targets_sha256=hashlib.sha256(json.dumps(r["targets"]["items"], sort_keys=True).encode()).hexdigest(),
               report=json.dumps(r, ensure_ascii=False))
    m = r["measures"]
    for d in dimensions.registered():
        if d.name in dims:
            row[f"{d.name}_score"], row[f"{d.name}_verdict"] = dims[d.name]["score"], dims[d.name]["verdict"]
        for f in d.figures:
            row[f.key] = m.get(d.name, {}).get(f.field)
    sentences = [{"idx": s["index"], "start_s": s["start_s"], "end_s": s["end_s"], "text": s["text"], "n_syllables": s["n_syllables"],
                  "rate_cps": s["rate_cps"], "pause_before_s": s["pause_before_s"], "level_dbov": s["level_dbov"],
                  "pitch_range_st": s["pitch_range_st"], "final_ratio": s["final_ratio"], "mean_confidence": s["mean_confidence"]} for s in r["sentences"]]
    return row, sentences


# ---------------------------------------------------------------------------------- engines


class LocalPool:
    """Worker processes on this machine, each loading the model once."""

    def __init__(self, settings: BatchSettings, workers: int) -> None:
        self.settings, self.workers = settings, workers
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        self._pool = None

    def _start(self):
        import multiprocessing

        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(asdict(self.settings), self.threads, os.getpid()))

    def run(self, jobs: list[Job], on_result: Callable[[Job, dict], None], claim: Callable[[Job], bool] | None = None) -> None:
        remaining = deque(jobs)
        while remaining:
            self._start()
            inflight: dict = {}
            broken = False
            finished = False
            try:
                while (remaining or inflight) and not broken:
                    while remaining and len(inflight) < 2 * self.workers:  # bounded: a kill loses only these
                        job = remaining.popleft()
                        if claim is not None and not claim(job):
                            continue  # another batch scores it (or has)
                        try:
                            inflight[self._pool.submit(score, asdict(job))] = job
                        except BrokenProcessPool:
                            remaining.appendleft(job)
                            broken = True
                            break
                    if not inflight:
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for f in done:
                        job = inflight.pop(f)
                        try:
                            out = f.result()
                        except BrokenProcessPool:
                            out, broken = dict(CRASHED), True
                        on_result(job, out)
                # A worker died (out of memory, a crash in native code): which call killed it is
                # unknown, so every call in flight becomes an error row; the rest go to a new pool.
                for job in inflight.values():
                    on_result(job, dict(CRASHED))
                finished = True
            finally:
                # a normal end waits for the workers to exit (no "Bad file descriptor" at
                # interpreter shutdown); an error or Ctrl-C leaves at once
                self._pool.shutdown(wait=finished and not broken, cancel_futures=True)


CRASHED = {"status": "error", "code": "worker_crashed", "message": "the worker process died while this call was in flight (out of memory, or a crash); retry with --retry-failed"}


class RayEngine:
    """Ray actors, each loading the model once; on a local instance or an existing cluster.

    The audio bytes travel through Ray's object store, so workers need not see the files.
    """

    def __init__(self, settings: BatchSettings, workers: int, address: str | None) -> None:
        self.settings, self.workers, self.address = settings, workers, address

    def run(self, jobs: list[Job], on_result: Callable[[Job, dict], None], claim: Callable[[Job], bool] | None = None) -> None:
        try:
            import ray
            from ray.util import ActorPool
        except ImportError:
            raise VoiceCoachError("--engine ray needs Ray: pip install 'voicecoach[cluster]'") from None
        started_here = not ray.is_initialized()
        if started_here:
            kw = {"address": self.address} if self.address not in (None, "local") else {"num_cpus": max(self.workers, 1)}
            ray.init(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True, **kw)
        try:
            threads = 1 if self.address in (None, "local") else 2
            Actor = ray.remote(num_cpus=threads)(_RayScorer)  # one CPU slot per inference thread
            actors = [Actor.remote(asdict(self.settings), threads) for _ in range(self.workers)]
            pool = ActorPool(actors)
            for job in jobs:
                if claim is not None and not claim(job):
                    continue
                while not pool.has_free():  # bounded in flight: a stopped run loses only those
                    self._deliver(pool, on_result)
                pool.submit(lambda actor, j: actor.score.remote(asdict(j), _read(j.path)), job)
            while pool.has_next():
                self._deliver(pool, on_result)
        finally:
            if started_here:
                ray.shutdown()

    @staticmethod
    def _deliver(pool, on_result) -> None:
        out = pool.get_next_unordered()
        on_result(Job(**out.pop("job")), out)


class _RayScorer:
    def __init__(self, settings: dict, threads: int) -> None:
        _init_worker(settings, threads)

    def score(self, job: dict, audio_bytes: bytes | None) -> dict:
        out = score(job, audio_bytes)
        out["job"] = job
        return out


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None  # the worker then reports the missing file


# -------------------------------------------------------------------------------- the batch


def default_workers() -> int:
    """One worker per core, at most 8 (measured: 2 single-thread workers beat 1 two-thread
    worker by 1.46 x)."""
    return max(1, min(8, os.cpu_count() or 1))


def run_batch(
    jobs: Sequence[Job],
    store: Store,
    settings: BatchSettings,
    *,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
    retry_failed: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Score every job not yet in the store, committing each as it finishes.

    Parameters
    ----------
    jobs : sequence of Job
    store : Store
    settings : BatchSettings
    workers : int, optional
        Processes (local) or actors (Ray); default :func:`default_workers`.
    engine : str
        ``local`` or ``ray``.
    address : str, optional
        Ray address (``auto`` for an existing cluster); default a local Ray instance.
    retry_failed : bool
        Score again the calls stored as errors.
    progress : callable, optional
        Called with the counts after every call.
    """
    prog = Progress(total=len(jobs))
    workers = workers or default_workers()
    fingerprints: dict[str, str] = {}
    todo: list[tuple[Job, str, str, str]] = []
    keys_seen: dict[str, Job] = {}
    hashed = []
    for job in jobs:
        fh = file_sha256(job.path) or hashlib.sha256(f"unreadable:{job.path}".encode()).hexdigest()
        sh = fingerprints.setdefault(job.channel, settings.fingerprint(job.channel))
        hashed.append((job, f"{fh}:{sh[:64]}", fh, sh))
    stored = store.status_of(k for _, k, _, _ in hashed)
    for job, key, fh, sh in hashed:
        if key in keys_seen:  # the same file twice in this batch: scored once, the other kept as an alias
            prog.duplicates += 1
            continue
        keys_seen[key] = job
        status = stored.get(key)
        if status == "done" or (status == "error" and not retry_failed):
            prog.skipped += 1
            store.add_alias(key, job.path, job.call_id)
            continue
        todo.append((job, key, fh, sh))
    by_path = {job.path: (key, fh, sh) for job, key, fh, sh in todo}
    if progress:
        progress(prog)

    def on_result(job: Job, out: dict) -> None:
        key, fh, sh = by_path[job.path]
        row, sentences = result_row(job, key, fh, sh, out)
        store.put(row, sentences)
        if out["status"] == "done":
            prog.done += 1
            prog.audio_s += row.get("duration_s") or 0.0
        else:
            prog.failed += 1
        if progress:
            progress(prog)

    owner = owner_id()

    def claim(job: Job) -> bool:
        """Take the call unless another batch on this store has it (or has just finished it)."""
        if store.claim(by_path[job.path][0], owner):
            return True
        prog.elsewhere += 1
        if progress:
            progress(prog)
        return False

    runner = RayEngine(settings, workers, address) if engine == "ray" else LocalPool(settings, workers)
    if todo:
        runner.run([job for job, *_ in todo], on_result, claim=claim)
    # calls whose file was a duplicate of one scored in this very batch
    for job, key, *_ in hashed:
        if keys_seen.get(key) is not job:
            store.add_alias(key, job.path, job.call_id)
    return prog
