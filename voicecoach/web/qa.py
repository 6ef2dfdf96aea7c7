"""QA's pages: browse the calls in the result store (scored here or by ``voicecoach batch``),
a listening queue, each call's figures, report and audio, the summary by agent and week,
exports, and starting a batch (an upload of many files, or a folder on the server)."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
import urllib.parse
from pathlib import Path

import sqlalchemy as sa
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from voicecoach.web import batches, security
from voicecoach.web import tables as T
from voicecoach.web.pages import error_text, lang_of, render
from voicecoach.web.jobqueue import report_dir
from voicecoach.web.library import dimension_names, export, listening_queue, summarise
from voicecoach.web.uploads import UploadError, receive

AUDIO_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".mp3": "audio/mpeg",
               ".m4a": "audio/mp4", ".webm": "audio/webm"}
PAGE = 200


def routes() -> list[Route]:
    return [
        Route("/calls", calls_page), Route("/calls/export.{fmt:str}", export_calls),
        Route("/calls/{result_id:int}", call_page), Route("/calls/{result_id:int}/audio", call_audio),
        Route("/calls/{result_id:int}/report", call_report),
        Route("/queue", listen_queue), Route("/summary", summary_page),
        Route("/batches", start_upload_batch, methods=["POST"]), Route("/batches/folder", batches.start_folder_batch, methods=["POST"]),
    ]


# ------------------------------------------------------------------------------------ reading


def _filters(request: Request) -> dict:
    q = request.query_params
    f = {k: (q.get(k) or "").strip()[:100] for k in ("agent", "team", "since", "until", "dimension", "verdict")}
    for k in ("since", "until"):
        try:
            f[k] = dt.date.fromisoformat(f[k]) if f[k] else None
        except ValueError:
            f[k] = None
    if f["dimension"] not in dimension_names():
        f["dimension"] = ""
    return f


def _scope(request: Request, f: dict) -> dict:
    """The store filters (Store.rows) of the signed-in user's view: the page's filters, and a
    trainer's own team (a chosen team for QA) as the list of its members' names."""
    s = security.require(request, "qa", "trainer")
    scope = {"since": f.get("since"), "until": f.get("until"), "agent": f.get("agent") or None, "verdict": f.get("verdict") or None,
             "dimension": (f.get("dimension") or None) if f.get("verdict") else None}
    team = s.user.team if s.user.role == "trainer" else (f.get("team") or None)
    if s.user.role == "trainer" and not team:
        scope["agents"] = []  # a trainer without a team sees no one's calls (not every teamless account's)
    elif team:
        with request.app.state.engine.connect() as conn:
            scope["agents"] = [r.username for r in conn.execute(sa.select(T.users.c.username).where(T.users.c.team == team))]
    return scope


def call_rows(request: Request, f: dict | None = None) -> list[dict]:
    """Every store row the signed-in user may see, filtered in SQL (the listening queue, the
    summary); the calls page reads one page of them (:func:`calls_page`)."""
    return request.app.state.store.rows(**_scope(request, f if f is not None else _filters(request)))


def _visible_row(request: Request, result_id: int) -> dict:
    rows = request.app.state.store.rows(ids=[result_id], **_scope(request, {}))
    if not rows:
        raise HTTPException(404)
    return rows[0]


async def calls_page(request: Request) -> Response:
    """One page (PAGE rows, newest first) of the filtered calls: filters, count and page in SQL,
    so the page costs the same on a store of 20,000 calls as on one of 20."""
    s = security.require(request, "qa", "trainer")
    f = _filters(request)
    st = request.app.state
    scope = _scope(request, f)
    n = st.store.count(**scope)
    pages = max(1, -(-n // PAGE))
    try:
        page = min(max(1, int(request.query_params.get("page") or 1)), pages)
    except ValueError:
        page = 1
    rows = st.store.rows(**scope, newest_first=True, limit=PAGE, offset=(page - 1) * PAGE)
    with st.engine.connect() as conn:
        teams = sorted({t for (t,) in conn.execute(sa.select(T.users.c.team).distinct()) if t})
    query = urllib.parse.urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    return render(request, "calls.html", rows=rows, n=n, page=page, pages=pages, f=f, dims=dimension_names(), verdicts=st.store.verdicts(), teams=teams,
                  batches=batches.recent(st, lang_of(request)), can_batch=s.user.can("qa"), query=query)


async def call_page(request: Request) -> Response:
    row = _visible_row(request, request.path_params["result_id"])
    report = request.app.state.store.report(row["key"]) or {}
    has_page = (report_dir(request.app.state.config, row["key"]) / "report.html").is_file()
    return render(request, "call.html", row=row, dims=dimension_names(), has_page=has_page, sentences=report.get("sentences", [])[:300],
                  has_audio=_audio_path(request, row) is not None)


async def call_report(request: Request) -> Response:
    row = _visible_row(request, request.path_params["result_id"])
    p = report_dir(request.app.state.config, row["key"]) / "report.html"
    if not p.is_file():
        raise HTTPException(404)
    return FileResponse(p, media_type="text/html; charset=utf-8")


def _audio_path(request: Request, row: dict) -> Path | None:
    """The recording of a stored call: a web upload by its content hash, else the path the batch
    stored (written by QA's own command, never taken from a request)."""
    uploads = request.app.state.config.uploads_dir
    for p in uploads.glob(f"{row['file_sha256']}.*") if len(row.get("file_sha256") or "") == 64 and row["file_sha256"].isalnum() else []:
        return p
    p = Path(row.get("path") or "")
    return p if p.is_absolute() and p.is_file() else None


async def call_audio(request: Request) -> Response:
    row = _visible_row(request, request.path_params["result_id"])
    p = _audio_path(request, row)
    if p is None:
        raise HTTPException(404)
    return FileResponse(p, media_type=AUDIO_TYPES.get(p.suffix.lower(), "application/octet-stream"))


async def export_calls(request: Request) -> Response:
    """The filtered calls as CSV or XLSX, through the library's export (formula-safe cells): every
    row the calls page shows under the same query (:func:`_scope`), on all its pages; a
    trainer's export holds their own team's calls only (the same scope as their calls page)."""
    security.require(request, "qa", "trainer")
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)

    scope = _scope(request, _filters(request))  # the very filters of the calls page (team, dimension too)
    tmp = Path(tempfile.mkdtemp(prefix="vc-export-"))
    out = tmp / f"calls.{fmt}"
    export(request.app.state.store, out, fmt=fmt, **scope)
    import shutil

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(out, media_type=media, filename=f"voicecoach-calls-{dt.date.today().isoformat()}.{fmt}",
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))


async def listen_queue(request: Request) -> Response:
    security.require(request, "qa", "trainer")
    entries = listening_queue(call_rows(request), n=30)
    return render(request, "queue.html", entries=entries, dims=dimension_names())


async def summary_page(request: Request) -> Response:
    """Mean scores by agent and ISO week (the library's summarise() per week)."""
    security.require(request, "qa", "trainer")
    from voicecoach.qa.calls import has_delivery, is_call

    rows = [r for r in call_rows(request) if not is_call(r) or has_delivery(r)]  # delivery scores: takes (failed ones too), and calls with the agent's delivery
    weeks: dict[str, list] = {}
    for r in rows:
        d = r.get("call_date") or (r.get("created_at").date() if r.get("created_at") else None)
        wk = f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" if d else "—"
        weeks.setdefault(wk, []).append(r)
    table = [(wk, g) for wk in sorted(weeks, reverse=True) for g in summarise(weeks[wk], by="agent")]
    return render(request, "summary.html", table=table, dims=dimension_names())


# ------------------------------------------------------------------------------------ batches


async def start_upload_batch(request: Request) -> Response:
    """Many recordings at once: each one a queued job; a bad file is refused alone."""
    from voicecoach.web.agent import add_take
    from voicecoach.web.config import MAX_FILES_PER_POST

    s = security.require(request, "qa")
    st = request.app.state
    form = await request.form(max_files=MAX_FILES_PER_POST, max_fields=MAX_FILES_PER_POST + 5)
    await security.check_csrf(request, s, form)
    batch = secrets.token_hex(8)
    agent = str(form.get("agent") or "").strip()[:64] or None
    n, refused = 0, []
    for f in form.getlist("files"):
        if isinstance(f, str):
            continue
        try:
            up = await receive(f, st.config.uploads_dir, max_bytes=st.config.max_upload_bytes, max_duration_s=st.config.max_duration_s)
            add_take(st.engine, s.user.id, up, kind="call", batch_id=batch, agent=agent)
            n += 1
        except UploadError as e:
            refused.append(error_text(request, e))
        finally:
            await f.close()
    st.queue.poke()
    return render(request, "batch_started.html", n=n, refused=refused, batch=batch)
