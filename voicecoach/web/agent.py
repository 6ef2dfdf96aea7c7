"""Agents' pages: upload or record a take, watch it being analysed, its report, the history
with a trend per dimension, and practice on a trainer's script with the comparison.
Who may see a take, a take's rows and the trend across takes live here too; the trainers'
pages (voicecoach.web.trainer) show the same takes from the other side."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from voicecoach.web.library import dimension_names
from voicecoach.web import security
from voicecoach.web import tables as T
from voicecoach.web.accounts import User, now
from voicecoach.web.i18n import job_error, stage_label
from voicecoach.web.library import N_, i18n
from voicecoach.web.pages import error_text, lang_of, render
from voicecoach.web.jobqueue import compare_dir, report_dir
from voicecoach.web.uploads import UploadError, receive

AUDIO_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "ogg": "audio/ogg", "webm": "audio/webm", "m4a": "audio/mp4",
               "mp3": "audio/mpeg", "aiff": "audio/aiff", "caf": "audio/x-caf"}
HISTORY_LIMIT = 50


def routes() -> list[Route]:
    return [
        Route("/takes", history, methods=["GET"]), Route("/takes", upload, methods=["POST"]),
        Route("/takes/{take_id:int}", take_page), Route("/takes/{take_id:int}/status", take_status),
        Route("/takes/{take_id:int}/report", take_report), Route("/takes/{take_id:int}/comparison", take_comparison),
        Route("/takes/{take_id:int}/audio", take_audio),
        Route("/scripts", scripts_page, methods=["GET"]), Route("/scripts/{script_id:int}", script_page),
    ]


# ----------------------------------------------------------------------------- who sees what


def visible_take(request: Request, take_id: int):
    """The take with its owner when the signed-in user may see it; 404 otherwise (whether it
    exists or not is nobody else's business)."""
    s = security.require(request)
    t, u = T.takes.c, T.users.c
    with request.app.state.engine.connect() as conn:
        row = conn.execute(sa.select(T.takes, u.username, u.team.label("owner_team"), u.display_name)
                           .join(T.users, u.id == t.user_id).where(t.id == take_id)).first()
    if row is None or not may_see(s.user, row.user_id, row.owner_team, row.kind):
        raise HTTPException(404)
    return row


def may_see(user: User, owner_id: int, owner_team: str | None, kind: str) -> bool:
    if user.role == "admin" or user.id == owner_id:
        return True
    if user.role == "trainer":
        return owner_team is not None and owner_team == user.team
    if user.role == "qa":
        return kind == "call"
    return False


def _job(conn, take_id: int):
    return conn.execute(sa.select(T.jobs).where(T.jobs.c.take_id == take_id).order_by(T.jobs.c.id.desc()).limit(1)).first()


# ------------------------------------------------------------------------------------- pages


async def history(request: Request) -> Response:
    s = security.require(request)
    takes = takes_of(request, where=T.takes.c.user_id == s.user.id, kinds=("take",))
    return render(request, "takes.html", takes=takes, trend=trend(takes), dims=dimension_names(), script=None)


def takes_of(request: Request, *, where, kinds=("take",), limit: int = HISTORY_LIMIT) -> list[dict]:
    """Takes (newest first) with their job's state, owner and script title; ``summary`` parsed."""
    t, j, u = T.takes.c, T.jobs.c, T.users.c
    joined = (T.takes.join(T.users, u.id == t.user_id).outerjoin(T.jobs, j.take_id == t.id)  # one job per take
              .outerjoin(T.scripts, T.scripts.c.id == t.script_id))
    q = (sa.select(T.takes, j.status, j.stage, j.error, u.username, u.display_name, T.scripts.c.title.label("script_title"))
         .select_from(joined).where(where & t.kind.in_(kinds)).order_by(t.id.desc()).limit(limit))
    with request.app.state.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["summary"] = json.loads(r["summary"]) if r.get("summary") else None
    return rows


def trend(takes: list[dict]) -> dict:
    """Per dimension: an SVG polyline of the scores of the analysed takes, oldest first."""
    done = [t["summary"] for t in reversed(takes) if t["summary"]]
    out = {}
    for d in ["overall", *dimension_names()]:
        vals = [(x.get("overall") if d == "overall" else (x.get("dimensions", {}).get(d) or {}).get("score")) for x in done]
        pts = [(i, v) for i, v in enumerate(vals) if isinstance(v, (int, float))]
        if not pts:
            continue
        n = max(len(vals) - 1, 1)
        out[d] = {"points": " ".join(f"{4 + 112 * i / n:.1f},{34 - 30 * v / 100:.1f}" for i, v in pts), "last": pts[-1][1], "n": len(pts)}
    return out


NOTHING_SENT = N_("no recording was sent; choose or record one, then send it")


async def upload(request: Request) -> Response:
    """One recording (a file chosen, dropped or recorded in the browser) -> a queued take."""
    s = security.require(request)
    st = request.app.state
    form = await request.form(max_files=1, max_fields=10)
    await security.check_csrf(request, s, form)
    script_id, script_version = _int(form.get("script_id")), None
    if script_id is not None:
        script_version = _visible_script(request, script_id).version
    f = form.get("file")
    wants_json = "application/json" in request.headers.get("accept", "")
    if f is None or isinstance(f, str):
        return refuse(request, i18n.gettext(lang_of(request), NOTHING_SENT), wants_json)
    try:
        up = await receive(f, st.config.uploads_dir, max_bytes=st.config.max_upload_bytes, max_duration_s=st.config.max_duration_s)
    except UploadError as e:
        return refuse(request, error_text(request, e), wants_json, status=413 if "larger than" in str(e) else 400)
    finally:
        await f.close()
    take_id = add_take(st.engine, s.user.id, up, kind="take", script_id=script_id, script_version=script_version)
    st.queue.poke()
    if wants_json:
        return JSONResponse({"take": take_id, "url": f"/takes/{take_id}"}, status_code=201)
    return RedirectResponse(f"/takes/{take_id}", status_code=303)


def add_take(engine, user_id: int, up, *, kind: str, script_id: int | None = None, script_version: int | None = None,
             batch_id: str | None = None, agent: str | None = None) -> int:
    """A take and its queued job, in one transaction."""
    with engine.begin() as conn:
        take_id = int(conn.execute(T.takes.insert().values(
            user_id=user_id, kind=kind, file_sha256=up.sha256, file_ext=up.ext, label=up.label, size_bytes=up.size_bytes, duration_s=up.duration_s,
            script_id=script_id, script_version=script_version, batch_id=batch_id, agent=agent, compared=False, created_at=now())).inserted_primary_key[0])
        conn.execute(T.jobs.insert().values(take_id=take_id, status="queued", attempts=0, created_at=now()))
    return take_id


def refuse(request: Request, sentence: str, wants_json: bool, status: int = 400) -> Response:
    if wants_json:
        return JSONResponse({"error": sentence}, status_code=status)
    return render(request, "message.html", status_code=status, message=sentence)


def _int(v) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


async def take_page(request: Request) -> Response:
    take = visible_take(request, request.path_params["take_id"])
    with request.app.state.engine.connect() as conn:
        job = _job(conn, take.id)
    summary = json.loads(take.summary) if take.summary else None
    lang = lang_of(request)
    return render(request, "take.html", take=take, job=job, summary=summary, dims=dimension_names(), stage=stage_label(job.stage if job else None, lang),
                  error=job_error(job, lang))


async def take_status(request: Request) -> Response:
    take = visible_take(request, request.path_params["take_id"])
    with request.app.state.engine.connect() as conn:
        job = _job(conn, take.id)
    status = job.status if job else "failed"
    body = {"status": status, "stage": stage_label(job.stage if job else None, lang_of(request)), "error": job_error(job, lang_of(request)),
            "analysis_s": round(job.elapsed_s, 2) if job and job.elapsed_s is not None else None,
            "cpu_s": round(job.cpu_s, 2) if job and job.cpu_s is not None else None}
    if status == "done":
        body["report"] = f"/takes/{take.id}/report"
        if take.compared:
            body["comparison"] = f"/takes/{take.id}/comparison"
    return JSONResponse(body)


async def take_report(request: Request) -> Response:
    take = visible_take(request, request.path_params["take_id"])
    if not take.result_key:
        raise HTTPException(404)
    return _page(report_dir(request.app.state.config, take.result_key) / "report.html")


async def take_comparison(request: Request) -> Response:
    take = visible_take(request, request.path_params["take_id"])
    if not take.compared:
        raise HTTPException(404)
    return _page(compare_dir(request.app.state.config, take.id) / "report.html")


def _page(path: Path) -> Response:
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type="text/html; charset=utf-8")


async def take_audio(request: Request) -> Response:
    take = visible_take(request, request.path_params["take_id"])
    path = request.app.state.config.uploads_dir / f"{take.file_sha256}.{take.file_ext}"  # both from the database, both checked on the way in
    if not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type=AUDIO_TYPES.get(take.file_ext, "application/octet-stream"))


# ----------------------------------------------------------------------------------- scripts


def _visible_script(request: Request, script_id: int):
    s = security.require(request)
    with request.app.state.engine.connect() as conn:
        row = conn.execute(sa.select(T.scripts).where(T.scripts.c.id == script_id)).first()
    if row is None or not (s.user.role in ("admin", "qa") or row.team is None or row.team == s.user.team or row.trainer_id == s.user.id):
        raise HTTPException(404)
    return row


def scripts_for(request: Request, user: User) -> list:
    c = T.scripts.c
    q = sa.select(T.scripts).order_by(c.id.desc())
    if user.role not in ("admin", "qa"):
        q = q.where(sa.or_(c.team.is_(None), c.team == user.team, c.trainer_id == user.id))
    with request.app.state.engine.connect() as conn:
        return list(conn.execute(q))


async def scripts_page(request: Request) -> Response:
    s = security.require(request)
    return render(request, "scripts.html", scripts=scripts_for(request, s.user))


async def script_page(request: Request) -> Response:
    s = security.require(request)
    script = _visible_script(request, request.path_params["script_id"])
    takes = takes_of(request, where=(T.takes.c.user_id == s.user.id) & (T.takes.c.script_id == script.id))
    return render(request, "script.html", script=script, takes=takes, dims=dimension_names())
