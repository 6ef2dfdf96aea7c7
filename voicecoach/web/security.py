"""Who is asking, and may they: the session cookie (or a trusted proxy header), CSRF tokens,
role checks, and the headers every response carries."""

from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request

from voicecoach.web import accounts
from voicecoach.web.accounts import Session

SESSION_COOKIE = "vc_session"
PRE_COOKIE = "vc_pre"  # before sign-in: the double-submit token of the sign-in form
LANG_COOKIE = "vc_lang"

PAGE_CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
REPORT_CSP = ("sandbox allow-scripts allow-popups; default-src 'none'; img-src data:; media-src data: blob:; "
              "style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'self'")
"""A report page is the library's self-contained HTML with inline script and style: it runs in a
sandbox with an opaque origin (no cookies, no requests to the app, nothing fetched)."""


class Forbidden(HTTPException):
    def __init__(self) -> None:
        super().__init__(403)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current(request: Request) -> Session | None:
    """The signed-in session, or None. Cached on the request."""
    if "vc_session" in request.scope:
        return request.scope["vc_session"]
    app = request.app.state
    s = None
    if app.config.trusted_header:
        name = request.headers.get(app.config.trusted_header)
        if name:
            user = accounts.get_user(app.engine, username=name.strip())
            if user is not None:
                s = Session(user, _header_csrf(app, request, user.id))
    else:
        s = accounts.find_session(app.engine, request.cookies.get(SESSION_COOKIE))
    request.scope["vc_session"] = s
    return s


def _header_csrf(app, request: Request, user_id: int) -> str:
    """Behind a single-sign-on proxy there is no session row: the CSRF token is an HMAC of the
    user id under the app's secret (the same on every request of that user)."""
    import hashlib
    import hmac

    return hmac.new(app.secret, f"csrf:{user_id}".encode(), hashlib.sha256).hexdigest()


def require(request: Request, *roles: str) -> Session:
    """The session when its user has one of ``roles`` (admins pass every check); else 401/403."""
    s = current(request)
    if s is None:
        raise HTTPException(401)
    if roles and not s.user.can(*roles):
        raise Forbidden()
    return s


async def check_csrf(request: Request, session: Session | None, form=None) -> None:
    """A state-changing request must carry the session's CSRF token (form field or header)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and form is not None:
        sent = form.get("csrf")
    expected = session.csrf if session else request.cookies.get(PRE_COOKIE)
    if not sent or not expected or not secrets.compare_digest(str(sent), expected):
        raise HTTPException(403, "csrf")


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.app.state.config.secure_cookies or request.url.scheme == "https", path="/")


def header_list(*, report: bool = False) -> list[tuple[bytes, bytes]]:
    """The security headers as raw ASGI pairs (lower-case names)."""
    h = {"content-security-policy": REPORT_CSP if report else PAGE_CSP, "x-content-type-options": "nosniff",
         "referrer-policy": "no-referrer", "cache-control": "no-store"}
    if not report:
        h["x-frame-options"] = "DENY"
    return [(k.encode(), v.encode()) for k, v in h.items()]


def add_headers(response, *, report: bool = False) -> None:
    response.headers["Content-Security-Policy"] = REPORT_CSP if report else PAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    if not report:
        response.headers["X-Frame-Options"] = "DENY"
