"""The Starlette application: pages for agents, trainers, QA and admins over the library.

``create_app(config)`` opens the result store (creating or upgrading it as the CLI does),
creates the web tables beside it, and starts the analysis queue when the app starts.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from voicecoach.web import security, tables
from voicecoach.web.config import MAX_FILES_PER_POST, WebConfig
from voicecoach.web.library import N_, Store, i18n
from voicecoach.web.pages import lang_of, problem, render

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

REFUSED = {
    401: N_("Please sign in first."),
    403: N_("You may not see this page; ask an administrator if you need it."),
    404: N_("This page or item does not exist; open it again from a list."),
    413: N_("The upload is too large; upload a shorter or compressed recording."),
}
"""The sentence of each refusal (HTTPException status) a page shows."""
CSRF = N_("The form has expired or is incomplete; reload the page and send it again.")
ERROR = N_("Something went wrong; try again, and tell an administrator if it happens again.")
BAD_LOGIN = N_("The user name or password is wrong; type them again.")
TOO_LARGE_BODY = N_("the upload is larger than this server accepts; upload a shorter or compressed recording")
TOO_MANY = N_("Too many failed sign-ins; wait 15 minutes and try again, or ask an administrator.")


async def _http_error(request: Request, exc: HTTPException) -> Response:
    lang = lang_of(request)
    message = CSRF if exc.status_code == 403 and exc.detail == "csrf" else REFUSED.get(exc.status_code)
    if message is None:
        if isinstance(exc.detail, str) and exc.status_code == 400:
            return problem(request, 400, exc.detail)
        message = ERROR
    return problem(request, exc.status_code, i18n.gettext(lang, message))


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", request.url.path)  # the log has the detail; the page never does
    return problem(request, 500, i18n.gettext(lang_of(request), ERROR))


class _Headers:
    """Security headers on every response; a request body over the limit refused before it is read."""

    def __init__(self, app, max_body: int, max_batch_body: int) -> None:
        self.app, self.max_body, self.max_batch_body = app, max_body, max_batch_body  # one recording; a QA upload of many

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.max_batch_body if scope["path"] == "/batches" else self.max_body
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            resp = JSONResponse({"error": i18n.gettext(lang_of(Request(scope)), TOO_LARGE_BODY)}, status_code=413)
            security.add_headers(resp)
            return await resp(scope, receive, send)
        seen = 0

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body with no length: cut off here
                    raise HTTPException(413)
            return message

        extra = security.header_list(report=scope["path"].endswith(("/report", "/comparison")))
        names = {k for k, _ in extra}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        return await self.app(scope, counted_receive, send_with_headers)


def create_app(config: WebConfig, *, start_queue: bool = True) -> Starlette:
    """The web app over ``config.db`` and ``config.data_dir``."""
    from voicecoach.web import admin, agent, batches, qa, trainer
    from voicecoach.web.jobqueue import JobQueue

    store = Store(config.db)
    engine = store.engine
    tables.upgrade(engine)
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app):
        if start_queue:
            app.state.queue.start()
            batches.resume(app.state)  # folder batches a restart interrupted
        try:
            yield
        finally:
            if start_queue:
                app.state.queue.stop()  # folder batches are daemon threads, recorded as running: resumed on the next start

    routes = [
        Route("/", home), Route("/login", login_page, methods=["GET"]), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]), Route("/healthz", lambda r: JSONResponse({"ok": True})),
        *agent.routes(), *trainer.routes(), *qa.routes(), *admin.routes(),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error, Exception: _internal_error},
                    middleware=[Middleware(_Headers, max_body=config.max_upload_bytes + (1 << 20), max_batch_body=MAX_FILES_PER_POST * config.max_upload_bytes + (1 << 20))])
    app.state.config, app.state.store, app.state.engine = config, store, engine
    app.state.secret = _secret(engine)
    app.state.queue = JobQueue(config, engine, store)
    return app


def _secret(engine) -> bytes:
    """The app's HMAC key (trusted-header CSRF tokens), made once and kept in the database."""
    md = sa.MetaData()
    t = sa.Table("web_secret", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("value", sa.String(64), nullable=False))
    md.create_all(engine)
    with engine.begin() as conn:
        v = conn.execute(sa.select(t.c.value).where(t.c.id == 1)).scalar()
        if v is None:
            v = secrets.token_hex(32)
            conn.execute(t.insert().values(id=1, value=v))
    return bytes.fromhex(v)


# ------------------------------------------------------------------------------ signing in


async def home(request: Request) -> Response:
    s = security.current(request)
    if s is None:
        return RedirectResponse("/login", status_code=303)
    where = {"agent": "/takes", "trainer": "/trainer", "qa": "/calls", "admin": "/admin/users"}[s.user.role]
    return RedirectResponse(where, status_code=303)


async def login_page(request: Request) -> Response:
    if security.current(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", next=_safe_next(request.query_params.get("next")))


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login(request: Request) -> Response:
    from voicecoach.web import accounts

    form = await request.form()
    await security.check_csrf(request, None, form)
    st = request.app.state
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
    client = security.client_of(request)
    lang = lang_of(request)
    if accounts.too_many_failures(st.engine, username, client, limit=st.config.login_attempts, window_s=st.config.login_window_s):
        return render(request, "login.html", status_code=429, error=i18n.gettext(lang, TOO_MANY), next=_safe_next(form.get("next")))
    user = accounts.check_password(st.engine, username, password, client)
    if user is None:
        return render(request, "login.html", status_code=401, error=i18n.gettext(lang, BAD_LOGIN), next=_safe_next(form.get("next")))
    token, _ = accounts.start_session(st.engine, user, hours=st.config.session_hours)
    resp = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    security.set_cookie(resp, request, security.SESSION_COOKIE, token, max_age=int(st.config.session_hours * 3600))
    resp.delete_cookie(security.PRE_COOKIE, path="/")
    return resp


async def logout(request: Request) -> Response:
    from voicecoach.web import accounts

    s = security.current(request)
    form = await request.form()
    await security.check_csrf(request, s, form)
    accounts.end_session(request.app.state.engine, request.cookies.get(security.SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(security.SESSION_COOKIE, path="/")
    return resp
