"""The supervisor's exchange pages (FastAPI router, mounted under /exchange).

Sign-in with the server's own users and sessions (an HttpOnly, SameSite=Strict cookie for
/exchange); only the ``supervisor`` role passes, checked on every request. A supervisor
prepares referrals for the cases of their own institution (all cases when they have no
institution), approves packages prepared by someone else, downloads approved packages,
makes withdrawal notices, reads a package's manifest and imports it, and opens received
records (each opening audited). Auditors and administrators have one page here, the audit
log (``audit_web.py``), where an auditor lands. Pages are Spanish first (``?lang=en``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from ...codebook import load_codebook
from ...errors import IntakeError
from ...timefmt import utc_time_iso
from ...i18n import LANGUAGES, catalog, describe_code, describe_error, placeholders, t
from ...numbers import group
from .. import audit, auth, web_session
from ..db import transaction
from ..deps import audit_wrong_role
from ..errors import NotAuthenticated, NotFound, RoleForbidden, SessionExpired, UnsupportedContentType, \
    plain_param
from ..review import CASE_ID
from . import incoming
from .errors import PackageAlreadyReceived, ReceivedCaseUnknown
from .htcds import K as HTCDS_K
from .htcds import export_htcds
from .manifest_words import error_params, imported_words, manifest_rows
from .packages import PACKAGE_ID
from .registry import load_registry

COOKIE = "intake_exchange"
ALLOWED_ROLES = ("supervisor",)
ELSEWHERE = ("administrator", "auditor")  # their work is elsewhere but the audit page: the 403 says where
HTCDS_ROLES = ("supervisor", "analyst")  # the HTCDS export holds no identity field (analysts: k = 11 only)
SERVER_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = SERVER_DIR / "templates"
STATIC_JS = Path(__file__).resolve().parent / "exchange.js"
MAX_PACKAGE = 64 * 1024 * 1024
OCTET = "application/octet-stream"  # what the import page's script (exchange.js) sends
ID_MAX = 2**62  # row ids in a path: larger numbers never reach the database
PLAIN = re.compile(r"[0-9A-Za-z_.:?,-]{1,80}", re.ASCII)  # codes and ids: no spaces, so no sentences
COUNT = re.compile(r"0|[1-9][0-9]{0,5}", re.ASCII)  # a count of withdrawal notices: 0 … 999999
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store", "X-Frame-Options": "DENY"}
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["htcds_k_release"] = HTCDS_K  # the k of the published HTCDS files, in addresses and words
_env.globals["form_token"] = lambda: secrets.token_urlsafe(24)  # one per rendered form: outgoing_web.first_post
_env.globals["audit_readers"] = audit.READERS  # the roles whose header links to the audit page


def render(name: str, lang: str, status: int = 200, **ctx) -> HTMLResponse:
    who = ctx.get("principal")  # a supervisor's page warns before the idle timeout (web_session)
    ctx.setdefault("idle", web_session.remembered_idle() if who and who.role in ALLOWED_ROLES else None)
    html = _env.get_template(f"exchange/{name}").render(t=lambda key, **p: t(key, lang, **p), lang=lang, status=status,
                                                        **ctx)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "es")
    return lang if lang in LANGUAGES else "es"


def _q(lang: str, **extra) -> str:
    params = {**({"lang": lang} if lang != "es" else {}), **extra}
    return ("?" + urlencode(params)) if params else ""


async def _form(request: Request) -> dict[str, str]:
    return await web_session.read_form(request)


def _safe_next(value: str) -> str:
    return web_session.safe_next(value, "/exchange")


# the page each action (a form's POST) sits on: where a person whose session ran out comes back to
_ACTION_PAGES = ((re.compile(r"/exchange/cases/(" + CASE_ID.pattern + r")/review", re.ASCII),
                  "/exchange/cases/{}"),
                 (re.compile(r"/exchange/conflicts/([0-9]{1,19})/resolve", re.ASCII), "/exchange/conflicts/{}"),
                 (re.compile(r"/exchange/cases/goto"), "/exchange/cases"),
                 (re.compile(r"/exchange/received/.*"), "/exchange/received"),
                 (re.compile(r"/exchange/verify-print"), "/exchange/verify-print"),
                 (re.compile(r"/exchange/audit/(?:filter|check)"), "/exchange/audit"))


def action_page(path: str) -> str:
    for pattern, page in _ACTION_PAGES:
        m = pattern.fullmatch(path)
        if m:
            return page.format(*m.groups())
    return "/exchange/"


def _analysts_landing(request: Request, principal) -> bool:
    """An analyst opening ``/exchange/`` itself: where they land, and the page that offers
    them their HTCDS downloads. Refused (it is the supervisors' list) but not audited: a
    wrong_role entry on every visit would bury real probing. Every other route refused to
    them stays audited."""
    return principal.role == "analyst" and request.method in ("GET", "HEAD") \
        and audit.route_template(request.scope) == "/exchange/"


async def guard(request: Request, allowed: tuple[str, ...] = ALLOWED_ROLES):
    """(principal, None) or (None, the response that refuses)."""
    lang = _lang(request)
    st = request.app.state
    try:
        principal = await run_in_threadpool(auth.authenticate, st.engine, st.settings, request.cookies.get(COOKIE))
    except (NotAuthenticated, SessionExpired):
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        else:  # an action is never redone after signing in: back to its page, which says it was not done
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                lang = (await _form(request)).get("lang", lang)
                lang = lang if lang in LANGUAGES else "es"
            target = action_page(request.url.path) + "?notice=expired"
        return None, RedirectResponse("/exchange/login" + _q(lang, next=target), status_code=303, headers=HEADERS)
    try:
        auth.require_role(principal, *allowed)
        if principal.role in ALLOWED_ROLES:
            web_session.remember_idle(request, "/exchange")  # the page this request renders warns
        return principal, None
    except RoleForbidden as err:  # signed in, but not for this: the page still offers to sign out
        if principal.role == "auditor" and request.method in ("GET", "HEAD") \
                and audit.route_template(request.scope) == "/exchange/":  # their landing: the audit log
            return None, RedirectResponse("/exchange/audit" + _q(lang), status_code=303, headers=HEADERS)
        if not _analysts_landing(request, principal):
            await run_in_threadpool(audit_wrong_role, request, principal)
        # an administrator or auditor reads what this site is for and where their own work is
        message = t("exchange.page.refused_role", lang, role=t("role." + principal.role, lang)) \
            if principal.role in ELSEWHERE else describe_error(err, lang)
        return None, render("error.html", lang, 403, message=message, principal=principal,
                            htcds_k=HTCDS_K if principal.role == "analyst" else None,
                            htcds_all=principal.institution is None)  # a national analyst gets every institution's


async def wrong_address(request: Request, status: int) -> HTMLResponse:
    """An address under /exchange that no page has (or a method it does not take): a page
    that says so, Spanish first, never the API's JSON; with the header of whoever is signed in."""
    lang = _lang(request)
    st = request.app.state
    try:
        who = await run_in_threadpool(auth.authenticate, st.engine, st.settings, request.cookies.get(COOKIE))
    except IntakeError:
        who = None
    if who is not None and who.role in ALLOWED_ROLES:
        web_session.remember_idle(request, "/exchange")
    back = ("/exchange/", "server.page.back_exchange") if who is None or who.role in ALLOWED_ROLES \
        else ("/", "server.page.back_home")  # /exchange/ would only refuse them
    return render("error.html", lang, status, principal=who, heading=t("server.page.not_found", lang),
                  message=t("server.page.no_such_address", lang), back=(back[0] + _q(lang), t(back[1], lang)))


def landing(request: Request) -> HTMLResponse:
    """``GET /``: the two sites' addresses, in words (no data, no sign-in)."""
    return render("landing.html", _lang(request))


def row_id(text: str) -> int | None:
    """A row id typed in an address (1 … ID_MAX), or None: "0", "abc" or 30 digits are no row."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= ID_MAX \
        else None


def not_ready(err: IntakeError, lang: str, who) -> HTMLResponse:
    """A page that cannot be shown yet (the server's exchange set-up is not finished): the
    worded reason and what to do, as a page, never the API's JSON."""
    return render("error.html", lang, getattr(err, "status", 409), message=describe_error(err, lang),
                  principal=who, heading=t("exchange.page.not_ready", lang))


def _not_octet(request: Request, lang: str) -> JSONResponse | None:
    """415 unless the body is sent as the import page's script sends it (the package file's
    bytes, application/octet-stream): a plain HTML form (text/plain, form-encoded) cannot
    reach the inspect and import answers."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == OCTET:
        return None
    return JSONResponse({"ok": False, "message": describe_error(UnsupportedContentType(expected=OCTET), lang)},
                        status_code=415, headers=HEADERS)


def done(lang: str, page: str = "/exchange/", **msg) -> RedirectResponse:
    return RedirectResponse(page + _q(lang, **msg), status_code=303, headers=HEADERS)


def _landing(st, token: str, nxt: str) -> str:
    """Where a supervisor who signed in to ``/exchange/`` lands: the outgoing packages, or,
    while the server's exchange identity is not set (the packages page would only say so),
    the incoming cases, which work meanwhile."""
    from .errors import IdentityNotSet
    from .registry import self_key

    try:
        role = auth.authenticate(st.engine, st.settings, token).role
        if role == "auditor":  # the audit log, their page on this site
            return "/exchange/audit" + nxt[len("/exchange/"):]
        if role not in ALLOWED_ROLES:
            return nxt  # an analyst's landing says where their downloads are
        with st.engine.connect() as conn:
            self_key(conn)
    except IdentityNotSet:
        return "/exchange/cases" + nxt[len("/exchange/"):]  # its query (?lang=en) kept
    except IntakeError:  # the database: the page it goes to says so
        pass
    return nxt


def form_lang(form: dict[str, str]) -> str:
    return form["lang"] if form.get("lang") in LANGUAGES else "es"


def router() -> APIRouter:
    r = APIRouter(prefix="/exchange", include_in_schema=False)

    @r.get("/static/exchange.js")
    async def _js():
        return FileResponse(STATIC_JS, media_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"})

    @r.get("/login")
    async def _login_form(request: Request):
        lang = _lang(request)
        return render("login.html", lang, next=_safe_next(request.query_params.get("next", "/exchange/")),
                      error=None, principal=None, expired=await web_session.session_expired(request, COOKIE))

    @r.post("/login")
    async def _login(request: Request):
        form = await _form(request)
        lang = form_lang(form)
        nxt = _safe_next(form.get("next", "/exchange/"))
        try:
            token = await web_session.sign_in(request, form)
        except IntakeError as err:
            return render("login.html", lang, 401, next=nxt, error=describe_error(err, lang), principal=None)
        if nxt.split("?")[0] == "/exchange/":
            nxt = await run_in_threadpool(_landing, request.app.state, token, nxt)
        return web_session.signed_in(request, token, nxt, cookie=COOKIE, path="/exchange", headers=HEADERS, lang=lang)

    @r.post("/logout")
    async def _logout(request: Request):
        return await web_session.sign_out(request, cookie=COOKIE, path="/exchange", headers=HEADERS)

    # the idle warning's "how long is left" and "keep working" (static/idle.js)
    web_session.add_idle_routes(r, cookie=COOKIE, roles=ALLOWED_ROLES, headers=HEADERS)

    @r.get("/htcds.{fmt}")
    async def _htcds(request: Request, fmt: str):
        """HTCDS 2.0 export of the caller's institution's cases (``?k=11``: the k-anonymized variant).
        Analysts get only the k-anonymized variant: record-level rows with exact dates, nationality
        and post re-identify people even without a name."""
        who, refused = await guard(request, HTCDS_ROLES)
        if refused:
            return refused
        if fmt not in ("csv", "json"):
            return render("error.html", _lang(request), 404, principal=who,
                          message=describe_error(NotFound(), _lang(request)))
        k = HTCDS_K if request.query_params.get("k") == str(HTCDS_K) or who.role == "analyst" else None
        engine = request.app.state.engine

        def run():
            data, summary = export_htcds(engine, fmt, k=k, institution=who.institution)
            with transaction(engine) as conn:
                audit.append(conn, who.actor, "htcds_export", None, format=fmt, k=k, cases=summary["cases"],
                             released=summary.get("released", summary["cases"]))
            return data

        data = await run_in_threadpool(run)
        name = f"htcds{'-k' + str(k) if k else ''}.{fmt}"
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Response(data, media_type=media,
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    @r.get("/received")
    async def _received(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        engine = request.app.state.engine
        try:
            packages = await run_in_threadpool(lambda: incoming.list_received(engine, institution=who.institution))
            records = await run_in_threadpool(lambda: incoming.list_received_cases(engine,
                                                                                   institution=who.institution))
        except IntakeError as err:
            return not_ready(err, lang, who)
        cb = load_codebook()
        return render("received.html", lang, principal=who, packages=packages, records=records,
                      registry=load_registry().recipients,
                      purposes=cb.vocab("consent_purposes"), bases=cb.vocab("legal_bases"),
                      message=_message(request, lang))

    @r.post("/received/inspect")
    async def _inspect(request: Request):
        """The manifest of an uploaded package (raw bytes), read before importing."""
        who, refused = await guard(request)
        if refused:
            return refused
        if (wrong := _not_octet(request, _lang(request))) is not None:
            return wrong
        data = (await request.body())[:MAX_PACKAGE]
        try:
            await run_in_threadpool(incoming.check_may_receive, request.app.state.engine, who.institution)
            m = incoming.inspect(data)
        except IntakeError as err:
            return {"ok": False, "message": describe_error(err, _lang(request))}
        return {"ok": True, "manifest": {k: v for k, v in m.to_json().items() if k != "payload_sha256"},
                "shown": manifest_rows(m, _lang(request))}

    @r.post("/received/import")
    async def _import(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        if (wrong := _not_octet(request, lang)) is not None:
            return wrong
        data = (await request.body())[:MAX_PACKAGE]
        st = request.app.state
        try:
            res = await run_in_threadpool(lambda: incoming.import_package(st.engine, st.keystore, data,
                                                                          actor=who.actor, institution=who.institution))
        except IntakeError as err:
            if isinstance(err, PackageAlreadyReceived):  # when, as the pages write a time
                err.params["received_at"] = utc_time_iso(str(err.params.get("received_at", "")))
            return {"ok": False, "message": describe_error(err, lang)}
        message = imported_words(res, lang)
        if res.dropped:  # an older sender still sends fields withheld with a withheld one (docs/exchange.md)
            message += " " + t("exchange.imported_withheld_dropped", lang, dropped=group(res.dropped, lang))
        return {"ok": True, "message": message}

    @r.get("/received/{record}")
    async def _record(request: Request, record: str):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        record_id = row_id(record)
        if record_id is None:  # "abc", "0": a page that says so, never the API's JSON
            number = record.isascii() and record.isdigit() and len(record) <= 19  # never echo 30 digits
            err = ReceivedCaseUnknown(record_id=record) if number else NotFound()
            return render("error.html", lang, 404, message=describe_error(err, lang), principal=who)
        try:
            rec = await run_in_threadpool(lambda: incoming.open_received_case(request.app.state.engine, record_id,
                                                                              actor=who.actor,
                                                                              institution=who.institution))
        except IntakeError as err:
            return render("error.html", lang, 410 if err.code.endswith("withdrawn") else 404,
                          message=describe_error(err, lang), principal=who)
        cb = load_codebook(rec["codebook_version"])
        rows = []
        order = [f for sec in cb.sections for f in sec.fields] + list(cb.derived)
        for fdef in order:  # codebook order: identity first, as on the form
            if fdef.key in rec["content"]:
                value = rec["content"][fdef.key]
                shown = cb.value_label(fdef, value, lang) if fdef.type != "repeat" else str(len(value))
                rows.append((fdef.label(lang), shown))
        basis = rec["basis"]
        basis_label = cb.vocab("legal_bases").label(basis, lang) if basis in cb.vocab("legal_bases") \
            else t("exchange.page.basis_consent", lang)
        return render("record.html", lang, principal=who, rec=rec, rows=rows, basis=basis_label,
                      purpose=cb.vocab("consent_purposes").label(rec["purpose"], lang),
                      sender=load_registry().recipients.get(rec["sender_key"]))

    from .audit_web import add_audit_page  # the audit log, for auditors and administrators
    from .cases_web import add_case_pages  # the incoming cases and conflicts, on this same site
    from .outgoing_web import add_outgoing_pages  # the outgoing packages and their forms
    from .print_web import add_print_page  # checking a printed summary's QR
    from .received_tables import add_received_tables_page  # a received aggregate package's tables

    add_outgoing_pages(r)
    add_case_pages(r)
    add_print_page(r)
    add_received_tables_page(r)
    add_audit_page(r)
    return r


def _params(err: IntakeError) -> dict:
    """The error's parameters for the address of the page that words it: codes and ids
    only (a name pasted into the cases box must not end up in the browser's history)."""
    out = {k: plain_param(v) for k, v in err.params.items() if isinstance(v, (str, int))}
    if "case_id" in out and not CASE_ID.fullmatch(str(out["case_id"])):
        out["case_id"] = "?"  # a word of a pasted name is not a case id
    return out


def _message(request: Request, lang: str) -> dict | None:
    """The outcome of the last action, worded from codes in the address (never free text)."""
    q = request.query_params
    if q.get("notice") == "expired":  # signed in again after a session ran out mid-action
        return {"kind": "error", "text": t("server.session_action_not_done", lang)}
    if q.get("notice") == "signed_out":  # the same, signed out meanwhile (another tab): web_session.signed_in
        return {"kind": "error", "text": t("review.page.notice_signed_out", lang)}
    if q.get("error"):
        code = re.sub(r"[^a-z_]", "", q["error"])[:60]
        if "error." + code not in catalog("es"):  # an address typed by hand: no "error.foo" on the page
            return {"kind": "error", "text": t("exchange.page.error_unknown", lang)}
        # plain values only (codes and ids): a sentence typed into the address ("call +506 …
        # to unlock") is never worded into the app's own error box
        params = {k: v[:80] for k, v in q.items() if k not in ("error", "lang") and PLAIN.fullmatch(v[:80])}
        # a value left out (empty, or not plain) reads "?", never "{recipient}"
        params.update({name: "?" for name in placeholders(t("error." + code, lang)) if name not in params})
        # registry keys, purposes and kinds in words (the address keeps the codes)
        return {"kind": "error", "text": describe_code(code, error_params(code, params, lang), lang)}
    ok = q.get("ok")
    if ok == "repeated":  # the same form sent twice: done once
        return {"kind": "hint", "text": t("exchange.page.ok_repeated", lang)}
    if ok not in ("prepared", "approved", "cancelled", "withdrawals", "reviewed", "resolved"):
        return None
    # the same care for a success: a package id as this server makes them, a small count;
    # "package=Llame al +506 …" typed into an address gets no box in the app's own voice
    package, count = q.get("package", ""), q.get("count", "0")
    if ok in ("prepared", "approved", "cancelled") and not PACKAGE_ID.fullmatch(package):
        return None
    if ok == "withdrawals" and not COUNT.fullmatch(count):
        return None
    return {"kind": "ok", "text": t("exchange.page.ok_" + ok, lang, package=package, count=count)}
