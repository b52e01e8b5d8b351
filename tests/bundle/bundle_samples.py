"""Synthetic, clearly fictional case revisions for bundle tests and the bundle benchmark.

Every name carries the marker ``FICTICIA``/``FICTICIO``: no real person is described.
The shape follows codebook 1.0 (field keys), the content is ~2 KB of JSON per revision.
"""

from __future__ import annotations

import random
import uuid

GIVEN = ["María", "José", "Ana Lucía", "Yessenia", "Wilson", "Mercedes", "Darío", "Fátima",
         "Jean-Baptiste", "Nadège", "Rosa Elena", "Kevin", "Yuliana", "Ousmane", "Priya"]
SURNAMES = ["FICTICIA Prueba", "FICTICIO Ejemplo", "Rodríguez FICTICIA", "Pérez FICTICIO",
            "Muñoz FICTICIA", "Jiménez FICTICIO", "Saint-Fleur FICTICIA", "Castillo FICTICIO"]
WORDS = ("la persona relata que salió de su país hace tres meses con un grupo y que en el "
         "camino le retuvieron el documento le ofrecieron trabajo en una finca y luego le "
         "dijeron que debía pagar una deuda por el transporte y la comida no podía salir sola "
         "del lugar y trabajaba más de doce horas sin pago refiere temor por su familia").split()
POSTS = ["cr_penas_blancas", "cr_los_chiles", "cr_paso_canoas", "cr_sixaola",
         "pa_paso_canoas", "pa_guabito", "pa_darien_lajas_blancas"]
COUNTRIES = ["VE", "HT", "CU", "CO", "EC", "NI", "CN", "IN", "NP", "SN", "CM", "AO"]


def fake_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_revision(rng: random.Random, n: int, *, given: str | None = None) -> dict:
    content = {
        "record_date": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        "border_post": rng.choice(POSTS),
        "institution": rng.choice(["eri", "uia", "dgme", "snm"]),
        "intake_setting": "land_border",
        "interview_language": rng.choice(["es", "ht", "fr", "en"]),
        "consent_checklist": ["purpose_explained", "data_use", "right_of_access",
                              "retention_period", "right_to_withdraw"],
        "consent_status": "given",
        "consent_by": "self",
        "consent_purposes": ["services", "reporting"],
        "consent_recipients": ["services", "national_authorities"],
        "legal_basis": "consent",
        "given_names": given or rng.choice(GIVEN),
        "surnames": rng.choice(SURNAMES),
        "other_names": "",
        "document_type": rng.choice(["passport", "national_id", "none"]),
        "document_number": f"FICT-{rng.randint(10**7, 10**8 - 1)}",
        "birth_date": f"{rng.randint(1960, 2012)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "age_estimate": None,
        "phone": f"+506 8{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "gender": rng.choice(["female", "male", "trans_female", "unknown"]),
        "citizenship": rng.choice(COUNTRIES),
        "country_of_birth": rng.choice(COUNTRIES),
        "primary_language": "es",
        "needs_interpreter": rng.random() < 0.2,
        "disability": rng.random() < 0.05,
        "accompaniment": rng.choice(["alone", "family", "group"]),
        "migration_status": rng.choice(["irregular", "in_transit", "asylum_seeker"]),
        "tr_acts": rng.sample(["recruitment", "transport", "transfer", "harbouring", "receipt"], 2),
        "tr_means": rng.sample(["deception", "coercion", "abuse_of_vulnerability", "debt"], 2),
        "tr_purposes": ["labour"],
        "tr_control_methods": rng.sample(["documents_withheld", "threats", "debt_bondage",
                                          "isolation", "restricted_movement"], 3),
        "tr_ilo_indicators": rng.sample([f"ilo_{i}" for i in range(1, 12)], 4),
        "narrative": " ".join(rng.choice(WORDS) for _ in range(rng.randint(110, 150))),
        "sm_irregular_entry": True,
        "sm_paid_facilitator": rng.random() < 0.6,
        "sm_transit_countries": rng.sample(COUNTRIES, 3),
        "pn_medical_urgent": rng.random() < 0.1,
        "pn_no_shelter": rng.random() < 0.3,
        "case_status": "open",
        "referrals": [{"institution": rng.choice(["pani", "inamu", "shelter", "consulate"]),
                       "date": "2026-11-02", "outcome": "pending"} for _ in range(rng.randint(1, 3))],
    }
    return {
        "revision_id": fake_uuid(rng),
        "case_id": fake_uuid(rng),
        "rev": 1 + n % 4,
        "parent_revision_id": None if n % 4 == 0 else fake_uuid(rng),
        "codebook_version": "1.0",
        "officer_id": f"off-{n % 3:04d}",
        "saved_at": f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
        "content": content,
    }


def make_revisions(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [make_revision(rng, i) for i in range(count)]


def make_audit(count: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    return [{"seq": i + 1, "at": f"2026-11-02T10:{i % 60:02d}:00Z", "officer_id": f"off-{i % 3:04d}",
             "action": rng.choice(["case.save", "case.view", "pdf.print", "unlock"]),
             "case_id": fake_uuid(rng), "hash": rng.randbytes(32)} for i in range(count)]


CREATED_AT = "2026-11-02T10:00:00Z"


def bundle_kwargs(device_keys, server_keys, revisions, audit=(), **overrides) -> dict:
    """Arguments for ``build_bundle`` with a device and the server's current HPKE key."""
    info = server_keys.public_info()
    kwargs = dict(device_id="dev-0001", officer_ids=["off-0000", "off-0001", "off-0002"], sequence=1,
                  prev_hash=bytes(32), created_at=CREATED_AT, codebook_versions=["1.0"],
                  revisions=list(revisions), audit=list(audit), device_keys=device_keys,
                  server_hpke_public=info.hpke_public, server_key_id=info.key_id)
    kwargs.update(overrides)
    return kwargs
