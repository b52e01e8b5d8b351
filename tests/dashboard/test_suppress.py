"""Small-cell and complementary suppression: no subtraction attack recovers a hidden cell."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from intake_app.server.dashboard.suppress import COMPLEMENT, PRIMARY, attack, protect, shown
from intake_app.server.dashboard.tables import TOTAL, crosstab, grouped, partition

from .attacker import exhaustive, subtraction


def published(grid):
    table = grid.protect("t", "t", "t")
    return {k: shown(v, table.hidden.get(k)) for k, v in grid.values.items()}, table


def assert_safe(grid, cap=None):
    pub, table = published(grid)
    if table.withheld:  # nothing of it is published
        assert table.rows == []
        return pub
    for k, v in grid.values.items():
        if 0 < v < 11:
            assert pub[k] == "<11", k
        if pub[k].isdigit():
            assert int(pub[k]) == v
    assert subtraction(pub, grid.lines) == {}
    assert attack(grid.values, grid.lines, table.hidden) == set()
    if cap is not None:
        assert exhaustive(pub, grid.lines, cap) == {}
    return pub


def test_one_small_cell_takes_a_complement():
    grid = partition([("a", "A", 5), ("b", "B", 30), ("c", "C", 40)], "Total")
    pub = assert_safe(grid, cap=75)
    assert pub[("a", "n")] == "<11" and pub[("b", "n")] == "x" and pub[("c", "n")] == "40"
    assert pub[(TOTAL, "n")] == "75"


def test_small_total_is_hidden_too():
    grid = partition([("a", "A", 5), ("b", "B", 0)], "Total")
    pub = assert_safe(grid, cap=20)
    assert pub == {("a", "n"): "<11", ("b", "n"): "0", (TOTAL, "n"): "<11"}


def test_interval_attack_one_and_eleven():
    # 1 + 11 = 12: knowing "<11" >= 1 and "x" >= 11 pins both unless the total goes too
    grid = partition([("a", "A", 1), ("b", "B", 11), ("c", "C", 50)], "Total")
    pub = assert_safe(grid, cap=92)
    assert pub[("a", "n")] == "<11"


def test_crosstab_needs_a_rectangle():
    cells = {("r1", "c1"): 3, ("r1", "c2"): 40, ("r2", "c1"): 25, ("r2", "c2"): 60}
    grid = crosstab([("r1", "R1"), ("r2", "R2")], [("c1", "C1"), ("c2", "C2")], cells, "T", "T")
    pub = assert_safe(grid, cap=130)
    hidden = [k for k, v in pub.items() if not v.isdigit()]
    assert len(hidden) >= 4  # a 2×2 block at least


def test_groups_and_subtotals():
    grid = grouped([("__CR", "CR", [("p1", "P1", 4), ("p2", "P2", 50)]),
                    ("__PA", "PA", [("p3", "P3", 30), ("p4", "P4", 20)])], "Total")
    assert_safe(grid, cap=110)


def test_no_small_cells_nothing_hidden():
    grid = partition([("a", "A", 0), ("b", "B", 30), ("c", "C", 11)], "Total")
    assert protect(grid.values, grid.lines) == {}


small = st.integers(min_value=0, max_value=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(small, min_size=1, max_size=6))
def test_property_one_dimension(values):
    grid = partition([(f"c{i}", str(i), v) for i, v in enumerate(values)], "Total")
    assert_safe(grid, cap=sum(values) + 30)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 3), st.integers(2, 3), st.data())
def test_property_crosstab(nr, nc, data):
    cells = {(f"r{i}", f"c{j}"): data.draw(small) for i in range(nr) for j in range(nc)}
    grid = crosstab([(f"r{i}", "") for i in range(nr)], [(f"c{j}", "") for j in range(nc)], cells, "T", "T")
    pub = assert_safe(grid, cap=None)
    if sum(1 for v in pub.values() if not v.isdigit()) <= 6 and sum(cells.values()) <= 80:
        assert exhaustive(pub, grid.lines, max(sum(cells.values()), 11)) == {}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(small, min_size=1, max_size=3), min_size=1, max_size=3))
def test_property_groups(groups):
    grid = grouped([(f"__g{i}", "", [(f"g{i}p{j}", "", v) for j, v in enumerate(g)]) for i, g in enumerate(groups)],
                   "Total")
    assert_safe(grid)


def test_table_withheld_when_only_a_public_total_could_protect_it():
    # 1 + 11 = 12 with the total of persons shown elsewhere: no hiding pattern protects the 1
    table = partition([("a", "A", 1), ("b", "B", 11)], "Total").protect("t", "t", "t")
    assert table.withheld and table.rows == []


def test_kinds_are_marked():
    grid = partition([("a", "A", 2), ("b", "B", 30)], "Total")
    table = grid.protect("t", "t", "t")
    assert table.hidden[("a", "n")] == PRIMARY and COMPLEMENT in table.hidden.values()
