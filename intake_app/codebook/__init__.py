"""The codebook: the versioned, data-only definition of every field of an intake."""

from .loader import available_versions, load_codebook, load_codebook_file, parse_codebook
from .model import Codebook, Field, Section, Term, Vocabulary
from .validate import validate_record, visible_fields
from .derive import derive
from .typed import validate_typed

__all__ = [
    "Codebook", "Field", "Section", "Term", "Vocabulary", "available_versions", "derive",
    "load_codebook", "load_codebook_file", "parse_codebook", "validate_record", "validate_typed",
    "visible_fields",
]
