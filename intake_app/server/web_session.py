"""Sign-in and sign-out for the server's own pages (the dashboard, the exchange): one
session cookie per area, HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to the area's
path, kept for the browser session only (no Max-Age), built on the server's sessions
(auth.login / auth.logout); and the warning a signed-in page gives before the idle
timeout, with its ``<area>/session`` addresses (see below)."""

from __future__ import annotations

import math
import re
from contextvars import ContextVar
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from . import auth
from .auth import sessions_t, users_t
from .db import transaction
from .deps import audit_wrong_role
from .errors import RoleForbidden, SessionExpired


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
    if not request.cookies.get(cookie):  # no old cookie: the session was signed out (another tab), not run out
        nxt = re.sub(r"([?&]notice=)expired(?=&|$)", r"\1signed_out", nxt)
    # the page comes in the sign-in page's language (perhaps switched there: its link keeps ``next``)
    where, _, query = nxt.partition("?")
    params = [p for p in query.split("&") if p and not p.startswith("lang=")]
    params += [f"lang={lang}"] if lang != "es" else []
    nxt = where + ("?" + "&".join(params) if params else "")
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


# --- the warning before the idle timeout (WCAG 2.2.1, Timing Adjustable) ------------------
# A signed-in page carries the idle length (server settings) on <body>; static/idle.js warns
# a little before the deadline and offers to extend the session. ``GET <area>/session`` says
# how long the session has left without extending it (another tab may have kept it alive);
# ``POST <area>/session`` extends it by one full idle length. Both only for this area's
# roles; the POST is guarded like every other action (same_origin.py, SameSite=Strict).

_PAGE_IDLE: ContextVar[dict | None] = ContextVar("page_idle", default=None)


def idle_page(request: Request, area: str) -> dict:
    """What a signed-in page needs for the warning: the idle length and the area's address."""
    minutes = request.app.state.settings.session_idle_minutes
    return {"seconds": max(1, round(minutes * 60)), "minutes": f"{minutes:g}", "area": area}


def remember_idle(request: Request, area: str) -> None:
    """For a page rendered later in this same request (the area's guard let a person in)."""
    _PAGE_IDLE.set(idle_page(request, area))


def remembered_idle() -> dict | None:
    return _PAGE_IDLE.get()


def seconds_left(idle_until: datetime, expires_at: datetime, now: datetime) -> int:
    """Whole seconds, rounded up: 0 only once the session has ended (the page must not go to
    the sign-in page while the server would still call the session open)."""
    return max(0, math.ceil((min(idle_until, expires_at) - now).total_seconds()))


def session_left(engine, token: str | None) -> tuple[int, auth.Principal] | None:
    """(seconds left, who) of a session still open, read only (the deadline does not move);
    None when the token names no open session."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(sessions_t.c.idle_until, sessions_t.c.expires_at, sessions_t.c.ended,
                                  users_t.c.id, users_t.c.username, users_t.c.role, users_t.c.institution,
                                  users_t.c.disabled)
                           .join(users_t, users_t.c.id == sessions_t.c.user_id)
                           .where(sessions_t.c.token_hash == auth.token_hash(token))).first()
    if row is None or row.ended or row.disabled:
        return None
    left = seconds_left(row.idle_until, row.expires_at, auth.utcnow())
    return (left, auth.Principal(row.id, row.username, row.role, row.institution)) if left > 0 else None


def extend(engine, settings, token: str) -> int:
    """One full idle length from now; the seconds left, which the session's maximum length
    still cuts short (``seconds_left`` counts to the earlier end). Raises SessionExpired."""
    now = auth.utcnow()
    with transaction(engine) as conn:
        row = conn.execute(update(sessions_t)
                           .where(sessions_t.c.token_hash == auth.token_hash(token), ~sessions_t.c.ended,
                                  sessions_t.c.idle_until > now, sessions_t.c.expires_at > now)
                           .values(idle_until=now + timedelta(minutes=settings.session_idle_minutes))
                           .returning(sessions_t.c.idle_until, sessions_t.c.expires_at)).first()
    if row is None:
        raise SessionExpired()
    return seconds_left(row.idle_until, row.expires_at, now)


def add_idle_routes(r: APIRouter, *, cookie: str, roles: tuple[str, ...], headers: dict) -> None:
    """``GET`` and ``POST`` ``<area>/session`` on the area's router (before any catch-all)."""

    def answer(status: int, left: int, code: str | None = None) -> JSONResponse:
        body = {"remaining": left, **({"code": code} if code else {})}
        return JSONResponse(body, status_code=status, headers=headers)

    def ended() -> RedirectResponse:  # no session, or one that ran out: as every page of the area answers
        return RedirectResponse(r.prefix + "/login", status_code=303, headers=headers)

    def refused(request: Request, who: auth.Principal) -> JSONResponse:
        audit_wrong_role(request, who)
        return answer(403, 0, RoleForbidden.code)

    @r.get("/session")
    async def _left(request: Request):
        st = request.app.state

        def run():
            found = session_left(st.engine, request.cookies.get(cookie))
            if found is None:
                return ended()
            left, who = found
            return answer(200, left) if who.role in roles else refused(request, who)

        return await run_in_threadpool(run)

    @r.post("/session")
    async def _extend(request: Request):
        st = request.app.state
        token = request.cookies.get(cookie)

        def run():  # the role is checked before anything moves: a refused role's deadline stays
            found = session_left(st.engine, token)
            if found is None:
                return ended()
            if found[1].role not in roles:
                return refused(request, found[1])
            try:
                return answer(200, extend(st.engine, st.settings, token))
            except SessionExpired:  # ran out in between
                return ended()

        return await run_in_threadpool(run)
