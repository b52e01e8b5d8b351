"""Realistic fictional intakes for demos, training, benchmarks and the dashboard.

Every generated person is visibly fictional: given names carry "DEMO" and document
numbers start with "DEMO". The mixes (nationalities on the Darién–Costa Rica route,
ages, sexes, posts, screening answers) are plausible, not real statistics.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Iterator

from .codebook import Codebook
from .codebook.derive import age_on

NATIONALITIES = [("VE", 34), ("HT", 12), ("CO", 9), ("EC", 10), ("CU", 5), ("CN", 4), ("NI", 6), ("PA", 3),
                 ("CR", 3), ("IN", 2), ("AF", 1), ("BD", 1), ("CM", 1), ("SN", 1), ("PE", 2), ("DO", 2),
                 ("HN", 2), ("SV", 1), ("GT", 1)]
LANG_OF = {"HT": "ht", "CN": "zh", "IN": "hi", "AF": "other", "BD": "bn", "CM": "fr", "SN": "wo"}
POSTS = [("cr_paso_canoas", 22), ("cr_penas_blancas", 16), ("cr_los_chiles", 7), ("cr_sixaola", 6),
         ("cr_aeropuerto_sjo", 5), ("cr_puerto_limon", 2), ("cr_san_jose", 4), ("pa_paso_canoas", 12),
         ("pa_guabito", 5), ("pa_darien_lajas_blancas", 15), ("pa_aeropuerto_tocumen", 4), ("pa_ciudad_panama", 2)]
FEMALE = ["María", "Ana", "Yelitza", "Daniela", "Carmen", "Rosa", "Fabiola", "Mireille", "Nadège", "Luz",
          "Valentina", "Génesis", "Yuleisy", "Mei", "Priya", "Fatou", "Sofía", "Ángela", "Marisol", "Lucía"]
MALE = ["José", "Luis", "Carlos", "Jean", "Wilson", "Yonaiker", "Andrés", "Jesús", "Pierre", "Kevin",
        "Miguel", "Wei", "Rahul", "Moussa", "Óscar", "Héctor", "Jhon", "Édgar", "Samuel", "Íñigo"]
SURNAMES = ["Rodríguez", "González", "Pérez", "Hernández", "Martínez", "García", "López", "Díaz", "Morales",
            "Jiménez", "Castillo", "Núñez", "Peña", "Joseph", "Pierre", "Louis", "Zhang", "Wang", "Singh",
            "Diallo", "Vargas", "Rojas", "Quesada", "Solís", "Araya", "Mora", "Chaves", "Villalobos", "Muñoz",
            "Ibáñez", "de la Cruz", "Ortega", "Salazar", "Espinoza", "Cedeño", "Batista", "Guerrero", "Suárez"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def fictional_intake(rng: random.Random, cb: Codebook, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    nat = _pick(rng, NATIONALITIES)
    post = _pick(rng, POSTS)
    country = cb.vocab("border_posts").get(post).attrs["country"]
    female = rng.random() < 0.46
    r = rng.random()
    age = rng.randint(1, 17) if r < 0.16 else rng.randint(18, 30) if r < 0.66 else rng.randint(31, 72)
    record_date = today - timedelta(days=rng.randint(0, 3 * 365))
    rec: dict[str, Any] = {
        "record_date": record_date.isoformat(),
        "border_post": post,
        "institution": "eri" if country == "CR" else "uia",
        "interview_language": "es",
        "given_names": f"{rng.choice(FEMALE if female else MALE)} DEMO",
        "surnames": f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
        "gender": rng.choices(["female", "male", "trans_female", "non_conforming", "unknown"],
                              [0.45, 0.52, 0.01, 0.01, 0.01])[0] if not female else
                  rng.choices(["female", "trans_female"], [0.97, 0.03])[0],
        "citizenship": nat,
        "country_of_birth": nat,
        "primary_language": LANG_OF.get(nat, "es"),
        "case_status": rng.choices(["active", "follow_up", "closed", "closed_referred"], [4, 3, 2, 2])[0],
        "consent_checklist": [t.code for t in cb.vocab("consent_checklist").terms],
    }
    if rng.random() < 0.8:
        rec["birth_date"] = (record_date - timedelta(days=age * 365 + rng.randint(0, 364))).isoformat()
    else:
        rec["age_estimate"] = age
    minor = (age if "age_estimate" in rec else age_on(date.fromisoformat(rec["birth_date"]), record_date)) < 18
    if rng.random() < 0.7:
        rec["document_type"] = rng.choice(["passport", "national_id"])
        rec["document_number"] = f"DEMO-{rng.randint(100000, 9999999)}"
    else:
        rec["document_type"] = "none"
    if minor:
        rec["accompaniment"] = rng.choices(["accompanied", "separated", "unaccompanied"], [8, 1, 1])[0]
    consent = rng.choices(["given", "refused", "not_possible"], [90, 6, 4])[0]
    rec["consent_status"] = consent
    if consent == "given":
        rec["consent_by"] = "guardian" if minor else "self"
        if minor:
            rec["guardian_name"] = f"{rng.choice(FEMALE)} DEMO {rng.choice(SURNAMES)}"
        rec["consent_purposes"] = ["services"] + (["reporting"] if rng.random() < 0.9 else [])
        rec["consent_recipients"] = rng.sample(["services", "national_authorities", "other_country", "consulate",
                                                "iom", "unhcr"], rng.randint(1, 4))
    elif consent == "not_possible" or rng.random() < 0.5:
        rec["legal_basis"] = "best_interest_child" if minor else rng.choice(["vital_interest", "legal_obligation"])
    foreign = nat != country
    if foreign:
        rec["migration_status"] = rng.choices(["irregular", "in_transit", "asylum_seeker", "regular"], [5, 4, 1, 1])[0]
        rec["sm_irregular_entry"] = rng.random() < 0.75
        rec["sm_paid_facilitator"] = rng.random() < 0.6
        if rec["sm_paid_facilitator"]:
            rec["sm_life_endangered"] = rng.random() < 0.3
            rec["sm_inhuman_treatment"] = rng.random() < 0.15
        rec["sm_transit_countries"] = sorted({"PA", "CO"} if country == "CR" else {"CO"})
    else:
        rec["migration_status"] = "national"
    if rng.random() < 0.12:  # trafficking indications
        rec["tr_acts"] = rng.sample(["recruitment", "transportation", "transfer", "harbouring", "receipt"],
                                    rng.randint(1, 3))
        purposes = rng.sample(["sexual_exploitation", "forced_labour", "forced_criminal_activity",
                               "forced_begging", "servitude"], rng.randint(1, 2))
        rec["tr_purposes"] = purposes
        if "sexual_exploitation" in purposes:
            rec["tr_sex_exploitation"] = [rng.choice(["prostitution", "remote_services", "private_services"])]
        if set(purposes) & {"forced_labour", "servitude"}:
            rec["tr_labour_industry"] = rng.choice(["a", "f", "i", "t"])
        if rng.random() < 0.8:
            rec["tr_means"] = rng.sample(["deception", "fraud", "threat", "abuse_of_vulnerability", "coercion"],
                                         rng.randint(1, 2))
        rec["tr_control_methods"] = rng.sample(["debt_bondage", "withholds_documents", "restricts_movement",
                                                "false_promises", "takes_earnings"], rng.randint(0, 3))
        rec["tr_ilo_indicators"] = rng.sample([t.code for t in cb.vocab("ilo_indicators").terms], rng.randint(0, 6))
        rec["tr_relationship"] = rng.choice(["familial", "acquainted", "unacquainted"])
        if "recruitment" in rec["tr_acts"]:
            rec["tr_recruitment_country"] = nat
        rec["tr_exploitation_country"] = rng.choice([country, nat])
        rec["narrative"] = ("Relato ficticio de demostración: la persona refiere una oferta de empleo que "
                            "resultó falsa. Texto generado, no corresponde a ninguna persona real.")
        if rng.random() < 0.3:
            rec["trafficking_status"] = rng.choice(["actual", "not_a_victim", "possible"])
            if rec["trafficking_status"] in ("actual", "not_a_victim"):
                rec["status_decided_by"] = "government_non_police"
            if rec["trafficking_status"] == "actual":
                rec["accreditation_date"] = min(today, record_date + timedelta(days=rng.randint(1, 10))).isoformat()
    for key, p in (("pn_medical_urgent", 0.06), ("pn_immediate_danger", 0.03), ("pn_no_shelter", 0.2)):
        if rng.random() < p:
            rec[key] = True
    if rec["gender"] == "female" and not minor and rng.random() < 0.05:
        rec["pn_pregnant"] = True
    if rng.random() < 0.5:
        inst = ["pani" if minor and country == "CR" else "senniaf" if minor else
                "inamu" if female and country == "CR" else "min_mujer" if female else "shelter", "iom"]
        rec["referrals"] = [{"institution": i, "date": record_date.isoformat(),
                             "outcome": rng.choice(["pending", "accepted", "completed"])} for i in inst]
    return {k: v for k, v in rec.items() if v not in ([], None)}


def fictional_intakes(n: int, seed: int = 2026, cb: Codebook | None = None, today: date | None = None) -> Iterator[dict]:
    from .codebook import load_codebook

    cb = cb or load_codebook()
    rng = random.Random(seed)
    for _ in range(n):
        yield fictional_intake(rng, cb, today)
