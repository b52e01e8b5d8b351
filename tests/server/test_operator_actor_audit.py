"""The server's command line audits each administrative act under the administrator who ran it
(``operator:<login>``: ``SUDO_USER`` through sudo, else the process's login), not one anonymous
"operator"; ``keys rotate`` records the new key's public id, the one it replaced and the signing
key's fingerprint. The chain still verifies. Fictional users and laptops only."""

from __future__ import annotations

import json
import os
import pwd

from sqlalchemy import select

from intake_app.server import devices
from intake_app.server.audit import entries_t, operator_actor, verify

from .test_cli import cli

ADMIN = "admin.ficticia"


def entries(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(entries_t).order_by(entries_t.c.seq)).all()


def test_every_cli_act_names_the_administrator_who_ran_it(srv, device_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SUDO_USER", ADMIN)
    first = len(entries(srv.engine))
    assert cli(srv, tmp_path, "user", "add", "sup.ficticia", "--role", "supervisor", "--institution", "eri") == 0
    for verb in ("disable", "enable", "unlock", "password"):
        assert cli(srv, tmp_path, "user", verb, "sup.ficticia") == 0, verb
    laptop, other, waiting = device_factory(), device_factory(), device_factory()
    for dev in (laptop, other, waiting):
        devices.register_request(srv.engine, dev.enrollment_request(), source="test")
    assert cli(srv, tmp_path, "device", "approve", laptop.device_id,
               "--fingerprint", laptop.keys.public().fingerprint()) == 0
    assert cli(srv, tmp_path, "device", "revoke", laptop.device_id, "--yes") == 0
    assert cli(srv, tmp_path, "device", "reinstate", laptop.device_id) == 0
    assert cli(srv, tmp_path, "device", "refuse", other.device_id) == 0
    assert cli(srv, tmp_path, "device", "clear-pending") == 0
    before = srv.keystore.keys().current.key_id
    assert cli(srv, tmp_path, "keys", "rotate") == 0

    acts = [e for e in entries(srv.engine)[first:] if e.action != "device_enroll_request"]  # the laptops' own
    assert {e.action for e in acts} >= {"user_add", "user_disable", "user_enable", "user_unlock", "user_password",
                                        "device_approve", "device_revoke", "device_reinstate", "device_refuse",
                                        "device_pending_cleared", "keys_rotate"}
    assert {e.actor for e in acts} == {f"operator:{ADMIN}"}, [(e.action, e.actor) for e in acts]
    rotated = next(e for e in acts if e.action == "keys_rotate")
    detail = json.loads(rotated.detail)
    assert detail["key_id"] == rotated.target and detail["key_id"] != before and detail["previous"] == before
    assert detail["signing"] == srv.keystore.keys().signing_public.fingerprint()
    assert verify(srv.engine) == len(entries(srv.engine))
    assert cli(srv, tmp_path, "audit", "verify") == 0


def test_without_sudo_the_process_login_is_named(monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    assert operator_actor() == "operator:" + pwd.getpwuid(os.geteuid()).pw_name
    monkeypatch.setenv("SUDO_USER", "ana ficticia\n" + "x" * 100)  # no blanks or control characters, bounded
    actor = operator_actor()
    assert actor.startswith("operator:anaficticia") and len(actor) <= 80
