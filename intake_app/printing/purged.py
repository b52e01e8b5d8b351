"""Printing a case whose identity data were removed from this laptop after delivery.

``intake_app.sync.purge`` strips the ``direct`` fields (names, document number, birth date,
phone, narrative, ...) from every revision the central server acknowledged and marks the
content with ``_purged``; the central server keeps the whole record. A paper printed from
what is left must say so, or it reads as the whole record:

- the copy for the person is refused (:class:`~.errors.PrintPersonCopyPurged`): it carries
  their name, which this laptop no longer has;
- the official and redacted copies carry the notice :func:`notice` under the top lines, and the
  redacted copy's withheld-data notice drops "the post's official copy keeps them".
"""

from __future__ import annotations

from datetime import datetime, timezone

from .. import i18n
from ..sync.purge import PURGED_MARK


def is_purged(rec) -> bool:
    """True when ``rec`` (a CaseRecord) is a revision whose identity data were removed here."""
    return bool(rec.content.get(PURGED_MARK))


def purge_date(vault, rec) -> str | None:
    """The local date (dd/mm/yyyy) the revision's identity data were removed; None if unknown."""
    row = vault.conn.execute("SELECT purged_at FROM purged_revisions WHERE revision_id = ?",
                             (rec.revision_id,)).fetchone()
    if row is None:
        return None
    try:
        moment = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%d/%m/%Y")


def notice(vault, rec, lang: str) -> str | None:
    """The line an official or redacted copy of a purged case carries (None: not purged)."""
    if not is_purged(rec):
        return None
    date = purge_date(vault, rec)
    first = i18n.t("print.purged.date", lang, date=date) if date else i18n.t("print.purged.title", lang)
    return first + " " + i18n.t("print.purged.detail", lang)
