"""The supervisor's page for checking a printed summary at the office (/exchange/verify-print).

A receiving institution calls with a paper in hand; the supervisor scans its QR (a QR
reader types the text into the box) and reads the answer. The rules are
``print_check.py``'s, shared with ``intake-server verify-print``; the code travels in a
POST, never in the address, and every check is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ...errors import IntakeError
from ...i18n import LANGUAGES
from ...printing import describe_print_error
from ..print_check import check_print, describe
from .web import _form, _lang, _message, guard, render

MAX_TEXT = 400  # a QR text is 197 characters


def add_print_page(r: APIRouter) -> None:
    @r.get("/verify-print")
    async def _form_page(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
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
        except IntakeError as err:
            return render("verify_print.html", lang, 422, principal=who,
                          result={"kind": "error", "text": describe_print_error(err, lang)})
        return render("verify_print.html", lang, principal=who,
                      result={"kind": "ok" if check.current else "due", "text": describe(check, lang)})
