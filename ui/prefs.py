"""Non-personal preferences: language, border post, auto-lock minutes and the central
server's address. Nothing else.

Kept as ``settings.json`` in the data folder, written with ``atomic_write``. Read and
written by worker jobs (never on the GUI thread). QSettings is not used, so no
recent-file list or window state can ever hold anything personal.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

FILE = "settings.json"
DEFAULT_AUTO_LOCK = 5
LANGS = ("es", "en")


@dataclass(frozen=True)
class Prefs:
    language: str = "es"
    post: str = ""
    auto_lock_minutes: int = DEFAULT_AUTO_LOCK
    server_url: str = ""

    def with_(self, **changes) -> "Prefs":
        return replace(self, **changes)


def load(home: Path) -> Prefs:
    try:
        doc = json.loads((Path(home) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Prefs()
    lang = doc.get("language") if doc.get("language") in LANGS else "es"
    post = doc.get("post") if isinstance(doc.get("post"), str) else ""
    minutes = doc.get("auto_lock_minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 120:
        minutes = DEFAULT_AUTO_LOCK
    url = doc.get("server_url") if isinstance(doc.get("server_url"), str) else ""
    if url and not url.startswith(("https://", "http://")):
        url = ""
    return Prefs(lang, post, minutes, url)


def save(home: Path, prefs: Prefs) -> None:
    from intake_app.fsutil import atomic_write, secure_mkdir

    secure_mkdir(Path(home))
    atomic_write(Path(home) / FILE, json.dumps(asdict(prefs), indent=1).encode())
