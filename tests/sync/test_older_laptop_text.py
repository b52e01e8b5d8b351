"""A laptop from before a rule for typed text (``codebook/typed.py``) sends a name made only of
zero-width spaces, which the codebook version it names accepts: the server takes it, since a
stricter server must never hold up an older laptop's sync. Real vault, real server on
loopback. All data is fictional."""

from __future__ import annotations

from intake_app.codebook import validate_record
from intake_app.sync.client import push
from intake_app.vault import cases
from tests.conftest import load_sample

ZWSP = "\u200b"


def test_the_server_still_takes_it_from_a_laptop_without_the_rule(real_server, vault, monkeypatch):
    from intake_app.sync.client import push
    from intake_app.vault import cases

    real_server.enroll(vault)
    monkeypatch.setattr(cases, "validate_typed", validate_record)  # a laptop from before the rule
    vault.save_case({**load_sample("intake-adult-woman"), "given_names": ZWSP * 2})
    assert push(vault, real_server.url).revisions == 1
    assert real_server.scalar("SELECT count(*) FROM revisions") == 1
