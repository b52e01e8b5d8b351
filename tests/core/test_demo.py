"""Demo intakes are valid under the codebook, varied, and visibly fictional."""

from intake_app.codebook import load_codebook, validate_record
from intake_app.demo import fictional_intakes


def test_thousands_of_demo_intakes_validate():
    cb = load_codebook()
    seen_minor = seen_birth = seen_estimate = 0
    for rec in fictional_intakes(5000, seed=11):
        validate_record(cb, rec)  # raises on the first invalid one
        assert "DEMO" in rec["given_names"]
        seen_minor += "accompaniment" in rec
        seen_birth += "birth_date" in rec
        seen_estimate += "age_estimate" in rec
    assert seen_minor > 300 and seen_birth > 3000 and seen_estimate > 500
