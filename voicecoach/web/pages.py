"""Rendering a page: the request's language, the signed-in user and their CSRF token, and
one sentence for a refused request."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from voicecoach.web import security
from voicecoach.web.i18n import LANG_PARAM, LANGUAGES, choose, reason_name, role_name, status_name
from voicecoach.web.library import dimension_name, i18n, verdict_name

TEMPLATES = Path(__file__).parent / "templates"


@functools.lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    """The Jinja2 environment of the pages in ``lang`` (a code from voicecoach.i18n.normalize):
    the i18n extension with that language's catalogue, as the report pages use; one per
    language, so requests in different languages never share installed translations."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    env.globals.update(lang=lang, html_lang=i18n.html_lang(lang), languages=LANGUAGES,
                       status_name=lambda s: status_name(s, lang), reason_name=lambda c: reason_name(c, lang), role_name=lambda r: role_name(r, lang),
                       dim=lambda d: dimension_name(d, lang), verdict=lambda v: verdict_name(v, lang) if v else "",
                       error_text=lambda e: _error_text(e, lang))
    return env


def lang_of(request: Request) -> str:
    """The request's page language: "zh", "zh-Hant" or "en" (voicecoach.web.i18n.choose)."""
    return choose(request.query_params.get(LANG_PARAM), request.cookies.get(security.LANG_COOKIE), request.app.state.config.lang)


def error_text(request: Request, error: Exception) -> str:
    """A library error's sentence in the request's language (VoiceCoachError.text)."""
    return _error_text(error, lang_of(request))


def _error_text(error, lang: str) -> str:
    text = getattr(error, "text", None)
    return text(lang) if callable(text) else str(error)


def render(request: Request, template: str, status_code: int = 200, **ctx) -> HTMLResponse:
    """A page in the request's language, with the signed-in user and their CSRF token."""
    lang = lang_of(request)
    s = security.current(request) if status_code != 401 else None
    pre = None
    if s is None:
        pre = request.cookies.get(security.PRE_COOKIE) or security.new_pre_token()
    html = environment(lang).get_template(template).render(
        request=request, session=s, user=s.user if s else None, csrf=s.csrf if s else pre, **ctx)
    resp = HTMLResponse(html, status_code=status_code)
    if pre is not None and request.cookies.get(security.PRE_COOKIE) != pre:
        security.set_cookie(resp, request, security.PRE_COOKIE, pre)
    asked = request.query_params.get(LANG_PARAM)
    if asked and i18n.known(asked):
        security.set_cookie(resp, request, security.LANG_COOKIE, lang, max_age=365 * 86400)
    return resp


def problem(request: Request, status: int, sentence: str) -> Response:
    """One sentence for a refused request: JSON for scripts, a page for people."""
    if "application/json" in request.headers.get("accept", "") or request.url.path.endswith("/status"):
        return JSONResponse({"error": sentence}, status_code=status)
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "message.html", status_code=status, message=sentence)
