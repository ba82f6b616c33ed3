"""Import the directory from a file and update it by re-import: add, rename, move, retire.

`plan_import` compares the file's rows (importer.unit_table) with the directory and says
what would change, or why the file is refused (each reason in Vietnamese with its row
number); `apply_import` carries the plan out in one transaction — nothing when any row is
bad (all or nothing). New units go in by tree level, a few statements per thousand rows,
not one per row; renames keep the old name in the name history and as an alias; every
rename and move is audited on its unit, and the import as a whole in one
`directory.import` event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from importer.unit_table import UnitRow, UnitTable
from models import Role, Unit, UnitAlias, UnitKind, User, db
from models.units import ALIAS_GLOBAL
from workflow import audit, clock, unit_history, unit_merge
from workflow.errors import InvalidInput, PermissionDenied
from workflow.text import fold
from workflow.transaction import unit_of_work

BATCH = 1000


@dataclass(frozen=True)
class Existing:
    """A directory unit as the plan needs it."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    email: str | None
    active: bool


@dataclass
class ImportPlan:
    """What a directory file would change, or why it is refused."""

    adds: list[UnitRow] = field(default_factory=list)
    renames: list[tuple[UnitRow, str]] = field(default_factory=list)
    moves: list[tuple[UnitRow, str | None]] = field(default_factory=list)
    updates: list[UnitRow] = field(default_factory=list)
    retires: list[UnitRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file can be imported."""
        return not self.errors

    def summary(self) -> dict[str, int]:
        """Counts by kind of change."""
        return {
            "add": len(self.adds),
            "rename": len(self.renames),
            "move": len(self.moves),
            "update": len(self.updates),
            "retire": len(self.retires),
            "unchanged": self.unchanged,
        }


def _existing() -> dict[str, Existing]:
    rows = db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.email, Unit.active)
    ).all()
    return {
        r.code: Existing(r.id, r.code, r.name, str(r.kind.value), r.parent_id, r.email, r.active)
        for r in rows
    }


def plan_import(table: UnitTable) -> ImportPlan:
    """Compare the file with the directory (two statements); nothing is written."""
    plan = ImportPlan(errors=list(table.errors))
    if plan.errors:
        return plan
    existing = _existing()
    code_of = {e.id: e.code for e in existing.values()}
    rows = {r.code: r for r in table.rows}
    # The tree and the names as they would stand after the import.
    parent_after = {e.code: code_of.get(e.parent_id) for e in existing.values()}
    parent_after.update({r.code: r.parent for r in table.rows})
    clashes = _sibling_clashes(rows, existing, parent_after)
    for row in table.rows:
        _check_row(row, rows, existing, clashes, parent_after, plan)
    if plan.errors:
        return plan
    for row in table.rows:
        old = existing.get(row.code)
        if old is None:
            plan.adds.append(row)
            continue
        if row.retired:
            if old.active:
                plan.retires.append(row)
            else:
                plan.unchanged += 1
            continue
        old_parent = code_of.get(old.parent_id) if old.parent_id else None
        changed = False
        if old.name != row.name:
            plan.renames.append((row, old.name))
            changed = True
        if old_parent != row.parent:
            plan.moves.append((row, old_parent))
            changed = True
        if old.kind != row.kind or (old.email or None) != row.email:
            plan.updates.append(row)
            changed = True
        plan.unchanged += 0 if changed else 1
    plan.adds.sort(key=lambda r: _depth(r.code, parent_after))
    return plan


def _sibling_clashes(
    rows: dict[str, UnitRow], existing: dict[str, Existing], parent_after: dict[str, str | None]
) -> dict[str, str]:
    """Code of a row → another active unit that would bear its name under the same parent.

    Names repeat across the city ("Trường Tiểu học Kim Đồng" in several districts) and the
    code identifies a unit; two units of one name under one parent, though, no reader could
    tell apart. Judged on the directory as it would stand after the import (two units may
    swap names in one file)."""
    bearers: dict[tuple[str | None, str], list[str]] = {}
    for code in {*existing, *rows}:
        row, old = rows.get(code), existing.get(code)
        if (row is not None and row.retired) or (row is None and not old.active):
            continue
        name = row.name if row is not None else old.name
        bearers.setdefault((parent_after.get(code), fold(name)), []).append(code)
    return {
        code: next(other for other in sorted(same) if other != code)
        for same in bearers.values()
        if len(same) > 1
        for code in same
        if code in rows
    }


def _check_row(
    row: UnitRow,
    rows: dict[str, UnitRow],
    existing: dict[str, Existing],
    clashes: dict[str, str],
    parent_after: dict[str, str | None],
    plan: ImportPlan,
) -> None:
    """Problems that need the directory: unknown codes, names taken, cycles, retirements."""
    where = f"Dòng {row.row}"
    old = existing.get(row.code)
    if old is not None and not old.active and not row.retired:
        plan.errors.append(
            f"{where}: đơn vị «{row.code}» đã giải thể; không khôi phục được bằng tệp."
        )
    if old is None and row.retired:
        plan.errors.append(
            f"{where}: không thể giải thể đơn vị «{row.code}» chưa có trong danh mục."
        )
    owner = clashes.get(row.code)
    if owner is not None and owner not in rows:
        plan.errors.append(
            f"{where}: tên «{row.name}» đã thuộc đơn vị «{owner}» cùng đơn vị cấp trên."
        )
    for label, code in (("cấp trên", row.parent), ("kế thừa", row.successor)):
        if code is None:
            continue
        target_row, target = rows.get(code), existing.get(code)
        if target_row is None and target is None:
            plan.errors.append(f"{where}: mã đơn vị {label} «{code}» không có trong danh mục.")
        elif (target_row is not None and target_row.retired) or (
            target_row is None and target is not None and not target.active
        ):
            plan.errors.append(f"{where}: đơn vị {label} «{code}» đã giải thể.")
    seen = {row.code}
    node = row.parent
    while node is not None:
        if node in seen:
            plan.errors.append(
                f"{where}: đơn vị «{row.code}» nằm trong chính nó (vòng lặp cấp trên)."
            )
            break
        seen.add(node)
        node = parent_after.get(node)


def _depth(code: str, parent_after: dict[str, str | None]) -> int:
    depth, node = 0, parent_after.get(code)
    while node is not None and depth < 50:
        depth, node = depth + 1, parent_after.get(node)
    return depth


def apply_import(
    plan: ImportPlan, actor: User | None, *, source: str = "", reason: str | None = None
) -> dict[str, int]:
    """Carry out a checked plan in one transaction; returns the counts. Raises InvalidInput
    (nothing written) when the plan has errors or the directory changed meanwhile."""
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("Chỉ quản trị viên mới được nhập danh mục đơn vị.")
    if plan.errors:
        raise InvalidInput(plan.errors[0])
    reason = (reason or "").strip() or f"Nhập danh mục đơn vị từ tệp {source}".strip()
    group = f"directory_import:{uuid.uuid4().hex}"
    with unit_of_work():
        ids = {code: e.id for code, e in _existing().items()}
        _insert(plan.adds, ids)
        changed = _update(plan, ids, actor, reason, group)
        for row in plan.retires:
            unit = db.session.get(Unit, ids[row.code])
            successor = ids.get(row.successor) if row.successor else None
            unit_merge.retire_in_transaction(unit, successor, actor, reason, group)
        audit.record(
            "directory.import",
            actor=actor,
            object_type="directory",
            object_id=None,
            after={
                "source": source,
                "counts": plan.summary(),
                "added": [r.code for r in plan.adds],
                "renamed": changed["renamed"],
                "moved": changed["moved"],
                "retired": [r.code for r in plan.retires],
                "group": group,
            },
            reason=reason,
        )
    return plan.summary()


def _insert(adds: list[UnitRow], ids: dict[str, int]) -> None:
    """New units by tree level (plan.adds is sorted by depth): a parent is in before its
    children, and each batch is one INSERT and one SELECT of the new ids."""
    now = clock.now()
    pending = list(adds)
    while pending:
        ready = [r for r in pending if r.parent is None or r.parent in ids][:BATCH]
        if not ready:  # unreachable after plan_import's checks
            raise InvalidInput("Không xác định được cấp trên của một số đơn vị.")
        db.session.execute(
            sa.insert(Unit),
            [
                {
                    "code": r.code,
                    "name": r.name,
                    "kind": UnitKind(r.kind),
                    "parent_id": ids.get(r.parent) if r.parent else None,
                    "email": r.email,
                    "active": True,
                    "created_at": now,
                }
                for r in ready
            ],
        )
        codes = [r.code for r in ready]
        ids.update(
            db.session.execute(sa.select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all()
        )
        done = set(codes)
        pending = [r for r in pending if r.code not in done]


def _update(
    plan: ImportPlan, ids: dict[str, int], actor: User | None, reason: str, group: str
) -> dict[str, list[dict[str, Any]]]:
    """Renames, moves and kind/e-mail changes, each audited on its unit."""
    rows = {r.code: r for r, _ in plan.renames}
    rows.update({r.code: r for r, _ in plan.moves})
    rows.update({r.code: r for r in plan.updates})
    if not rows:
        return {"renamed": [], "moved": []}
    units = {
        u.code: u
        for u in db.session.execute(sa.select(Unit).where(Unit.code.in_(list(rows)))).scalars()
    }
    unit_history.rename_many([(units[r.code], r.name) for r, _ in plan.renames])
    _old_names_as_aliases([(units[r.code], old) for r, old in plan.renames])
    renamed = [{"code": r.code, "before": old, "after": r.name} for r, old in plan.renames]
    moved = [{"code": r.code, "before": old, "after": r.parent} for r, old in plan.moves]
    # Free the old names first: two units may swap names in one file.
    for code, row in rows.items():
        if units[code].name != row.name:
            units[code].name = f"~{units[code].id}~{uuid.uuid4().hex}"
    db.session.flush()
    for code, row in rows.items():
        unit = units[code]
        before = {
            "name": next((old for r, old in plan.renames if r.code == code), row.name),
            "parent": next((old for r, old in plan.moves if r.code == code), row.parent),
            "kind": unit.kind.value,
            "email": unit.email,
        }
        unit.name = row.name
        unit.parent_id = ids.get(row.parent) if row.parent else None
        unit.kind = UnitKind(row.kind)
        unit.email = row.email
        after = {"name": row.name, "parent": row.parent, "kind": row.kind, "email": row.email}
        audit.record(
            "unit.update",
            actor=actor,
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            before={k: v for k, v in before.items() if after[k] != v},
            after={**{k: v for k, v in after.items() if before[k] != v}, "group": group},
            reason=reason,
        )
    return {"renamed": renamed, "moved": moved}


def _old_names_as_aliases(renames: list[tuple[Unit, str]]) -> None:
    """Documents keep writing the old name: it becomes an alias (two statements)."""
    folds = {fold(old): (unit, old) for unit, old in renames if fold(old)}
    if not folds:
        return
    taken = set(
        db.session.execute(
            sa.select(UnitAlias.folded).where(
                UnitAlias.folded.in_(list(folds)), UnitAlias.scope == ALIAS_GLOBAL
            )
        ).scalars()
    )
    fresh = [
        {"text": old, "folded": f, "unit_id": unit.id, "scope": ALIAS_GLOBAL, "scope_key": ""}
        for f, (unit, old) in folds.items()
        if f not in taken
    ]
    if fresh:
        db.session.execute(sa.insert(UnitAlias), fresh)
