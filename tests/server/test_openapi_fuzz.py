"""schemathesis against the server's own OpenAPI description: no input gives a 500,
and every error is the typed JSON ``{"code", "params"}`` (no stack trace).

The operations and their input strategies come from schemathesis; hypothesis drives them
directly (schemathesis' pytest plugin does not load under this pytest)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402


def test_no_500_on_any_operation(srv):
    app = srv.app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    checked = []
    for op in operations:
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def run(case):
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.status_code)
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"code", "params"} and "Traceback" not in response.text

        run()
        checked.append(f"{op.method.upper()} {op.path}")
    assert "POST /api/v1/bundles" in checked
