"""Frozen entry point: the same ``main()`` as the ``intake-app`` console script."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
