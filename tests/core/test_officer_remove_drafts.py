"""A removed officer's unsaved drafts pass to the officer who removed them (nobody else could
ever continue them, and they hold what a person said): counted, audited without their
content, said by the CLI. Real vault files; fictional officers, passphrases and answers."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.cli import main as cli_main
from intake_app.vault import Vault
from tests.conftest import load_sample

ANA, BETO, CARLA = "ana.ficticia", "beto.ficticio", "carla.ficticia"
PASSES = {ANA: "frase ficticia de ana", BETO: "frase ficticia de beto", CARLA: "frase ficticia de carla"}
SECRET = "Relato ficticio de prueba ZZQX"


def _team_with_carlas_drafts(home) -> str:
    """ANA's vault, with BETO and CARLA; CARLA leaves two drafts (a new intake, an edit) and
    BETO one. Returns the edited case's id."""
    with Vault.create(home, ANA, PASSES[ANA]) as v:
        v.add_officer(BETO, PASSES[BETO])
        v.add_officer(CARLA, PASSES[CARLA])
        case_id = v.save_case(load_sample("intake-adult-woman")).case_id
    with Vault.open(home, CARLA, PASSES[CARLA]) as v:
        v.save_draft("d-carla-new", {"narrative": SECRET})
        v.save_draft("d-carla-edit", {**load_sample("intake-adult-woman"), "narrative": SECRET}, case_id=case_id)
    with Vault.open(home, BETO, PASSES[BETO]) as v:
        v.save_draft("d-beto", {"narrative": "borrador ficticio de beto"})
    return case_id


def test_the_removed_officers_drafts_pass_to_the_remover(home, no_delay):
    case_id = _team_with_carlas_drafts(home)
    with Vault.open(home, ANA, PASSES[ANA]) as v:
        assert v.load_drafts() == []
        removed = v.remove_officer(CARLA)
        assert (removed.name, removed.drafts) == (CARLA, 2)
        drafts = {d[0]: d for d in v.load_drafts()}
        assert set(drafts) == {"d-carla-new", "d-carla-edit"}
        assert drafts["d-carla-edit"][1] == case_id and drafts["d-carla-edit"][3]["narrative"] == SECRET
        handover = [e for e in v.audit.entries() if e.action == "draft_handover"]
        assert len(handover) == 1 and handover[0].detail == {"officer": removed.id, "count": 2}
        assert SECRET not in repr(v.audit.entries())
        v.discard_draft("d-carla-new")  # the remover may now finish or discard them
    with Vault.open(home, BETO, PASSES[BETO]) as v:  # another officer's drafts stay theirs
        assert [d[0] for d in v.load_drafts()] == ["d-beto"]
    with Vault.open(home, ANA, PASSES[ANA]) as v:
        assert [d[0] for d in v.load_drafts()] == ["d-carla-edit"]


def test_no_drafts_no_handover(home, no_delay):
    with Vault.create(home, ANA, PASSES[ANA]) as v:
        v.add_officer(CARLA, PASSES[CARLA])
    with Vault.open(home, ANA, PASSES[ANA]) as v:
        assert v.remove_officer(CARLA).drafts == 0
        assert "draft_handover" not in [e.action for e in v.audit.entries()]


@pytest.mark.parametrize("lang,words", [("es", "2 borradores sin guardar de «carla.ficticia» pasan a usted"),
                                        ("en", "2 unsaved drafts of “carla.ficticia” pass to you")])
def test_the_cli_says_so(home, tmp_path, no_delay, capsys, lang, words):
    _team_with_carlas_drafts(home)
    pass_file = tmp_path / "ana.txt"
    pass_file.write_text(PASSES[ANA] + "\n", encoding="utf-8")
    i18n.set_language(lang)
    try:
        code = cli_main(["--home", str(home), "--passphrase-file", str(pass_file), "--officer", ANA,
                         "officer", "remove", CARLA, "--yes"])
    finally:
        i18n.set_language("es")
    out = capsys.readouterr().out
    assert code == 0 and words in out
    assert SECRET not in out


def test_drafts_left_by_a_removal_from_before_the_handover_pass_at_the_next_removal(home, no_delay):
    """An officer removed by a version without the handover left drafts nobody can reach (their
    owner is gone): the next removal hands those over too."""
    _team_with_carlas_drafts(home)
    with Vault.open(home, ANA, PASSES[ANA]) as v:
        carla = v.remove_officer(CARLA)
        with v.transaction() as conn:  # as a removal by the older version left them
            conn.execute("UPDATE drafts SET officer_id = ? WHERE draft_id LIKE 'd-carla-%'", (carla.id,))
        assert [d[0] for d in v.load_drafts()] == []
        assert v.remove_officer(BETO).drafts == 3  # beto's own and carla's two
        assert sorted(d[0] for d in v.load_drafts()) == ["d-beto", "d-carla-edit", "d-carla-new"]
        counts = {e.detail["officer"]: e.detail["count"] for e in v.audit.entries() if e.action == "draft_handover"}
        assert counts[carla.id] == 2
