"""Standard logging with a privacy filter.

The habit comes first: log ids, codes and counts, never a value a person typed. The
filter is the safety net: it masks anything in a log line that looks like a date or
a document or phone number before it is written.
"""

from __future__ import annotations

import logging
import os
import re

_MASKS = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b(?!T)"), "<date>"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<date>"),
    (re.compile(r"\b[A-Za-z]{0,3}[- ]?\d{5,}\b"), "<number>"),
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
            # keep the exception type and code, drop the traceback's local text
            exc = record.exc_info[1]
            record.msg += f" [{type(exc).__name__}: {scrub(str(exc))}]"
            record.exc_info = None
        return True


def setup_logging(level: str | None = None) -> None:
    level = level or os.environ.get("INTAKE_LOG", "WARNING")
    root = logging.getLogger()
    if any(isinstance(f, PrivacyFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter())
    root.addHandler(handler)
    root.setLevel(level)
