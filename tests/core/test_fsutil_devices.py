"""A file written "atomically" to a path that is a device or a pipe (``--out /dev/null``)
must not replace it with a regular file: as root, the rename would have put a file where
/dev/null was (seen on the development machine). A FIFO stands in for the device here."""

from __future__ import annotations

import os
import stat

import pytest

from intake_app.fsutil import NotPlain, atomic_write, os_error_kind

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")


def test_a_pipe_is_never_replaced_by_a_file(tmp_path):
    pipe = tmp_path / "salida.pdf"
    os.mkfifo(pipe)
    with pytest.raises(NotPlain) as caught:
        atomic_write(pipe, b"%PDF- ficticio")
    assert os_error_kind(caught.value) == "not_folder" and caught.value.filename == str(pipe)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)  # still the pipe
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salida.pdf"]  # no temporary twin left


def test_a_regular_file_and_a_new_one_are_written(tmp_path):
    old = tmp_path / "viejo.pdf"
    old.write_bytes(b"antes")
    atomic_write(old, b"despues")
    atomic_write(tmp_path / "nuevo.pdf", b"nuevo")
    assert old.read_bytes() == b"despues" and (tmp_path / "nuevo.pdf").read_bytes() == b"nuevo"
