"""Crash safety: ``intake sync export`` killed with SIGKILL at random moments, many times;
after each kill a re-run finishes the job with nothing lost and nothing duplicated, and
the stick holds only whole files (or .part leftovers nobody reads)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from intake_app.bundle import ZERO_HASH
from intake_app.sync.usb import BUNDLE_RE, BUNDLES_DIR
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, ROOT, load_sample

from .helpers import read_stick

ROUNDS = 9


def _export_cmd(home, pfile, stick):
    return [sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(pfile),
            "sync", "export", "--to", str(stick)]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}


def _check_stick(home, stick, server_keys):
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        assert v.integrity_check() and v.audit.verify() > 0
        bundles = read_stick(stick, v.device_keys().public(), server_keys, v.device_id)
        seqs = sorted(bundles)
        assert seqs == list(range(1, len(seqs) + 1))  # nothing delivered yet: all on the stick
        prev = ZERO_HASH
        seen_revs: list[str] = []
        seen_audit: list[int] = []
        for s in seqs:
            ob = bundles[s]
            assert ob.header.prev_hash == prev, s  # one chain, no fork
            prev = ob.bundle_hash
            seen_revs += ob.revision_ids
            seen_audit += ob.audit_seqs
        vault_revs = [r[0] for r in v.conn.execute("SELECT revision_id FROM revisions ORDER BY seq")]
        assert seen_revs == vault_revs  # nothing lost, nothing twice, in order
        assert seen_audit == sorted(set(seen_audit)) and seen_audit == list(range(1, len(seen_audit) + 1))
        stored = [bytes(r[0]) for r in v.conn.execute("SELECT bundle FROM sync_outbox ORDER BY sequence")]
        on_stick = [(stick / BUNDLES_DIR / v.device_id / f"{s:08d}.bundle").read_bytes() for s in seqs]
        assert stored == on_stick
        return len(seqs), len(vault_revs)


# ``intake sync export`` itself, with each file write announced on stdout, so a kill can
# land at a chosen point: before, during or after any bundle or manifest write.
ANNOUNCING = """
import sys, time
from intake_app.sync import usb
orig = usb.atomic_write
def announced(path, data, mode=0o600):
    print("write " + path.name, flush=True)
    orig(path, data, mode)
    print("wrote " + path.name, flush=True)
usb.atomic_write = announced
from intake_app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _kill_at_event(cmd, rng) -> str:
    proc = subprocess.Popen([sys.executable, "-c", ANNOUNCING, *cmd[3:]], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    target = rng.randint(1, 6)
    seen = ""
    for _ in range(target):
        line = proc.stdout.readline()
        if not line:
            break
        seen = line.strip()
    if proc.poll() is None:
        if seen.startswith("write") and rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.002))  # sometimes mid-write rather than just before
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    return seen or "start"


def test_sigkill_during_export_then_rerun_loses_and_duplicates_nothing(enrolled, home, passphrase_file, tmp_path,
                                                                        server_keys):
    stick = tmp_path / "stick"
    stick.mkdir()
    rng = random.Random(20261123)
    sample = load_sample("intake-adult-woman")
    enrolled.close()
    cmd = _export_cmd(home, passphrase_file, stick)
    # how long one plain export takes here, to spread the random-time kills over it
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        for _ in range(5):
            v.save_case(sample)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    span = time.perf_counter() - t0
    where: list[str] = []
    for round_ in range(ROUNDS):
        with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
            for i in range(rng.randint(1, 25)):
                v.save_case({**sample, "case_status": ["active", "follow_up"][i % 2]})
        if round_ % 3 == 2:  # the plain command, killed at a random time
            proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(span * 0.3, span * 1.05))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            where.append(f"t={proc.returncode}")
        else:
            where.append(_kill_at_event(cmd, rng))
        # a reader now sees whole bundle files only (a .part is never named like a bundle)
        dev_dir = next((stick / BUNDLES_DIR).iterdir())
        for p in dev_dir.iterdir():
            assert BUNDLE_RE.match(p.name) or p.name == "manifest.msgpack" or p.name.endswith(".part"), p.name
        done = subprocess.run(cmd, env=_env(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-500:]
        assert not [p for p in dev_dir.iterdir() if p.name.endswith(".part")]
        _check_stick(home, stick, server_keys)
    print("kills at:", where)
    # the kills landed in different places, including between writes
    assert sum(1 for w in where if w.startswith(("write", "wrote"))) >= ROUNDS // 3, where
