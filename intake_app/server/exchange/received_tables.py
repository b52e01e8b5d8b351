"""A received aggregate package's tables for a person: the page (``/exchange/received/pkg/{id}``,
in the supervisors' site) and the terminal (``intake-server exchange received --tables ID``).

The tables are shown as they came: the sender's titles, headers and cell strings, the
suppressed cells (``<11``, ``x``) as sent, never recomputed. Only the names this server
gives (the quarter, the dashboard view a table belongs to, the sender) are worded here.
Opening them is audited (:func:`incoming.open_received_tables`).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ...errors import IntakeError
from ...i18n import catalog, describe_error, t
from ..dashboard.filters import quarter_label
from ..errors import NotFound
from . import incoming
from .manifest_words import institution

TYPED_ID = re.compile(r"[0-9A-Za-z._:-]{1,40}", re.ASCII)  # a package id as check_id allows (column: 40)


def view_label(view: str, lang: str) -> str:
    """A dashboard view by the dashboard's own name; one this server does not know, as sent."""
    key = "dashboard.view." + view
    return t(key, lang) if key in catalog(lang) else view


def period_words(tables: dict, lang: str, space: str = "\u00a0") -> str:
    """"T3 2026", or "T1 2026 – T3 2026" for several quarters."""
    ends = dict.fromkeys((tables.get("from", ""), tables.get("to", "")))
    return " – ".join(quarter_label(q, lang, space=space) for q in ends)


def received_words(pkg: dict) -> str:
    """When it was received, as the pages write a time; the sentence says "UTC" once."""
    return pkg["received_at"].strftime("%d/%m/%Y %H:%M")


def _titled(table: dict, view: str) -> dict:
    """The table with ``shown_title``: its title, or None when it only repeats its view's name
    (the overview, quarters and referrals tables are titled as their view: «Resumen · Resumen»)."""
    same = table.get("title") in {catalog(lang).get("dashboard.view." + view) for lang in ("es", "en")}
    return {**table, "shown_title": None if same else table.get("title")}


def shown_quarters(tables: dict, lang: str, space: str = "\u00a0") -> list[dict]:
    """[{"label", "too_few", "persons", "views": [(view label, [table])]}], in the package's order;
    each table with ``shown_title`` (:func:`_titled`)."""
    from ..dashboard.views import VIEWS

    out = []
    for block in tables.get("quarters", []):  # the views in the dashboard's order (a package's map is sorted)
        found = block.get("views", {})
        order = sorted(found, key=lambda v: (VIEWS.index(v) if v in VIEWS else len(VIEWS), v))
        views = [(view_label(v, lang), [_titled(tb, v) for tb in found[v]]) for v in order if found[v]]
        out.append({"label": quarter_label(block.get("quarter", ""), lang, space=space),
                    "too_few": block.get("too_few"), "persons": block.get("persons"), "views": views})
    return out


def text_lines(pkg: dict, lang: str) -> list[str]:
    """The terminal's lines: the package, then per quarter each table (tab-separated)."""
    tables = pkg["tables"]
    k = tables.get("k", 11)
    lines = [t("exchange.tables.heading", lang, package=pkg["package_id"], sender=institution(pkg["sender_key"], lang),
               period=period_words(tables, lang, space=" "),
               received=received_words(pkg)),
             t("exchange.tables.marks", lang, k=k)]
    for q in shown_quarters(tables, lang, space=" "):
        lines.append("")
        if q["too_few"]:
            lines.append(t("exchange.tables.quarter_too_few", lang, quarter=q["label"], k=k))
            continue
        lines.append(t("exchange.tables.quarter", lang, quarter=q["label"], persons=q["persons"]))
        for view, items in q["views"]:
            for table in items:
                title = f"{view} · {table['shown_title']}" if table["shown_title"] else view
                lines += ["", title] + ([table["note"]] if table.get("note") else [])
                lines.append("\t".join([table["row_header"]] + [c or t("dashboard.col.persons", lang)
                                                                for c in table["columns"]]))
                lines += ["\t".join([row["label"]] + row["cells"]) for row in table["rows"]]
    return lines


def add_received_tables_page(r: APIRouter) -> None:
    from .web import _lang, guard, render

    @r.get("/received/pkg/{package_id}")
    async def _tables(request: Request, package_id: str):
        who, refused = await guard(request)  # the received pages' rule: supervisors, of this server's institution
        if refused:
            return refused
        lang = _lang(request)
        if not TYPED_ID.fullmatch(package_id):  # never echo what is no package id
            return render("error.html", lang, 404, message=describe_error(NotFound(), lang), principal=who)
        try:
            pkg = await run_in_threadpool(lambda: incoming.open_received_tables(
                request.app.state.engine, package_id, actor=who.actor, institution=who.institution, role=who.role))
        except IntakeError as err:
            return render("error.html", lang, getattr(err, "status", 404), message=describe_error(err, lang),
                          principal=who)
        tables = pkg["tables"]
        return render("received_package.html", lang, principal=who, pkg=pkg, k=tables.get("k", 11),
                      sender=institution(pkg["sender_key"], lang), quarters=shown_quarters(tables, lang),
                      period=period_words(tables, lang), received=received_words(pkg))
