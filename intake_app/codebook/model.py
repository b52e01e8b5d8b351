"""The codebook's in-memory shape: sections, fields, vocabularies (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("text", "longtext", "date", "integer", "boolean", "choice", "multi", "repeat")
SENSITIVITIES = ("direct", "quasi", "sensitive", "none")


@dataclass(frozen=True)
class Term:
    code: str
    es: str
    en: str
    htcds: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


@dataclass(frozen=True)
class Vocabulary:
    key: str
    terms: tuple[Term, ...]
    htcds: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {t.code: t for t in self.terms})
        object.__setattr__(self, "order", {t.code: i for i, t in enumerate(self.terms)})

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code  # type: ignore[attr-defined]

    def get(self, code: str) -> Term | None:
        return self._by_code.get(code) if isinstance(code, str) else None  # type: ignore[attr-defined]

    def label(self, code: str, lang: str) -> str:
        term = self.get(code)
        return term.label(lang) if term else code

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    es: str
    en: str
    section: str
    sensitivity: str
    help_es: str = ""
    help_en: str = ""
    vocabulary: str | None = None
    required: bool | dict = False
    show_if: dict | None = None
    validation: dict[str, Any] = field(default_factory=dict)
    htcds: dict[str, Any] | None = None
    search: bool = False
    derived: bool = False
    subfields: tuple["Field", ...] = ()

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    def help(self, lang: str) -> str:
        return self.help_es if lang == "es" else self.help_en

    @property
    def identifying(self) -> bool:
        return self.sensitivity == "direct"


@dataclass(frozen=True)
class Section:
    key: str
    es: str
    en: str
    fields: tuple[Field, ...]

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


@dataclass(frozen=True)
class Codebook:
    id: str
    version: str
    title: dict[str, str]
    sections: tuple[Section, ...]
    derived: tuple[Field, ...]
    vocabularies: dict[str, Vocabulary]
    digest: str  # sha256 of the file: bundles and the server check they mean the same text

    def __post_init__(self) -> None:
        fields = {f.key: f for s in self.sections for f in s.fields}
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "derived_fields", {f.key: f for f in self.derived})

    fields: dict[str, Field] = field(init=False, repr=False)
    derived_fields: dict[str, Field] = field(init=False, repr=False)

    def field(self, key: str) -> Field:
        return self.fields.get(key) or self.derived_fields[key]

    def vocab(self, field_or_key: Field | str) -> Vocabulary:
        key = field_or_key.vocabulary if isinstance(field_or_key, Field) else field_or_key
        return self.vocabularies[key]  # type: ignore[index]

    def value_label(self, fdef: Field, value: Any, lang: str) -> str:
        """A value as a person reads it: vocabulary labels, never codes."""
        from .. import i18n

        if value is None or value == "" or value == []:
            return ""
        if fdef.type == "choice":
            return self.vocab(fdef).label(value, lang)
        if fdef.type == "multi":
            vocab = self.vocab(fdef)
            return "; ".join(vocab.label(v, lang) for v in value)
        if fdef.type == "boolean":
            return i18n.t("value.yes" if value else "value.no", lang)
        if fdef.type == "date":
            from datetime import date

            return date.fromisoformat(value).strftime("%d/%m/%Y")
        return str(value)

    @property
    def search_fields(self) -> list[str]:
        return [f.key for f in self.fields.values() if f.search]

    @property
    def identifying_fields(self) -> list[str]:
        return [f.key for f in self.fields.values() if f.sensitivity == "direct"]
