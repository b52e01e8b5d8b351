"""The codebook file is read and parsed once per process, with libyaml's parser when PyYAML
has it: the first intake form of a session asked for the sharing policy, which parsed the
whole codebook twice more with the pure-Python parser on the GUI thread (about 0.2 s idle,
up to 0.7 s on a busy laptop)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from intake_app.codebook import loader
from intake_app.paths import resource

ROOT = Path(__file__).resolve().parents[2]

COUNT_PARSES = """
import json, yaml
calls = []
real = yaml.load
def load(stream, Loader):
    calls.append(Loader.__name__)
    return real(stream, Loader=Loader)
yaml.load = load
yaml.safe_load = lambda stream: load(stream, yaml.SafeLoader)
from intake_app.codebook.loader import available_versions, load_codebook
from intake_app.codebook.sharing import sharing_policy
cb = load_codebook()
policy = sharing_policy(cb)
same = [load_codebook(available_versions()[-1]) is cb, policy.codebook is cb, sharing_policy() is policy]
print(json.dumps({"calls": calls, "same": same, "profiles": len(policy.profiles)}))
"""


def test_a_process_parses_the_codebook_once_for_the_codebook_and_its_sharing_policy():
    done = subprocess.run([sys.executable, "-c", COUNT_PARSES], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    want_loader = "CSafeLoader" if yaml.__with_libyaml__ else "SafeLoader"
    assert got["calls"] == [want_loader]
    assert got["same"] == [True, True, True] and got["profiles"] > 0


def test_the_c_parser_reads_every_shipped_yaml_file_as_the_python_one():
    files = sorted(resource("codebook").glob("*.yaml")) + sorted(resource("exchange").glob("*.yaml"))
    assert files
    for path in files:
        raw = path.read_bytes()
        assert yaml.load(raw, Loader=loader.YAML_LOADER) == yaml.load(raw, Loader=yaml.SafeLoader), path.name
    if yaml.__with_libyaml__:
        assert loader.YAML_LOADER is yaml.CSafeLoader


def test_the_c_parser_refuses_what_the_safe_one_refuses(tmp_path):
    from intake_app.codebook import load_codebook_file
    from intake_app.errors import CodebookError

    bad = tmp_path / "codebook-9.9.yaml"
    bad.write_text("codebook: x\nversion: !!python/object:os.system [1]\n", encoding="utf-8")
    try:
        load_codebook_file(bad)
    except CodebookError as exc:
        assert exc.params["problem"] == "yaml_syntax"
    else:
        raise AssertionError("a python tag was accepted")
