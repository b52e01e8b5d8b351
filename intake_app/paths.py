"""Where things live: the per-installation data folder and the bundled resources.

The data folder is the per-OS user data dir (platformdirs), overridden by ``--home``
or ``INTAKE_HOME`` (tests, portable use). Resources are found the same way from a
source checkout, an installed wheel and a frozen (PyInstaller) build.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

import platformdirs

APP_NAME = "intake-app"
HOME_ENV = "INTAKE_HOME"
RESOURCES_ENV = "INTAKE_RESOURCES"


def data_home(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder for this installation (not created here)."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@cache
def resources_dir() -> Path:
    """The ``resources/`` folder: env override, frozen build, checkout, then wheel."""
    env = os.environ.get(RESOURCES_ENV)
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if (checkout / "codebook").is_dir():
        return checkout
    return _installed_resources()


def _installed_resources() -> Path:
    """An installed wheel ships ``resources/`` as ``intake_resources``, a namespace package
    (no ``__init__``): its first folder on the path that holds a codebook."""
    import importlib.util

    spec = importlib.util.find_spec("intake_resources")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "codebook").is_dir():
            return Path(location)
    raise FileNotFoundError("intake_resources")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
