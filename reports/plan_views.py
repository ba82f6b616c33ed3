"""Read models of a plan page: sections as in the document, overall progress, and the
responsibility matrix. Pure functions over items already loaded with their units, group
members and sub-tasks (see web/views/plans.py `_items`): no statement of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models import Task, TaskState, UnitRole
from workflow.rollup import progress


@dataclass
class Section:
    """A run of items under the same document heading ("I", "II" … or none)."""

    title: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)


def sections(rows: list[dict[str, Any]]) -> list[Section]:
    """Consecutive rows with the same `task.section`, in document order."""
    out: list[Section] = []
    for row in rows:
        title = row["task"].section
        if not out or out[-1].title != title:
            out.append(Section(title))
        out[-1].rows.append(row)
    return out


def plan_progress(items: list[Task]) -> tuple[int, int]:
    """(verified, counted) over the tasks that carry the work: each sub-task of a fanned-out
    item counts, its parent does not; cancelled ones are left out (as in the roll-up)."""
    states: list[TaskState] = []
    for task in items:
        states += [s.state for s in task.subtasks] if task.subtasks else [task.state]
    return progress(states)


@dataclass
class Cell:
    role: str  # "lead" or "coordinating"
    via_group: str | None = None  # the group's name when the unit is named through it


@dataclass
class MatrixRow:
    unit_id: int | None
    name: str
    cells: dict[int, Cell] = field(default_factory=dict)

    @property
    def lead(self) -> int:
        return sum(1 for c in self.cells.values() if c.role == UnitRole.LEAD)

    @property
    def coordinating(self) -> int:
        return sum(1 for c in self.cells.values() if c.role == UnitRole.COORDINATING)


@dataclass
class Matrix:
    items: list[Task]
    rows: list[MatrixRow]


def matrix(items: list[Task]) -> Matrix:
    """Units × items: who leads (C) and who coordinates (P) each item. Groups are expanded
    to their member units and marked as named through the group; a unit named both
    directly and through a group keeps the direct mark, and lead outranks coordinating."""
    rows: dict[Any, MatrixRow] = {}

    def mark(key: Any, unit_id: int | None, name: str, task_id: int, cell: Cell) -> None:
        row = rows.setdefault(key, MatrixRow(unit_id, name))
        current = row.cells.get(task_id)
        rank = (cell.role == UnitRole.LEAD, cell.via_group is None)
        if current is None or rank > (current.role == UnitRole.LEAD, current.via_group is None):
            row.cells[task_id] = cell

    for task in items:
        for tu in task.units:
            role = tu.role.value
            if tu.unit is not None:
                mark(tu.unit.id, tu.unit.id, tu.unit.name, task.id, Cell(role))
            elif tu.group is not None:
                for member in tu.group.members:
                    mark(member.id, member.id, member.name, task.id, Cell(role, tu.group.name))
            else:
                # Not resolved to the directory: shown as written, so nothing is lost.
                mark(("mention", tu.mention), None, tu.mention, task.id, Cell(role))
    ordered = sorted(rows.values(), key=lambda r: (-r.lead, -r.coordinating, r.name))
    return Matrix(items, ordered)
