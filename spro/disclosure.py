"""Statistical disclosure control: hide small cells, and enough others that none can be worked back.

A published table is a list of cells (non-negative counts) tied by linear equations that a reader
knows: a row's cells add up to its total, the breakdown by sex adds up to the total by sex, and so
on. Hiding the cells under a threshold (primary suppression) is not enough: when an equation has
one hidden cell left, that cell is its total minus the visible ones. `protect` therefore hides more
cells (secondary suppression) until no hidden cell is determined by the equations.

Why "not determined by the equations" is enough: every hidden cell is strictly positive (small
cells are 1 to threshold-1, zeros are shown, and secondary cells are chosen among non-zero ones).
When the equations leave a hidden cell free, some direction of change keeps every equation true and
moves that cell; a small enough step keeps every hidden cell positive, so at least two values of the
cell fit everything published, and the reader cannot tell which one is true.

The determination test is exact (Gaussian elimination on integers): tables are small (a site's
month by breakdown and sex, a few dozen cells).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Table:
    """Cells (counts) and the equations tying them: each equation is {cell index: coefficient}
    with the meaning sum(coefficient * cell) == 0 (e.g. {a: 1, b: 1, total: -1})."""

    values: list[int] = field(default_factory=list)
    equations: list[dict[int, int]] = field(default_factory=list)

    def cell(self, value: int) -> int:
        self.values.append(int(value))
        return len(self.values) - 1

    def add_sum(self, parts: Iterable[int], total: int) -> None:
        """Declare that the cells `parts` add up to the cell `total`."""
        equation: dict[int, int] = {}
        for index in parts:
            equation[index] = equation.get(index, 0) + 1
        equation[total] = equation.get(total, 0) - 1
        self.equations.append(equation)


def _reduced_basis(rows: list[list[int]]) -> list[tuple[int, list[int]]]:
    """(pivot, row) pairs spanning the rows, in reduced echelon form over the rationals, kept as
    integer rows divided by their gcd (exact, and much faster than Fraction arithmetic)."""
    basis: list[tuple[int, list[int]]] = []
    for row in rows:
        for pivot, base in basis:
            if row[pivot]:
                factor, scale = row[pivot], base[pivot]
                row = [
                    value * scale - factor * base_value for value, base_value in zip(row, base, strict=True)
                ]
        lead = next((index for index, value in enumerate(row) if value), None)
        if lead is None:
            continue
        row = _normalised(row, lead)
        # Keep the basis reduced: clear the new pivot column from the rows already there.
        for position, (pivot, base) in enumerate(basis):
            if base[lead]:
                factor, scale = base[lead], row[lead]
                base = [value * scale - factor * new for value, new in zip(base, row, strict=True)]
                basis[position] = (pivot, _normalised(base, pivot))
        basis.append((lead, row))
    return basis


def _normalised(row: list[int], lead: int) -> list[int]:
    divisor = math.gcd(*row) or 1
    if row[lead] < 0:
        divisor = -divisor
    return [value // divisor for value in row]


def determined_cells(table: Table, hidden: set[int]) -> set[int]:
    """Hidden cells whose value follows from the equations and the visible cells.

    A hidden cell is determined when its unit vector lies in the span of the equations restricted
    to the hidden cells (the visible cells are known numbers, moved to the right-hand side): in a
    reduced echelon basis, when one basis row is a multiple of that unit vector."""
    order = sorted(hidden)
    column = {cell: position for position, cell in enumerate(order)}
    rows = []
    for equation in table.equations:
        row = [0] * len(order)
        for cell, coefficient in equation.items():
            if cell in column:
                row[column[cell]] += coefficient
        if any(row):
            rows.append(row)
    determined = set()
    for pivot, row in _reduced_basis(rows):
        if all(value == 0 for index, value in enumerate(row) if index != pivot):
            determined.add(order[pivot])
    return determined


def protect(table: Table, threshold: int) -> set[int]:
    """The cells to hide: those from 1 to threshold-1, and enough non-zero others that no hidden
    cell can be recomputed. Deterministic: the same table always hides the same cells."""
    values = table.values
    hidden = {index for index, value in enumerate(values) if 0 < value < threshold}
    if not hidden:
        return hidden
    equations_of: dict[int, list[dict[int, int]]] = {}
    for equation in table.equations:
        for cell in equation:
            equations_of.setdefault(cell, []).append(equation)
    while True:
        exposed = determined_cells(table, hidden)
        if not exposed:
            return hidden
        # For each exposed cell, hide the smallest of its nearest non-zero visible cells (ties: the
        # first one), all in one round: a table needs a few rounds, not one per hidden cell.
        chosen = set()
        for cell in sorted(exposed):
            candidates = _nearest_visible(cell, hidden, values, equations_of)
            chosen.add(min(candidates, key=lambda other: (values[other], other)))
        hidden |= chosen


def _nearest_visible(cell: int, hidden: set[int], values, equations_of) -> set[int]:
    """The non-zero visible cells closest to an exposed hidden cell: those sharing an equation with
    it, else with the hidden cells it shares an equation with, and so on.

    There always is one: the exposed cell is positive and determined, so the equations that
    determine it carry a non-zero visible value (with only zeros visible, the hidden cells could
    all be zero, and nothing would be determined)."""
    reached, frontier = {cell}, [cell]
    while frontier:
        found, next_frontier = set(), []
        for current in frontier:
            for equation in equations_of.get(current, []):
                for other in equation:
                    if other in hidden:
                        if other not in reached:
                            reached.add(other)
                            next_frontier.append(other)
                    elif values[other] > 0:
                        found.add(other)
        if found:
            return found
        frontier = next_frontier
    raise AssertionError("a determined hidden cell with no visible value around it")  # pragma: no cover


def masked(values: Sequence[int], hidden: set[int]) -> list[int | None]:
    """The values with the hidden ones replaced by None."""
    return [None if index in hidden else value for index, value in enumerate(values)]
