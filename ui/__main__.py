"""``intake-app`` (and ``python -m ui``): the desktop app, or, when the ``desktop`` extra is
not installed, a sentence saying to install it (exit 2) instead of a PySide6 traceback."""

import sys


def main(argv: list[str] | None = None) -> int:
    from intake_app.entry import require_extra

    require_extra("desktop", "intake-app")
    from .app import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
