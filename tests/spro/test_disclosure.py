"""Secondary suppression: no hidden cell can be worked back from what is published beside it.

The attacker is independent of the code under test: a linear programme (scipy) that, for each
hidden cell, finds the smallest and largest values consistent with every visible cell, every
published equation and non-negative counts. A hidden cell is protected when the two differ.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from spro.disclosure import Table, determined_cells, masked, protect

THRESHOLD = 5

# Counts skewed towards small numbers, where suppression happens.
counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


def breakdown_tables(draw_rows) -> Table:
    """A site's month: the total by sex, and several breakdowns (items × sex) published beside it."""
    sexes, breakdowns = draw_rows
    table = Table()
    by_sex = [table.cell(sum(column)) for column in zip(*breakdowns[0], strict=True)] if breakdowns else []
    grand = table.cell(sum(table.values[cell] for cell in by_sex))
    table.add_sum(by_sex, grand)
    for matrix in breakdowns:
        item_totals = []
        for row in matrix:
            cells = [table.cell(value) for value in row]
            total = table.cell(sum(row))
            table.add_sum(cells, total)
            item_totals.append((cells, total))
        table.add_sum([total for _, total in item_totals], grand)
        for sex in range(sexes):
            table.add_sum([cells[sex] for cells, _ in item_totals], by_sex[sex])
    return table


@st.composite
def published_month(draw):
    """Random breakdowns of one population: each breakdown splits the same counts by sex."""
    sexes = draw(st.integers(1, 3))
    by_sex = draw(st.lists(counts, min_size=sexes, max_size=sexes))
    breakdowns = []
    for _ in range(draw(st.integers(1, 3))):
        items = draw(st.integers(1, 5))
        matrix = [[0] * sexes for _ in range(items)]
        for sex, people in enumerate(by_sex):
            # Spread each sex's people over the items at random.
            for _person in range(people):
                matrix[draw(st.integers(0, items - 1))][sex] += 1
        breakdowns.append(matrix)
    return sexes, breakdowns


def attacker_range(table: Table, hidden: set[int], cell: int) -> tuple[float, float]:
    order = sorted(hidden)
    column = {c: i for i, c in enumerate(order)}
    a_eq, b_eq = [], []
    for equation in table.equations:
        row = [0.0] * len(order)
        known = 0.0
        for index, coefficient in equation.items():
            if index in column:
                row[column[index]] += coefficient
            else:
                known += coefficient * table.values[index]
        if any(row):
            a_eq.append(row)
            b_eq.append(-known)
    objective = [0.0] * len(order)
    objective[column[cell]] = 1.0
    low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs")
    high = linprog(
        [-v for v in objective], A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs"
    )
    assert low.status == 0, "the published table must be consistent"
    # Unbounded above (status 3): the equations let the cell grow without limit.
    assert high.status in (0, 3)
    return low.fun, (-high.fun if high.status == 0 else float("inf"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(published_month())
def test_no_hidden_cell_can_be_worked_back(month):
    table = breakdown_tables(month)
    hidden = protect(table, THRESHOLD)
    for index, value in enumerate(table.values):
        if 0 < value < THRESHOLD:
            assert index in hidden, "every small cell is hidden"
        if index in hidden:
            assert value > 0, "zeros are never hidden: secondary cells are non-zero"
    for cell in hidden:
        low, high = attacker_range(table, hidden, cell)
        assert low - 1e-6 <= table.values[cell] <= high + 1e-6
        assert high - low > 0.5, f"cell {cell} ({table.values[cell]}) is recomputable from the rest"


def test_the_subtraction_attack_on_one_breakdown_is_stopped():
    # Sex: women 12, men 3 (small), total 15. Hiding only the 3 leaves it as 15 - 12.
    table = Table()
    women, men = table.cell(12), table.cell(3)
    total = table.cell(15)
    table.add_sum([women, men], total)
    hidden = protect(table, THRESHOLD)
    assert men in hidden
    assert len(hidden) >= 2
    assert determined_cells(table, hidden) == set()
    assert masked(table.values, hidden).count(None) == len(hidden)


def test_nothing_hidden_when_no_cell_is_small():
    table = Table()
    parts = [table.cell(value) for value in (10, 0, 7)]
    total = table.cell(17)
    table.add_sum(parts, total)
    assert protect(table, THRESHOLD) == set()


@pytest.mark.parametrize("threshold", [2, 5, 11])
def test_the_threshold_is_the_callers(threshold):
    table = Table()
    parts = [table.cell(value) for value in (4, 9, 30)]
    total = table.cell(43)
    table.add_sum(parts, total)
    hidden = protect(table, threshold)
    assert {index for index, value in enumerate(table.values) if 0 < value < threshold} <= hidden
    assert determined_cells(table, hidden) == set()
