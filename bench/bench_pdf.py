"""Printed summary benchmark: one PDF (goal < 100 ms), 1,000 PDFs (goal < 60 s), beside a bare
reportlab document with the same text and one table, rendered in the same run (goal: within 2×).
Also a narrative of 10,000 short lines and no blank line (20,000 characters, 170 pages), beside
the bare document of the same text (it once took half a minute: quadratic in the lines).

Run: ``python -m bench.bench_pdf`` (or ``make bench``). Uses a throwaway vault with FICTIONAL
sample cases in a temporary folder, removed at the end.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ("intake-adult-woman", "intake-unaccompanied-boy", "intake-no-indications")
ONE_RUNS = 60
MANY = 1000
LINES = 10_000
LINES_RUNS = 3


def _load_sample(name: str) -> dict:
    import json

    data = json.loads((ROOT / "resources" / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def bare_pdf(summary) -> bytes:
    """The same text in a plain reportlab document: a title, one table, the narrative paragraphs."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    ss = getSampleStyleSheet()
    body = ss["BodyText"]
    rows, paras = [], []
    for label, value in summary.meta:
        rows.append([Paragraph(escape(label), body), Paragraph(escape(value), body)])
    for block in summary.blocks:
        for row in block.rows:
            if row.long:
                paras += [Paragraph(escape(p), body) for p in row.value.split("\n") if p.strip()]
            else:
                rows.append([Paragraph(escape(row.label), body), Paragraph(escape(row.value), body)])
        for table in block.tables:
            for item in table.rows:
                rows.append([Paragraph(escape(table.title), body), Paragraph(escape(" · ".join(item)), body)])
    for text, reasons in summary.screening:
        paras.append(Paragraph(escape(text + " " + "; ".join(reasons)), body))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4)
    doc.build([Paragraph(escape(summary.title), ss["Title"]), Table(rows, colWidths=[160, 320])] + paras)
    return buf.getvalue()


def _times(fn, runs: int) -> tuple[list[float], float]:
    """Wall-clock ms per run, and the mean CPU ms of this process per run (stable when the
    machine is shared: other processes steal wall time, not CPU time)."""
    out = []
    cpu = time.process_time()
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, (time.process_time() - cpu) * 1000 / runs


def _p95(xs: list[float]) -> float:
    return sorted(xs)[int(len(xs) * 0.95) - 1]


def main() -> None:
    from intake_app.printing import prepare, render_summary
    from intake_app.printing.summary import build_summary
    from intake_app.vault import Vault
    from intake_app.vault.kdf import KdfParams

    from reportlab.lib import rl_accel

    accel = "yes" if rl_accel._c_funcs else "no"
    home = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        # a cheap key derivation: the unlock is not what is measured here
        vault = Vault.create(home / "vault", "oficial.bench", "frase de banco ficticia",
                             kdf_params=KdfParams(memory_kib=8 * 1024, iterations=1))
        ids = [vault.save_case(_load_sample(name)).case_id for name in SAMPLES]
        lines_id = vault.save_case(dict(_load_sample(SAMPLES[0]), narrative=("a\n" * LINES)[:2 * LINES - 1])).case_id
        main_id = ids[0]
        for cid in ids:  # warm: fonts, codebook, catalogs, sharing profiles
            prepare(vault, cid)
        rec = vault.get_case(main_id)
        summary = build_summary(vault, rec, "official", "es")
        bare_pdf(summary)

        one_full, cpu_full = _times(lambda: render_summary(vault, main_id), ONE_RUNS)
        one_prep, cpu_prep = _times(lambda: prepare(vault, main_id), ONE_RUNS)
        one_red, cpu_red = _times(lambda: prepare(vault, main_id, copy="redacted", recipient="inamu"), ONE_RUNS)
        one_bare, cpu_bare = _times(lambda: bare_pdf(summary), ONE_RUNS)
        lines_summary = build_summary(vault, vault.get_case(lines_id), "official", "es")
        lines_full, cpu_lines = _times(lambda: prepare(vault, lines_id), LINES_RUNS)
        lines_bare, cpu_lines_bare = _times(lambda: bare_pdf(lines_summary), LINES_RUNS)
        lines_size, lines_bare_size = len(prepare(vault, lines_id).pdf), len(bare_pdf(lines_summary))

        t, c = time.perf_counter(), time.process_time()
        for i in range(MANY):
            render_summary(vault, ids[i % len(ids)], lang="es" if i % 2 == 0 else "en")
        many_full, many_full_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        for _ in range(MANY):
            bare_pdf(summary)
        many_bare, many_bare_cpu = time.perf_counter() - t, time.process_time() - c
        size = len(prepare(vault, main_id).pdf)
        bare_size = len(bare_pdf(summary))
        vault.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)

    p50 = statistics.median
    print(f"Printed intake summary (rl_accel: {accel}; {ONE_RUNS} runs for one PDF, {MANY} for the batch; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print()
    print(f"{'variant':<50} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'1,000 s':>8} {'CPU s':>6} {'KB':>5}")
    rows = [
        ("summary: official, render + sign + audit entry", one_full, cpu_full, many_full, many_full_cpu, size),
        ("summary: official, render + sign (no audit)", one_prep, cpu_prep, None, None, None),
        ("summary: redacted (INAMU), render + sign", one_red, cpu_red, None, None, None),
        ("baseline: bare reportlab, same text, one table", one_bare, cpu_bare, many_bare, many_bare_cpu, bare_size),
        (f"summary: {LINES:,} lines of narrative, render + sign", lines_full, cpu_lines, None, None, lines_size),
        (f"baseline: bare reportlab, same {LINES:,} lines", lines_bare, cpu_lines_bare, None, None, lines_bare_size),
    ]
    for name, times, cpu, many, many_cpu, nbytes in rows:
        tail = ""
        if nbytes is not None:
            tail = f"{many:8.1f} {many_cpu:6.1f}" if many is not None else f"{'':8} {'':6}"
            tail += f" {nbytes / 1024:5.1f}"
        print(f"{name:<50} {p50(times):7.1f} {_p95(times):7.1f} {cpu:7.1f} {tail}")
    print()
    ratio = p50(one_full) / p50(one_bare)
    print(f"goal one summary < 100 ms: {'met' if _p95(one_full) < 100 else 'MISSED'} (p95 {_p95(one_full):.1f} ms)")
    print(f"goal 1,000 summaries < 60 s: {'met' if many_full < 60 else 'MISSED'} ({many_full:.1f} s)")
    print(f"goal within 2x of bare reportlab: {'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}x p50, "
          f"{cpu_full / cpu_bare:.2f}x CPU)")
    ratio = p50(lines_full) / p50(lines_bare)
    print(f"goal {LINES:,} lines within 2x of bare reportlab: {'met' if ratio <= 2 else 'MISSED'} "
          f"({ratio:.2f}x p50, {cpu_lines / cpu_lines_bare:.2f}x CPU; {LINES_RUNS} runs)")

if __name__ == "__main__":
    main()
