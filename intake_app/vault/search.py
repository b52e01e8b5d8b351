"""Name and document search, and the keys behind duplicate-person hints.

The FTS5 table (``name_index``) lives inside the encrypted database and folds case
and accents (``unicode61 remove_diacritics 2``): "Gonzalez" finds "González", each
of two surnames is its own token, so "Pérez" finds "Rodríguez Pérez".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping

_WORD = re.compile(r"[0-9A-Za-z]+")
PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "dos", "das", "van", "von"}


def fold(text: str) -> str:
    """Lowercase ASCII without accents (ñ → n)."""
    nfkd = unicodedata.normalize("NFKD", text)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if w not in PARTICLES]


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every word is a quoted prefix term, all must match; or, for
    several words, the words written together as a document number ("AB 123 456" finds
    "AB123456", and "AB123456" finds "AB 123 456" through :func:`document_text`)."""
    terms = _WORD.findall(fold(text))
    if not terms:
        return None
    words_query = " ".join(f'"{t}"*' for t in terms)
    if len(terms) == 1:
        return words_query
    return f'({words_query}) OR (documents : "{"".join(terms)}"*)'


def document_key(number: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(number))


def document_text(number: str) -> str:
    """A document number as indexed: as written, plus written together when it has
    spaces, dashes or dots, so a search finds it however the officer spaces it."""
    key = document_key(number)
    return number if len(_WORD.findall(fold(number))) < 2 else f"{number} {key}"


def phonetic(word: str) -> str:
    """A Spanish-aware sound key: b/v, s/z/c(e,i), y/ll, silent h, k/q/c, j/g(e,i), doubled letters.

    Written here because the common phonetic libraries (Soundex, Metaphone) model
    English spelling and miss exactly the confusions of Spanish names."""
    w = fold(word)
    w = re.sub(r"[^a-z]", "", w)
    if not w:
        return ""
    for pat, rep in _PHONETIC_RULES:
        w = pat.sub(rep, w)
    return _DOUBLED.sub(r"\1", w).lower()


_PHONETIC_RULES = [(re.compile(p), r) for p, r in [
    (r"ph", "f"), (r"ch", "X"), (r"ll", "y"), (r"qu", "k"), (r"gu(?=[ei])", "g"),
    (r"c(?=[ei])", "s"), (r"g(?=[ei])", "j"), (r"c", "k"), (r"q", "k"), (r"z", "s"),
    (r"x", "ks"), (r"v", "b"), (r"w", "u"), (r"h", ""), (r"i", "y"),
]]
_DOUBLED = re.compile(r"(.)\1+")


def index_texts(content: Mapping[str, Any], name_fields: list[str], doc_fields: list[str]) -> tuple[str, str]:
    names = " ".join(str(content.get(k, "")) for k in name_fields if content.get(k))
    docs = " ".join(document_text(str(content.get(k, ""))) for k in doc_fields if content.get(k))
    return names, docs


def person_keys(content: Mapping[str, Any], derived: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, key) pairs; two records sharing keys are duplicate candidates."""
    keys: list[tuple[str, str]] = []
    surnames = words(content.get("surnames", ""))
    given = words(content.get("given_names", ""))
    if surnames:
        first_given = phonetic(given[0]) if given else ""
        for s in surnames:
            keys.append(("surname", phonetic(s)))
        keys.append(("name", phonetic(surnames[0]) + "|" + first_given))
    if content.get("document_number"):
        keys.append(("document", document_key(content["document_number"])))
    if content.get("birth_date"):
        keys.append(("birth", content["birth_date"]))
    return keys
