"""The FastAPI application: device protocol, operators' API, error mapping, limits.

Errors reach clients as ``{"code": <typed error code>, "params": {...}}`` with a 4xx or
503 status; never personal data, never a stack trace (an unexpected exception answers
``{"code": "internal"}`` with 500 and is logged by type only). Uploads must be
``application/octet-stream`` (415 otherwise) and no larger than the configured limit
(413). Start with :func:`create_app`, or under uvicorn with the factory
``intake_app.server.app:app_from_env``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ..bundle.errors import BundlePayloadMalformed, BundleTooLarge, UnknownDevice
from ..errors import IntakeError, UnknownCodebookVersion
from .config import Settings, load_settings, server_home
from .db import check_database, make_engine
from .errors import DatabaseNotInitialized, DatabaseUnavailable, ServerError, UnsupportedContentType, UploadTooLarge, \
    plain_param
from .ingest import Ingestor
from .keys import KeyStore
from .migrate import check_holds_server, current_revision, head_revision

log = logging.getLogger(__name__)
OCTET = "application/octet-stream"


def status_of(err: IntakeError) -> int:
    if isinstance(err, ServerError):
        return err.status
    if isinstance(err, UnknownDevice):
        return 403
    if isinstance(err, BundleTooLarge):
        return 413
    if isinstance(err, (BundlePayloadMalformed, UnknownCodebookVersion)):
        return 422
    return 400


def error_body(err: IntakeError) -> dict:
    return {"code": err.code, "params": {k: plain_param(v) for k, v in err.params.items()}}


def check_schema(engine: Engine) -> None:
    """The database reached, holding a server (not an empty one: a wrong URL), at the
    program's schema."""
    check_database(engine)
    check_holds_server(engine)
    found, expected = current_revision(engine), head_revision()
    if found != expected:
        raise DatabaseNotInitialized(found=found, expected=expected)


async def read_upload(request: Request, limit: int) -> bytes:
    """The raw body, refusing the wrong content type (415) or more than ``limit`` bytes (413)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != OCTET:
        raise UnsupportedContentType(expected=OCTET)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: Settings, keystore: KeyStore, engine: Engine | None = None) -> FastAPI:
    engine = engine or make_engine(settings.db_url)
    # /openapi.json stays (plain JSON, what clients and the property tests read); the /docs and
    # /redoc pages would load Swagger UI from a CDN on the same origin as the supervisors' pages
    app = FastAPI(title="Intake central server", version="1.0", docs_url=None, redoc_url=None,
                  description="Receives field bundles, answers with signed receipts, and serves operators.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.keystore = keystore
    app.state.ingestor = Ingestor(engine, keystore, max_payload_bytes=settings.max_payload_bytes)

    @app.exception_handler(IntakeError)
    async def _typed(request: Request, err: IntakeError):
        return JSONResponse(error_body(err), status_code=status_of(err))

    @app.exception_handler(DBAPIError)
    async def _db(request: Request, err: DBAPIError):
        log.warning("database error: %s", type(err.orig).__name__ if err.orig else type(err).__name__)
        return JSONResponse(error_body(DatabaseUnavailable()), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError):
        # FastAPI's default answer echoes the input, which may hold personal data: name the place only
        first = err.errors()[0] if err.errors() else {}
        part = ".".join(str(x) for x in first.get("loc", ())) or "body"
        return JSONResponse({"code": "request_malformed", "params": {"part": part[:80]}}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException):
        page = await _wrong_address(request, err.status_code)
        if page is not None:  # a person's browser under /exchange or /dashboard: a page, in words
            for name, value in (err.headers or {}).items():  # a 405's Allow
                page.headers.setdefault(name, value)
            return page
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "request_malformed")
        return JSONResponse({"code": code, "params": {}}, status_code=err.status_code)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, err: ClientDisconnect):
        return Response(status_code=400)  # nobody is listening (or bodylimit already answered 413)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception):
        route = getattr(request.scope.get("route"), "path", "?")  # the template, never the typed path
        log.error("unexpected error in %s %s: %s", request.method, route, type(err).__name__)
        # answered by Starlette's outermost error middleware, outside BaselineHeaders: its headers here
        return JSONResponse({"code": "internal", "params": {}}, status_code=500,
                            headers={**BASE_HEADERS, "Cache-Control": "no-store"})

    @app.get("/", include_in_schema=False)
    async def _home(request: Request):
        from .exchange.web import landing

        return landing(request)

    from . import api_admin, api_cases, api_device

    app.include_router(api_device.router)
    app.include_router(api_admin.router)
    app.include_router(api_cases.router)
    from .dashboard.routes import router as dashboard_router

    app.include_router(dashboard_router())  # /dashboard: pages, CSV, plotly.js served locally
    from .exchange.web import router as exchange_router

    app.include_router(exchange_router())  # /exchange: the supervisor's exchange pages
    from .bodylimit import BodyLimit
    from .same_origin import SameOrigin

    app.add_middleware(SameOrigin)  # the pages' actions come from the pages, never from another site
    app.add_middleware(BodyLimit, large=settings.max_upload_bytes)  # before anything reads a body
    app.add_middleware(BaselineHeaders)  # outermost (reads no body): its 413 too gets the headers
    return app


async def _wrong_address(request: Request, status: int) -> Response | None:
    """The page for an address no route has, or a method it does not take, under the
    pages' areas (/exchange, /dashboard), or anywhere else outside /api for a browser (a
    request that prefers text/html: "/dashbord" typed by hand), with the way to ``/``; None
    otherwise (/api answers JSON, and so does a device's API path behind a page's address,
    and any address asked for by a program)."""
    path = request.url.path
    if status not in (404, 405) or "/api/" in path:  # a laptop given /dashboard/ as the server's
        return None  # address: its requests get the JSON it words ("check the address")
    if path == "/exchange" or path.startswith("/exchange/"):
        from .exchange.web import wrong_address

        return await wrong_address(request, status)
    if path == "/dashboard" or path.startswith("/dashboard/"):
        from .dashboard.routes import wrong_address

        return await wrong_address(request, status)
    if not _prefers_html(request.headers.get("accept", "")):
        return None
    from ..i18n import t
    from .exchange.web import _lang, _q, render

    lang = _lang(request)
    return render("error.html", lang, status, principal=None, heading=t("server.page.not_found", lang),
                  message=t("server.page.no_such_address", lang),
                  back=("/" + _q(lang), t("server.page.back_home", lang)))


def _prefers_html(accept: str) -> bool:
    """Whether an Accept header puts an HTML page first (a browser's does; a program's
    ``*/*`` or ``application/json`` does not)."""
    html, json = 0.0, 0.0
    for item in accept.lower().split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if kind in ("text/html", "application/xhtml+xml"):
            html = max(html, q)
        elif kind == "application/json":
            json = max(json, q)
    return html > 0 and html >= json


class BaselineHeaders:
    """Every answer gets the headers of its area unless it set its own: /api answers may
    carry a person's record (no cache keeps them); the pages' JSON, files and the
    framework's 404s get the pages' headers; everything else (``/openapi.json``) is never
    sniffed into another type nor tells another site where the person came from."""

    def __init__(self, app) -> None:
        self.app = app
        self.areas = _baseline()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        wanted = next((h for prefix, h in self.areas if path.startswith(prefix)), BASE_HEADERS)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        return await self.app(scope, receive, send_with_headers)


BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _baseline() -> tuple[tuple[str, dict], ...]:
    from .dashboard.routes import HEADERS as DASHBOARD
    from .exchange.web import HEADERS as EXCHANGE

    return (("/api/", {**BASE_HEADERS, "Cache-Control": "no-store"}), ("/exchange", EXCHANGE),
            ("/dashboard", DASHBOARD))


def app_from_env():
    """uvicorn factory (``--factory``): home from INTAKE_SERVER_HOME, database from
    INTAKE_SERVER_DB or server.json, key file opened with INTAKE_SERVER_KEY."""
    from ..logsetup import setup_logging

    from .running import UnmarkOnShutdown, mark_running
    from .worker_guard import end_with_supervisor

    setup_logging()
    end_with_supervisor()  # a worker never outlives a supervisor killed with SIGKILL
    settings = load_settings(server_home(), os.environ.get("INTAKE_SERVER_DB"))
    engine = make_engine(settings.db_url)
    try:
        check_schema(engine)
    except (DatabaseUnavailable, DatabaseNotInitialized) as err:
        # a worker starting while the database is down (or its schema was dropped or moved
        # under it): one line through the privacy filter, not multiprocessing's traceback on
        # stderr. Exit 1, so uvicorn's supervisor starts another worker in its place (its exit
        # code 3 would stop the whole server); `serve` itself checks both before any worker.
        es, en = ("no está disponible ahora", "cannot be reached now") if isinstance(err, DatabaseUnavailable) \
            else ("no contiene un servidor", "holds no server") if err.params.get("reason") == "no_server" \
            else ("tiene otra versión del esquema", "has another schema version")
        log.error("proceso del servidor no iniciado: la base de datos %s / "
                  "server process not started: the database %s (%s)", es, en, err.code)
        engine.dispose()
        raise SystemExit(1) from None
    keystore = KeyStore.open(Path(settings.key_path))
    app = create_app(settings, keystore, engine)
    marker = mark_running(server_home())  # db move refuses while it runs
    return UnmarkOnShutdown(app, marker)  # uvicorn re-raises SIGTERM/SIGINT after shutdown: atexit never runs
