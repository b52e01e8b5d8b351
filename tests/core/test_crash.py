"""A process killed (SIGKILL) while saving leaves a vault that opens, passes its
integrity check and holds every save that had returned — and no half revision."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap

from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, ROOT

SAVER = textwrap.dedent("""
    import json, sys
    from intake_app.vault import Vault
    sys.path.insert(0, {root!r})
    from tests.conftest import load_sample
    v = Vault.open({home!r}, "oficial.prueba", {pp!r})
    rec = load_sample("intake-adult-woman")
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        r = v.save_case({{**rec, "case_status": ["active", "follow_up"][i % 2]}})
        print(r.case_id + " " + r.revision_id, flush=True)  # only after save_case returned
""")


def test_sigkill_during_saves_loses_no_returned_save(vault, home):
    vault.close()
    rng = random.Random(7)
    returned: dict[str, str] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}
    for round_ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", SAVER.format(root=str(ROOT), home=str(home), pp=PASSPHRASE)],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout.readline().strip() == "ready"
        target = rng.randint(1, 40)
        lines = []
        for _ in range(target):
            lines.append(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)  # a moment during the next saves
        rest, _ = proc.communicate()
        for line in lines + rest.splitlines():
            parts = line.split()
            if len(parts) == 2:  # a line cut by the kill is not a returned save
                returned[parts[0]] = parts[1]
        with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
            assert v.integrity_check(), round_
            assert v.audit.verify() > 0
            heads = dict(v.conn.execute("SELECT case_id, head_revision FROM cases").fetchall())
            for case_id, revision_id in returned.items():
                assert heads.get(case_id) == revision_id, round_
            # no half-written revision: every revision has its case row, every case its revision
            orphans = v.conn.execute("SELECT count(*) FROM revisions r LEFT JOIN cases c ON c.case_id = r.case_id"
                                     " WHERE c.case_id IS NULL").fetchone()[0]
            assert orphans == 0
            for (content,) in v.conn.execute("SELECT content FROM revisions"):
                json.loads(content)
    assert len(returned) >= 12
