"""What a worker does with one call: load the recogniser once, score the call under a time limit, and make its store rows."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from voicecoach.judge import dimensions
from voicecoach.errors import VoiceCoachError, display_name
from voicecoach.recognize.models import DEFAULT_MODEL
from voicecoach.recognize import Recognizer, build_recognizer
from voicecoach.qa.inputs import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchSettings:
    """What every call is scored with; its hash is part of each result's key.

    ``model`` and ``device`` go to :func:`~voicecoach.recognize.build_recognizer` (``device``
    None: the recogniser's default).
    """

    model: str = DEFAULT_MODEL
    targets: str | None = None
    phrases: str | None = None  # an organisation's phrase list (wording rules)
    lang: str = "zh"
    script: str | None = None
    device: str | None = None
    time_limit_s: float | None = None  # a call that takes longer is stopped and stored as an error
    reports: bool = False  # also render each call's report.html (returned as text; the batch writes it); not in the key
    delivery: bool = True  # a two-sided call: also the agent's delivery on the agent's side (False: timing only, no recogniser)
    load_recognizer: bool = True  # load the recogniser when a worker starts (False: on first use; a batch of calls without delivery never loads it); not in the key

    def recognizer(self, **settings) -> Recognizer:
        """The recogniser these settings name (with the transcript cache), ``settings`` added."""
        options = {"device": self.device} if self.device is not None else {}
        return build_recognizer(self.model, **options, **settings)

    def fingerprint(self, channel: str) -> str:
        """SHA-256 of everything that changes the figures for a call on ``channel``."""
        from voicecoach.judge.targets import load_targets
        from voicecoach.wording import load_rules

        targets = load_targets(self.targets).to_dict()["items"]
        for t in targets.values():
            t.pop("origin", None)
        script = Path(self.script).read_text(encoding="utf-8") if self.script else None
        rules = load_rules(self.phrases)
        payload = {"targets": targets, "phrases": [r.to_dict() for r in rules.rules] + [rules.settings.to_dict(), rules.fillers, rules.pet, rules.polite], "recognizer": self.recognizer(use_cache=False).fingerprint(),
                   "channel": channel, "script": script, "lang": self.lang}
        if channel.startswith("call:"):  # a call with or without the agent's delivery is another result
            payload["delivery"] = self.delivery
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_WORKER: dict = {}


def _init_worker(settings: dict, threads: int, parent_pid: int | None = None) -> None:
    """Once per worker process: watch the parent, load the model, read the targets."""
    from voicecoach.judge.targets import load_targets
    from voicecoach.wording import load_rules

    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    s = BatchSettings(**settings)
    recognizer = s.recognizer(cpu_threads=threads)
    if s.load_recognizer:  # else on first use (faster-whisper loads the model when first asked)
        recognizer.load()
    _WORKER.update(settings=s, recognizer=recognizer, targets=load_targets(s.targets), rules=load_rules(s.phrases), name=f"{socket.gethostname()}:{os.getpid()}")


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


def _bytes_file(data: bytes, like: str):
    """``data`` in a temporary file named like ``like`` (its suffix); the caller removes it."""
    import tempfile

    tmp = tempfile.NamedTemporaryFile(suffix=Path(like).suffix, delete=False)
    tmp.write(data)
    tmp.close()
    return tmp


def score(job: dict, audio_bytes: bytes | None = None, customer_bytes: bytes | None = None) -> dict:
    """Analyse one call in a worker; never raises: a bad file, or one that takes longer than
    the settings' ``time_limit_s``, becomes an error result.

    ``audio_bytes`` (and ``customer_bytes``, the customer's file of a two-file call): the
    recordings' contents, sent where the paths may not exist (a cluster)."""
    from voicecoach.analysis import analyze

    t0 = time.perf_counter()
    s: BatchSettings = _WORKER["settings"]
    path, customer = job["path"], job.get("customer_path")
    tmp = tmp_customer = None
    armed = False
    try:
        armed = _alarm(s.time_limit_s)
        if audio_bytes is not None:  # on a cluster the bytes travel; the path may not exist there
            tmp = _bytes_file(audio_bytes, path)
            source = tmp.name
        else:
            source = path
        if customer_bytes is not None and customer:
            tmp_customer = _bytes_file(customer_bytes, customer)
            job = {**job, "customer_path": tmp_customer.name}
        try:
            if job.get("call"):  # a two-sided call: the conversation, and the agent's delivery on the agent's side
                from voicecoach.qa.calls import call_report, measure_call

                deliver = (lambda side: analyze(side, targets=_WORKER["targets"], phrases=_WORKER["rules"], recognizer=_WORKER["recognizer"],
                                                lang=s.lang, script=s.script, whole_call=True)) if s.delivery else None
                m = measure_call(source, job, _WORKER["targets"], deliver=deliver)
                a, report = m.agent, call_report(m, _WORKER["targets"])
            else:
                a = analyze(source, channel=job["channel"], targets=_WORKER["targets"], phrases=_WORKER["rules"], recognizer=_WORKER["recognizer"], lang=s.lang, script=s.script, whole_call=True)
                report = a.to_dict()
        finally:  # disarmed inside the try: a timer firing just now is still caught below
            if armed:
                _disarm()
                armed = False
        if a is not None:
            (report["agent"] if job.get("call") else report)["source"]["path"] = path
        out = {"status": "done", "report": report, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
        if s.reports and job.get("call"):
            out["report_html"] = _call_page_html(m, s.lang, Path(path).name)
        elif s.reports:
            out["report_html"] = _report_html(a, s.lang)
        return out
    except _TimeLimit:
        message = f"{display_name(path)} took more than {s.time_limit_s:g} s to score and was stopped; split the recording, or raise --time-limit"
        return {"status": "error", "code": "time_limit", "message": message, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    except VoiceCoachError as e:
        message = str(e).replace(display_name(tmp.name), display_name(path)) if tmp else str(e)
        if tmp_customer:
            message = message.replace(display_name(tmp_customer.name), display_name(customer))
        return {"status": "error", "code": e.code, "message": message, "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    except Exception as e:  # noqa: BLE001 - one bad file must never stop the batch
        return {"status": "error", "code": "internal", "message": f"{type(e).__name__}: {e}", "elapsed_s": time.perf_counter() - t0, "worker": _WORKER["name"]}
    finally:
        if armed:
            _disarm()
        for t in (tmp, tmp_customer):
            if t is not None:
                os.unlink(t.name)


def _report_html(a, lang: str) -> str | None:
    """The call's self-contained report page (audio, charts inside), or None when it cannot be
    written (the scores are kept either way)."""
    import tempfile

    from voicecoach.report import write_report

    try:
        with tempfile.TemporaryDirectory(prefix="voicecoach-call-") as tmp:
            return write_report(a, Path(tmp) / "call.report", lang=lang).html.read_text(encoding="utf-8")
    except Exception:  # noqa: BLE001 - a page that fails must not lose the call's scores
        log.warning("the report page of %s could not be written", display_name(a.loaded.source.path), exc_info=False)
        return None


def _call_page_html(m, lang: str, file_name: str) -> str | None:
    """A call's page (:func:`voicecoach.conversation.page.write_call_page`: the conversation and
    the agent's delivery), or None when it cannot be written (the scores are kept either way)."""
    import tempfile

    from voicecoach.conversation.page import write_call_page

    try:
        with tempfile.TemporaryDirectory(prefix="voicecoach-call-") as tmp:
            return write_call_page(m.analysis, m.call, Path(tmp) / "call.html", agent=m.agent, lang=lang, file_name=file_name).read_text(encoding="utf-8")
    except Exception:  # noqa: BLE001 - a page that fails must not lose the call's scores
        log.warning("the call page of %s could not be written", file_name, exc_info=False)
        return None


def render_missing_pages(rows: list[dict], reports_dir: str | os.PathLike, *, recognizer: Recognizer, lang: str = "zh", targets: str | None = None) -> int:
    """Write the report page of each scored call in ``rows`` that has none in ``reports_dir``
    (a store filled without ``batch --reports``), analysing its recording again (with the
    transcript cache the recogniser does not run twice). Calls whose recording is gone are
    left without a page. Returns how many pages were written."""
    from voicecoach.analysis import analyze
    from voicecoach.judge.targets import load_targets
    from voicecoach.qa.calls import has_delivery, is_call, measure_call

    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tgt = load_targets(targets)
    n = 0
    for r in rows:
        page = folder / report_page_name(r.get("call_id"), r["key"], r["path"])
        if r.get("status") != "done" or page.exists() or not os.path.isfile(r["path"]):
            continue
        try:
            if is_call(r):  # the call page: the conversation and the agent's delivery (when the row has it)
                extra = json.loads(r["extra"] or "{}")
                deliver = (lambda side: analyze(side, targets=tgt, recognizer=recognizer, lang=lang, whole_call=True)) if has_delivery(r) else None
                m = measure_call(r["path"], {"channel": r.get("channel"), "customer_path": extra.get("customer_path")}, tgt, deliver=deliver)
                html = _call_page_html(m, lang, Path(r["path"]).name)
            else:
                html = _report_html(analyze(r["path"], channel=r.get("channel") or "mix", targets=tgt, recognizer=recognizer, lang=lang, whole_call=True), lang)
        except VoiceCoachError as e:
            log.warning("no report page for %s: %s", display_name(r["path"]), e)
            continue
        if html is not None:
            tmp = page.with_name(f".{page.name}.{os.getpid()}.tmp")
            tmp.write_text(html, encoding="utf-8")
            os.replace(tmp, page)
            n += 1
    return n


def report_page_name(call_id: str | None, key: str, path: str) -> str:
    """The file name of a call's report page in a batch's reports folder: the call id (or the
    recording's name) made safe for a file name, and the start of the result's key."""
    import re

    stem = re.sub(r"[^\w.-]+", "_", call_id or Path(path).stem, flags=re.UNICODE).strip("._")[:60] or "call"
    return f"{stem}-{key[:10]}.html"


def result_row(job: Job, key: str, file_hash: str, settings_hash: str, out: dict) -> tuple[dict, list[dict]]:
    """The store's row (and sentence rows) for one finished call."""
    from voicecoach import __version__

    row = {
        "key": key, "file_sha256": file_hash, "settings_sha256": settings_hash, "path": job.path, "call_id": job.call_id,
        "agent_id": job.agent_id, "call_date": date.fromisoformat(job.call_date) if job.call_date else None, "channel": job.channel,
        "status": out["status"], "extra": json.dumps({**job.extra, **({"call": True} if job.call else {})}, ensure_ascii=False) if job.extra or job.call else None,
        "elapsed_s": out.get("elapsed_s"), "worker": out.get("worker"), "voicecoach_version": __version__,
    }
    if out["status"] != "done":
        row.update(error_code=out.get("code"), error_message=out.get("message"))
        return row, []
    if job.call:
        from voicecoach.qa.calls import call_row

        agent = out["report"].get("agent")
        return call_row(job, row, out), _sentences(agent) if agent else []
    r = out["report"]
    if (r.get("voices") or {}).get("confident"):  # the listening queue's "two voices" reason (qa/queue.py)
        row["extra"] = json.dumps({**(job.extra or {}), "two_voices": True}, ensure_ascii=False)
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
    return row, _sentences(r)


def _sentences(r: dict) -> list[dict]:
    """The store's sentence rows of a delivery report."""
    return [{"idx": s["index"], "start_s": s["start_s"], "end_s": s["end_s"], "text": s["text"], "n_syllables": s["n_syllables"],
             "rate_cps": s["rate_cps"], "pause_before_s": s["pause_before_s"], "level_dbov": s["level_dbov"],
             "pitch_range_st": s["pitch_range_st"], "final_ratio": s["final_ratio"], "mean_confidence": s["mean_confidence"]} for s in r["sentences"]]
