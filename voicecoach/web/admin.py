"""Admins' pages: accounts (add a user with a role and team, set a password)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from voicecoach.web.library import UsageError
from voicecoach.web import accounts, security
from voicecoach.web.pages import error_text, render
from voicecoach.web.tables import ROLES


def routes() -> list[Route]:
    return [Route("/admin/users", users_page, methods=["GET"]), Route("/admin/users", add_user, methods=["POST"]),
            Route("/admin/users/{user_id:int}/password", set_password, methods=["POST"])]


async def users_page(request: Request) -> Response:
    security.require(request, "admin")
    return render(request, "users.html", users=accounts.list_users(request.app.state.engine), roles=ROLES)


async def add_user(request: Request) -> Response:
    s = security.require(request, "admin")
    form = await request.form(max_files=0, max_fields=10)
    await security.check_csrf(request, s, form)
    try:
        accounts.create_user(request.app.state.engine, str(form.get("username") or "").strip(), str(form.get("password") or ""),
                             str(form.get("role") or ""), team=str(form.get("team") or "").strip()[:64] or None,
                             display_name=str(form.get("display_name") or "").strip()[:100] or None)
    except UsageError as e:
        return render(request, "users.html", status_code=400, error=error_text(request, e), users=accounts.list_users(request.app.state.engine), roles=ROLES)
    return RedirectResponse("/admin/users", status_code=303)


async def set_password(request: Request) -> Response:
    s = security.require(request, "admin")
    form = await request.form(max_files=0, max_fields=5)
    await security.check_csrf(request, s, form)
    try:
        accounts.set_password(request.app.state.engine, request.path_params["user_id"], str(form.get("password") or ""))
    except UsageError as e:
        return render(request, "users.html", status_code=400, error=error_text(request, e), users=accounts.list_users(request.app.state.engine), roles=ROLES)
    return RedirectResponse("/admin/users", status_code=303)
