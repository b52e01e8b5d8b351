"""A new device identity, for a laptop whose bundles the server refuses as forks.

A laptop whose disk was cloned after enrollment (two machines with one device id and
keys), or whose data folder was restored from an older backup, builds bundles whose
sequences the server already holds with other bytes: every upload is refused
``bundle_fork``, for ever. :func:`new_identity` gets it out without losing a case, in one
vault transaction:

- a new device id (uuid4 hex) and fresh signing keys replace the ``device`` row;
- a new bundle chain starts at sequence 1 (``meta`` ``sync.chain``; migration 0004). The
  old chain stays as the record it is and its undelivered bundles are never sent again.
  What the server acknowledged stays delivered (purge relies on it); every revision not
  delivered goes into the new chain's bundles, which also carry the whole audit log from
  entry 1 (the server checks each device's audit chain from its first entry). Cases shown
  ``sent`` without a receipt show ``pending`` again;
- the device is no longer enrolled: the administrator approves the new id. The old
  identity's lease and enrollment no longer apply; the pinned server keys are kept aside
  (``sync.previous_server_info``) so that the new enrollment is accepted only from the
  same server signing keys (:func:`intake_app.sync.enroll.apply_enrollment_response`);
- an audit entry ``sync_new_identity`` with the old and new device ids and the old
  chain's last sequence (ids and numbers only). It does not make a bundle by itself: it
  rides with the new chain's first one.

A revoked device cannot do it (the revocation stays the office's decision).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from ..bundle.keys import SigningKeys
from ..vault.audit import now_iso
from . import state

log = logging.getLogger(__name__)

# what belonged to the old identity's enrollment (the last contact and clock offset are the
# server's time, not the identity's, and stay)
_IDENTITY_META = (state.K_ENROLLED_AT, state.K_LEASE_UNTIL, state.K_ENROLL_POSTED)


@dataclass(frozen=True)
class NewIdentity:
    old_device_id: str
    device_id: str
    fingerprint: str  # the new signing keys' fingerprint, to read aloud at enrollment
    old_chain: int
    chain: int
    old_last_sequence: int  # the old chain's last bundle (0: none)
    undelivered_revisions: int  # revisions the new chain will carry


def undelivered_revisions(vault) -> int:
    """Revisions the server has not acknowledged in any chain (what a new identity will send)."""
    return vault.conn.execute(
        "SELECT count(*) FROM revisions r WHERE NOT EXISTS (SELECT 1 FROM sync_revisions s"
        " WHERE s.revision_id = r.revision_id AND s.delivered_at IS NOT NULL)").fetchone()[0]


def new_identity(vault) -> NewIdentity:
    """Give this laptop a new device id, keys and bundle chain (see the module doc)."""
    state.check_not_revoked(vault)
    keys = SigningKeys.generate()
    new_id = uuid.uuid4().hex
    old_id = vault.device_id
    with vault.transaction() as conn:
        state.check_not_revoked(vault)  # under the write lock too
        old_chain = state.chain(vault)
        last = conn.execute("SELECT coalesce(max(sequence), 0) FROM sync_outbox WHERE chain = ?",
                            (old_chain,)).fetchone()[0]
        chain = max(old_chain, conn.execute("SELECT coalesce(max(chain), 0) FROM sync_outbox").fetchone()[0]) + 1
        conn.execute("UPDATE device SET device_id = ?, ed25519_seed = ?, mldsa65_seed = ?, created_at = ?"
                     " WHERE one = 1", (new_id, keys.ed25519_seed, keys.mldsa65_seed, now_iso()))
        vault.set_meta(state.K_CHAIN, str(chain))
        pinned = vault.meta(state.K_SERVER_INFO)
        if pinned is not None:  # not yet enrolled again after an earlier new identity: keep that pin
            vault.set_meta(state.K_PREVIOUS_SERVER_INFO, pinned)
        for key in (state.K_SERVER_INFO, *_IDENTITY_META):
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        conn.execute("UPDATE cases SET sync_state = 'pending' WHERE sync_state = 'sent'")
        undelivered = undelivered_revisions(vault)
        vault.audit.append(vault.officer.id, "sync_new_identity", old_device=old_id, device=new_id,
                           old_last_sequence=last, chain=chain)
    log.warning("new device identity: chain %d, %d revisions to send after enrollment", chain, undelivered)
    return NewIdentity(old_id, new_id, keys.public().fingerprint(), old_chain, chain, last, undelivered)
