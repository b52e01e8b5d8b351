"""Running ``intake`` in-process as a person would: arguments, typed answers to prompts
(through Click's test isolation), and what comes out on stdout and stderr."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from intake_app import i18n
from intake_app.cli import main


def run_intake(*args, input: str | None = None) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``intake ARGS`` with ``input`` typed at the prompts."""
    i18n.set_language("es")  # other tests may have left another language set
    try:
        with CliRunner().isolation(input=input) as (out, err, _):
            code = main([*map(str, args)])
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        i18n.set_language("es")  # --lang is process-wide


@pytest.fixture
def intake():
    return run_intake
