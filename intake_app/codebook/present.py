"""A record as a person reads it, in codebook order: sections, labels, value labels."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from .model import Codebook


def present(cb: Codebook, content: Mapping[str, Any], lang: str,
            keep=lambda field: True) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Yield (section label, [(field label, value text)]) for the answered fields ``keep`` allows."""
    for section in cb.sections:
        rows: list[tuple[str, str]] = []
        for f in section.fields:
            if f.key not in content or not keep(f):
                continue
            value = content[f.key]
            if f.type == "repeat":
                for i, item in enumerate(value, 1):
                    parts = [cb.value_label(sf, item[sf.key], lang) for sf in f.subfields if sf.key in item]
                    rows.append((f"{f.label(lang)} {i}", " · ".join(parts)))
            else:
                rows.append((f.label(lang), cb.value_label(f, value, lang)))
        if rows:
            yield section.label(lang), rows
