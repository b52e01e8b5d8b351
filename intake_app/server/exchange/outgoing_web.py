"""The supervisor's outgoing packages page (``/exchange/``) and its forms: prepare a
referral or an aggregate package, approve, cancel, download, make withdrawal notices.

A refused form answers, like a success, with a redirect to the list (POST, redirect, GET;
:func:`refused_address`): the address holds the refusal's code and plain parameters, the
field it is about, and of what was typed only codes and the case ids this server holds for
the supervisor's institution, so the page shows the reason next to that field and the ids
stay in their box. Nothing else typed (a name pasted into the cases box, a 12-digit document
number, which has a case id's shape once dashed) travels: never in an address, and never in a page that
answers a POST, whose body and form state the browser keeps in its profile for session
restore. Each rendered form carries a one-time token, so the same form sent twice is done
once (:func:`first_post`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Collection

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ...cli.common import normalize_case_id
from ...codebook import load_codebook
from ...errors import IntakeError
from ...i18n import t
from .. import auth
from ..db import transaction
from ..models import Case, CaseFacts, FormToken
from ..review import CASE_ID
from . import outgoing
from .aggregate import normalize_period
from .errors import NoCases, RecipientMissing
from .registry import list_peers, load_registry, referral_purposes, self_entry
from .web import HEADERS, PLAIN, _form, _lang, _message, _params, done, form_lang, guard, not_ready, render

# a used token's key: 59 hex digits of its SHA-256, as the tokens migration 0010 moved from
# ``sessions`` were keyed, so a form sent before that upgrade and again after is done once
TOKEN_HASH_HEX = 59
FORM_TOKENS_KEPT = timedelta(days=1)  # a used token's row: a resend comes within seconds, a day is ample
KEPT_IDS = 200  # held case ids a refusal's address keeps (about 3 KB: under any proxy's limit)
BOXES = ("target", "cases", "recipient", "period")  # the fields a refusal can be about (``box=``)
SPLIT = re.compile(r"[\s,;]+")  # case ids are separated as the box's label says
# a period's shape (in its code spelling: 2026, 2026-Q3, 2026-Q1..2026-Q3, or a wrong one such as
# 2026-13): what a refusal's address may keep of the period box, never a word or a document number
PERIOD_SHAPE = re.compile(r"[0-9]{4}(-[0-9A-Z]{1,2})?(\.\.[0-9]{4}(-[0-9A-Z]{1,2})?)?", re.ASCII)
tokens_t = FormToken.__table__
cases_t, facts_t = Case.__table__, CaseFacts.__table__


def first_post(engine, who, form: dict[str, str]) -> str | None:
    """The used token's key if this is the first POST of a rendered form (its hidden
    ``form_token``; "" for a POST without one, a script's, which has nothing to compare
    with), None for a second one (a double click, a resend on a slow link): not done again.
    The used token is a row of ``form_tokens`` (its hash, who, when): the database's primary
    key decides, across every server process. The same transaction removes the rows used
    over a day ago, so the table does not grow for ever."""
    if not form.get("form_token"):
        return ""
    key = hashlib.sha256(form["form_token"][:100].encode()).hexdigest()[:TOKEN_HASH_HEX]
    now = auth.utcnow()
    try:
        with transaction(engine) as conn:
            conn.execute(tokens_t.insert().values(token_hash=key, user_id=who.user_id, used_at=now))
            # rows another process is removing right now are skipped (PostgreSQL), never waited for
            old = select(tokens_t.c.token_hash).where(tokens_t.c.used_at < now - FORM_TOKENS_KEPT)
            conn.execute(tokens_t.delete().where(tokens_t.c.token_hash.in_(old.with_for_update(skip_locked=True))))
    except IntegrityError:
        return None
    return key


def _forget_post(engine, key: str) -> None:
    with transaction(engine) as conn:
        conn.execute(tokens_t.delete().where(tokens_t.c.token_hash == key))


class FormOnce:
    """``async with FormOnce(request, who) as post``: ``post.form``, ``post.lang``, and
    ``post.repeated`` (the answer for a form already sent, else None). The token stays used
    only when the handler says the work was done (``post.done()``): a refused form, or one
    that failed, sent again is looked at again, never answered "already sent"."""

    def __init__(self, request: Request, who) -> None:
        self.request, self.who = request, who
        self.key, self.kept, self.repeated = "", False, None

    async def __aenter__(self) -> "FormOnce":
        self.form = await _form(self.request)
        self.lang = form_lang(self.form)
        key = await run_in_threadpool(first_post, self.request.app.state.engine, self.who, self.form)
        if key is None:
            self.repeated = done(self.lang, ok="repeated")
        else:
            self.key = key
        return self

    def done(self) -> None:
        self.kept = True

    async def __aexit__(self, *exc) -> None:
        if self.key and not self.kept:
            await run_in_threadpool(_forget_post, self.request.app.state.engine, self.key)


def add_outgoing_pages(r: APIRouter) -> None:
    @r.get("/")
    async def _packages(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        lang = _lang(request)
        refusal = refused_form(request.query_params, _message(request, lang))  # after a refused form: its state
        return await packages_page(request, who, lang, **refusal)

    @r.post("/prepare")
    async def _prepare(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        async with FormOnce(request, who) as post:
            return post.repeated or await _prepared(request, who, post)

    async def _prepared(request: Request, who, post: FormOnce):
        form, lang = post.form, post.lang
        engine = request.app.state.engine
        if form.get("target"):  # the referral form's one choice of recipient and purpose: "pa_uia:services"
            form["recipient"], _, form["purpose"] = form["target"].partition(":")
        try:
            if not form.get("recipient"):  # an empty list: no institution's keys imported yet
                raise RecipientMissing()
            if "period" in form:  # the aggregate form (an empty period is refused as a period)
                pkg = await run_in_threadpool(lambda: outgoing.prepare_aggregate(
                    engine, form.get("recipient", ""), form["period"], actor=who.actor, institution=who.institution,
                    role=who.role))
            else:  # ids as the laptop's CLI takes them: any case, with or without dashes
                cases = [normalize_case_id(c) for c in SPLIT.split(form.get("cases", "")) if c]
                pkg = await run_in_threadpool(lambda: outgoing.prepare_referral(
                    engine, form.get("recipient", ""), form.get("purpose", ""), cases[:outgoing.MAX_CASES],
                    actor=who.actor, institution=who.institution, role=who.role))
        except IntakeError as err:  # the list again, the reason next to its field: codes and held ids only
            typed = [] if "period" in form else _typed_ids(form)
            held = await run_in_threadpool(held_case_ids, engine, typed, who.institution)
            return done(lang, **refused_address(form, err, held))
        post.done()
        return done(lang, ok="prepared", package=pkg.package_id)

    @r.post("/packages/{package_id}/approve")
    async def _approve(request: Request, package_id: str):
        who, refused = await guard(request)
        if refused:
            return refused
        st = request.app.state
        return await _package_step(request, who, package_id, "approved", lambda pid: outgoing.approve(
            st.engine, st.keystore, pid, approver=who.actor, approver_role=who.role, institution=who.institution))

    @r.post("/packages/{package_id}/cancel")
    async def _cancel(request: Request, package_id: str):
        """What ``exchange cancel`` does: a package not sent yet is dropped (its sealed data
        erased); the cases stay and can be prepared again."""
        who, refused = await guard(request)
        if refused:
            return refused
        engine = request.app.state.engine
        return await _package_step(request, who, package_id, "cancelled", lambda pid: outgoing.cancel(
            engine, pid, actor=who.actor, institution=who.institution))

    @r.post("/packages/{package_id}/file")
    async def _download(request: Request, package_id: str):
        """A POST, not a link: downloading marks the package sent (a state change)."""
        who, refused = await guard(request)
        if refused:
            return refused
        lang = form_lang(await _form(request))
        try:
            data = await run_in_threadpool(lambda: outgoing.export(request.app.state.engine, package_id[:40],
                                                                   actor=who.actor, institution=who.institution))
        except IntakeError as err:
            return done(lang, error=err.code, **_params(err))
        return Response(data, media_type="application/octet-stream",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{package_id[:40]}.intake-exchange"'})

    @r.post("/withdrawals")
    async def _withdrawals(request: Request):
        who, refused = await guard(request)
        if refused:
            return refused
        st = request.app.state
        async with FormOnce(request, who) as post:
            if post.repeated:
                return post.repeated
            made = await run_in_threadpool(lambda: outgoing.prepare_withdrawals(st.engine, st.keystore,
                                                                                actor=who.actor,
                                                                                institution=who.institution))
            post.done()
            return done(post.lang, ok="withdrawals", count=len(made))


async def _package_step(request: Request, who, package_id: str, ok: str, step) -> Response:
    """Approve or cancel: ``step(package_id)`` once per form sent, then back to the list
    saying what was done, or why not."""
    async with FormOnce(request, who) as post:
        if post.repeated:
            return post.repeated
        try:
            await run_in_threadpool(step, package_id[:40])
        except IntakeError as err:
            return done(post.lang, error=err.code, **_params(err))
        post.done()
        return done(post.lang, ok=ok, package=package_id[:40])


async def packages_page(request: Request, who, lang: str, typed: dict | None = None,
                        invalid: tuple[str, str] | None = None, left_out: int = 0) -> HTMLResponse:
    """The outgoing packages page; after a refused form (:func:`refused_form`), that form
    again with what its address kept (``typed``: codes and case ids), ``invalid`` (the
    field's name, the reason in words) shown next to that field, and ``left_out``: how many
    other words typed into the cases box were not kept."""
    engine = request.app.state.engine
    try:
        packages = await run_in_threadpool(lambda: outgoing.list_packages(engine, institution=who.institution))
        peers = await run_in_threadpool(list_peers, engine)
        due = await run_in_threadpool(outgoing.due_withdrawals, engine, who.institution)
        me = await run_in_threadpool(self_entry, engine)
    except IntakeError as err:  # e.g. right after init: no exchange identity yet
        return not_ready(err, lang, who)
    recipients = [rec for rec in load_registry() if rec.key in peers]
    due_cases = len({case_id for items in due.values() for case_id, _ in items})
    # each recipient with the purposes a sharing profile covers from this country: never one
    # that every case would be refused for (no_profile)
    targets = [(rec, ps) for rec in recipients if (ps := referral_purposes(rec, me.country))]
    return render("packages.html", lang, principal=who, packages=packages, referral_to=targets,
                  aggregate_to=[rec for rec in recipients if "aggregate" in rec.kinds],
                  due_cases=due_cases, due_recipients=len(due),
                  registry=load_registry().recipients, purposes=load_codebook().vocab("consent_purposes"),
                  message=None if invalid else _message(request, lang), typed=typed or {},
                  invalid=dict([invalid]) if invalid else {}, left_out=left_out, kept_ids=KEPT_IDS)


def _typed_ids(form: dict[str, str]) -> list[str]:
    """The cases box's words that have a case id's shape once normalized, each once, in order."""
    words = (normalize_case_id(w) for w in SPLIT.split(form.get("cases", "")) if w)
    return list(dict.fromkeys(c for c in words if CASE_ID.fullmatch(c)))[:outgoing.MAX_CASES]


def held_case_ids(engine, ids: list[str], institution: str | None) -> set[str]:
    """Which of ``ids`` are cases this server holds for ``institution`` (all of them: None),
    in one query. A document number has a case id's shape too: only a case held is an id
    that may travel in an address. Nothing when the database cannot say (the refusal stands)."""
    if not ids:
        return set()
    q = select(cases_t.c.case_id).where(cases_t.c.case_id.in_(ids))
    if institution is not None:  # a supervisor sees the cases of their own institution only
        q = q.join(facts_t, facts_t.c.case_id == cases_t.c.case_id).where(facts_t.c.institution == institution)
    try:
        with engine.connect() as conn:
            return {row.case_id for row in conn.execute(q)}
    except Exception:  # noqa: BLE001  (the refused form keeps no id then)
        return set()


def refused_address(form: dict[str, str], err: IntakeError, held: Collection[str] = frozenset()) -> dict[str, str]:
    """What a refused prepare form's redirect carries (:func:`web.done`): the refusal's code
    and plain parameters (:func:`web._params`), ``box``: the field it is about, and of what
    was typed only what is no free text: the recipient choice (a code), a period in its code
    spelling if it has a period's shape (else "?"), the case ids among ``held`` (the cases
    this server holds for the supervisor's institution, :func:`held_case_ids`; up to
    ``KEPT_IDS``, ``ids``) and how many other words were not kept (``left_out``). The
    refusal's ``case_id`` too only when held: a case unknown reads "?" (a document number
    typed by mistake has a case id's shape)."""
    out = {"error": err.code, "box": _field(form, err)}
    period = None
    if "period" in form:
        period = normalize_period(form["period"])[:40]
        period = period if PERIOD_SHAPE.fullmatch(period) else "?"  # "?": left out
        kept = {"recipient": form.get("recipient", ""), "period": period}
    else:
        kept = {"target": form.get("target") or (f"{form['recipient']}:{form.get('purpose', '')}"
                                                 if form.get("recipient") else "")}
        words = [w for w in SPLIT.split(form.get("cases", "")) if w]
        ids = [c for c in _typed_ids(form) if c in held][:KEPT_IDS]
        kept_ids = set(ids)
        left = sum(1 for w in words if normalize_case_id(w) not in kept_ids)
        kept["left_out"] = str(left) if left else ""
        if ids:  # each one a case held (CASE_ID), so the list holds nothing typed but ids and commas
            out["ids"] = ",".join(ids)
    out.update({k: v for k, v in kept.items() if PLAIN.fullmatch(v)})
    out.update(_params(err))  # the refusal's own values win: its message quotes them, its field shows them
    if "case_id" in out and out["case_id"] not in held:
        out["case_id"] = "?"  # no case held: a typo, or a document number, never in the address
    if period is not None:  # but the period the message quotes is the one the address may keep
        out["period"] = period
    return out


def refused_form(query, message: dict | None) -> dict:
    """The refused form's state from the page's address (:func:`refused_address`), each
    value checked again (an address can be typed by hand): ``packages_page``'s ``typed``,
    ``invalid`` and ``left_out``; {} when the address names no refused field."""
    box = query.get("box", "")
    if box not in BOXES or not message or message["kind"] != "error":
        return {}
    plain = {k: query.get(k, "")[:80] for k in ("target", "recipient", "period")}
    typed = {k: v for k, v in plain.items() if PLAIN.fullmatch(v) and "?" not in v}  # "?": a value left out
    if not PERIOD_SHAPE.fullmatch(typed.get("period", "0000")):
        del typed["period"]
    if box in ("recipient", "period"):
        typed.setdefault("period", "")  # the aggregate form was the one sent
    ids = [c for c in query.get("ids", "").split(",")[:KEPT_IDS] if CASE_ID.fullmatch(c)]
    typed["cases"] = "\n".join(ids)
    left = query.get("left_out", "")
    return {"typed": typed, "invalid": (box, message["text"]),
            "left_out": int(left) if left.isdigit() and len(left) <= 6 else 0}


def _field(form: dict[str, str], err: IntakeError) -> str:
    """The field of the refused form that the error is about."""
    if "period" in form:
        return "period" if "period" in err.params else "recipient"
    if "case_id" in err.params or err.code == NoCases.code or err.params.get("state") == "too_many_cases":
        return "cases"
    return "target"
