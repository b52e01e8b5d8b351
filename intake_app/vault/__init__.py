"""The encrypted local store (SQLCipher): see store.py, keyring.py (and keybox.py), officers.py, cases.py, audit.py."""

from .cases import CaseRecord, CaseRow, DuplicateHint, SaveResult
from .store import Officer, Vault, officer_names, vault_exists

__all__ = ["CaseRecord", "CaseRow", "DuplicateHint", "Officer", "SaveResult", "Vault", "officer_names", "vault_exists"]
