"""The case list's indication flags follow the screening rules in force.

The list and its filters read ``cases.flags``, written when a case is saved. When the
screening rules change (``screening.RULES_VERSION``; e.g. ILO indicators that are Palermo
means started to count as means), cases saved before keep the flags of the old rules, while
the case view and the printed copies, which compute the screening afresh, show the new
indication. So on unlock, once per rules version, the flags of every case are computed
again from its head revision, on the worker thread. Measured for 100,000 cases on a 2-core
laptop: 2.6-3.7 s (reading and decrypting the head revisions about 0.8 s, JSON 0.4 s, the
screening itself 1.5-2 s), and 6 s when the machine is busy; unlock waits that long once."""

from __future__ import annotations

import orjson

from ..codebook import derive
from ..screening import RULES_VERSION
from .cases import flags_of

META_KEY = "screening_rules"


def refresh_flags(vault) -> int | None:
    """Recompute the flags if the rules changed since the last unlock; returns how many
    cases changed (None when the rules had not changed). Audited."""
    if vault.meta(META_KEY) == str(RULES_VERSION):
        return None
    rows = vault.conn.execute("SELECT c.rowid, c.flags, r.codebook_version, r.content FROM cases c"
                              " JOIN revisions r ON r.revision_id = c.head_revision").fetchall()
    updates = []
    for rowid, old, version, content in rows:
        new = flags_of(derive(vault.codebook_for(version), orjson.loads(content)))
        if new != old:
            updates.append((new, rowid))
    with vault.transaction():
        vault.conn.executemany("UPDATE cases SET flags = ? WHERE rowid = ?", updates)
        vault.set_meta(META_KEY, str(RULES_VERSION))
        vault.audit.append(vault.officer.id, "flags_refreshed", rules=RULES_VERSION, changed=len(updates))
    return len(updates)
