"""A simulated field device for server tests: keys, enrollment, valid fictional revisions
(hashed as the vault does), and a chain of bundles built with the bundle library.
Every person is fictional (DEMO in names)."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from intake_app.bundle.enrollment import make_enrollment_request, parse_and_verify_response
from intake_app.bundle.format import ZERO_HASH, build_bundle
from intake_app.bundle.keys import SigningKeys
from intake_app.bundle.serverkeys import ServerPublicInfo
from intake_app.codebook import load_codebook, validate_record
from intake_app.demo import fictional_intake
from intake_app.vault.cases import new_case_id, revision_hash


def utc(dt: datetime | None = None) -> str:
    return (dt or datetime.now(timezone.utc)).isoformat(timespec="microseconds")


@dataclass
class SimDevice:
    device_id: str
    keys: SigningKeys = field(default_factory=SigningKeys.generate)
    server: ServerPublicInfo | None = None
    sequence: int = 0
    prev_hash: bytes = ZERO_HASH
    heads: dict = field(default_factory=dict)  # case_id -> head revision id
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    audit_seq: int = 0

    def enrollment_request(self, post: str = "cr_paso_canoas") -> bytes:
        return make_enrollment_request(device_id=self.device_id, device_keys=self.keys, post=post,
                                       officer_labels=["turno-demo"], created_at=utc().replace("+00:00", "Z")[:19] + "Z")

    def accept_response(self, data: bytes) -> None:
        resp = parse_and_verify_response(data, device_id=self.device_id, device_public=self.keys.public())
        self.server = resp.server

    def revision(self, case_id: str | None = None, content: dict | None = None, parent: str | None = "head",
                 created_at: str | None = None) -> dict:
        cb = load_codebook("1.0")
        if content is None:
            content = validate_record(cb, fictional_intake(self.rng, cb))
        case_id = case_id or new_case_id()
        parent_id = self.heads.get(case_id) if parent == "head" else parent
        rev = {"revision_id": uuid.uuid4().hex, "case_id": case_id, "parent_id": parent_id,
               "officer_id": "oficial.demo", "created_at": created_at or utc(), "codebook_version": "1.0",
               "content": content, "content_hash": revision_hash(case_id, parent_id, "1.0", content)}
        self.heads[case_id] = rev["revision_id"]
        return rev

    def audit_entry(self, rev: dict) -> dict:
        self.audit_seq += 1
        return {"seq": self.audit_seq, "at": utc(), "officer_id": "oficial.demo", "action": "case_create",
                "case_id": rev["case_id"], "revision_id": rev["revision_id"], "detail": "{}",
                "prev_hash": "0" * 64, "hash": "0" * 64}

    def bundle(self, revisions: list[dict], audit: list[dict] | None = None, *, sequence: int | None = None,
               prev_hash: bytes | None = None, server: ServerPublicInfo | None = None) -> bytes:
        server = server or self.server
        seq = sequence if sequence is not None else self.sequence + 1
        data = build_bundle(device_id=self.device_id, officer_ids=["oficial.demo"], sequence=seq,
                            prev_hash=self.prev_hash if prev_hash is None else prev_hash,
                            created_at=utc().replace("+00:00", "Z")[:19] + "Z", codebook_versions=["1.0"],
                            revisions=revisions, audit=audit if audit is not None else [self.audit_entry(r) for r in revisions],
                            device_keys=self.keys, server_hpke_public=server.hpke_public, server_key_id=server.key_id)
        if sequence is None:
            self.sequence = seq
            self.prev_hash = hashlib.sha256(data).digest()
        return data

    def new_bundle(self, n: int) -> tuple[bytes, list[dict]]:
        revs = [self.revision() for _ in range(n)]
        return self.bundle(revs), revs
