"""Where the work runs: a local process pool, or a Ray cluster."""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from voicecoach.errors import VoiceCoachError
from voicecoach.qa.inputs import Job
from voicecoach.qa.work import BatchSettings, _init_worker, score
from voicecoach.i18n import N_

log = logging.getLogger(__name__)



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

    The audio bytes (both files of a two-file call) travel through Ray's object store, so
    workers need not see the files.
    """

    def __init__(self, settings: BatchSettings, workers: int, address: str | None) -> None:
        self.settings, self.workers, self.address = settings, workers, address

    def run(self, jobs: list[Job], on_result: Callable[[Job, dict], None], claim: Callable[[Job], bool] | None = None) -> None:
        try:
            import ray
            from ray.util import ActorPool
        except ImportError:
            raise VoiceCoachError.of(N_("--engine ray needs Ray: pip install 'voicecoach[cluster]'")) from None
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
                pool.submit(lambda actor, j: actor.score.remote(asdict(j), _read(j.path), _read(j.customer_path) if j.customer_path else None), job)
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

    def score(self, job: dict, audio_bytes: bytes | None, customer_bytes: bytes | None = None) -> dict:
        out = score(job, audio_bytes, customer_bytes)
        out["job"] = job
        return out


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None  # the worker then reports the missing file
