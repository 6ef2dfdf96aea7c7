"""Rendering a page: the request's language, the signed-in user and their CSRF token, and
one sentence for a refused request."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from voicecoach.web import security
from voicecoach.web.i18n import pick_lang, ui
from voicecoach.web.library import dimension_name, verdict_name

_ENV = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=select_autoescape(["html"]))


def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang") or request.cookies.get(security.LANG_COOKIE), request.app.state.config.lang)


def render(request: Request, template: str, status_code: int = 200, **ctx) -> HTMLResponse:
    """A page in the request's language, with the signed-in user and their CSRF token."""
    lang = lang_of(request)
    s = security.current(request) if status_code != 401 else None
    pre = None
    if s is None:
        pre = request.cookies.get(security.PRE_COOKIE) or security.new_pre_token()
    html = _ENV.get_template(template).render(
        request=request, t=ui(lang), lang=lang, session=s, user=s.user if s else None,
        csrf=s.csrf if s else pre, dim=lambda d: dimension_name(d, lang), verdict=lambda v: verdict_name(v, lang) if v else "",
        **ctx)
    resp = HTMLResponse(html, status_code=status_code)
    if pre is not None and request.cookies.get(security.PRE_COOKIE) != pre:
        security.set_cookie(resp, request, security.PRE_COOKIE, pre)
    if request.query_params.get("lang") in ("zh", "en"):
        security.set_cookie(resp, request, security.LANG_COOKIE, lang, max_age=365 * 86400)
    return resp


def problem(request: Request, status: int, sentence: str) -> Response:
    """One sentence for a refused request: JSON for scripts, a page for people."""
    if "application/json" in request.headers.get("accept", "") or request.url.path.endswith("/status"):
        return JSONResponse({"error": sentence}, status_code=status)
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "message.html", status_code=status, message=sentence)
