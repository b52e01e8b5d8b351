"""Console-script wrappers: a missing extra is a sentence, not a traceback.

A plain ``pip install intake-app`` has the core and ``intake`` only: ``intake-app`` needs the
``desktop`` extra and ``intake-server`` the ``server`` one. Without it, the program says which
extra to install (Spanish first, then English) and exits with 2, before importing anything that
needs it. (``intake-app``'s wrapper is ``ui/__main__.py``: the core never imports ``ui``.)
"""

from __future__ import annotations

import importlib.util
import sys

MISSING_EXTRA = 2  # the exit code, as for a command line the program cannot run with

# what each extra brings that its program cannot start, or serve its pages, without (import
# names; the extras themselves are in pyproject.toml, and tests/test_packaging_extras.py keeps
# the two in step). Password hashing is the core's cryptography: nothing of the extra's.
EXTRA_MODULES = {
    "desktop": ("PySide6",),
    "server": ("sqlalchemy", "alembic", "fastapi", "uvicorn", "jinja2", "plotly"),
}


def missing_modules(extra: str) -> list[str]:
    return [name for name in EXTRA_MODULES[extra] if importlib.util.find_spec(name) is None]


def require_extra(extra: str, program: str) -> None:
    """Exit with MISSING_EXTRA and a bilingual sentence when ``extra`` is not installed."""
    missing = missing_modules(extra)
    if not missing:
        return
    install = f'pip install "intake-app[{extra}]"'
    if sys.stderr is not None:  # a windowed build has no stderr: the exit code says it
        print(f"{program}: falta el complemento «{extra}» ({', '.join(missing)}). Instálelo con: {install}\n"
              f"{program}: the «{extra}» extra is missing ({', '.join(missing)}). Install it with: {install}",
              file=sys.stderr)
    raise SystemExit(MISSING_EXTRA)


def server(argv: list[str] | None = None) -> int:
    """``intake-server``."""
    require_extra("server", "intake-server")
    from .server.cli import main

    return main(argv)
