"""What runs inside an analysis process: the recogniser is built once per process (the
initializer), then each job is analysed and its report page written.

The functions here take and return plain dicts (they cross a process boundary) and never
raise: a bad recording becomes ``{"status": "error", "message": <one sentence>}``.
"""

from __future__ import annotations

import importlib
import os
import socket
import time
from pathlib import Path

_W: dict = {}


def make_recognizer(spec: str | None, model: str, threads: int):
    """The recogniser a worker uses, loaded: ``module:callable`` (tests' stand-in), else the
    library's configured one for ``model`` (transcript cache included)."""
    from voicecoach.web.library import build_recognizer

    if spec:
        module, _, attr = spec.partition(":")
        return getattr(importlib.import_module(module), attr)()
    recognizer = build_recognizer(model, cpu_threads=threads)
    recognizer.load()
    return recognizer


def init(settings: dict) -> None:
    """Once per worker process: the recogniser, the targets, a connection for progress."""
    import sqlalchemy as sa

    from voicecoach.web.library import engine_url, load_rules, load_targets

    _watch_parent(settings["parent_pid"])
    _W.update(
        settings=settings,
        recognizer=make_recognizer(settings["recognizer"], settings["model"], settings["threads"]),
        targets=load_targets(settings.get("targets")),
        rules=load_rules(settings.get("phrases")),
        engine=sa.create_engine(engine_url(settings["db"]), future=True, **({"connect_args": {"timeout": 30}} if settings["db_is_sqlite"] else {})),
        name=f"{socket.gethostname()}:{os.getpid()}",
    )
    _warm()


def _warm() -> None:
    """What every job would otherwise load on the first one: the voice encoder's weights, the
    chart font and matplotlib (each kept per process by the library)."""
    from voicecoach.web.library import warm_up

    try:
        warm_up()
    except Exception:  # noqa: BLE001 - the first job then loads them, and says what is missing
        import logging

        logging.getLogger(__name__).warning("warming the analysis worker up failed", exc_info=True)


def _watch_parent(parent_pid: int) -> None:
    """Exit soon after the server that started this worker is gone (no orphan holding a model)."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="voicecoach-web-parent-watch", daemon=True).start()


def _stage(job_id: int):
    import sqlalchemy as sa

    from voicecoach.web import tables as T

    def show(stage: str) -> None:
        try:
            with _W["engine"].begin() as conn:
                conn.execute(sa.update(T.jobs).where(T.jobs.c.id == job_id).values(stage=stage[:40]))
        except Exception:  # noqa: BLE001 - progress is a nicety; the analysis goes on
            pass

    return show


def run(job: dict) -> dict:
    """Analyse ``job["path"]`` and write its report page into ``job["report_dir"]``.

    With ``job["benchmark"]`` (a path), also compare with the trainer's take and write the
    comparison page into ``job["compare_dir"]``."""
    from voicecoach.web.library import VoiceCoachError, analyze, write_report

    t0 = time.perf_counter()
    s = _W["settings"]
    out = {"worker": _W["name"]}
    cpu0 = _cpu_s()
    try:
        a = analyze(job["path"], recognizer=_W["recognizer"], targets=_W["targets"], phrases=_W["rules"], lang=s["lang"], whole_call=job.get("kind") == "call",
                    script_text=job.get("script_text"), max_duration_s=s["max_duration_s"], progress=_stage(job["job_id"]))
        _stage(job["job_id"])("report")
        write_report(a, job["report_dir"], lang=s["lang"])
        report = a.to_dict()
        report["source"]["path"] = job["path"]
        if job.get("benchmark"):
            _stage(job["job_id"])("compare")
            _compare(a, job)
        return {**out, "status": "done", "report": report, "elapsed_s": time.perf_counter() - t0, "cpu_s": _cpu_s() - cpu0}
    except VoiceCoachError as e:
        stored, shown = Path(job["path"]).name, job.get("label") or "the recording"  # the file under its uploaded name
        params = {k: v.replace(stored, shown) if isinstance(v, str) else v for k, v in e.params.items()}
        return {**out, "status": "error", "code": e.code, "message": str(e).replace(stored, shown), "template": e.template, "params": params,
                "elapsed_s": time.perf_counter() - t0}
    except Exception as e:  # noqa: BLE001 - one bad file never costs the others
        import logging

        from voicecoach.web.i18n import INTERNAL

        logging.getLogger(__name__).exception("analysis of job %s failed", job["job_id"])
        return {**out, "status": "error", "code": "internal", "message": INTERNAL.format(kind=type(e).__name__), "template": INTERNAL,
                "params": {"kind": type(e).__name__}, "elapsed_s": time.perf_counter() - t0}


def _cpu_s() -> float:
    """Processor time of this worker and the helpers it has waited for (the report's audio encoder), s."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _compare(a, job: dict) -> None:
    """The take against the trainer's benchmark take (both read the same script)."""
    from voicecoach.web.library import analyze, compare, write_compare_report

    s = _W["settings"]
    b = analyze(job["benchmark"], recognizer=_W["recognizer"], targets=_W["targets"], phrases=_W["rules"], lang=s["lang"], script_text=job.get("script_text"))
    write_compare_report(compare(a, b, lang=s["lang"], targets=_W["targets"], phrases=s.get("phrases")), job["compare_dir"], lang=s["lang"])
