"""Trainers' pages: their team's trainees with each one's takes and a trend per dimension,
publishing a script with a benchmark take, and editing a script (its title and text, or a new
benchmark take).

A script keeps every version it has had (web_script_versions); a take records the version it
was uploaded against and the benchmark take its comparison was made with, so editing a script
never changes what an older take was compared with.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from voicecoach.web import security
from voicecoach.web import tables as T
from voicecoach.web.accounts import User, now
from voicecoach.web.agent import HISTORY_LIMIT, add_take, refuse, scripts_for, takes_of, trend
from voicecoach.web.library import N_, dimension_names, i18n
from voicecoach.web.pages import error_text, lang_of, render
from voicecoach.web.uploads import UploadError, receive

TAKES_PER_TRAINEE = 10
"""Takes of each trainee on the team page (newest first); the trainee's own page shows more."""
NEEDS_TITLE_AND_TEXT = N_("a script needs a title and its text; fill both in and publish again")


def routes() -> list[Route]:
    return [
        Route("/trainer", team_page), Route("/trainer/trainees/{user_id:int}", trainee_page),
        Route("/scripts", publish_script, methods=["POST"]),
        Route("/scripts/{script_id:int}/edit", edit_page, methods=["GET"]), Route("/scripts/{script_id:int}/edit", edit_script, methods=["POST"]),
    ]


# ------------------------------------------------------------------------------- trainees


def trainees_of(engine, user: User, user_id: int | None = None) -> list:
    """The agents a trainer coaches (their team; every agent for an administrator), by name."""
    u = T.users.c
    q = sa.select(T.users).where(u.role == "agent").order_by(u.display_name, u.username)
    if user.role != "admin":
        q = q.where(u.team == user.team) if user.team else q.where(sa.false())
    if user_id is not None:
        q = q.where(u.id == user_id)
    with engine.connect() as conn:
        return list(conn.execute(q))


def _progress(request: Request, trainee, limit: int) -> dict:
    takes = takes_of(request, where=T.takes.c.user_id == trainee.id, limit=limit)
    return {"user": trainee, "takes": takes, "trend": trend(takes)}


async def team_page(request: Request) -> Response:
    s = security.require(request, "trainer")
    people = [_progress(request, p, TAKES_PER_TRAINEE) for p in trainees_of(request.app.state.engine, s.user)]
    return render(request, "trainer.html", people=people, dims=dimension_names(), scripts=scripts_for(request, s.user), user_id=s.user.id)


async def trainee_page(request: Request) -> Response:
    s = security.require(request, "trainer")
    found = trainees_of(request.app.state.engine, s.user, request.path_params["user_id"])
    if not found:  # another team's trainee, or nobody: the same answer
        raise HTTPException(404)
    return render(request, "trainee.html", p=_progress(request, found[0], HISTORY_LIMIT), dims=dimension_names())


# -------------------------------------------------------------------------------- scripts


def editable_script(request: Request, script_id: int):
    """The script when the signed-in trainer may change it (theirs or their team's; any for an
    administrator); 404 otherwise."""
    s = security.require(request, "trainer")
    with request.app.state.engine.connect() as conn:
        row = conn.execute(sa.select(T.scripts).where(T.scripts.c.id == script_id)).first()
    if row is None or not (s.user.role == "admin" or row.trainer_id == s.user.id or (row.team is not None and row.team == s.user.team)):
        raise HTTPException(404)
    return row


async def _benchmark_upload(request: Request, form):
    """The benchmark recording of a form, stored (None when none was chosen)."""
    st = request.app.state
    f = form.get("file")
    if f is None or isinstance(f, str) or not f.filename:
        return None
    try:
        return await receive(f, st.config.uploads_dir, max_bytes=st.config.max_upload_bytes, max_duration_s=st.config.max_duration_s)
    finally:
        await f.close()


def _title_text(form) -> tuple[str, str]:
    return str(form.get("title") or "").strip()[:200], str(form.get("text") or "").strip()[:20000]


async def _script_form(request: Request, s) -> tuple | Response:
    """The script form of publish and edit, CSRF checked: (title, text, benchmark upload or
    None), or the page refusing it (no title or text; a bad upload)."""
    form = await request.form(max_files=1, max_fields=10)
    await security.check_csrf(request, s, form)
    title, text = _title_text(form)
    if not title or not text:
        return refuse(request, i18n.gettext(lang_of(request), NEEDS_TITLE_AND_TEXT), False)
    try:
        up = await _benchmark_upload(request, form)
    except UploadError as e:
        return refuse(request, error_text(request, e), False)
    return title, text, up


async def publish_script(request: Request) -> Response:
    """A trainer publishes a script with their benchmark take (analysed like any take)."""
    s = security.require(request, "trainer")
    st = request.app.state
    got = await _script_form(request, s)
    if isinstance(got, Response):
        return got
    title, text, up = got
    with st.engine.begin() as conn:
        sid = int(conn.execute(T.scripts.insert().values(title=title, text=text, team=s.user.team, trainer_id=s.user.id, created_at=now(), version=1)).inserted_primary_key[0])
    _new_version(st.engine, sid, 1, title=title, text=text, by=s.user.id, up=up)
    if up is not None:
        st.queue.poke()
    return RedirectResponse(f"/scripts/{sid}", status_code=303)


def _new_version(engine, sid: int, version: int, *, title: str, text: str, by: int, up, keep_benchmark: int | None = None) -> None:
    """Version ``version`` of script ``sid``: its text, and its benchmark take (a new upload,
    queued, or the one kept from the version before); the script row shows it from now on."""
    v = T.script_versions.c
    with engine.begin() as conn:  # the version first: the queue may take the benchmark's job at once, and reads its text there
        conn.execute(T.script_versions.insert().values(script_id=sid, version=version, title=title, text=text, benchmark_take_id=keep_benchmark, by_id=by, created_at=now()))
    bid = add_take(engine, by, up, kind="benchmark", script_id=sid, script_version=version) if up is not None else keep_benchmark
    with engine.begin() as conn:
        conn.execute(T.script_versions.update().where((v.script_id == sid) & (v.version == version)).values(benchmark_take_id=bid))
        conn.execute(T.scripts.update().where(T.scripts.c.id == sid).values(title=title, text=text, version=version, benchmark_take_id=bid))


async def edit_page(request: Request) -> Response:
    script = editable_script(request, request.path_params["script_id"])
    with request.app.state.engine.connect() as conn:
        versions = list(conn.execute(sa.select(T.script_versions).where(T.script_versions.c.script_id == script.id).order_by(T.script_versions.c.version.desc())))
    return render(request, "script_edit.html", script=script, versions=versions)


async def edit_script(request: Request) -> Response:
    """A new version of the script: a changed title or text, and/or a new benchmark take. Takes
    made before keep their version (text and benchmark) and their comparison."""
    s = security.require(request, "trainer")
    st = request.app.state
    script = editable_script(request, request.path_params["script_id"])
    got = await _script_form(request, s)
    if isinstance(got, Response):
        return got
    title, text, up = got
    if up is None and (title, text) == (script.title, script.text):
        return RedirectResponse(f"/scripts/{script.id}", status_code=303)  # nothing changed: no new version
    with st.engine.connect() as conn:
        known = conn.execute(sa.select(sa.func.count()).select_from(T.script_versions).where(T.script_versions.c.script_id == script.id)).scalar()
    if not known:  # a script published before versions were kept: its first version, as it was
        with st.engine.begin() as conn:
            conn.execute(T.script_versions.insert().values(script_id=script.id, version=script.version or 1, title=script.title, text=script.text,
                                                           benchmark_take_id=script.benchmark_take_id, by_id=script.trainer_id, created_at=script.created_at))
    _new_version(st.engine, script.id, (script.version or 1) + 1, title=title, text=text, by=s.user.id, up=up,
                 keep_benchmark=script.benchmark_take_id if text == script.text else None)  # a benchmark read the old text: not one for the new
    if up is not None:
        st.queue.poke()
    return RedirectResponse(f"/scripts/{script.id}", status_code=303)
