"""The supervisor's page for checking a printed summary at the office (/exchange/verify-print).

A receiving institution calls with a paper in hand; the supervisor scans its QR (a QR
reader types the text into the box) and reads the answer. The rules are
``print_check.py``'s, shared with ``intake-server verify-print``; the code travels in a
POST, never in the address, and every check is audited. A refused code answers with a
redirect to the page (POST, redirect, GET) whose address holds the refusal's code and its
plain parameters only (a case id, a problem code): what was typed, perhaps a name typed
into the wrong box, is in no address and in no page that answers a POST, whose body the
browser keeps in its profile for session restore.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ...errors import IntakeError
from ...i18n import LANGUAGES
from ...printing import describe_print_error
from ...printing.errors import PrintCodeInvalid, PrintCodeMalformed
from ..print_check import PrintNeedsQr, PrintNotReceived, check_print, describe
from ..review import CASE_ID
from .web import PLAIN, _form, _lang, _message, _params, done, guard, render

MAX_TEXT = 400  # a QR text is 197 characters
PAGE = "/exchange/verify-print"
REFUSALS = {e.code: e for e in (PrintCodeMalformed, PrintCodeInvalid, PrintNeedsQr, PrintNotReceived)}


def refusal_shown(query) -> IntakeError | None:
    """The refusal a page's address names (``?error=print_…``), rebuilt from its checked
    parameters (an address can be typed by hand: a case that is no case id reads "?"), or
    None: no refusal of a code, or one ``web._message`` words."""
    kind = REFUSALS.get(query.get("error", ""))
    if kind is None:
        return None
    case = query.get("case", "")
    problem = query.get("problem", "")
    params = {"case": case if CASE_ID.fullmatch(case) else "?",
              "problem": problem if PLAIN.fullmatch(problem) else "format", "known": int(query.get("known") == "1")}
    return kind(**params)


def add_print_page(r: APIRouter) -> None:
    @r.get("/verify-print")
    async def _form_page(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        err = refusal_shown(request.query_params)
        if err is not None:  # the last check's refusal, worded as the check words it
            return render("verify_print.html", lang, principal=who, message=None,
                          result={"kind": "error", "text": describe_print_error(err, lang)})
        return render("verify_print.html", lang, principal=who, result=None, message=_message(request, lang))

    @r.post("/verify-print")
    async def _check(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        form = await _form(request)
        lang = form.get("lang") if form.get("lang") in LANGUAGES else "es"
        code = form.get("code", "")[:MAX_TEXT]
        engine = request.app.state.engine
        try:
            check = await run_in_threadpool(lambda: check_print(engine, code, actor=who.actor))
        except IntakeError as err:  # back to the page, the refusal in its address: codes and a case id only
            return done(lang, PAGE, error=err.code, **_params(err))
        return render("verify_print.html", lang, principal=who,
                      result={"kind": "ok" if check.current else "due", "text": describe(check, lang)})
