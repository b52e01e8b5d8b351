"""One case: the current record, its revision history (who, when, what changed),
its audit trail and its sync state. Opening it is an audited view."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QTextBrowser,
    QVBoxLayout, QWidget,
)

from intake_app.codebook.present import present
from intake_app.screening import describe, screen
from intake_app.timefmt import local_time_iso

from .text import lang, tr
from .widgets import heading, muted


def load_case(case_id: str):
    """A worker job: everything the case view shows."""
    def job(s):
        v = s.require()
        record = v.view_case(case_id)
        return {
            "record": record,
            "history": v.case_history(case_id),
            "audit": v.audit.entries(case_id=case_id),
            "officers": {o.id: o.name for o in v.officers()},
            "purged": _is_purged(v, case_id),
        }
    return job


def _is_purged(vault, case_id: str) -> bool:
    try:
        from intake_app.sync.purge import is_purged
    except ImportError:  # a build without sync
        return False
    return is_purged(vault, case_id)


def _when(iso: str) -> str:
    return local_time_iso(iso)  # as on the printed summary


def record_html(cb, content: dict, derived: dict) -> str:
    parts = []
    result = screen(cb, content)
    indications = describe(cb, result, lang())
    if indications:
        parts.append(f"<h3>{escape(tr('screening.title'))}</h3><ul>")
        for text, reasons in indications:
            parts.append(f"<li><b>{escape(text)}</b><br>{'<br>'.join(escape(r) for r in reasons)}</li>")
        parts.append("</ul>")
    for section, rows in present(cb, content, lang()):
        parts.append(f"<h3>{escape(section)}</h3><table cellpadding='4'>")
        for label, value in rows:
            parts.append(f"<tr><td style='color:#52606d' width='40%'>{escape(label)}</td>"
                         f"<td>{escape(value)}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


class CaseView(QWidget):
    edit_requested = Signal(object)  # CaseRecord
    print_requested = Signal(object)
    closed = Signal()

    def __init__(self, cb, data: dict, can_print: bool) -> None:
        super().__init__()
        self.cb = cb
        self.record = data["record"]
        rec = self.record
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = heading(tr("ui.case.title", case=rec.case_id))
        title.setWordWrap(False)
        top.addWidget(title)
        top.addStretch(1)
        back = QPushButton(tr("ui.case.back"))
        back.clicked.connect(self.closed.emit)
        self.print_button = QPushButton(tr("ui.case.print"))
        self.print_button.setObjectName("print")
        self.print_button.setEnabled(can_print)
        if not can_print:
            self.print_button.setToolTip(tr("ui.case.print_unavailable"))
        self.print_button.clicked.connect(lambda: self.print_requested.emit(self.record))
        edit = self.edit_button = QPushButton(tr("ui.case.edit"))
        edit.setObjectName("primary")
        edit.clicked.connect(lambda: self.edit_requested.emit(self.record))
        for b in (back, self.print_button, edit):
            top.addWidget(b)
        layout.addLayout(top)
        layout.addWidget(muted(tr("ui.case.summary", count=rec.revision_count, sync=tr("sync." + rec.sync_state),
                                  version=rec.codebook_version)))
        self.purged = None
        if data.get("purged"):  # identity data removed here after delivery: said, not left to guess
            self.purged = muted(tr("ui.case.purged"))
            self.purged.setObjectName("banner")
            layout.addWidget(self.purged)
        tabs = QTabWidget()
        tabs.setObjectName("case_tabs")
        tabs.tabBar().setAccessibleName(tr("ui.a11y.case_tabs"))  # the Tab stop a screen reader announces
        body = QTextBrowser()
        body.setObjectName("record")
        body.setAccessibleName(tr("ui.case.tab_record"))
        body.setHtml(record_html(cb, rec.content, rec.derived))
        tabs.addTab(body, tr("ui.case.tab_record"))
        for table, key in ((self._history(data["history"], data["officers"]), "ui.case.tab_history"),
                           (self._audit(data["audit"], data["officers"]), "ui.case.tab_audit")):
            table.setAccessibleName(tr(key))
            tabs.addTab(table, tr(key))
        layout.addWidget(tabs, 1)

    def _table(self, headers: list[str], rows: list[list[str]]) -> QTableWidget:
        table = QTableWidget(len(rows), len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table, as in the case list; the arrows move in it
        table.setWordWrap(True)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                table.setItem(i, j, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeRowsToContents()
        return table

    def _history(self, history, officers) -> QWidget:
        rows, previous = [], {}
        for n, rev in enumerate(history, 1):
            keys = set(rev.content) | set(previous)
            changed = [self.cb.field(k).label(lang()) for k in self.cb.fields
                       if k in keys and rev.content.get(k) != previous.get(k)]
            what = tr("ui.case.created") if n == 1 else ", ".join(changed) or tr("ui.case.no_change")
            rows.append([str(n), _when(rev.created_at), officers.get(rev.officer_id, rev.officer_id), what])
            previous = rev.content
        return self._table([tr("ui.case.h_rev"), tr("ui.case.h_when"), tr("ui.case.h_who"), tr("ui.case.h_what")],
                           rows)

    def _audit(self, entries, officers) -> QWidget:
        rows = [[str(e.seq), _when(e.at), officers.get(e.officer_id, e.officer_id), tr("audit." + e.action)]
                for e in entries]
        return self._table([tr("ui.case.h_seq"), tr("ui.case.h_when"), tr("ui.case.h_who"), tr("ui.case.h_action")],
                           rows)
