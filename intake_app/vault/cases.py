"""Cases in the vault: append-only revisions, the derived current view, search,
duplicate hints and drafts. The functions here are methods of :class:`Vault`."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import orjson

from ..codebook import derive, validate_typed
from ..errors import CaseNotFound, IntakeError, StaleRevision
from . import search as s
from .audit import now_iso

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FLAG_BITS = {"flag_trafficking": 1, "flag_smuggling": 2, "flag_aggravated_smuggling": 4, "flag_urgent": 8,
             "minor": 16, "unaccompanied_minor": 32}


def new_case_id() -> str:
    """12 Crockford base32 characters (60 random bits) in groups of four: ``7KQ3-MX2D-9FAP``."""
    n = int.from_bytes(secrets.token_bytes(8), "big") >> 4  # 60 bits
    raw = "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(11, -1, -1))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def canonical_json(obj: Any) -> str:
    """The one text a record has: ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``. That call is the definition; orjson writes the very same text for
    the values a record holds (strings, integers, booleans, null, lists and maps: never a
    float; tests/core/test_canonical_json.py checks it) four times faster, and anything it
    will not write (an integer beyond 64 bits, say) goes to the definition itself."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _canonical_json_stdlib(obj)


def _canonical_json_stdlib(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def revision_hash(case_id: str, parent_id: str | None, codebook_version: str, content: Mapping[str, Any]) -> str:
    """sha256 of the UTF-8 of ``canonical_json`` of the revision (orjson's bytes are that
    UTF-8 already: no round trip through str, which the server pays for every revision)."""
    obj = {"case_id": case_id, "parent_id": parent_id, "codebook": codebook_version, "content": content}
    try:
        blob = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        blob = _canonical_json_stdlib(obj).encode()
    return hashlib.sha256(blob).hexdigest()


def flags_of(derived: Mapping[str, Any]) -> int:
    return sum(bit for key, bit in FLAG_BITS.items() if derived.get(key) is True)


@dataclass(frozen=True)
class DuplicateHint:
    case_id: str
    reasons: tuple[str, ...]  # document, name, birth_date, nationality, age_band


@dataclass(frozen=True)
class SaveResult:
    case_id: str
    revision_id: str
    content_hash: str
    duplicates: tuple[DuplicateHint, ...] = ()


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    revision_id: str
    parent_id: str | None
    officer_id: str
    created_at: str
    codebook_version: str
    content: dict[str, Any]
    content_hash: str
    revision_count: int = 1
    sync_state: str = "pending"
    derived: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: never a name, never a document."""

    case_id: str
    updated_at: str
    record_date: str | None
    border_post: str | None
    gender: str | None
    age_band: str | None
    citizenship: str | None
    flags: int
    sync_state: str
    review_state: str


ROW_COLUMNS = ("case_id, updated_at, record_date, border_post, gender, age_band, citizenship, flags, "
               "sync_state, review_state")


def save_case(self, content: Mapping[str, Any], case_id: str | None = None, parent_revision: str | None = None,
              today=None) -> SaveResult:
    """Validate and store a new revision. A new case when ``case_id`` is None; otherwise
    ``parent_revision`` (when given) must be the case's current head."""
    cb = self.codebook
    clean = validate_typed(cb, content, today)  # the codebook, and the rules for typed input
    derived = derive(cb, clean)
    names, docs = s.index_texts(clean, ["given_names", "surnames", "other_names", "guardian_name"],
                                ["document_number"])
    keys = s.person_keys(clean, derived)
    at = now_iso()
    revision_id = uuid.uuid4().hex
    with self.transaction() as conn:
        if case_id is None:
            case_id = new_case_id()
            parent = None
            row = None
        else:
            row = conn.execute("SELECT rowid, head_revision, revision_count, created_at FROM cases WHERE case_id = ?",
                               (case_id,)).fetchone()
            if row is None:
                raise CaseNotFound()
            parent = row[1]
            if parent_revision is not None and parent_revision != parent:
                raise StaleRevision(expected=parent_revision, current=parent)
        content_hash = revision_hash(case_id, parent, cb.version, clean)
        conn.execute(
            "INSERT INTO revisions (revision_id, case_id, parent_id, officer_id, created_at, codebook_version,"
            " content, content_hash) VALUES (?,?,?,?,?,?,?,?)",
            (revision_id, case_id, parent, self.officer.id, at, cb.version, canonical_json(clean), content_hash))
        dims = (clean.get("record_date"), clean.get("border_post"), clean.get("gender"), derived.get("age_band"),
                clean.get("citizenship"), flags_of(derived))
        if row is None:
            cur = conn.execute(
                "INSERT INTO cases (case_id, head_revision, revision_count, created_at, updated_at, record_date,"
                " border_post, gender, age_band, citizenship, flags) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (case_id, revision_id, 1, at, at, *dims))
            rowid = cur.lastrowid
        else:
            rowid = row[0]
            conn.execute(
                "UPDATE cases SET head_revision=?, revision_count=revision_count+1, updated_at=?, record_date=?,"
                " border_post=?, gender=?, age_band=?, citizenship=?, flags=?, sync_state='pending' WHERE rowid=?",
                (revision_id, at, *dims, rowid))
            conn.execute("DELETE FROM name_index WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM person_keys WHERE case_rowid = ?", (rowid,))
        conn.execute("INSERT INTO name_index (rowid, names, documents) VALUES (?,?,?)", (rowid, names, docs))
        conn.executemany("INSERT OR IGNORE INTO person_keys (kind, key, case_rowid, case_id, citizenship, age_band)"
                         " VALUES (?,?,?,?,?,?)",
                         [(kind, key, rowid, case_id, clean.get("citizenship"), derived.get("age_band"))
                          for kind, key in keys])
        duplicates = _duplicates(conn, keys, clean, derived, exclude=rowid)
        self.audit.append(self.officer.id, "case_create" if parent is None else "case_edit", case_id, revision_id,
                          duplicates=len(duplicates))
    return SaveResult(case_id, revision_id, content_hash, tuple(duplicates))


def _duplicates(conn, keys, content, derived, exclude: int | None) -> list[DuplicateHint]:
    strong = [(k, v) for k, v in keys if k in ("document", "name", "birth")]
    if not strong:
        return []
    where = " OR ".join("(kind = ? AND key = ?)" for _ in strong)
    args = [x for pair in strong for x in pair]
    # one query over the clustered key table, which carries what a hint needs
    found: dict[str, set[str]] = {}
    for case_id, kind, citizenship, age_band in conn.execute(
            "SELECT case_id, kind, citizenship, age_band FROM person_keys"
            f" WHERE ({where}) AND case_rowid IS NOT ? LIMIT 2000", (*args, exclude)):
        reasons = found.setdefault(case_id, set())
        reasons.add({"document": "document", "name": "name", "birth": "birth_date"}[kind])
        if citizenship and citizenship == content.get("citizenship"):
            reasons.add("nationality")
        if age_band and age_band == derived.get("age_band"):
            reasons.add("age_band")
    # a hint needs a document match, or a name plus one more signal
    hints = [DuplicateHint(case_id, tuple(sorted(r))) for case_id, r in found.items()
             if "document" in r or ("name" in r and len(r) >= 2)]
    hints.sort(key=lambda h: (-len(h.reasons), h.case_id))
    return hints[:10]


def find_duplicates(self, content: Mapping[str, Any], exclude_case: str | None = None) -> list[DuplicateHint]:
    """Hints for an unsaved record (the form asks before saving). Editing a case, the
    cases an officer already linked to it or dismissed as not the same person are not
    asked about again."""
    cb = self.codebook
    clean = {k: v for k, v in content.items() if k in cb.fields and v not in (None, "", [])}
    derived = derive(cb, clean)
    exclude = None
    if exclude_case:
        r = self.conn.execute("SELECT rowid FROM cases WHERE case_id = ?", (exclude_case,)).fetchone()
        exclude = r[0] if r else None
    hints = _duplicates(self.conn, s.person_keys(clean, derived), clean, derived, exclude)
    if exclude_case and hints:
        decided = decided_duplicates(self, exclude_case)
        hints = [h for h in hints if h.case_id not in decided]
    return hints


DUPLICATE_DECISIONS = ("duplicate_link", "duplicate_dismiss")


def decided_duplicates(self, case_id: str) -> set[str]:
    """The cases an officer linked to ``case_id`` or dismissed as another person, in
    either direction (from the audit log, where those decisions are recorded)."""
    out: set[str] = set()
    rows = self.conn.execute("SELECT case_id, detail FROM audit WHERE action IN (?, ?) AND (case_id = ? OR detail = ?)",
                             (*DUPLICATE_DECISIONS, case_id, json.dumps({"other": case_id}, separators=(",", ":"))))
    for owner, detail in rows:
        other = json.loads(detail).get("other")
        out.add(other if owner == case_id else owner)
    out.discard(None)
    return out


def _record(self, row, revision_count=1, sync_state="pending") -> CaseRecord:
    content = json.loads(row[6])
    return CaseRecord(row[0], row[1], row[2], row[3], row[4], row[5], content, row[7], revision_count, sync_state,
                      derive(self.codebook_for(row[5]), content))


REV_COLUMNS = "case_id, revision_id, parent_id, officer_id, created_at, codebook_version, content, content_hash"


def get_case(self, case_id: str) -> CaseRecord:
    head = self.conn.execute("SELECT head_revision, revision_count, sync_state FROM cases WHERE case_id = ?",
                             (case_id,)).fetchone()
    if head is None:
        raise CaseNotFound()
    row = self.conn.execute(f"SELECT {REV_COLUMNS} FROM revisions WHERE revision_id = ?", (head[0],)).fetchone()
    return _record(self, row, head[1], head[2])


def view_case(self, case_id: str) -> CaseRecord:
    """``get_case`` for a person's eyes: the view is audited."""
    rec = get_case(self, case_id)
    self.record("case_view", case_id, rec.revision_id)
    return rec


def case_history(self, case_id: str) -> list[CaseRecord]:
    rows = self.conn.execute(f"SELECT {REV_COLUMNS} FROM revisions WHERE case_id = ? ORDER BY seq",
                             (case_id,)).fetchall()
    if not rows:
        raise CaseNotFound()
    return [_record(self, r) for r in rows]


def count_cases(self, where: str = "", args: tuple = ()) -> int:
    return self.conn.execute(f"SELECT count(*) FROM cases {where}", args).fetchone()[0]


LIST_FILTERS = {
    "": ("", ()),
    "pending": ("WHERE sync_state = 'pending'", ()),
    "review": ("WHERE review_state = 'review'", ()),
    "conflict": ("WHERE review_state = 'conflict'", ()),
}


def list_cases(self, offset: int = 0, limit: int = 100, filter: str = "") -> list[CaseRow]:
    where, args = LIST_FILTERS[filter]
    rows = self.conn.execute(f"SELECT {ROW_COLUMNS} FROM cases {where} ORDER BY rowid DESC LIMIT ? OFFSET ?",
                             (*args, limit, offset))
    return [CaseRow(*r) for r in rows]


def search(self, text: str, limit: int = 50, *, audit: bool = False) -> list[CaseRow]:
    """Cases whose names or document numbers match every word of ``text`` (prefixes, accents folded).
    ``audit``: recorded at once (:meth:`record_search`): a search a person asked for as a whole
    (the CLI's); a search as you type is recorded once it settles, by its front end."""
    q = s.fts_query(text)
    found = [] if q is None else [CaseRow(*r) for r in self.conn.execute(
        f"SELECT {', '.join('c.' + c.strip() for c in ROW_COLUMNS.split(','))} FROM name_index"
        " JOIN cases c ON c.rowid = name_index.rowid WHERE name_index MATCH ? ORDER BY rank LIMIT ?", (q, limit))]
    if audit:
        self.record_search(len(found))
    return found


def record_search(self, results: int) -> None:
    """Audit one search (``case_search``): how many cases it found, never what was typed."""
    self._audited("case_search", results=int(results))


# --- drafts -------------------------------------------------------------------------
class DraftNotYours(IntakeError):
    """The draft id is another officer's draft: it is never taken over (nothing written).
    Each officer's drafts are theirs: listed, continued, saved and discarded by them only."""

    code = "draft_not_yours"


def save_draft(self, draft_id: str, content: Mapping[str, Any], case_id: str | None = None) -> None:
    """Create the signed-in officer's draft ``draft_id``, or update it; another officer's
    draft of that id stays as it is (``DraftNotYours``)."""
    with self.transaction() as conn:
        row = conn.execute("SELECT officer_id FROM drafts WHERE draft_id = ?", (draft_id,)).fetchone()
        if row is not None and row[0] != self.officer.id:
            raise DraftNotYours()
        conn.execute("INSERT OR REPLACE INTO drafts (draft_id, officer_id, case_id, updated_at, content)"
                     " VALUES (?,?,?,?,?)", (draft_id, self.officer.id, case_id, now_iso(), canonical_json(content)))


def load_drafts(self) -> list[tuple[str, str | None, str, dict]]:
    rows = self.conn.execute("SELECT draft_id, case_id, updated_at, content FROM drafts WHERE officer_id = ?"
                             " ORDER BY updated_at DESC", (self.officer.id,))
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def delete_draft(self, draft_id: str) -> None:
    """Drop a draft that became a case (or that was never more): not audited."""
    with self.transaction() as conn:
        conn.execute("DELETE FROM drafts WHERE draft_id = ? AND officer_id = ?", (draft_id, self.officer.id))


def discard_draft(self, draft_id: str) -> None:
    """The officer threw a draft away (typed data deleted, unrecoverable): audited
    ``draft_discard``, with the case id when the draft was an edit, never its content."""
    with self.transaction() as conn:
        row = conn.execute("SELECT case_id FROM drafts WHERE draft_id = ? AND officer_id = ?",
                           (draft_id, self.officer.id)).fetchone()
        if row is None:
            return
        conn.execute("DELETE FROM drafts WHERE draft_id = ? AND officer_id = ?", (draft_id, self.officer.id))
        self.audit.append(self.officer.id, "draft_discard", row[0])
