"""Read models of a plan page: sections as in the document, overall progress, and the
responsibility matrix. At city scale (issue 12) a plan holds thousands of sub-tasks, so the
page reads one page of items, its sub-tasks' roll-ups as counts and the matrix from plain
rows (`item_page`, `matrix_data`), a fixed number of statements whatever the plan's size;
`matrix` and `plan_progress` remain pure functions over items already loaded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Task, TaskState, TaskTally, TaskUnit, Unit, UnitGroup, UnitRole, db
from models import unit_group_members as members_table
from reports.progress import Page, paginate_rows
from workflow.rollup import progress

# A fanned-out item lists its sub-tasks inline up to this many (the 22 district offices);
# beyond, the page shows the count and the roll-up and links to the item's own page.
SUBTASKS_INLINE = 30


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
    """Units × items from items loaded with their units and groups' members."""
    unit_rows = [
        (task.id, tu.unit_id, tu.group_id, tu.role.value, tu.mention)
        for task in items
        for tu in task.units
    ]
    members: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    group_names: dict[int, str] = {}
    for task in items:
        for tu in task.units:
            if tu.unit is not None:
                names[tu.unit.id] = tu.unit.name
            elif tu.group is not None:
                group_names[tu.group.id] = tu.group.name
                members[tu.group.id] = [m.id for m in tu.group.members]
                names.update((m.id, m.name) for m in tu.group.members)
    return build_matrix(items, unit_rows, members, names, group_names)


def build_matrix(
    items: list[Any],
    unit_rows: list[tuple[int, int | None, int | None, str, str]],
    members: dict[int, list[int]],
    names: dict[int, str],
    group_names: dict[int, str],
) -> Matrix:
    """Units × items: who leads (C) and who coordinates (P) each item. Groups are expanded
    to their member units and marked as named through the group; a unit named both
    directly and through a group keeps the direct mark, and lead outranks coordinating.
    `unit_rows` are (task id, unit id, group id, role, mention) as task_units holds them."""
    rows: dict[Any, MatrixRow] = {}

    def mark(key: Any, unit_id: int | None, name: str, task_id: int, cell: Cell) -> None:
        row = rows.setdefault(key, MatrixRow(unit_id, name))
        current = row.cells.get(task_id)
        rank = (cell.role == UnitRole.LEAD, cell.via_group is None)
        if current is None or rank > (current.role == UnitRole.LEAD, current.via_group is None):
            row.cells[task_id] = cell

    for task_id, unit_id, group_id, role, mention in unit_rows:
        if unit_id is not None:
            mark(unit_id, unit_id, names.get(unit_id, mention), task_id, Cell(role))
        elif group_id is not None:
            for member in members.get(group_id, []):
                cell = Cell(role, group_names.get(group_id, mention))
                mark(member, member, names.get(member, ""), task_id, cell)
        else:
            # Not resolved to the directory: shown as written, so nothing is lost.
            mark(("mention", mention), None, mention, task_id, Cell(role))
    ordered = sorted(rows.values(), key=lambda r: (-r.lead, -r.coordinating, r.name))
    return Matrix(items, ordered)


def matrix_sections(plan_id: int) -> list[tuple[str, int]]:
    """The plan's sections in document order with how many items each holds ("" for
    items under no heading), one statement: the matrix shows one section at a time."""
    rows = db.session.execute(
        sa.select(Task.section, sa.func.count(), sa.func.min(Task.position))
        .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
        .group_by(Task.section)
        .order_by(sa.func.min(Task.position))
    ).all()
    return [(section or "", n) for section, n, _ in rows]


def matrix_data(plan_id: int, section: str | None = None) -> Matrix:
    """The plan's matrix from plain rows: its items (of one section when `section` is
    given, "" meaning no heading), their task units, the members and names of the groups
    and units they name (five statements, no ORM objects)."""
    top = sa.and_(Task.plan_id == plan_id, Task.parent_id.is_(None))
    if section is not None:
        top = sa.and_(top, Task.section.is_(None) if section == "" else Task.section == section)
    items = [
        SimpleNamespace(id=i, number=number, title=title)
        for i, number, title in db.session.execute(
            sa.select(Task.id, Task.number, Task.title).where(top).order_by(Task.position)
        )
    ]
    unit_rows = [
        (task_id, unit_id, group_id, str(getattr(role, "value", role)), mention)
        for task_id, unit_id, group_id, role, mention in db.session.execute(
            sa.select(
                TaskUnit.task_id,
                TaskUnit.unit_id,
                TaskUnit.group_id,
                TaskUnit.role,
                TaskUnit.mention,
            )
            .join(Task, TaskUnit.task_id == Task.id)
            .where(top)
            .order_by(TaskUnit.task_id, TaskUnit.position)
        )
    ]
    group_ids = {g for _, _, g, _, _ in unit_rows if g is not None}
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, unit_id in db.session.execute(
        sa.select(members_table.c.group_id, members_table.c.unit_id).where(
            members_table.c.group_id.in_(group_ids)
        )
    ):
        members[group_id].append(unit_id)
    unit_ids = {u for _, u, _, _, _ in unit_rows if u is not None}
    unit_ids |= {u for ids in members.values() for u in ids}
    names = dict(
        db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()
    )
    group_names = dict(
        db.session.execute(
            sa.select(UnitGroup.id, UnitGroup.name).where(UnitGroup.id.in_(group_ids))
        ).all()
    )
    return build_matrix(items, unit_rows, members, names, group_names)


def plan_counts(plan_id: int) -> tuple[int, int]:
    """(verified, counted) over the plan's leaves, from the kept tallies (one statement):
    the same figure as `plan_progress` without loading a task."""
    states: list[TaskState] = []
    for state, n in db.session.execute(
        sa.select(TaskTally.state, sa.func.sum(TaskTally.n))
        .where(TaskTally.plan_id == plan_id)
        .group_by(TaskTally.state)
    ):
        states += [TaskState(state)] * int(n or 0)
    return progress(states)


def item_page(plan_id: int, page: int | None, per_page: int = 50) -> tuple[Page, list[dict]]:
    """One page of the plan's top-level items (every item when `page` is None) as rows for
    the page and its export: units named, sub-tasks counted by state, the first
    SUBTASKS_INLINE sub-tasks of each item listed. Seven statements whatever the size."""
    query = (
        sa.select(Task)
        .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
        .order_by(Task.position)
    )
    units = selectinload(Task.units)
    options = [units.selectinload(TaskUnit.unit), units.selectinload(TaskUnit.group)]
    if page is None:
        items = list(db.session.execute(query.options(*options)).scalars())
        result = Page(items, len(items), 1, max(1, len(items)))
    else:
        result = paginate_rows(query, page, per_page, options)
    ids = [t.id for t in result.items]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for parent_id, state, n in db.session.execute(
        sa.select(Task.parent_id, Task.state, sa.func.count())
        .where(Task.parent_id.in_(ids))
        .group_by(Task.parent_id, Task.state)
    ):
        counts[parent_id][TaskState(state).value] = n
    inline = [i for i in ids if 0 < sum(counts[i].values()) <= SUBTASKS_INLINE]
    subtasks: dict[int, list[SimpleNamespace]] = defaultdict(list)
    for sub_id, parent_id, number, state, lead_name in db.session.execute(
        sa.select(Task.id, Task.parent_id, Task.number, Task.state, Unit.name)
        .outerjoin(Unit, Task.lead_unit_id == Unit.id)
        .where(Task.parent_id.in_(inline))
        .order_by(Task.position)
    ):
        subtasks[parent_id].append(
            SimpleNamespace(id=sub_id, number=number, state=TaskState(state), lead_name=lead_name)
        )
    return result, [
        _item_row(t, counts.get(t.id, {}), subtasks.get(t.id, [])) for t in result.items
    ]


def _item_row(task: Task, counts: dict[str, int], subtasks: list[SimpleNamespace]) -> dict:
    names = {role: [tu.display_name for tu in task.units if tu.role == role] for role in UnitRole}
    review = {
        role: [tu.mention for tu in task.units if tu.role == role and tu.needs_review]
        for role in UnitRole
    }
    total = sum(counts.values())
    live = total - counts.get(TaskState.CANCELLED.value, 0)
    done = counts.get(TaskState.VERIFIED.value, 0)
    return {
        "task": task,
        "lead": names[UnitRole.LEAD],
        "coordinating": names[UnitRole.COORDINATING],
        "lead_review": review[UnitRole.LEAD],
        "coordinating_review": review[UnitRole.COORDINATING],
        "subtasks": subtasks,
        "sub_count": total,
        "sub_live": live,
        "sub_done": done,
        "rollup": f"{done}/{live}" if total else None,
    }
