"""A laptop revoked by mistake, made active again with the server's signed word
(docs/sync.md, "Lease and revocation"; docs/server.md, "A laptop revoked by mistake").

The office undoes the revocation (``intake-server device reinstate ID``, with ``--dir STICK``
to write the laptop's signed status on a stick). The laptop then applies that status to a
vault opened ``Vault.open(..., for_reinstatement=True)`` (nothing else may use it), read
live from the server (:func:`reinstate_online`) or from the stick
(:func:`reinstate_from_stick`). Only a status signed by the pinned server keys, made after
the revocation and saying the device is active, clears the mark (:func:`.state.reinstate`,
audited ``device_reinstated``). Otherwise nothing changes and a typed error says why:

- the server still says revoked: :class:`DeviceRevoked`;
- the stick holds no status for this laptop: :class:`NoStatus`;
- the stick's status was made before the revocation (left from an earlier sync) or still
  says revoked: :class:`StickStatusBeforeReinstatement` (a ``DeviceRevoked``), whose words
  ask the office for ``intake-server device reinstate ID --dir``;
- the stick's status is signed by another server: :class:`StickOtherServer`;
- the server cannot be reached: :class:`ServerUnreachable` and its kinds.

Either way the caller closes the vault afterwards: a reinstated vault is opened again
normally. ``intake sync reinstate`` and the desktop's «Reactivar este equipo…» both call
these functions. No Qt here."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from ..bundle import device_auth
from ..bundle.errors import BundleError, ServerKeyUntrusted
from ..bundle.status import StatusNotFromServer
from ..fsutil import NotPlain, check_plain_dirs, read_plain
from .errors import DeviceRevoked, NoStatus, StickOtherServer, StickStatusBeforeReinstatement
from .status import apply_status

log = logging.getLogger(__name__)

VaultCall = Callable[[Callable[[Any], Any]], Any]


def reinstate_online(vault, server_url: str, *, client=None) -> str:
    """Read this laptop's signed status from the server and apply it (the HTTP on this
    thread). Returns the lease state; raises DeviceRevoked while the server still says so."""
    return reinstate_online_via(lambda fn: fn(vault), server_url, client=client)


def reinstate_online_via(vault_call: VaultCall, server_url: str, *, client=None) -> str:
    """:func:`reinstate_online` with the HTTP on the calling thread and each vault step run
    through ``vault_call(fn)`` (``fn(vault)`` on the thread that owns the vault, as
    :func:`.client.enroll_online_via` does): a slow server never holds the vault worker."""
    from .client import SyncClient

    device_id, key = vault_call(lambda v: (v.device_id, device_auth.read_key(v.device_keys())))
    own = client is None
    client = (client or SyncClient(server_url)).sign_as(device_id, key)
    try:
        data = client.status(device_id)
    finally:
        if own:
            client.close()
    return vault_call(lambda v: apply_status(v, data, live=True))


def reinstate_from_stick(vault, folder: str | os.PathLike) -> str:
    """Apply the signed status the office wrote on the stick (``intake-server device
    reinstate ID --dir``): ``intake-receipts/<device>/status.msgpack``. Returns the lease
    state. A status carried on a stick may be old: it counts only if made after the
    revocation (:class:`StickStatusBeforeReinstatement` otherwise)."""
    from .usb import MAX_READ, RECEIPTS_DIR, STATUS_NAME, _read_error, check_dir

    root = check_dir(folder, write=False)
    device_id = vault.device_id
    try:
        path = check_plain_dirs(root, RECEIPTS_DIR, device_id) / STATUS_NAME
    except NotPlain:
        raise NoStatus(device_id=device_id) from None  # a link where the folder must be: read nothing
    if not path.is_file():
        raise NoStatus(device_id=device_id)
    try:
        data = read_plain(path, MAX_READ)
    except OSError as exc:
        raise _read_error(exc, path) from None
    try:
        return apply_status(vault, data, live=False)
    except DeviceRevoked:
        raise StickStatusBeforeReinstatement(device_id=device_id) from None
    except (StatusNotFromServer, ServerKeyUntrusted) as err:
        if isinstance(err, ServerKeyUntrusted) and err.params.get("reason") not in ("signing_key", "signature"):
            raise
        log.warning("status on the stick signed by another server: %s", err.code)
        raise StickOtherServer(device_id=device_id) from None
    except BundleError as err:
        log.warning("status on the stick refused: %s", err.code)
        raise
