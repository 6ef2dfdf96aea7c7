"""QA batches over a folder on the server: recorded in the database before they start, so a
batch a restart interrupted resumes on the next start (the result store skips what it holds)."""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from voicecoach.web import security
from voicecoach.web import tables as T
from voicecoach.web.accounts import now
from voicecoach.web.library import N_, BatchSettings, VoiceCoachError, discover, i18n, run_batch
from voicecoach.web.pages import lang_of, render

NOT_A_BATCH_FOLDER = N_("that folder is not one QA may analyse here; choose a folder under the server's batch folders (voicecoach serve --batch-root)")
INTERNAL = N_("the batch stopped with an internal error ({kind}); see the server log")
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
    with st.engine.begin() as conn:
        conn.execute(T.folder_batches.insert().values(id=key, folder=str(folder), by_id=s.user.id, state="running", total=0, done=0, failed=0, runs=0,
                                                      created_at=now()))
    _start(st, key, folder)
    return RedirectResponse("/calls", status_code=303)


def resume(st) -> int:
    """Start again every batch the database holds as running (a restart interrupted it); a
    folder no longer inside the batch roots fails with its sentence. Returns how many resumed."""
    with st.engine.connect() as conn:
        rows = conn.execute(sa.select(T.folder_batches.c.id, T.folder_batches.c.folder).where(T.folder_batches.c.state == "running")).all()
    n = 0
    for key, wanted in rows:
        folder = inside_roots(wanted, st.config.batch_roots)
        if folder is None:
            _fail(st, key, VoiceCoachError.of(NOT_A_BATCH_FOLDER))
            continue
        _start(st, key, folder)
        n += 1
    return n


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
    with st.engine.begin() as conn:
        conn.execute(T.folder_batches.update().where(T.folder_batches.c.id == key).values(runs=T.folder_batches.c.runs + 1))
    threading.Thread(target=_run, args=(st, key, folder), name=f"voicecoach-web-batch-{key}", daemon=True).start()


def _run(st, key: str, folder: Path) -> None:
    t = T.folder_batches
    last = [0.0]

    def write(**values) -> None:
        with st.engine.begin() as conn:
            conn.execute(t.update().where(t.c.id == key).values(**values))

    try:
        jobs = discover([str(folder)])
        write(total=len(jobs))

        def show(p) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                write(done=p.done + p.skipped + p.duplicates, failed=p.failed)

        p = run_batch(jobs, st.store, BatchSettings(model=st.config.model, lang=st.config.lang, targets=st.config.targets, phrases=st.config.phrases), workers=st.config.workers,
                      engine=st.config.engine, progress=show)
        write(state="done", done=p.done + p.skipped + p.duplicates, failed=p.failed, finished_at=now())
    except VoiceCoachError as e:
        _fail(st, key, e)
    except Exception as e:  # noqa: BLE001 - shown as one sentence on the calls page; the detail goes to the log
        logging.getLogger(__name__).exception("folder batch")
        _fail(st, key, VoiceCoachError.of(INTERNAL, kind=type(e).__name__))


def _fail(st, key: str, error: VoiceCoachError) -> None:
    template = error.template or INTERNAL
    params = error.params if error.template else {"kind": type(error).__name__}
    with st.engine.begin() as conn:
        conn.execute(T.folder_batches.update().where(T.folder_batches.c.id == key).values(
            state="failed", error_template=template, error_params=json.dumps(params, ensure_ascii=False, default=str), finished_at=now()))


def _error_text(row, lang: str) -> str | None:
    if row.state != "failed" or not row.error_template:
        return None
    try:
        return i18n.gettext(lang, row.error_template).format(**json.loads(row.error_params or "{}"))
    except (ValueError, KeyError, IndexError, TypeError):
        return row.error_template
