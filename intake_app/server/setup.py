"""``intake-server init``: settings, database schema, encrypted key file, first administrator."""

from __future__ import annotations

from pathlib import Path


from ..bundle.serverkeys import KdfParams, KeyFileKey, ServerKeys, write_key_file
from ..fsutil import secure_mkdir
from . import audit, auth
from .config import CONFIG_NAME, Settings, sqlite_url
from .db import make_engine, transaction
from .errors import ServerAlreadyInitialized
from .keys import KeyStore
from .migrate import upgrade


def init_server(home: Path, *, db_url: str | None, passphrase: str, admin_username: str, admin_password: str,
                kdf: KdfParams = KdfParams(), **overrides) -> tuple[Settings, KeyStore]:
    """Create everything; refuses to touch an existing installation."""
    home = Path(home)
    if (home / CONFIG_NAME).exists():
        raise ServerAlreadyInitialized(home=str(home))
    secure_mkdir(home)
    settings = Settings(home=home, db_url=db_url or sqlite_url(home), **overrides)
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        if not settings.key_path.exists():
            file_key = KeyFileKey.from_passphrase(passphrase, kdf)
            write_key_file(settings.key_path, ServerKeys.generate(), file_key)
        keystore = KeyStore.open(settings.key_path, passphrase=passphrase)
        auth.add_user(engine, settings, admin_username, admin_password, "administrator", actor="operator")
        with transaction(engine) as conn:
            audit.append(conn, "operator", "server_init", None, key_id=keystore.keys().current.key_id)
    finally:
        engine.dispose()
    settings.save()  # without the password a --db URL may hold (Settings.to_json)
    return settings, keystore
