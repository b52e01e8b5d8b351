"""The laptops' own audit logs, checked at the server.

Every bundle carries the device's new audit entries (unlocks, views, prints, saves: ids and
codes only), each hash-chained to the one before (``intake_app/vault/audit.py``). The server
stores them as received (``device_audit``) and never refuses a bundle for them (its
revisions must not be lost). This check walks each device's chain from its first entry:

- ``intact``: every entry present, linked and unaltered;
- ``missing``: an entry number is absent (a stick not imported yet, or entries removed);
- ``chain`` / ``altered``: an entry does not link to the one before, or its hash does not
  match its content: the laptop's log was edited before it was sent.

So an officer who edits the laptop's log to hide a view or a print is found at the office.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..vault.audit import GENESIS, entry_hash
from .models import DeviceAudit

devaudit_t = DeviceAudit.__table__


@dataclass(frozen=True)
class DeviceChain:
    device_id: str
    entries: int  # entries checked before the first problem (all of them when intact)
    state: str  # intact, missing, chain, altered
    seq: int | None = None  # where the first problem is


def _detail_text(detail) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"))


def check_chain(device_id: str, entries) -> DeviceChain:
    """``entries``: the device's stored entries in seq order."""
    prev, expected, count = GENESIS, 1, 0
    for e in entries:
        if e["seq"] != expected:
            return DeviceChain(device_id, count, "missing", expected)
        if e["prev_hash"] != prev:
            return DeviceChain(device_id, count, "chain", e["seq"])
        if entry_hash(prev, e["seq"], e["at"], e["officer_id"], e["action"], e["case_id"], e["revision_id"],
                      _detail_text(e["detail"])) != e["hash"]:
            return DeviceChain(device_id, count, "altered", e["seq"])
        prev, expected, count = e["hash"], e["seq"] + 1, count + 1
    return DeviceChain(device_id, count, "intact")


def verify_devices(engine: Engine, device_id: str | None = None) -> list[DeviceChain]:
    q = select(devaudit_t.c.device_id, devaudit_t.c.entry).order_by(devaudit_t.c.device_id, devaudit_t.c.seq)
    if device_id is not None:
        q = q.where(devaudit_t.c.device_id == device_id)
    out, current, entries = [], None, []
    with engine.connect() as conn:
        for dev, entry in conn.execute(q).yield_per(5000):
            entry = json.loads(entry) if isinstance(entry, str) else entry
            if dev != current:
                if current is not None:
                    out.append(check_chain(current, entries))
                current, entries = dev, []
            entries.append(entry)
    if current is not None:
        out.append(check_chain(current, entries))
    return out
