"""Check a record against the codebook: types, vocabularies, required-ness, skip logic
and validation rules. Returns the record in canonical form or raises InvalidRecord
naming each field and rule; nothing is stored from an invalid record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..errors import FieldProblem, InvalidRecord
from .compiled import compiled
from .model import Codebook


def validate_record(cb: Codebook, content: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """The record in canonical form (empty answers dropped, multi-selects in vocabulary order)."""
    if content.__class__ is not dict and not isinstance(content, Mapping):
        raise InvalidRecord([FieldProblem("record", "type_object")])
    return compiled(cb).validate(content, today)


def visible_fields(cb: Codebook, content: Mapping[str, Any]) -> set[str]:
    """Keys of the fields a form should show for these answers (live skip logic)."""
    view = compiled(cb)
    return view.visible({**content, **view.demographics(content)})
