"""QA batches over a folder on the server: recorded in the database before they start, so a
batch a restart interrupted resumes on the next start (the result store skips what it holds).

Each batch names the server process running it (``owner``) and writes a heartbeat with its
progress; a starting server resumes only the batches whose owner is gone (a dead process on
this machine, or no heartbeat for :data:`STALE_S`), taking each with one conditional UPDATE, so
two servers on one database never run a batch twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from voicecoach.web import security
from voicecoach.web import tables as T
from voicecoach.web.accounts import now
from voicecoach.web.library import N_, BatchSettings, VoiceCoachError, discover, i18n, owner_alive, run_batch
from voicecoach.web.pages import lang_of, render

NOT_A_BATCH_FOLDER = N_("that folder is not one QA may analyse here; choose a folder under the server's batch folders (voicecoach serve --batch-root)")
ALREADY_RUNNING = N_("a batch over that folder is already running; wait for it to finish (its calls are stored as they are scored)")
FOLDER_GONE = N_("the folder {name} was not there when the server started again; the calls already scored are kept: start the batch again once the folder is back")
INTERNAL = N_("the batch stopped with an internal error ({kind}); see the server log")
STALE_S = 30 * 60.0  # a batch whose owner wrote no heartbeat for this long (a server on another host that stopped) is resumed
SHOWN = 10  # batches listed on the calls page, newest first
PROGRESS_EVERY_S = 1.0  # the row's counts are written at most this often (and at the end)


async def start_folder_batch(request: Request) -> Response:
    """``voicecoach batch`` over a server folder (inside the configured roots), in the background,
    with the configured engine (local processes or Ray)."""
    s = security.require(request, "qa")
    st = request.app.state
    form = await request.form(max_fields=5)
    await security.check_csrf(request, s, form)
    folder = inside_roots(str(form.get("folder") or ""), st.config.batch_roots)
    if folder is None:
        return render(request, "message.html", status_code=400, message=i18n.gettext(lang_of(request), NOT_A_BATCH_FOLDER))
    key = secrets.token_hex(6)
    b = T.folder_batches.c
    with st.engine.begin() as conn:
        if conn.execute(sa.select(b.id).where((b.folder == str(folder)) & (b.state == "running"))).first() is not None:
            return render(request, "message.html", status_code=409, message=i18n.gettext(lang_of(request), ALREADY_RUNNING))
        conn.execute(T.folder_batches.insert().values(id=key, folder=str(folder), by_id=s.user.id, state="running", total=0, done=0, failed=0, runs=1,
                                                      owner=owner(st), heartbeat_at=now(), created_at=now()))
    _start(st, key, folder)
    return RedirectResponse("/calls", status_code=303)


def owner(st) -> str:
    """This server: host, process and app (two apps in one process are two owners)."""
    if getattr(st, "batch_owner", None) is None:
        st.batch_owner = f"{socket.gethostname()}:{os.getpid()}/{secrets.token_hex(4)}"
    return st.batch_owner


def resume(st) -> int:
    """Start again every batch the database holds as running (a restart interrupted it); a
    folder no longer inside the batch roots fails with its sentence. Returns how many resumed."""
    b = T.folder_batches.c
    with st.engine.connect() as conn:
        rows = conn.execute(sa.select(b.id, b.folder, b.owner, b.heartbeat_at).where(b.state == "running")).all()
    n = 0
    for key, wanted, held_by, beat in rows:
        if held_by is not None and _owner_alive(held_by, beat):
            continue
        with st.engine.begin() as conn:  # take it, unless another server just did
            taken = conn.execute(T.folder_batches.update().where((b.id == key) & (b.state == "running") & (b.owner.is_(None) if held_by is None else b.owner == held_by))
                                 .values(owner=owner(st), heartbeat_at=now(), runs=b.runs + 1)).rowcount
        if taken != 1:
            continue
        if not Path(wanted).is_dir():
            _fail(st, key, VoiceCoachError.of(FOLDER_GONE, name=Path(wanted).name))
            continue
        folder = inside_roots(wanted, st.config.batch_roots)
        if folder is None:
            _fail(st, key, VoiceCoachError.of(NOT_A_BATCH_FOLDER))
            continue
        _start(st, key, folder)
        n += 1
    return n


def _owner_alive(held_by: str, beat) -> bool:
    """Whether the server that holds a batch may still be running it: a process on this host
    that exists (and is not this one's earlier app), else a heartbeat younger than STALE_S."""
    host_pid = held_by.partition("/")[0]
    if host_pid.rpartition(":")[0] == socket.gethostname():
        # this process's own earlier app (a restart inside one process) is gone too: resume it
        return host_pid != f"{socket.gethostname()}:{os.getpid()}" and owner_alive(host_pid)
    return beat is not None and (now() - beat) < dt.timedelta(seconds=STALE_S)


def recent(st, lang: str) -> list[dict]:
    """The newest batches for the calls page: folder name, state, counts and a failure's sentence in ``lang``."""
    b = T.folder_batches.c
    with st.engine.connect() as conn:
        rows = conn.execute(sa.select(T.folder_batches).order_by(b.created_at.desc(), b.id).limit(SHOWN)).all()
    return [{"folder": Path(r.folder).name, "state": r.state, "total": r.total, "done": r.done, "failed": r.failed, "runs": r.runs,
             "error": _error_text(r, lang)} for r in rows]


def inside_roots(wanted: str, roots) -> Path | None:
    """``wanted`` resolved, when it is a folder under one of ``roots``; else None."""
    if not wanted or "\x00" in wanted:
        return None
    try:
        p = Path(wanted).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    for root in roots:
        r = Path(root).resolve()
        if p.is_dir() and (p == r or r in p.parents):
            return p
    return None


def _start(st, key: str, folder: Path) -> None:
    threading.Thread(target=_run, args=(st, key, folder), name=f"voicecoach-web-batch-{key}", daemon=True).start()


def _run(st, key: str, folder: Path) -> None:
    t = T.folder_batches
    last = [0.0]

    def write(**values) -> None:
        with st.engine.begin() as conn:
            conn.execute(t.update().where(t.c.id == key).values(**values))

    try:
        jobs = [j for j in discover([str(folder)]) if _under(j.path, folder)]  # a link inside the folder to a file outside it is left out
        write(total=len(jobs), heartbeat_at=now())

        def show(p) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                write(done=p.done + p.skipped + p.duplicates + p.elsewhere, failed=p.failed, heartbeat_at=now())

        p = run_batch(jobs, st.store, BatchSettings(model=st.config.model, lang=st.config.lang, targets=st.config.targets, phrases=st.config.phrases), workers=st.config.workers,
                      engine=st.config.engine, progress=show)
        write(state="done", done=p.done + p.skipped + p.duplicates + p.elsewhere, failed=p.failed, finished_at=now())
    except VoiceCoachError as e:
        _fail(st, key, e)
    except Exception as e:  # noqa: BLE001 - shown as one sentence on the calls page; the detail goes to the log
        logging.getLogger(__name__).exception("folder batch")
        _fail(st, key, VoiceCoachError.of(INTERNAL, kind=type(e).__name__))


def _under(path: str, folder: Path) -> bool:
    try:
        p = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return folder == p or folder in p.parents


def _fail(st, key: str, error: VoiceCoachError) -> None:
    params = json.dumps(error.params, ensure_ascii=False, default=str) if error.template else None
    with st.engine.begin() as conn:
        conn.execute(T.folder_batches.update().where(T.folder_batches.c.id == key).values(
            state="failed", error=str(error), error_template=error.template, error_params=params, finished_at=now()))


def _error_text(row, lang: str) -> str | None:
    """A failed batch's sentence in ``lang`` (its English sentence when it has no message id)."""
    if row.state != "failed":
        return None
    if not row.error_template:
        return row.error
    try:
        return i18n.gettext(lang, row.error_template).format(**json.loads(row.error_params or "{}"))
    except (ValueError, KeyError, IndexError, TypeError):
        return row.error
