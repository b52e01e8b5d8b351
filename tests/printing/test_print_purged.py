"""A case whose identity data were removed from this laptop after delivery: the copy for the
person is refused, the other copies say so and no longer claim the official copy keeps what
they leave out. FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app.bundle import ServerKeys
from intake_app.printing import describe_print_error, prepare, render_summary
from intake_app.printing import errors as pe
from intake_app.sync import export_to, import_receipts, purge
from tests.printing.print_helpers import flat, pdf_text
from tests.sync.helpers import MiniServer, enroll

NOTICE_ES = "Datos de identidad eliminados de este equipo tras su entrega"
NOTICE_EN = "Identity data removed from this laptop after delivery"
KEPT_ES = "La copia oficial del puesto los conserva"


@pytest.fixture
def purged_case(vault, sample, tmp_path):
    keys = ServerKeys.generate()
    enroll(vault, keys)
    mini = MiniServer(keys)
    mini.enroll(vault)
    case = vault.save_case(sample("intake-adult-woman")).case_id
    stick = tmp_path / "stick"
    stick.mkdir()
    export_to(vault, stick)
    mini.import_stick(stick)
    import_receipts(vault, stick)
    assert purge(vault).cases == 1
    return case


def test_the_copy_for_the_person_of_a_purged_case_is_refused(vault, purged_case):
    with pytest.raises(pe.PrintPersonCopyPurged) as info:
        render_summary(vault, purged_case, copy="person")
    assert info.value.params == {"case": purged_case}
    spanish = describe_print_error(info.value, "es")
    assert "se eliminaron de este equipo tras su entrega" in spanish and "servidor central los conserva" in spanish
    assert "No se imprimió nada" in spanish
    assert "removed from this laptop after delivery" in describe_print_error(info.value, "en")
    assert not [e for e in vault.audit.entries(case_id=purged_case) if e.action == "case_print"]


def test_official_and_redacted_copies_of_a_purged_case_say_so(vault, purged_case):
    official = flat(pdf_text(render_summary(vault, purged_case)))
    assert NOTICE_ES + ", el " in official  # with the date of the purge
    assert "servidor central conserva el registro completo" in official
    assert "Yelitza" not in official
    redacted = flat(pdf_text(render_summary(vault, purged_case, copy="redacted", recipient="inamu")))
    assert NOTICE_ES in redacted and "Esta copia omite" in redacted
    assert KEPT_ES not in redacted  # the official copy printed now keeps nothing more
    english = flat(pdf_text(prepare(vault, purged_case, copy="redacted", recipient="shelter", lang="en").pdf))
    assert NOTICE_EN + ", on " in english and "The post's official copy keeps them" not in english


def test_a_case_not_purged_has_no_notice(vault, sample):
    case = vault.save_case(sample("intake-adult-woman")).case_id
    assert NOTICE_ES not in flat(pdf_text(prepare(vault, case).pdf))
    redacted = flat(pdf_text(prepare(vault, case, copy="redacted", recipient="inamu").pdf))
    assert NOTICE_ES not in redacted and KEPT_ES in redacted
    assert "Yelitza FICTICIA" in flat(pdf_text(prepare(vault, case, copy="person").pdf))
