"""The dashboard's pages, CSV files and static files (FastAPI router, mounted under /dashboard).

* Sign-in with the server's own users and sessions (a cookie holding the session token,
  HttpOnly, SameSite=Strict); only ``analyst``, ``supervisor`` and ``administrator`` see
  figures, checked on every request on the server (``auditor`` and anonymous are refused).
* Every page view and every download is written to the server's hash-chained audit log
  (who, which view or table, which filters; never a figure).
* The charting library is plotly.js from the installed ``plotly`` package, served from
  here: no CDN, nothing fetched from outside (a Content-Security-Policy of 'self' says so
  to the browser as well).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from ...errors import IntakeError
from ...i18n import LANGUAGES, describe_error, t
from .. import audit, auth, web_session
from ..db import transaction
from ..errors import NotAuthenticated, RoleForbidden, SessionExpired
from . import views
from .charts import figure
from .errors import DashboardTableUnknown, DashboardViewUnknown
from .filters import Filters, quarter_label
from .suppress import K

log = logging.getLogger(__name__)

ALLOWED_ROLES = ("analyst", "supervisor", "administrator")
COOKIE = "intake_dashboard"
SERVER_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = SERVER_DIR / "templates"
STATIC = SERVER_DIR / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
TABLE_ID = re.compile(r"[a-z][a-z0-9_]{0,47}", re.ASCII)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def render(name: str, status: int = 200, **ctx) -> HTMLResponse:
    lang = ctx.get("lang", "es")
    html = _env.get_template(f"dashboard/{name}").render(t=lambda key, **p: t(key, lang, **p),
                                                         quarter=lambda q: quarter_label(q, lang), **ctx)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "es")
    return lang if lang in LANGUAGES else "es"


def _principal(request: Request) -> auth.Principal:
    st = request.app.state
    token = request.cookies.get(COOKIE)
    if not token:
        value = request.headers.get("authorization", "")
        scheme, _, rest = value.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else None
    principal = auth.authenticate(st.engine, st.settings, token)
    return auth.require_role(principal, *ALLOWED_ROLES)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (("?" + request.url.query) if request.url.query else "")
    q = urlencode({"next": target, **({"lang": _lang(request)} if _lang(request) != "es" else {})})
    return RedirectResponse(f"/dashboard/login?{q}", status_code=303, headers=HEADERS)


def _refused(request: Request, err: IntakeError) -> HTMLResponse:
    lang = _lang(request)
    return render("error.html", 403, lang=lang, message=describe_error(err, lang), filters=Filters(lang=lang))


def caption(result: views.ViewResult, f: Filters, lang: str) -> str:
    return "<br>".join((t("dashboard.filter.caption", lang, filters=filters_text(result, f, lang)),
                        t("dashboard.note.suppression", lang, k=K)))


def filters_text(result: views.ViewResult, f: Filters, lang: str) -> str:
    from ...codebook import load_codebook

    cb = load_codebook()
    parts = [t("dashboard.filter.period_value", lang, first=quarter_label(result.period.first, lang),
               last=quarter_label(result.period.last, lang))]
    if f.country:
        parts.append(cb.vocab("countries").label(f.country, lang))
    if f.post:
        parts.append(cb.vocab("border_posts").label(f.post, lang))
    if f.institution:
        parts.append(cb.vocab("institutions").label(f.institution, lang))
    if f.sex:
        parts.append(cb.vocab("sex_age_groups").label(f.sex, lang))
    if f.age:
        parts.append(cb.vocab("age_bands").label(f.age, lang))
    return " · ".join(parts)


def _audit(request: Request, principal: auth.Principal, action: str, target: str, f: Filters, **detail) -> None:
    with transaction(request.app.state.engine) as conn:
        audit.append(conn, principal.actor, action, target, filters=f.active(), lang=f.lang, **detail)


def _build(request: Request, view: str, f: Filters) -> views.ViewResult:
    with request.app.state.engine.connect() as conn:
        return views.build(conn, view, f)


def router() -> APIRouter:
    r = APIRouter(prefix="/dashboard", include_in_schema=False)

    @r.get("/static/plotly.min.js")
    async def _plotly():
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})

    @r.get("/static/{name}")
    async def _static(name: str):
        path = STATIC / name
        if name not in ("dashboard.js", "dashboard.css") or not path.is_file():
            raise DashboardViewUnknown(view=name[:40])
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache",
                                                             "X-Content-Type-Options": "nosniff"})

    @r.get("/login")
    async def _login_form(request: Request):
        lang = _lang(request)
        nxt = request.query_params.get("next", "/dashboard/")
        return render("login.html", lang=lang, next=_safe_next(nxt), error=None, filters=Filters(lang=lang))

    @r.post("/login")
    async def _login(request: Request):
        form = await web_session.read_form(request, 8192)
        lang = form.get("lang") if form.get("lang") in LANGUAGES else "es"
        nxt = _safe_next(form.get("next", "/dashboard/"))
        try:
            token = await web_session.sign_in(request, form)
        except IntakeError as err:
            return render("login.html", 401, lang=lang, next=nxt, error=describe_error(err, lang),
                          filters=Filters(lang=lang))
        return web_session.signed_in(request, token, nxt, cookie=COOKIE, path="/dashboard", headers=HEADERS,
                                     lang=lang)

    @r.post("/logout")
    async def _logout(request: Request):
        return await web_session.sign_out(request, cookie=COOKIE, path="/dashboard", headers=HEADERS)

    @r.get("/")
    async def _overview(request: Request):
        return await _page(request, "overview")

    @r.get("/{view}")
    async def _view(request: Request, view: str):
        return await _page(request, view)

    @r.get("/{view}/{table}.csv")
    async def _csv(request: Request, view: str, table: str):
        try:
            principal = await run_in_threadpool(_principal, request)
        except (NotAuthenticated, SessionExpired):
            return _login_redirect(request)
        except RoleForbidden as err:
            return _refused(request, err)
        if view not in views.VIEWS:
            raise DashboardViewUnknown(view=view[:40])
        if not TABLE_ID.fullmatch(table):  # never let typed text reach a header or the audit log
            raise DashboardTableUnknown(view=view)
        f = Filters.parse(request.query_params)
        result = await run_in_threadpool(_build, request, view, f)
        tables = {tb.id: tb for tb in result.tables}
        withheld = dict(result.withheld)
        if not result.too_few and table not in tables and table not in withheld:
            raise DashboardTableUnknown(view=view)
        await run_in_threadpool(_audit, request, principal, "dashboard_export", f"{view}/{table}", f,
                                too_few=result.too_few)
        body = csv_text(result, tables.get(table), f, withheld.get(table))
        name = f"tablero-{view}-{table}-{result.period.first}-{result.period.last}.csv"
        return Response(body.encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    async def _page(request: Request, view: str):
        try:
            principal = await run_in_threadpool(_principal, request)
        except (NotAuthenticated, SessionExpired):
            return _login_redirect(request)
        except RoleForbidden as err:
            return _refused(request, err)
        lang = _lang(request)
        if view not in views.VIEWS:
            return render("error.html", 404, lang=lang, filters=Filters(lang=lang),
                          message=describe_error(DashboardViewUnknown(view=view[:40]), lang))
        try:
            f = Filters.parse(request.query_params)
        except IntakeError as err:
            return render("error.html", 400, lang=lang, filters=Filters(lang=lang), message=describe_error(err, lang))
        result = await run_in_threadpool(_build, request, view, f)
        await run_in_threadpool(_audit, request, principal, "dashboard_view", view, f, too_few=result.too_few)
        figures = {tb.id: figure(tb, caption(result, f, lang)) for tb in result.tables}
        return render("view.html", lang=lang, view=view, views=views.VIEWS, result=result, filters=f,
                      figures=figures, principal=principal, filters_text=filters_text(result, f, lang), K=K,
                      request_path=request.url.path,
                      options=_options(lang, result))

    return r


def _safe_next(value: str) -> str:
    return web_session.safe_next(value, "/dashboard")


def _options(lang: str, result: views.ViewResult) -> dict:
    from ...codebook import load_codebook

    cb = load_codebook()
    quarters = sorted(set(result.quarters) | set(result.period.quarters))
    return {
        "quarters": quarters,
        "countries": [(c, cb.vocab("countries").label(c, lang)) for c in ("CR", "PA")],
        "posts": [(p.code, p.label(lang)) for p in cb.vocab("border_posts").terms],
        "institutions": [(i.code, i.label(lang)) for i in cb.vocab("institutions").terms
                         if i.attrs.get("country") in ("CR", "PA")],
        "sexes": [(s.code, s.label(lang)) for s in cb.vocab("sex_age_groups").terms],
        "ages": [(a.code, a.label(lang)) for a in cb.vocab("age_bands").terms],
        "labels": {"post": cb.field("border_post").label(lang), "institution": cb.field("institution").label(lang),
                   "sex": cb.field("sex_age_group").label(lang), "age": cb.field("age_band").label(lang),
                   "country": cb.field("post_country").label(lang)},
    }


def csv_text(result: views.ViewResult, table, f: Filters, withheld_title: str | None = None) -> str:
    """The table as shown (suppressed), with its filters and the suppression note in it."""
    lang = f.lang
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([t("dashboard.csv.source", lang)])
    if table is not None:
        w.writerow([t("dashboard.csv.table", lang), table.title])
    w.writerow([t("dashboard.csv.filters", lang), filters_text(result, f, lang)])
    w.writerow([t("dashboard.csv.note", lang), t("dashboard.note.suppression", lang, k=K)])
    if table is not None and table.note:
        w.writerow([t("dashboard.csv.note", lang), table.note])
    w.writerow([t("dashboard.csv.generated", lang),
                datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")])
    w.writerow([])
    if withheld_title is not None:
        w.writerow([t("dashboard.withheld", lang, title=withheld_title)])
        return out.getvalue()
    if result.too_few or table is None:
        w.writerow([t("dashboard.too_few", lang, k=K)])
        return out.getvalue()
    header = [table.row_header] + ([table.sub_header] if table.sub_header else []) + \
        [c or t("dashboard.col.persons", lang) for c in table.columns]
    w.writerow(header)
    for row in table.rows:
        w.writerow([row.label] + ([row.sub] if table.sub_header else []) + row.cells)
    return out.getvalue()


def figures_json(figures: dict) -> str:
    return json.dumps(figures, ensure_ascii=False)
