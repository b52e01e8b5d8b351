"""A refused role is told which roles the endpoint needs: every role of the list, as codes,
never "?" (the list is the server's own words, not text a client typed, so the filter that
keeps typed text out of error bodies lets it through). A typed value with a space still
reads "?"."""

from __future__ import annotations

from intake_app.i18n import describe_error
from intake_app.server.auth import ROLES
from intake_app.server.errors import RoleForbidden, UnknownUser, plain_param

from .test_api import login, role_routes


def test_role_forbidden_lists_the_allowed_roles(srv):
    client = srv.client()
    srv.add_user("analista.demo", "analyst")
    srv.add_user("auditora.demo", "auditor")
    analyst, auditor = login(client, "analista.demo"), login(client, "auditora.demo")
    r = client.get("/api/v1/audit", headers=analyst)
    assert r.status_code == 403
    assert r.json() == {"code": "role_forbidden", "params": {"role": "analyst", "allowed": "auditor, administrator"}}
    r = client.get("/api/v1/aggregates", params={"view": "age"}, headers=auditor)
    assert r.json()["params"] == {"role": "auditor", "allowed": "analyst, supervisor"}
    for method, path, allowed in role_routes(client.app):  # each endpoint names exactly its own roles
        if "analyst" not in allowed and "{" not in path and method == "GET":
            body = client.get(path, headers=analyst).json()
            assert body["params"]["allowed"] == ", ".join(allowed), (path, body)
    assert set(ROLES) >= {"auditor", "administrator", "analyst", "supervisor"}


def test_the_allowed_list_still_reads_as_words():
    err = RoleForbidden(role="analyst", allowed="auditor, administrator")
    assert describe_error(err, "es") == \
        "Su rol (analista) no permite esta acción; se requiere: auditor(a), administrador(a)."
    assert plain_param("María, Pérez") == "?" and plain_param("maria, perez") == "?"  # typed text stays out
    assert plain_param(UnknownUser(username="x").params["username"]) == "x"
