"""``intake-server keys passphrase``: a new passphrase for the key file.

The key file (``server.keys``) is encrypted as a whole under a key derived from the
operator's passphrase (Argon2id, a new salt here), so changing the passphrase rewrites
the file: the server keys themselves stay the same and laptops notice nothing. What the
old passphrase still opens is said to the operator, never hidden: backups made before
(each holds the key file as it was) and copies of the file on other hosts. The raw file
key for unattended starts (``INTAKE_SERVER_KEY``) changes with the passphrase.

A running server of this home holds the old file key and re-reads the file when another
process rotates the keys; after a new passphrase it could no longer read it, so the
change is refused while one runs, like ``db move``.
"""

from __future__ import annotations

import click

from .. import i18n
from ..bundle.serverkeys import KeyFileKey, read_key_file, write_key_file
from ..fsutil import exclusive_lock
from .errors import ServerError
from .keys import KeyStore


class KeysServerRunning(ServerError):
    """A server of this home is running: it could not re-read a key file under a new passphrase."""

    code = "keys_passphrase_server_running"


def change_passphrase(keystore: KeyStore, new_passphrase: str) -> KeyFileKey:
    """Rewrite the key file under ``new_passphrase`` (new salt, same cost and keys), under
    the lock ``keys rotate`` takes, so a rotation by another command is never lost."""
    path = keystore.path
    with exclusive_lock(path.with_name(path.name + ".lock")):
        keys, old = read_key_file(path, raw_key=keystore.file_key.key)
        new = KeyFileKey.from_passphrase(new_passphrase, old.kdf)
        write_key_file(path, keys, new)
    return new


def register(keys_group: click.Group, pass_ctx) -> None:
    """Add ``passphrase`` to the ``keys`` group of :mod:`.cli`."""

    @keys_group.command(name="passphrase")
    @click.option("--new-passphrase-file", type=click.Path(dir_okay=False, exists=True),
                  help="Archivo cuya primera línea es la frase nueva / file whose first line is the new passphrase.")
    @pass_ctx
    def keys_passphrase(c, new_passphrase_file: str | None) -> None:
        """Cambiar la frase de paso del archivo de llaves (detenga el servidor antes) / change the key file's
        passphrase (stop the server first)."""
        from . import audit
        from .cli import new_secret
        from .db import transaction
        from .running import RUN_DIR, running_pids
        from .setup import check_key_passphrase

        settings = c.settings()
        pids = running_pids(c.home)
        if pids:
            raise KeysServerRunning(pids=", ".join(map(str, pids)),
                                    markers=" ".join(str(c.home / RUN_DIR / str(p)) for p in pids))
        engine = c.engine()  # reachable before anything is asked or changed: the change is audited
        keystore = c.keystore()  # the current passphrase (or INTAKE_SERVER_KEY) must open the file
        new = new_secret(new_passphrase_file, i18n.t("server.prompt_new_key_passphrase"), "server.passphrase_mismatch",
                         check=lambda p: check_key_passphrase(p, settings.min_password_length))
        changed = False
        try:
            with transaction(engine) as conn:
                audit.append(conn, audit.operator_actor(), "keys_passphrase", keystore.path.name)
                change_passphrase(keystore, new)
                changed = True
        except Exception:
            if changed:  # the file has the new passphrase; only its audit entry was lost: said plainly
                click.echo(i18n.t("server.keys_passphrase_not_audited"), err=True)
            raise
        click.echo(i18n.t("server.keys_passphrase_changed", path=str(keystore.path)))
