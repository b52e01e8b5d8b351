"""Logging where there is no stderr (a windowed build on Windows) and into the file the
operator asks for with INTAKE_LOG_FILE, through the same privacy filter."""

from __future__ import annotations

import logging
import os
import stat
import sys

import pytest

from intake_app import logsetup


@pytest.fixture
def fresh_root(monkeypatch):
    """setup_logging on a root logger without handlers; the test's handlers go afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.raiseExceptions
    root.handlers = []
    monkeypatch.delenv("INTAKE_LOG", raising=False)
    monkeypatch.delenv("INTAKE_LOG_FILE", raising=False)
    yield root
    for handler in root.handlers:
        handler.close()
    root.handlers, level, logging.raiseExceptions = saved
    root.setLevel(level)


def test_without_stderr_nothing_writes_to_none(fresh_root, monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)
    failures = []
    monkeypatch.setattr(logging.Handler, "handleError", lambda self, record: failures.append(record))
    logsetup.setup_logging()
    assert fresh_root.handlers
    assert all(getattr(h, "stream", "no stream") is not None for h in fresh_root.handlers)
    logging.getLogger("intake_app.test").error("vault worker stopped: %s", "OSError")
    assert failures == []


def test_the_log_file_the_operator_asks_for_is_private_and_filtered(fresh_root, monkeypatch, tmp_path):
    path = tmp_path / "intake.log"
    monkeypatch.setenv("INTAKE_LOG_FILE", str(path))
    monkeypatch.setattr(sys, "stderr", None)  # as in a windowed build: the file still gets the lines
    logsetup.setup_logging("INFO")
    logging.getLogger("intake_app.test").info("sync finished: 12 cases; phone +506 7319 2846 (ficticio)")
    for handler in fresh_root.handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "sync finished: 12 cases" in text and "7319" not in text and "<number>" in text
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_log_file_that_cannot_be_opened_falls_back_and_says_so(fresh_root, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("INTAKE_LOG_FILE", str(tmp_path / "no-such-folder" / "intake.log"))
    logsetup.setup_logging()
    err = capsys.readouterr().err
    assert "INTAKE_LOG_FILE: the log file cannot be opened (FileNotFoundError)" in err
