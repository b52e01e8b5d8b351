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
from ..deps import audit_wrong_role
from ..errors import NotAuthenticated, RoleForbidden, SessionExpired
from . import views
from .charts import figure
from .errors import DashboardTableUnknown, DashboardViewUnknown
from .filters import MAX_QUARTERS, PARAMS, Filters, quarter_label
from .suppress import K

log = logging.getLogger(__name__)

ALLOWED_ROLES = ("analyst", "supervisor", "administrator")
OPTION_QUARTERS = 2 * MAX_QUARTERS  # quarters with data offered in the period's lists (the latest)
COOKIE = "intake_dashboard"
SERVER_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = SERVER_DIR / "templates"
STATIC = SERVER_DIR / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
TABLE_ID = re.compile(r"[a-z][a-z0-9_]{0,47}", re.ASCII)
SAFE_PATH = re.compile(r"/dashboard/([a-z]{0,20})(?:/[a-z][a-z0-9_]{0,47}\.csv)?", re.ASCII)
SAFE_VALUE = re.compile(r"[A-Za-z0-9_-]{1,24}", re.ASCII)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["k"] = K  # the suppression threshold, said in the footer


def render(name: str, status: int = 200, **ctx) -> HTMLResponse:
    lang = ctx.get("lang", "es")
    html = _env.get_template(f"dashboard/{name}").render(t=lambda key, **p: t(key, lang, **p),
                                                         quarter=lambda q: quarter_label(q, lang), **ctx)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "es")
    return lang if lang in LANGUAGES else "es"


def _signed_in(request: Request) -> auth.Principal:
    """Whoever the session belongs to, whatever the role (NotAuthenticated / SessionExpired)."""
    st = request.app.state
    token = request.cookies.get(COOKIE)
    if not token:
        value = request.headers.get("authorization", "")
        scheme, _, rest = value.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else None
    return auth.authenticate(st.engine, st.settings, token)


class Refused(Exception):
    """A signed-in user whose role may not see figures (kept to name them on the 403 page)."""

    def __init__(self, principal: auth.Principal, err: IntakeError):
        super().__init__(err.code)
        self.principal, self.err = principal, err


def _principal(request: Request) -> auth.Principal:
    principal = _signed_in(request)
    try:
        return auth.require_role(principal, *ALLOWED_ROLES)
    except RoleForbidden as err:
        audit_wrong_role(request, principal)
        raise Refused(principal, err) from None


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (("?" + request.url.query) if request.url.query else "")
    q = urlencode({"next": target, **({"lang": _lang(request)} if _lang(request) != "es" else {})})
    return RedirectResponse(f"/dashboard/login?{q}", status_code=303, headers=HEADERS)


def _refused(request: Request, refused: Refused) -> HTMLResponse:
    """403 naming who is signed in, with *Cerrar sesión*, and no link back to a page that
    would refuse them again."""
    lang = _lang(request)
    return _error(request, 403, refused.err, principal=refused.principal, back=None,
                  hint=t("dashboard.error.refused_hint", lang))


def _error(request: Request, status: int, err: IntakeError, *, principal=None, back: str | None = "",
           back_label: str | None = None, hint: str | None = None) -> HTMLResponse:
    """The dashboard's error page (Spanish unless ``lang=en``), for pages and CSV files alike.
    ``back``: the link under the message ("" the overview, None no link)."""
    lang = _lang(request)
    if back == "":
        back = "/dashboard/" + ("?lang=en" if lang == "en" else "")
    return render("error.html", status, lang=lang, message=describe_error(err, lang), filters=Filters(lang=lang),
                  principal=principal, back=back, back_label=back_label or t("dashboard.error.back", lang),
                  hint=hint, other_href=_other_language(request, lang), idle=_idle(request, principal))


async def wrong_address(request: Request, status: int) -> HTMLResponse:
    """An address under /dashboard that no page has (or a method it does not take): the
    dashboard's error page, Spanish first, never the API's JSON."""
    lang = _lang(request)
    try:
        principal = await run_in_threadpool(_signed_in, request)
    except IntakeError:
        principal = None
    return render("error.html", status, lang=lang, message=t("server.page.no_such_address", lang),
                  filters=Filters(lang=lang), principal=principal, back="/dashboard/" + ("?lang=en" if lang == "en"
                                                                                          else ""),
                  back_label=t("dashboard.error.back", lang), hint=None, other_href=_other_language(request, lang),
                  idle=_idle(request, principal))


def _idle(request: Request, principal) -> dict | None:
    """The idle warning's settings for a page shown to someone who may see figures."""
    ok = principal is not None and principal.role in ALLOWED_ROLES
    return web_session.idle_page(request, "/dashboard") if ok else None


def _other_language(request: Request, lang: str) -> str:
    """The same address in the other language, built from known parts only (typed text in a
    path or a filter is never echoed back into the page)."""
    m = SAFE_PATH.fullmatch(request.url.path)
    path = request.url.path if m and (m.group(1) or "overview") in views.VIEWS else "/dashboard/"
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k in PARAMS and k != "lang" and SAFE_VALUE.fullmatch(v)]
    params += [("lang", "en")] if lang == "es" else []
    return path + (("?" + urlencode(params)) if params else "")


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
    async def _static(request: Request, name: str):
        path = STATIC / name
        if name not in ("dashboard.js", "dashboard.css", "fresh.js", "idle.js") or not path.is_file():
            return await wrong_address(request, 404)
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache",
                                                             "X-Content-Type-Options": "nosniff"})

    @r.get("/login")
    async def _login_form(request: Request):
        lang = _lang(request)
        nxt = request.query_params.get("next", "/dashboard/")
        return render("login.html", lang=lang, next=_safe_next(nxt), error=None, filters=Filters(lang=lang),
                      expired=await web_session.session_expired(request, COOKIE))

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

    # the idle warning's "how long is left" and "keep working" (before /{view})
    web_session.add_idle_routes(r, cookie=COOKIE, roles=ALLOWED_ROLES, headers=HEADERS)

    @r.get("/")
    async def _overview(request: Request):
        return await _page(request, "overview")

    @r.get("/{view}")
    async def _view(request: Request, view: str):
        return await _page(request, view)

    @r.get("/{view}/{table}.csv")
    async def _csv(request: Request, view: str, table: str):
        """A person follows a CSV link in a browser: an error is the dashboard's page, worded."""
        try:
            principal = await run_in_threadpool(_principal, request)
        except (NotAuthenticated, SessionExpired):
            return _login_redirect(request)
        except Refused as refused:
            return _refused(request, refused)
        if view not in views.VIEWS:
            return _error(request, 404, DashboardViewUnknown(view=view[:40]), principal=principal)
        if not TABLE_ID.fullmatch(table):  # never let typed text reach a header or the audit log
            return _error(request, 404, DashboardTableUnknown(view=view), principal=principal,
                          **_back_to(request, view))
        try:
            f = Filters.parse(request.query_params)
            result = await run_in_threadpool(_build, request, view, f)
        except IntakeError as err:
            return _error(request, 400, err, principal=principal, **_back_to(request, view))
        tables = {tb.id: tb for tb in result.tables}
        withheld = dict(result.withheld)
        if not result.too_few and table not in tables and table not in withheld:
            return _error(request, 404, DashboardTableUnknown(view=view), principal=principal,
                          **_back_to(request, view, f))
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
        except Refused as refused:
            return _refused(request, refused)
        lang = _lang(request)
        if view not in views.VIEWS:
            return _error(request, 404, DashboardViewUnknown(view=view[:40]), principal=principal)
        try:
            f = Filters.parse(request.query_params)
            result = await run_in_threadpool(_build, request, view, f)
        except IntakeError as err:
            return _error(request, 400, err, principal=principal, **_back_to(request, view))
        await run_in_threadpool(_audit, request, principal, "dashboard_view", view, f, too_few=result.too_few)
        figures = {tb.id: figure(tb, caption(result, f, lang)) for tb in result.tables}
        return render("view.html", lang=lang, view=view, views=views.VIEWS, result=result, filters=f,
                      figures=figures, principal=principal, filters_text=filters_text(result, f, lang), K=K,
                      request_path=request.url.path, idle=_idle(request, principal),
                      options=_options(lang, result), later_note=later_note(result, lang))

    return r


def _back_to(request: Request, view: str, f: Filters | None = None) -> dict:
    """The link under an error: the view itself (with the filters when they were valid)."""
    lang = _lang(request)
    query = f.query() if f is not None else ("?lang=en" if lang == "en" else "")
    return {"back": "/dashboard/" + ("" if view == "overview" else view) + query,
            "back_label": t("dashboard.error.back_view", lang, view=t("dashboard.view." + view, lang))}


def _safe_next(value: str) -> str:
    return web_session.safe_next(value, "/dashboard")


def later_note(result: views.ViewResult, lang: str) -> str | None:
    """How many cases are dated after the current quarter (every case, no filter), when the
    period shown ends before them: so that nobody takes them for lost."""
    if not result.later or result.period.last > result.now_quarter:
        return None
    from .numbers import cell

    return t("dashboard.note.later", lang, count=cell(str(result.later), lang),
             quarter=quarter_label(result.now_quarter, lang))


def _options(lang: str, result: views.ViewResult) -> dict:
    from ...codebook import load_codebook

    cb = load_codebook()
    # the period's quarters (at most MAX_QUARTERS) and the latest quarters with data: a bounded list
    quarters = sorted(set(result.quarters[-OPTION_QUARTERS:]) | set(result.period.quarters))
    return {
        "quarters": quarters,
        "countries": [(c, cb.vocab("countries").label(c, lang)) for c in ("CR", "PA")],
        "posts": [(p.code, p.label(lang), p.attrs.get("country")) for p in cb.vocab("border_posts").terms],
        "institutions": [(i.code, i.label(lang)) for i in cb.vocab("institutions").terms
                         if i.attrs.get("country") in ("CR", "PA")],
        "sexes": [(s.code, s.label(lang)) for s in cb.vocab("sex_age_groups").terms],
        "ages": [(a.code, a.label(lang)) for a in cb.vocab("age_bands").terms],
        "labels": {"post": cb.field("border_post").label(lang), "institution": cb.field("institution").label(lang),
                   "sex": cb.field("sex_age_group").label(lang), "age": cb.field("age_band").label(lang),
                   "country": cb.field("post_country").label(lang)},
    }


# the pages keep their no-break spaces ("0 a 7 días", "+23 %", "k = 11"); a spreadsheet matching
# "0 a 7 días" typed with ordinary spaces would not find them
PLAIN_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def csv_text(result: views.ViewResult, table, f: Filters, withheld_title: str | None = None) -> str:
    """The table as shown (suppressed), with its filters and the suppression note in it, its
    no-break spaces (U+00A0, U+202F) written as ordinary ones."""
    return _csv_rows(result, table, f, withheld_title).translate(PLAIN_SPACES)


def _csv_rows(result: views.ViewResult, table, f: Filters, withheld_title: str | None) -> str:
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
