"""JSON text of a value for a database row (revision content, device audit entries, a
case's dashboard cells), with orjson: about 7x faster than the standard library on a
revision, which ingest encodes a thousand at a time. Any valid JSON will do here (these
texts are parsed again, never hashed); anything orjson refuses (an integer beyond 64
bits, say) falls back to the standard library, so the result never depends on it."""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
