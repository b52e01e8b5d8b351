"""`audit.verify` while the server keeps writing (a sign-in, an ingest during a long walk: at a
million entries the walk takes seconds): entries appended meanwhile chain on and the log is
intact, not "broken at the tail". Rows no head accounts for, and a cut or rewritten tail, are
still found. SQLite and PostgreSQL. No personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from intake_app.server import audit
from intake_app.server.db import transaction
from intake_app.server.errors import ServerAuditBroken


def _fill(engine, n: int) -> None:
    with transaction(engine) as conn:
        for i in range(n):
            audit.append(conn, "user:prueba", "login", None, n=i)


def test_entries_appended_during_the_walk_chain_on(srv, monkeypatch):
    _fill(srv.engine, 12)
    real = audit.entry_hash
    written = []

    def hash_and_write(*args):
        if not written:  # the walk has begun: another request writes three entries
            written.append(True)  # (first: append hashes its entries with this function too)
            _fill(srv.engine, 3)
        return real(*args)

    monkeypatch.setattr(audit, "entry_hash", hash_and_write)
    count = audit.verify(srv.engine, batch=4)
    monkeypatch.setattr(audit, "entry_hash", real)
    assert written and count == audit.verify(srv.engine)


def test_a_cut_tail_and_a_row_no_head_accounts_for_are_still_found(srv):
    _fill(srv.engine, 6)
    total = audit.verify(srv.engine)
    with srv.engine.begin() as conn:  # a row appended behind the head's back
        last = conn.execute(text("SELECT * FROM audit_log WHERE seq = :s"), {"s": total}).mappings().one()
        row = dict(last)
        row.update(seq=total + 1, prev_hash=last["hash"], detail='{"n":99}')
        row["hash"] = audit.entry_hash(row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"],
                                       row["target"], row["detail"])
        cols = ", ".join(row)
        conn.execute(text(f"INSERT INTO audit_log ({cols}) VALUES ({', '.join(':' + k for k in row)})"), row)
    with pytest.raises(ServerAuditBroken) as exc:
        audit.verify(srv.engine)
    assert exc.value.params == {"seq": total + 1, "reason": "tail"}
    with srv.engine.begin() as conn:  # that row gone, and the last real one cut as well
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": total})
    with pytest.raises(ServerAuditBroken) as exc:
        audit.verify(srv.engine)
    assert exc.value.params == {"seq": total, "reason": "tail"}
