"""The supervisor's incoming cases and conflicts, on the supervisor's site (/exchange).

Same sign-in, role check and headers as the exchange pages (``web.py``); the rules and
the audit are ``review.py``'s, shared with the JSON API. The list shows no identity
field; opening a case or a conflict is audited. A conflict shows the two versions side
by side, the differing answers first, and the supervisor keeps one (nothing is deleted).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ...codebook import load_codebook
from ...codebook.present import present
from ...errors import IntakeError
from ...i18n import LANGUAGES, describe_error, t
from ...screening import describe, screen
from ...timefmt import utc_time_iso
from .. import review
from ..errors import ConflictNotFound
from .web import _form, _lang, _message, done, guard, render, row_id

STATES = ("new", "reviewed", "all")
PAGE = 50
MAX_PAGE = 100_000  # pages of 50: far past any real list


def _case_id(typed: str) -> str | None:
    """A case id as a person may type it (lower case, spaces, no dashes) in its one spelling."""
    raw = re.sub(r"[\s-]", "", typed.upper())
    if len(raw) != 12 or not raw.isalnum() or not raw.isascii():
        return None
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _labelled(cb, content: Mapping[str, Any], lang: str) -> dict[str, str]:
    """{field label: value text} in codebook order (repeats as one line per item)."""
    return {label: value for _, rows in present(cb, content, lang) for label, value in rows}


def _page_message(request: Request, lang: str) -> dict | None:
    """The outcome words of these pages' own notices, else those every exchange page knows."""
    notice = request.query_params.get("notice")
    if notice in ("changed", "signed_out"):  # a case changed under the review; signed out (another tab)
        return {"kind": "error", "text": t("review.page.notice_" + notice, lang)}
    return _message(request, lang)


def _already_resolved(request: Request, who, lang: str, done_: dict):
    """A conflict resolved meanwhile (another tab, Back, another supervisor): by whom, when,
    which version stayed, and the way back to its case; not a bare "not found". One the server
    closed because a newer version made on top of it arrived (``superseded``) says so, and
    links to the open conflict that took its place, if there is one."""
    at = done_["at"].strftime("%d/%m/%Y %H:%M UTC") if done_["at"] else "?"
    if done_["resolution"] == "superseded":
        text = t("review.page.already_superseded", lang, at=at)
    else:
        text = t("review.page.already_resolved", lang, who=done_["by"] or "?", at=at,
                 kept=t("review.page.resolved_" + (done_["resolution"] or "kept_head"), lang))
    return render("conflict.html", lang, 200 if request.method in ("GET", "HEAD") else 409, principal=who,
                  c={"id": done_["id"], "case_id": done_["case_id"]}, resolved=text,
                  replaced_by=done_.get("replaced_by"),
                  other_href=f"/exchange/conflicts/{done_['id']}?lang={'es' if lang == 'en' else 'en'}")


async def _attempt(request: Request, who, lang: str, fn, *args):
    """(``fn(engine, who, *args)``, None), or (None, the page that says why it was refused)."""
    try:
        return await run_in_threadpool(fn, request.app.state.engine, who, *args), None
    except IntakeError as err:
        if getattr(err, "resolved", None):
            return None, _already_resolved(request, who, lang, err.resolved)
        return None, render("error.html", lang, 404, message=describe_error(err, lang), principal=who)


async def _signed_in_run(request: Request, fn, *args, lang_from_form: bool = False):
    """The sign-in and role check, the page's language, then ``fn(engine, who, *args)``:
    (who, lang, result, None), or (…, the response that refuses). An argument that is None
    (a row id that is no number) is refused as not found, on a page."""
    who, refused = await guard(request)
    if refused:
        return None, "es", None, refused
    lang = (await _form(request)).get("lang", "es") if lang_from_form else _lang(request)
    lang = lang if lang in LANGUAGES else "es"
    if None in args:
        return who, lang, None, render("error.html", lang, 404, principal=who,
                                       message=describe_error(ConflictNotFound(), lang))
    result, refused = await _attempt(request, who, lang, fn, *args)
    return who, lang, result, refused


def add_case_pages(r: APIRouter) -> None:
    @r.get("/cases")
    async def _cases(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        state = request.query_params.get("state", "new")
        state = state if state in STATES else "new"
        raw = request.query_params.get("page", "0")
        page = min(int(raw), MAX_PAGE) if raw.isdigit() and len(raw) < 8 else 0
        conflicted = request.query_params.get("conflicts") == "open"  # the banner's link: those cases only
        if conflicted:
            state = "all"
        engine = request.app.state.engine
        rows = await run_in_threadpool(review.list_incoming, engine, who, state, PAGE + 1, page * PAGE, conflicted)
        conflicts = await run_in_threadpool(review.list_conflicts, engine, who)
        cb = load_codebook()
        message = _page_message(request, lang)
        if request.query_params.get("goto") == "invalid":
            message = {"kind": "error", "text": t("review.page.goto_invalid", lang)}
        return render("cases.html", lang, principal=who, rows=rows[:PAGE], more=len(rows) > PAGE, page=page,
                      state=state, states=STATES, open_conflicts=len(conflicts), conflicted=conflicted,
                      posts=cb.vocab("border_posts"), institutions=cb.vocab("institutions"), message=message)

    @r.post("/cases/goto")
    async def _goto(request: Request):
        """"Go to case": by POST, so what was typed (perhaps a name) never enters an address."""
        who, refused = await guard(request)
        if refused:
            return refused
        form = await _form(request)
        lang = form.get("lang") if form.get("lang") in LANGUAGES else "es"
        wanted = _case_id(form.get("case", ""))
        if wanted:  # a case out of scope answers 404 there
            return done(lang, f"/exchange/cases/{wanted}")
        return done(lang, "/exchange/cases", goto="invalid")

    @r.get("/cases/{case_id}")
    async def _case(request: Request, case_id: str):
        who, lang, case, refused = await _signed_in_run(request, review.view_case, case_id)
        if refused:
            return refused
        cb = load_codebook(case["codebook_version"])
        case["history"] = [{**h, "saved": utc_time_iso(h["created_at"])} for h in case["history"]]
        return render("case.html", lang, principal=who, case=case,
                      sections=list(present(cb, case["content"], lang)),
                      screening=describe(cb, screen(cb, case["content"]), lang), message=_page_message(request, lang))

    @r.post("/cases/{case_id}/review")
    async def _review(request: Request, case_id: str):
        """Marks reviewed the version the page showed (its head, in the form): if another
        arrived meanwhile, nothing is marked and the case page shows the new one and says so."""
        seen = (await _form(request)).get("revision", "")[:64]  # no field: no version seen, nothing marked
        _, lang, result, refused = await _signed_in_run(request, review.mark_reviewed, case_id, seen,
                                                        lang_from_form=True)
        if refused:
            return refused
        if result == "changed":
            return done(lang, f"/exchange/cases/{case_id}", notice="changed")
        return done(lang, f"/exchange/cases/{case_id}", ok="reviewed")  # "already": the first mark stands

    @r.get("/conflicts/{conflict}")
    async def _conflict(request: Request, conflict: str):
        who, lang, c, refused = await _signed_in_run(request, review.conflict_versions, row_id(conflict))
        if refused:
            return refused
        posts = load_codebook().vocab("border_posts")
        for side in ("head", "incoming"):  # each version named by its laptop's post, when the server knows it
            v = c[side]
            v["saved"] = utc_time_iso(v["created_at"])
            v["post_label"] = posts.label(v["post"], lang) if v["post"] in posts else v["post"]
        head = _labelled(load_codebook(c["head"]["codebook_version"]), c["head"]["content"], lang)
        incoming = _labelled(load_codebook(c["incoming"]["codebook_version"]), c["incoming"]["content"], lang)
        labels = list(dict.fromkeys([*head, *incoming]))
        rows = [(label, head.get(label, ""), incoming.get(label, "")) for label in labels]
        differ = [row for row in rows if row[1] != row[2]]
        same = [row for row in rows if row[1] == row[2]]
        return render("conflict.html", lang, principal=who, c=c, differ=differ, same=same,
                      message=_page_message(request, lang))

    @r.post("/conflicts/{conflict}/resolve")
    async def _resolve(request: Request, conflict: str):
        who, refused = await guard(request)
        if refused:
            return refused
        form = await _form(request)
        lang = form.get("lang") if form.get("lang") in LANGUAGES else "es"
        conflict_id = row_id(conflict)
        if conflict_id is None:
            return render("error.html", lang, 404, message=describe_error(ConflictNotFound(), lang), principal=who)
        keep, case_id = form.get("keep"), form.get("case_id", "")
        if keep not in ("head", "incoming"):
            return done(lang, f"/exchange/conflicts/{conflict_id}")
        _, refused = await _attempt(request, who, lang, review.resolve_conflict, conflict_id, keep)
        if refused:
            return refused
        target = f"/exchange/cases/{case_id}" if case_id.replace("-", "").isalnum() else "/exchange/cases"
        return done(lang, target, ok="resolved")
