"""One word for one thing in everything a person reads (a language review found several).

Spanish: the field laptop is an "equipo"; a sync bundle is a "lote" (a "paquete" is only an
exchange package between institutions); a laptop is "inscrito" (enrolled) and "revocado"
(revoked); its offline lease is a "plazo sin conexión"; a cryptographic key is a "llave"
(an officer has a "frase de paso", a server user a "contraseña"); a redacted copy is a
"copia resumida", as the printed PDF says; a receipt is a "recibo". English: "laptop",
"Sign in" / "Sign out". Role names are the same on every page and command.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from intake_app import i18n

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"

# every catalog a person reads, both languages (a new catalog must be added here)
SPANISH_CATALOGS = ("es.json", "bundle.es.json", "dashboard.es.json", "exchange.es.json", "printing.es.json",
                    "server.es.json", "sync.es.json", "ui.es.json")
ENGLISH_CATALOGS = tuple(name.replace("es.json", "en.json") for name in SPANISH_CATALOGS)

SPANISH_FORBIDDEN = {
    r"\bde baja\b": "revocar / revocado",
    r"\blicencia": "plazo sin conexión",
    r"\bcomputadora": "equipo",
    r"\bdispositivo": "equipo",
    r"\bacuse de recibo": "recibo",
    r"\bcopia reducida": "copia resumida",
    r"\bclaves?\b": "llave(s); «frase de paso» or «contraseña» for secrets a person types",
    r"\bregistr\w* (del|el|este) equipo|\bequipo (no )?registrado": "inscripción / inscribir / inscrito",
}
ENGLISH_FORBIDDEN = {
    r"\blog ?in\b|\blog ?out\b|\blogged (in|out)\b": "Sign in / Sign out",
    r"\bcomputers?\b": "laptop",
}
# "paquete" is an exchange package: only the exchange catalog may say it
PAQUETE = re.compile(r"\bpaquetes?\b", re.IGNORECASE)
PAQUETE_ALLOWED = {"exchange.es.json"}
# (catalog, key, pattern) a text may keep, with the reason; none today
ALLOWED: set[tuple[str, str, str]] = set()


def _catalog(name: str) -> dict[str, str]:
    return json.loads((I18N / name).read_text(encoding="utf-8"))


def _offences(names, forbidden) -> list[str]:
    found = []
    for name in names:
        for key, text in _catalog(name).items():
            for pattern, instead in forbidden.items():
                if re.search(pattern, text, re.IGNORECASE) and (name, key, pattern) not in ALLOWED:
                    found.append(f"{name}: {key}: use {instead}")
    return found


def test_the_list_of_catalogs_is_complete():
    on_disk = {p.name for p in I18N.glob("*.json")}
    assert on_disk == set(SPANISH_CATALOGS) | set(ENGLISH_CATALOGS)


def test_old_spanish_terms_do_not_come_back():
    assert _offences(SPANISH_CATALOGS, SPANISH_FORBIDDEN) == []
    bundles = [f"{name}: {key}: a sync bundle is a «lote»" for name in SPANISH_CATALOGS if name not in PAQUETE_ALLOWED
               for key, text in _catalog(name).items() if PAQUETE.search(text)]
    assert bundles == []


def test_old_english_terms_do_not_come_back():
    assert _offences(ENGLISH_CATALOGS, ENGLISH_FORBIDDEN) == []


def test_the_forbidden_terms_are_found():
    """The check itself: each pattern catches the old wording it replaced."""
    old = ["Equipo dado de baja", "Licencia hasta 2026", "la computadora que lo imprimió", "otro dispositivo",
           "El acuse de recibo", "Copia reducida para", "archivo de claves", "Solicitud de registro del equipo",
           "Equipo registrado."]
    for text in old:
        assert any(re.search(p, text, re.IGNORECASE) for p in SPANISH_FORBIDDEN), text
    for text in ("Log in to continue.", "Officers on this computer"):
        assert any(re.search(p, text, re.IGNORECASE) for p in ENGLISH_FORBIDDEN), text


def test_role_names_are_the_same_on_every_page():
    """One wording per role (``role.*``) for the command line, the errors and every page."""
    for lang in i18n.LANGUAGES:
        cat = i18n.catalog(lang)
        assert {k for k in cat if k.startswith("role.")} == {f"role.{r}" for r in
                                                              ("administrator", "supervisor", "analyst", "auditor")}
        assert [k for k in cat if ".role." in k] == [], lang  # no second set (the dashboard had one)
    templates = ROOT / "intake_app" / "server" / "templates"
    uses = {m for p in templates.rglob("*.html") for m in re.findall(r't\("([a-z_.]*role\.)', p.read_text("utf-8"))}
    assert uses == {"role."}


def _help_texts(group: click.Group):
    for cmd in [group, *group.commands.values()]:
        yield cmd.help or ""
        for param in cmd.params:
            yield getattr(param, "help", None) or ""
        if isinstance(cmd, click.Group) and cmd is not group:
            yield from _help_texts(cmd)


def test_command_line_help_uses_the_same_terms():
    from intake_app.cli import cli as intake_cli
    from intake_app.cli import audit_cmds, case_cmds, demo_cmds, print_cmds, sync_cmds, vault_cmds  # noqa: F401
    from intake_app.server.cli import cli as server_cli

    texts = [*_help_texts(intake_cli), *_help_texts(server_cli)]
    assert len(texts) > 50
    bad = [t for t in texts for p in SPANISH_FORBIDDEN if re.search(p, t, re.IGNORECASE)]
    bad += [t for t in texts for p in ENGLISH_FORBIDDEN if re.search(p, t, re.IGNORECASE)]
    assert bad == []


def test_a_refused_approval_words_the_role():
    pytest.importorskip("fastapi")
    from intake_app.server.exchange.errors import ApproverNotSupervisor

    es = i18n.describe_error(ApproverNotSupervisor(role="analyst"), "es")
    en = i18n.describe_error(ApproverNotSupervisor(role="analyst"), "en")
    assert "rol de supervisor(a)" in es and "(su rol: analista)" in es and "analyst" not in es
    assert "(your role: analyst)" in en
