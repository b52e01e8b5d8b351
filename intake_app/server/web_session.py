"""Sign-in and sign-out for the server's own pages (the dashboard, the exchange): one
session cookie per area, HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to the area's
path, kept for the browser session only (no Max-Age), built on the server's sessions
(auth.login / auth.logout)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from . import auth


async def read_form(request: Request, limit: int = 65536) -> dict[str, str]:
    body = (await request.body())[:limit].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


async def session_expired(request: Request, cookie: str) -> bool:
    """Whether the browser still holds this area's cookie for a session that has run out
    (idle timeout or maximum length): the sign-in page then says so, instead of greeting the
    person as if they had never been signed in. Looking does not extend a session still
    valid, and a disabled account's session is not called "expired"."""
    token = request.cookies.get(cookie)
    if not token:
        return False
    st = request.app.state
    return await run_in_threadpool(auth.session_ran_out, st.engine, token)


def safe_next(value: str, area: str) -> str:
    """Where to go after signing in: only a path inside ``area`` (no open redirect)."""
    return value if value.startswith(area) and "//" not in value and "\\" not in value else area + "/"


async def sign_in(request: Request, form: dict[str, str]) -> str:
    """A session token, or the typed error of auth.login (wrong password, locked out, ...)."""
    st = request.app.state
    token, _ = await run_in_threadpool(auth.login, st.engine, st.settings, form.get("username", "")[:64],
                                       form.get("password", "")[:1024])
    return token


def signed_in(request: Request, token: str, nxt: str, *, cookie: str, path: str, headers: dict,
              lang: str = "es") -> RedirectResponse:
    if lang != "es" and "lang=" not in nxt:  # signed in on an English page: stay in English
        nxt += ("&" if "?" in nxt else "?") + f"lang={lang}"
    resp = RedirectResponse(nxt, status_code=303, headers=headers)
    # a browser-session cookie (no Max-Age, no Expires): on an office PC shared by several
    # people it is gone when the browser closes; the server's idle and maximum-length
    # deadlines end the session itself whatever the browser keeps
    resp.set_cookie(cookie, token, **cookie_flags(request, path))
    return resp


def cookie_flags(request: Request, path: str) -> dict:
    """The session cookie's attributes, the same when it is set and when it is deleted."""
    return {"httponly": True, "samesite": "strict", "path": path, "secure": request.url.scheme == "https"}


async def sign_out(request: Request, *, cookie: str, path: str, headers: dict) -> RedirectResponse:
    token = request.cookies.get(cookie)
    if token:
        await run_in_threadpool(auth.logout, request.app.state.engine, token)
    resp = RedirectResponse(path + "/login", status_code=303, headers=headers)
    resp.delete_cookie(cookie, **cookie_flags(request, path))
    return resp
