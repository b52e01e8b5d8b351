"""Render the sample summaries shown in the README and docs/printing.md.

Run from the checkout: ``.venv/bin/python docs/samples/make_samples.py`` (needs pdftoppm).
Uses a throwaway vault with FICTIONAL cases; writes only PNG pages into this folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

DOCS = [  # (name, case, copy, recipient, lang)
    ("short-official-es", "short", "official", None, "es"),
    ("short-redacted-inamu-es", "short", "redacted", "inamu", "es"),
    ("short-official-en", "short", "official", None, "en"),
    ("short-redacted-shelter-en", "short", "redacted", "shelter", "en"),
    ("short-person-es", "short", "person", None, "es"),
    ("long-official-es", "long", "official", None, "es"),
    ("long-redacted-inamu-es", "long", "redacted", "inamu", "es"),
    ("long-official-en", "long", "official", None, "en"),
    ("long-redacted-inamu-en", "long", "redacted", "inamu", "en"),
]


def main() -> None:
    from intake_app.printing import prepare
    from intake_app.vault import Vault
    from intake_app.vault.kdf import KdfParams
    from tests.conftest import load_sample
    from tests.printing.print_helpers import long_case

    for old in HERE.glob("*.png"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="print-samples-"))
    try:
        vault = Vault.create(work / "vault", "oficial.demo", "frase de demostración ficticia",
                             kdf_params=KdfParams(memory_kib=8 * 1024, iterations=1))
        ids = {"short": vault.save_case(load_sample("intake-adult-woman")).case_id,
               "long": vault.save_case(long_case(load_sample)).case_id}
        for name, case, copy, recipient, lang in DOCS:
            pdf = prepare(vault, ids[case], copy=copy, recipient=recipient, lang=lang).pdf
            src = work / f"{name}.pdf"
            src.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(src), str(HERE / name)], check=True)
        vault.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(sorted(p.name for p in HERE.glob("*.png"))))


if __name__ == "__main__":
    main()
