"""Core of the intake system: codebook, vault, screening, bundles, printing, server.

Nothing in this package imports Qt; ``ui/`` is the only desktop front end and it
depends on this package, never the reverse (checked by import-linter in ``make test``).
"""

__version__ = "0.1.0"
