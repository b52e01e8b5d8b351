"""Document numbers in the search index of vaults written before they were also indexed
written together (``search.document_text``: "AB 123 456" is indexed with "ab123456", so a
search finds it however the officer spaces it). On unlock, once, every indexed document
number gets its joined form; the index's own text is read, so a purged case stays purged."""

from __future__ import annotations

from .search import document_text

META_KEY = "search_index"
INDEX_VERSION = "2"


def _joined(docs: str) -> str:
    head, _, last = docs.rpartition(" ")
    if head and document_text(head) == docs:  # already has its joined form ("12 12 1212", not "12 12")
        return docs
    return document_text(docs)


def refresh_document_index(vault) -> int | None:
    """Add the joined form to every indexed document number written without it; returns
    how many rows changed (None when the index was already current)."""
    if vault.meta(META_KEY) == INDEX_VERSION:
        return None
    rows = vault.conn.execute("SELECT rowid, documents FROM name_index WHERE documents != ''").fetchall()
    updates = [(_joined(docs), rowid) for rowid, docs in rows if _joined(docs) != docs]
    with vault.transaction() as conn:  # FTS5: an UPDATE deletes the row's old tokens and adds the new
        conn.executemany("UPDATE name_index SET documents = ? WHERE rowid = ?", updates)
        vault.set_meta(META_KEY, INDEX_VERSION)
    return len(updates)
