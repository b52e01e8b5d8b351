"""The auditor's page on the supervision site (/exchange/audit): the server's audit log.

For the roles the API's ``/api/v1/audit`` allows (``audit.READERS``: auditor, administrator),
with the API's own query (``audit.entries``). At the top, the last check of the chain as the
log recorded it (``audit_verify``: when, by whom, intact or where it broke), said to be the
result as of that time; a view never walks the chain (seconds at a million entries, on every
page turn). The button «Comprobar la cadena ahora» walks it (``audit.check``, as
``/api/v1/audit/verify``), records the check and shows it. Below, the entries newest first, 50
a page, narrowed by action, actor and UTC days. The filters travel in a POST, and only the values
that pass (codes, an id-like actor, ISO dates) reach the address: a name typed into the actor
box never enters the browser's history or the proxy's log. Each view is audited
(``audit_view``) with those filter values only. The log holds ids and codes, and the page
escapes all of it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...errors import IntakeError
from ...i18n import describe_error, t
from ...numbers import group
from ...timefmt import utc_time_iso
from .. import audit
from ..db import transaction
from ..errors import ServerAuditBroken
from .outgoing_web import FormOnce
from .web import HEADERS, _form, _lang, _message, _q, done, form_lang, guard, not_ready, render

PAGE = 50
MAX_PAGE = 100_000
ACTION = re.compile(r"[a-z_]{1,48}", re.ASCII)  # an action code as audit.append writes them
ACTOR = re.compile(r"[0-9A-Za-z_.:@-]{1,80}", re.ASCII)  # user:…, device:…, operator:…: no spaces, no sentences
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
FILTERS = ("action", "actor", "from", "to")


def _day(text: str) -> date | None:
    if not DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_filters(values) -> tuple[dict[str, str], list[str]]:
    """({filter: value} of the values that pass, [names of those that did not]): an empty box
    is no filter; a value that is no code, id or date is dropped and named, never kept."""
    kept, invalid = {}, []
    for name in FILTERS:
        value = (values.get(name) or "").strip()[:200]
        if not value:
            continue
        ok = ACTION.fullmatch(value) if name == "action" else ACTOR.fullmatch(value) if name == "actor" \
            else _day(value)
        if ok:
            kept[name] = value
        else:
            invalid.append(name)
    return kept, invalid


def _page_number(raw: str) -> int:
    return min(int(raw), MAX_PAGE) if raw.isdigit() and len(raw) < 8 else 0


def _top(raw: str) -> int | None:
    """The newest entry the pages were counted from (an entry number), or None: the newest now."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _query(kept: dict[str, str]) -> dict:
    """The filters as ``audit.entries`` takes them (``to`` is a whole day: up to the next one)."""
    until = _day(kept["to"]) + timedelta(days=1) if "to" in kept else None
    return {"action": kept.get("action"), "actor": kept.get("actor"), "since": kept.get("from"),
            "until": until.isoformat() if until else None}


def _read(engine, who, kept: dict[str, str], invalid: list[str], page: int, top: int | None, lang: str) -> dict:
    """The last check of the chain as recorded (no walk: that is the button's), one page of
    entries (up to entry ``top``, so that the entries written since, this view's own among
    them, do not shift the pages) and the actions present; then the view's entry (``check``:
    the check entry the page showed)."""
    with engine.connect() as conn:
        last, head = audit.last_check(conn)
        rows = audit.entries(conn, newest_first=True, limit=PAGE + 1, offset=page * PAGE, up_to_seq=top,
                             raw_detail=True, **_query(kept))
        present = audit.actions(conn)
    with transaction(engine) as conn:  # after reading: the page shows the log as it was when opened
        audit.append(conn, who.actor, "audit_view", None, filters=kept, page=page, lang=lang,
                     **({"check": last["seq"]} if last else {}), **({"top": top} if top is not None else {}),
                     **({"invalid": invalid} if invalid else {}))
    return {"last": last, "head": head, "rows": rows, "actions": present}


REASONS = ("missing", "chain", "hash", "tail")  # audit.verify's reasons


def _count(value) -> int | None:
    return value if type(value) is int and value >= 0 else None


def chain_box(last: dict | None, head: int, checked: int | None, who, lang: str) -> dict:
    """The box at the top, from the last ``audit_verify`` entry: ``none`` (never checked),
    ``ok`` (intact then: entries 1 … N; those written since were not checked), ``broken``
    (where and why, as prominent as an alarm) or ``unreadable`` (an entry that is no check's,
    or one :func:`~..audit.last_check` found ``altered``: the log itself may have been altered).
    ``checked``: the check this person just made."""
    if last is None:
        return {"kind": "none", "text": t("audit_page.check_none", lang)}
    if last.get("altered"):
        return {"kind": "unreadable", "text": t("audit_page.check_unreadable", lang, seq=last["seq"])}
    d, seq = last["detail"], last["seq"]
    when = utc_time_iso(last["at"]) or last["at"]
    mine = checked == seq and last["actor"] == who.actor
    lead = t("audit_page.check_yours", lang, when=when, actor=last["actor"], seq=seq) if mine else \
        t("audit_page.check_last", lang, when=when, actor=last["actor"], seq=seq)
    entries = _count(d.get("entries"))
    if d.get("result") == "intact" and entries is not None:
        return {"kind": "ok", "lead": lead, "text": t("audit_page.check_intact", lang, count=group(entries, lang)),
                "note": t("audit_page.check_since", lang, since=group(max(head - entries, 0), lang),
                          first=entries + 1)}  # an entry's number as the list writes it
    at = _count(d.get("seq"))
    if d.get("result") == "broken" and at and d.get("reason") in REASONS and entries is not None:
        return {"kind": "broken", "lead": lead, "text": t("audit_page.chain_broken", lang, seq=at),
                "why": describe_error(ServerAuditBroken(seq=at, reason=d["reason"]), lang),
                "note": t("audit_page.check_broken_note", lang, count=group(entries, lang))}
    return {"kind": "unreadable", "text": t("audit_page.check_unreadable", lang, seq=seq)}


def _shown(row: dict) -> dict:
    detail = row["detail"]
    return {"seq": row["seq"], "at": row["at"], "when": utc_time_iso(row["at"]) or row["at"], "actor": row["actor"],
            "action": row["action"], "target": row["target"] or "", "detail": "" if detail == "{}" else detail}


def add_audit_page(r: APIRouter) -> None:
    @r.get("/audit")
    async def _audit(request: Request):
        who, refused = await guard(request, audit.READERS)
        if refused:
            return refused
        lang = _lang(request)
        q = request.query_params
        kept, invalid = parse_filters(q)
        invalid += [name for name in q.get("invalid", "").split(",") if name in FILTERS and name not in invalid]
        page = _page_number(q.get("page", "0"))
        top = _top(q.get("top", "")) if page else None  # the first page: always the newest entries
        try:
            got = await run_in_threadpool(_read, request.app.state.engine, who, kept, invalid, page, top, lang)
        except IntakeError as err:
            return not_ready(err, lang, who)
        checked = q.get("checked", "")
        chain = chain_box(got["last"], got["head"], _top(checked), who, lang)
        message = _message(request, lang)
        if checked == "repeated":  # a second press of the same button: one check
            message = {"kind": "hint", "text": t("audit_page.check_repeated", lang)}
        if invalid:  # which filters were not applied (their values are not repeated)
            said = dict.fromkeys("date" if name in ("from", "to") else name for name in invalid)
            message = {"kind": "error", "text": " ".join(t("audit_page.invalid_" + n, lang) for n in said)}

        if top is None and page == 0 and got["rows"]:  # the next pages count from this page's first entry
            top = got["rows"][0]["seq"]

        def link(page: int = 0, lang: str = lang) -> str:  # this page's address with the filters kept
            extra = {**({"page": page, **({"top": top} if top is not None else {})} if page else {}),
                     **({"lang": lang} if lang != "es" else {})}
            return "/exchange/audit" + (("?" + urlencode({**kept, **extra})) if kept or extra else "")

        return render("audit.html", lang, principal=who, chain=chain, rows=[_shown(r) for r in got["rows"][:PAGE]],
                      more=len(got["rows"]) > PAGE, page=page, top=top, kept=kept, actions=got["actions"],
                      message=message, invalid=invalid, link=link)

    @r.post("/audit/filter")
    async def _filter(request: Request):
        """The filter form: to the page's address with the values that pass, never what was typed."""
        who, refused = await guard(request, audit.READERS)
        if refused:
            return refused
        form = await _form(request)
        kept, invalid = parse_filters(form)
        extra = {**kept, **({"invalid": ",".join(invalid)} if invalid else {})}
        return done(form_lang(form), "/exchange/audit", **extra)

    @r.post("/audit/check")
    async def _check(request: Request):
        """«Comprobar la cadena ahora»: walk the chain, record the check, back to the page (its
        filters and page kept) showing it. A second press of the same rendered form (its
        ``form_token``) is not walked again: it waits for a check under way here and shows the
        last one recorded. One walk at a time per server process (a second auditor's waits its
        turn, without holding a thread, then walks: both are recorded)."""
        who, refused = await guard(request, audit.READERS)
        if refused:
            return refused
        async with FormOnce(request, who) as post:
            kept, _ = parse_filters(post.form)
            page = _page_number(post.form.get("page", "0"))
            top = _top(post.form.get("top", "")) if page else None
            where = {**kept, **({"page": page, **({"top": top} if top is not None else {})} if page else {})}
            lock = _walks(request.app)
            if post.repeated is not None:
                async with lock:  # the first press's walk, if it runs in this process, ends first
                    pass
                return _back(post.lang, where, "repeated")
            try:
                async with lock:
                    got = await run_in_threadpool(audit.check, request.app.state.engine, who.actor, "page")
            except IntakeError as err:
                return not_ready(err, post.lang, who)
            post.done()
            return _back(post.lang, where, got["seq"])


def _back(lang: str, where: dict, checked) -> RedirectResponse:
    """To the page as it was (filters, page, top), saying which check was just made."""
    return RedirectResponse("/exchange/audit" + _q(lang, **where, checked=checked), status_code=303, headers=HEADERS)


def _walks(app) -> anyio.Lock:
    """The lock that lets one walk of the chain run at a time in this process (one per app: a
    lock belongs to the event loop that first waits on it)."""
    lock = getattr(app.state, "audit_walks", None)
    if lock is None:
        lock = app.state.audit_walks = anyio.Lock()
    return lock
