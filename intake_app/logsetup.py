"""Standard logging with a privacy filter.

The habit comes first: log ids, codes and counts, never a value a person typed. The
filter is the safety net: it masks anything in a log line that looks like a date or
a document or phone number before it is written.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from .errors import IntakeError

_MASKS = [
    (re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b(?!T)"), "<date>"),
    (re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"), "<date>"),
    # phone numbers written in groups: +506 7319 2846, (507) 6123-4567, 8888 0000
    (re.compile(r"(?<![\w.:-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{3,4}(?:[ .-]\d{2,4}){1,3}(?![\w:-]|\.\d)"),
     "<number>"),
    # (a bundle's or receipt's file name is a sequence number, not a document: kept)
    (re.compile(r"\b[A-Za-z]{0,3}[- ]?\d{5,}\b(?!\.(?:bundle|receipt|request|response|msgpack)\b)"), "<number>"),
]


def scrub(text: str) -> str:
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text


class PrivacyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        record.exc_text = None
        if record.exc_info:
            # keep the exception type (and a typed error's code), drop the traceback: a
            # library's message may quote the very value that failed
            exc = record.exc_info[1]
            detail = f": {scrub(str(exc))}" if isinstance(exc, IntakeError) else ""
            record.msg += f" [{type(exc).__name__}{detail}]"
            record.exc_info = None
        record.stack_info = None
        return True


LOG_FILE_ENV = "INTAKE_LOG_FILE"


class _PrivateFileHandler(logging.FileHandler):
    """Appends to the file the operator named; a new file is readable by its owner only."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOINHERIT", 0),
                     0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def _handler() -> tuple[logging.Handler, str | None]:
    """Where log lines go: the file ``INTAKE_LOG_FILE`` names when the operator asks for one,
    else stderr, else nowhere (a windowed build on Windows has no stderr: a handler writing to
    ``None`` would fail on every line). Also the type of error when the file could not be opened."""
    path = os.environ.get(LOG_FILE_ENV)
    problem = None
    if path:
        try:
            return _PrivateFileHandler(path, encoding="utf-8"), None
        except OSError as exc:
            problem = type(exc).__name__
    if sys.stderr is None:
        return logging.NullHandler(), problem
    return logging.StreamHandler(sys.stderr), problem


def setup_logging(level: str | None = None, console_default: str = "WARNING") -> None:
    """Log to stderr (or to the file ``INTAKE_LOG_FILE`` names) through the privacy filter.
    ``level`` or ``INTAKE_LOG`` sets both what is logged and what is written; without them
    the root level is WARNING and the handler writes from ``console_default`` up (the field
    officer's ``intake`` passes ERROR: its worded messages already say what a warning would,
    in the person's language). Without stderr and without a file, nothing is written."""
    chosen = level or os.environ.get("INTAKE_LOG")
    # a handler that cannot write (its stream closed) must stay silent: logging's own report
    # of the failure prints the record, exception and all, past the filter
    logging.raiseExceptions = False
    root = logging.getLogger()
    if any(isinstance(f, PrivacyFilter) for h in root.handlers for f in h.filters):
        return
    handler, problem = _handler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter())
    handler.setLevel(chosen or console_default)
    root.addHandler(handler)
    root.setLevel(chosen or "WARNING")
    if str(chosen or "").upper() != "DEBUG":  # at INFO Alembic says "setup plugin …" seven times per start
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if problem:
        logging.getLogger(__name__).warning("%s: the log file cannot be opened (%s)", LOG_FILE_ENV, problem)
