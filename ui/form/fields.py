"""One editor per codebook field type (:func:`make_editor`), with a uniform face:
``value()``, ``set_value()``, ``changed``. Nothing is laid out per field by hand.

The editors live by kind: :mod:`.editor` (the face and screen-reader naming), :mod:`.plain`,
:mod:`.dates`, :mod:`.choice`, :mod:`.multi`, :mod:`.repeat`; :class:`FieldRow` (label,
editor, help, inline problem) in :mod:`.row`. Their names are imported here too, as before."""

from __future__ import annotations

from .choice import ChoiceEditor
from .dates import NO_TODAY, DateEditor, parse_date, show_date
from .editor import BIG_VOCABULARY, Editor, name_widget, part_name
from .multi import MultiEditor
from .plain import BooleanEditor, IntegerEditor, LongTextEditor, TextEditor
from .row import FieldRow

__all__ = [
    "BIG_VOCABULARY", "NO_TODAY", "BooleanEditor", "ChoiceEditor", "DateEditor", "Editor", "FieldRow",
    "IntegerEditor", "LongTextEditor", "MultiEditor", "TextEditor", "make_editor", "name_widget", "parse_date",
    "part_name", "show_date",
]


def make_editor(cb, fdef) -> Editor:
    if fdef.type == "repeat":
        from .repeat import RepeatEditor

        return RepeatEditor(cb, fdef)
    if fdef.type == "text":
        return TextEditor(fdef)
    if fdef.type == "longtext":
        return LongTextEditor(fdef)
    if fdef.type == "date":
        return DateEditor(fdef)
    if fdef.type == "integer":
        return IntegerEditor(fdef)
    if fdef.type == "boolean":
        return BooleanEditor(fdef)
    if fdef.type == "choice":
        return ChoiceEditor(fdef, cb.vocab(fdef))
    if fdef.type == "multi":
        return MultiEditor(fdef, cb.vocab(fdef))
    raise ValueError(fdef.type)
