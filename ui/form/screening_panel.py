"""The screening panel: each indication with the answers that produced it, worded
as an indication for a person to decide, urgent protection needs first (the core's order,
``intake_app.screening.screen``: an officer under time pressure sees them without
scrolling; the case view, the printed summary and the supervisors' page list them first
too); an indication with some of its elements
recorded but not all, as missing information to ask about; and the referrals the
codebook suggests.

Drawn as rich text (it wraps and scrolls reliably at any width); a suggested
referral is a link that the keyboard reaches with Tab and opens with Enter."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

from intake_app.codebook.derive import derive_demographics
from intake_app.screening import describe, describe_partial, referral_refusals, screen, suggested_referrals

from ..text import lang, tr

MIN_WIDTH = 220  # the least it is given beside the steps and the form; the text wraps
WIDTH = 320  # where there is room (1280 px and more)
LIST_INDENT = 18  # px before a list's text: Qt's 40 took a fifth of a 220 px panel
CSS = """
h2 { font-size: 13pt; color: #243b53; margin: 4px 0 6px 0; }
h3 { font-size: 11pt; color: #243b53; margin: 6px 0 4px 0; }
.flag { background: #fff8e6; border-left: 4px solid #d69e2e; padding: 6px; margin: 0 0 8px 0; }
.urgent { background: #fdecec; border-left: 4px solid #c53030; }
.muted { color: #52606d; }
a { color: #2b6cb0; font-weight: 600; }
"""


class ScreeningPanel(QTextBrowser):
    """Call :meth:`update_answers` with the form's answers; emits ``refer(institution)``."""

    refer = Signal(str)

    def __init__(self, cb) -> None:
        super().__init__()
        self.cb = cb
        self.setObjectName("screening")
        self.setAccessibleName(tr("screening.title"))
        self.setMinimumWidth(MIN_WIDTH)
        self.setOpenLinks(False)
        self.document().setDefaultStyleSheet(CSS)
        self.document().setIndentWidth(LIST_INDENT)
        self.anchorClicked.connect(self._clicked)
        self.indications: list[tuple[str, list[str]]] = []
        self.partial: list[str] = []
        self.suggested: list[str] = []
        self.refused: dict[str, str] = {}  # suggested, but consent does not allow the referral: why

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, super().sizeHint().height())

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() == "refer":
            self.refer.emit(url.path())

    def update_answers(self, answers: dict) -> None:
        derived = derive_demographics(self.cb, answers)
        result = screen(self.cb, answers, derived)
        self.indications = describe(self.cb, result, lang())
        self.partial = describe_partial(result, lang(), answers)
        everything = {**derived, **result.as_derived()}
        self.suggested = suggested_referrals(self.cb, answers, everything)
        self.refused = referral_refusals(self.cb, answers, everything, self.suggested)
        already = {r.get("institution") for r in answers.get("referrals") or []}
        urgent_text = tr("screening.urgent")
        html = [f"<h2>{escape(tr('screening.title'))}</h2>"]
        if not self.indications:
            html.append(f"<p class='muted'>{escape(tr('screening.none'))}</p>")
        for text, reasons in self.indications:
            cls = "flag urgent" if text == urgent_text else "flag"
            html.append(f"<table width='100%' cellpadding='6' class='{cls}'><tr><td><b>{escape(text)}</b>")
            if reasons:
                html.append(f"<br><span class='muted'>{escape(tr('ui.screening.because'))}</span><ul>")
                html.extend(f"<li>{escape(line)}</li>" for line in reasons)
                html.append("</ul>")
            html.append("</td></tr></table>")
        if self.partial:  # missing information, for the officer to ask about: never an indication
            html.append(f"<h3>{escape(tr('screening.partial.title'))}</h3><ul>")
            html.extend(f"<li class='muted'>{escape(line)}</li>" for line in self.partial)
            html.append("</ul>")
        html.append(f"<h2>{escape(tr('ui.screening.referrals'))}</h2>")
        if not self.suggested:
            html.append(f"<p class='muted'>{escape(tr('ui.screening.no_referrals'))}</p>")
        vocab = self.cb.vocab("institutions")
        for code in self.suggested:
            name = vocab.label(code, lang())
            if code in already:
                html.append(f"<p>{escape(name)}<br><span class='muted'>✓ {escape(tr('ui.screening.referred'))}</span></p>")
            elif code in self.refused:  # named, with why, but no link: consent (or a legal basis) comes first
                why = tr(f"ui.screening.not_referable.{self.refused[code]}")
                html.append(f"<p>{escape(name)}<br><span class='muted'>{escape(why)}</span></p>")
            else:  # the link names the institution: Tab reaches the link alone, and it is read alone
                html.append(f"<p><a href='refer:{code}'>+ {escape(tr('ui.screening.add_referral_to', institution=name))}"
                            "</a></p>")
        html.append(f"<p class='muted'><i>{escape(tr('screening.disclaimer'))}</i></p>")
        bar = self.verticalScrollBar().value()
        self.setHtml("".join(html))
        self.verticalScrollBar().setValue(bar)
