"""An attacker written independently of intake_app.server.dashboard.suppress: given a
table as published (numbers, "<11", "x") and the lines that add up, find every hidden cell
whose exact value can be worked out.

1. subtraction: a line with one hidden cell gives it away; repeat with what was found
   (chains of subtractions across rows, columns, subtotals);
2. exhaustive search (small tables): every assignment of the hidden cells that respects
   what the reader knows ("<11" is 1–10, "x" is 11 or more, the lines add up); a cell
   with a single possible value is recovered.
"""

from __future__ import annotations


def subtraction(shown: dict, lines: list) -> dict:
    known = {k: int(v) for k, v in shown.items() if v.isdigit()}
    found = {}
    progress = True
    while progress:
        progress = False
        for members, total in lines:
            cells = list(members) + [total]
            unknown = [c for c in cells if c not in known]
            if len(unknown) == 1:
                c = unknown[0]
                s = sum(known[m] for m in members if m in known)
                known[c] = (known[total] - s) if c != total else s
                found[c] = known[c]
                progress = True
    return found


def exhaustive(shown: dict, lines: list, cap: int) -> dict:
    """{cell: value} for hidden cells with exactly one feasible value (cap bounds "x" cells)."""
    hidden = [k for k, v in shown.items() if not v.isdigit()]
    domains = {k: range(1, 11) if shown[k] == "<11" else range(11, cap + 1) for k in hidden}
    fixed = {k: int(v) for k, v in shown.items() if v.isdigit()}
    feasible = {k: set() for k in hidden}
    order = sorted(hidden, key=lambda k: len(domains[k]))
    assign: dict = {}

    def consistent() -> bool:
        for members, total in lines:
            vals = [assign.get(m, fixed.get(m)) for m in members]
            t = assign.get(total, fixed.get(total))
            if all(v is not None for v in vals) and t is not None and sum(vals) != t:
                return False
            if t is not None and sum(v for v in vals if v is not None) > t:
                return False
        return True

    def forced():
        """A line with one unassigned cell fixes it: (cell, value) or None."""
        for members, total in lines:
            cells = list(members) + [total]
            free = [c for c in cells if c not in fixed and c not in assign]
            if len(free) == 1:
                c = free[0]
                s = sum(assign.get(m, fixed.get(m)) for m in members if m != c)
                t = assign.get(total, fixed.get(total))
                return c, (t - s) if c != total else s
        return None

    def dfs() -> None:
        if not consistent():
            return
        free = [k for k in order if k not in assign]
        if not free:
            for k in hidden:
                feasible[k].add(assign[k])
            return
        f = forced()
        if f is not None:
            c, v = f
            if v in domains[c]:
                assign[c] = v
                dfs()
                del assign[c]
            return
        k = free[0]
        for v in domains[k]:
            assign[k] = v
            dfs()
            del assign[k]

    dfs()
    return {k: next(iter(vs)) for k, vs in feasible.items() if len(vs) == 1}
