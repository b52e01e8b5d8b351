"""An exchange refusal names the institution, the purpose and the kind of package in words
(the registry's institution name, the codebook's purpose label, the kind's label), never by
the registry key or the code: on the packages page (the error travels as codes in the page's
address and is worded there), in ``i18n.describe_error`` (the CLI, JSON answers, error pages) and in ``exchange recipients``."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from urllib.parse import urlencode

from intake_app.codebook import load_codebook
from intake_app.server.exchange.errors import KindNotAllowed, PurposeNotAllowed, RecipientHasNoKeys, \
    UnknownRecipient, refusal
from intake_app.i18n import describe_error
from intake_app.server.exchange.manifest_words import _WITH_KEY as WITH_KEY
from intake_app.server.exchange.manifest_words import institution, kind_label
from intake_app.server.exchange.registry import load_registry
from intake_app.server.exchange.web import _message, _params

from .test_cli_words import cli, files  # noqa: F401  (files: the pass-phrase and password files)

CASE = "7KQ3-MX2D-9FAP"  # a case id as the laptops make them (no personal data)
REASONS = ("consent_missing", "consent_refused", "consent_not_possible", "recipient_not_covered",
           "purpose_not_covered", "no_profile", "protection_risk")


def _errors():
    yield from (refusal(CASE, "pa_uia", "services", reason) for reason in REASONS)
    yield PurposeNotAllowed(recipient="cr_pani", purpose="prosecution")
    yield RecipientHasNoKeys(recipient="pa_uia")
    yield KindNotAllowed(recipient="cr_pani", kind="aggregate")


def _page_message(err, lang: str) -> str:
    """What the packages page shows after a refused action: the error's code and params go
    through the redirect's address (``_params``), then ``_message`` words them."""
    query = urlencode({"error": err.code, **_params(err), **({"lang": lang} if lang != "es" else {})})
    msg = _message(Request({"type": "http", "query_string": query.encode(), "headers": []}), lang)
    assert msg is not None and msg["kind"] == "error"
    return msg["text"]


def _expected_words(err, lang: str) -> list[str]:
    purposes = load_codebook().vocab("consent_purposes")
    words = []
    if "{recipient}" in _template(err, lang):
        words.append(load_registry().recipients[err.params["recipient"]].label(lang))
    if "{purpose}" in _template(err, lang):
        words.append(purposes.label(err.params["purpose"], lang))
    if "{kind}" in _template(err, lang):
        words.append(kind_label(err.params["kind"], lang))
    return words


def _template(err, lang: str) -> str:
    from intake_app.i18n import catalog

    return catalog(lang)["error." + err.code]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("err", list(_errors()), ids=lambda e: e.code)
def test_the_page_words_recipient_purpose_and_kind(err, lang):
    words = _expected_words(err, lang)
    assert words, err.code  # each of these sentences names at least one of them
    for text in (_page_message(err, lang), describe_error(err, lang)):
        for word in words:
            assert word in text, (err.code, lang, text)
        for code in ("pa_uia", "cr_pani", "services", "prosecution", "aggregate"):
            if err.code in WITH_KEY and f"({code})" in text:  # the key the command it names takes
                continue
            if not any(code in word for word in words):  # "services" is in an English label
                assert code not in text, (err.code, lang, text)
        assert CASE in text or "{case_id}" not in _template(err, lang)


def test_the_purpose_reads_as_a_name_in_the_sentence():
    err = refusal(CASE, "pa_uia", "services", "purpose_not_covered")
    assert "no incluye el propósito «Atención y servicios de protección»" in _page_message(err, "es")
    assert "does not cover the purpose “Assistance and protection services”" in _page_message(err, "en")


def test_an_unknown_recipient_keeps_the_key_it_was_given():
    """The key typed is the point of that sentence: it is not in the registry."""
    text = describe_error(UnknownRecipient(recipient="nadie"), "es")
    assert "El destinatario nadie no está en el registro" in text


def test_a_hand_typed_address_words_what_it_knows_and_marks_the_rest():
    query = urlencode({"error": "exchange_purpose_not_allowed", "recipient": "zz_nadie", "purpose": "services"})
    text = _message(Request({"type": "http", "query_string": query.encode(), "headers": []}), "es")["text"]
    assert institution("zz_nadie", "es") in text and "desconocido en este servidor" in text
    assert "«Atención y servicios de protección»" in text
    query = urlencode({"error": "exchange_recipient_no_keys"})  # no recipient: "?", never "{recipient}"
    text = _message(Request({"type": "http", "query_string": query.encode(), "headers": []}), "es")["text"]
    assert "llaves públicas de ?:" in text and "{" not in text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_exchange_recipients_lists_purposes_in_words(make, files, capsys, lang):
    cr = make("cr", "cr_eri")
    code, out = cli(capsys, files, cr, "exchange", "recipients", lang=lang)
    assert code == 0, out
    purposes = load_codebook().vocab("consent_purposes")
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:] if "\t" in line}
    for rec in load_registry():
        shown = rows[rec.key][2]
        assert shown == "; ".join(purposes.label(p, lang) for p in rec.purposes), (rec.key, shown)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_times_in_exchange_refusals_read_as_the_pages_write_them(lang):
    from intake_app.server.exchange.errors import KeyOlderThanImported, PackageFromTheFuture

    older = describe_error(KeyOlderThanImported(recipient="pa_uia", found="2026-01-05T10:00:00Z",
                                                current="2026-03-01T08:30:00+00:00"), lang)
    future = describe_error(PackageFromTheFuture(created_at="2031-01-01T00:00:00Z", now="2026-11-25T01:00:00Z",
                                                 minutes=15), lang)
    assert "05/01/2026 10:00 UTC" in older and "01/03/2026 08:30 UTC" in older
    assert "01/01/2031 00:00 UTC" in future and "25/11/2026 01:00 UTC" in future
    assert "T10:00" not in older and "2031-01-01T" not in future


def test_an_older_key_file_is_told_by_its_time_whatever_the_writer_spelled_it():
    from intake_app.server.exchange.registry import _moment

    assert _moment("2026-03-01T08:30:00Z") == _moment("2026-03-01T08:30:00+00:00")
    assert _moment("2026-03-01T08:30:00.5+00:00") > _moment("2026-03-01T08:30:00Z")  # text order says otherwise
