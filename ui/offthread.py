"""A network step run on a thread of its own, off the GUI thread and off the vault worker
(``ui.enroll_online``, ``ui.reinstate``): its result or typed error comes back through a
queued Qt signal ``finished(result, error)``, so a slow server never freezes the window or
holds the vault. A dialog closed meanwhile is no error: what the step applied stays applied."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from intake_app.errors import IntakeError

log = logging.getLogger(__name__)


def run_off_gui(step: Callable[[], Any], finished, name: str, what: str) -> None:
    """Run ``step()`` on a daemon thread named ``name``; emit ``finished(result, None)`` or
    ``finished(None, error)``. An error that is not a typed core error is logged by its type
    only (``what`` says which step), never its text."""

    def work() -> None:
        try:
            result, error = step(), None
        except Exception as exc:  # typed core errors, handed to the GUI thread
            result, error = None, exc
            if not isinstance(exc, IntakeError):
                log.error("%s failed: %s", what, type(exc).__name__)
        try:
            finished.emit(result, error)
        except RuntimeError:  # the dialog is gone
            pass

    threading.Thread(target=work, name=name, daemon=True).start()
