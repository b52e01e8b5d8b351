"""Rules for what an officer types now, beyond what the codebook version demands.

:func:`validate_record` is the codebook's word: the server checks every revision a laptop
sends against it, so it must never grow stricter for a codebook version already in use, or an
updated server would refuse a bundle an older laptop validly made and hold up that laptop's
sync. Rules found later for typed input run here instead, where the text is typed (the laptop's
save and the form's live problems: :func:`validate_typed`), never at the server's ingest or an
exchange's receipt. A record saved before such a rule keeps what it has until someone edits it.

The one rule so far: a text answer made only of invisible characters (zero-width spaces and
joiners, direction marks, a byte-order mark, a soft hyphen, lone combining marks, variation
selectors, control characters, blank fillers) is no answer a person can read, and it prints blank. It is named ``text_invisible``, never with its value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..errors import FieldProblem, InvalidRecord
from .model import Codebook, Field
from .validate import validate_record

# categories that draw nothing on their own: format characters (zero-width spaces and joiners,
# direction marks, tags), marks with no letter to sit on (a lone accent, variation selectors, the
# combining grapheme joiner), control characters
_DRAW_NOTHING = frozenset({"Cf", "Mn", "Cc"})
# letters that draw nothing (Hangul fillers, the blank Braille pattern, Khmer inherent vowels)
_BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def invisible(text: str) -> bool:
    """Whether ``text`` has characters but shows none: only spaces, format characters, lone
    marks, control characters and fillers, not only spaces (which the codebook already takes as
    no answer)."""
    if not text.strip():
        return False
    for ch in text:
        if not (ch.isspace() or ch in _BLANK_FILLERS or unicodedata.category(ch) in _DRAW_NOTHING):
            return False
    return True


def _problems(fields: tuple[Field, ...], values: Mapping[str, Any], prefix: str, out: list[FieldProblem]) -> None:
    for f in fields:
        value = values.get(f.key)
        where = f"{prefix}.{f.key}" if prefix else f.key
        if f.type in ("text", "longtext") and isinstance(value, str) and value and invisible(value):
            out.append(FieldProblem(where, "text_invisible"))
        elif f.type == "repeat" and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    _problems(f.subfields, item, f"{where}[{i}]", out)


def typed_problems(cb: Codebook, clean: Mapping[str, Any]) -> list[FieldProblem]:
    """The problems of a record the codebook accepts (``clean``, as validate_record returns
    it) under the rules for typed input, in codebook order."""
    out: list[FieldProblem] = []
    _problems(tuple(f for s in cb.sections for f in s.fields), clean, "", out)
    return out


def validate_typed(cb: Codebook, content: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """:func:`validate_record`, then the rules for typed input: the record in canonical form, or
    InvalidRecord naming every problem (the codebook's first, then these)."""
    try:
        clean = validate_record(cb, content, today)
    except InvalidRecord as exc:
        raise InvalidRecord([*exc.problems, *typed_problems(cb, _shown(cb, content))]) from None
    problems = typed_problems(cb, clean)
    if problems:
        raise InvalidRecord(problems)
    return clean


def _shown(cb: Codebook, content: Mapping[str, Any]) -> Mapping[str, Any]:
    """The answers the form shows (skip logic), for naming invisible ones beside the codebook's
    problems: an answer a hidden question kept is not named (nothing under a field would say it)."""
    from .validate import visible_fields

    try:
        shown = visible_fields(cb, content)
    except Exception:  # answers too malformed for skip logic: the codebook's problems say enough
        return {}
    return {k: v for k, v in content.items() if k in shown}
