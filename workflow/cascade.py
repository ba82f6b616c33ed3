"""The plan cascade: link a lower plan to the higher plan it carries out, and its items to
the higher plan's items.

A plan's "Căn cứ Kế hoạch số 2417/KH-SGDĐT …" lines are kept as `PlanBasis` text; when one
names a plan PlanWork holds (numbers compared after folding: diacritics, spacing, "&" and
OCR's O/0 and l/1 in the number), the import links the plans (`link_imported_plan`) and
proposes item links by numbering and text similarity; the coordinator of the lower plan
confirms or rejects each proposal (`decide_item_link`), or links by hand
(`link_plans_by_hand`, `link_items_by_hand`). Every change is audited in its transaction.
Making a lower plan from a higher one lives in workflow/cascade_plans.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from rapidfuzz import fuzz

from models import (
    ItemLink,
    ItemLinkStatus,
    LinkMethod,
    Plan,
    PlanBasis,
    PlanLink,
    PlanStatus,
    Task,
    User,
    db,
)
from workflow import audit
from workflow.clock import now
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.plan_access import can_edit_plan, load_plan
from workflow.text import fold
from workflow.transaction import unit_of_work

# A proposal needs this similarity (0-100) of the folded titles; the same item number
# ("2.1" under "2.1") adds NUMBER_BONUS, so a numbered copy with edits is still found.
PROPOSE_AT = 62
NUMBER_BONUS = 15
_OCR_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1"})


def reference_key(reference: str | None) -> str:
    """A document number folded so its spellings compare equal: "2417/KH-SGDĐT",
    "2417/ KH-SGDĐT", "2417/KH-SGD&ĐT", "24l7/KH-SGDÐT" all give "2417/khsgddt"."""
    folded = fold((reference or "").replace("Ð", "D").replace("ð", "d"))
    match = re.match(r"^([0-9oli]+)\s*(.*)$", folded)
    if match is None or not any(c.isdigit() for c in match.group(1)):
        return folded.replace(" ", "")
    return f"{match.group(1).translate(_OCR_DIGITS)}/{match.group(2).replace(' ', '')}"


def _leading_digits(key: str) -> str:
    return key.split("/", 1)[0]


def find_plans_by_reference(references: Iterable[str]) -> dict[str, Plan]:
    """The standing plans the references name, by reference (one statement: candidates
    share the number's digits, then the folded keys are compared)."""
    keys = {ref: reference_key(ref) for ref in references if ref and ref.strip()}
    prefixes = {_leading_digits(k) for k in keys.values() if _leading_digits(k).isdigit()}
    if not prefixes:
        return {}
    candidates = db.session.execute(
        sa.select(Plan).where(
            Plan.status != PlanStatus.WITHDRAWN,
            sa.or_(*(Plan.number.like(f"{p}%") for p in sorted(prefixes))),
        )
    ).scalars()
    by_key: dict[str, Plan] = {}
    for plan in candidates:
        by_key.setdefault(reference_key(plan.number), plan)
    return {ref: by_key[key] for ref, key in keys.items() if key in by_key}


def _existing_link(lower_id: int, higher_id: int) -> PlanLink | None:
    return db.session.execute(
        sa.select(PlanLink).where(
            PlanLink.lower_plan_id == lower_id, PlanLink.higher_plan_id == higher_id
        )
    ).scalar_one_or_none()


def _add_plan_link(
    lower: Plan, higher: Plan, method: LinkMethod, actor: User | None, reference: str | None
) -> PlanLink:
    """Insert the link and its audit event (caller's transaction)."""
    if lower.id == higher.id:
        raise InvalidInput("Một kế hoạch không thể thực hiện chính nó.")
    link = PlanLink(
        lower_plan_id=lower.id,
        higher_plan_id=higher.id,
        method=method,
        reference=reference,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        "plan.link",
        actor=actor,
        object_type="plan",
        object_id=lower.id,
        plan_id=lower.id,
        after={"higher_plan": higher.number or higher.title[:60], "method": method.value},
    )
    return link


def _top_items(plan_id: int) -> list[Task]:
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
            .order_by(Task.position, Task.id)
        ).scalars()
    )


def score_pair(lower: Task, higher: Task) -> int:
    """How likely the lower item carries out the higher one (0-100): title similarity
    (token set ratio of the folded titles, so a lower item that adds "tại đơn vị" still
    matches), plus a bonus for the same item number."""
    similarity = fuzz.token_set_ratio(fold(lower.title), fold(higher.title))
    bonus = NUMBER_BONUS if lower.number.strip(". ") == higher.number.strip(". ") else 0
    return int(min(100, similarity + bonus))


def propose_item_links(lower: Plan, higher: Plan, actor: User | None) -> int:
    """Propose, for each top-level item of the lower plan, the best-matching item of the
    higher plan (when it scores PROPOSE_AT or more), unless that pair is already linked,
    proposed or rejected; one audit event lists them. Caller's transaction; returns how
    many were proposed."""
    known = {
        (lo, hi)
        for lo, hi in db.session.execute(
            sa.select(ItemLink.lower_task_id, ItemLink.higher_task_id).where(
                ItemLink.lower_plan_id == lower.id, ItemLink.higher_plan_id == higher.id
            )
        ).all()
    }
    higher_items = _top_items(higher.id)
    proposed: list[list[str | int]] = []
    for item in _top_items(lower.id):
        if not higher_items:
            break
        best = max(higher_items, key=lambda h: score_pair(item, h))
        score = score_pair(item, best)
        if score < PROPOSE_AT or (item.id, best.id) in known:
            continue
        same_number = item.number.strip(". ") == best.number.strip(". ")
        db.session.add(
            ItemLink(
                lower_task_id=item.id,
                higher_task_id=best.id,
                lower_plan_id=lower.id,
                higher_plan_id=higher.id,
                status=ItemLinkStatus.PROPOSED,
                score=score,
                basis="numbering" if same_number else "text",
            )
        )
        proposed.append([item.number, best.number, score])
    if proposed:
        audit.record(
            "item_link.propose",
            actor=actor,
            object_type="plan",
            object_id=lower.id,
            plan_id=lower.id,
            after={"higher_plan": higher.number or higher.title[:60], "pairs": proposed},
        )
    return len(proposed)


def link_imported_plan(plan_id: int, actor: User | None) -> list[int]:
    """After an import commit: link the plan to each higher plan its "căn cứ" lines name
    (marking the basis as known) and propose item links; returns the higher plans' ids.
    Its own transaction, run right after the plan's: a plan without links is still whole,
    and the coordinator can link by hand."""
    with unit_of_work():
        plan = load_plan(plan_id)
        bases = list(plan.bases)
        found = find_plans_by_reference(b.reference for b in bases)
        linked: list[int] = []
        for basis in bases:
            higher = found.get(basis.reference)
            if higher is None or higher.id == plan.id or higher.id in linked:
                continue
            if basis.based_on_plan_id is None:
                basis.based_on_plan_id = higher.id
            if _existing_link(plan.id, higher.id) is None:
                _add_plan_link(plan, higher, LinkMethod.IMPORT, actor, basis.reference)
                propose_item_links(plan, higher, actor)
            linked.append(higher.id)
    return linked


def check_can_link(plan: Plan, actor: User) -> None:
    """Who links a plan (and decides its items' links): whoever may edit the lower plan."""
    if not can_edit_plan(plan, actor):
        raise PermissionDenied(
            "Chỉ quản trị viên hoặc điều phối viên của đơn vị theo dõi kế hoạch cấp dưới mới "
            "được liên kết kế hoạch."
        )


def link_plans_by_hand(lower_plan_id: int, higher_reference: str, actor: User) -> int:
    """Link a plan to the higher plan with the given number, by hand (audited, with
    proposals for its items); returns the higher plan's id."""
    with unit_of_work():
        lower = load_plan(lower_plan_id)
        check_can_link(lower, actor)
        reference = (higher_reference or "").strip()
        if not reference:
            raise InvalidInput("Hãy nhập số kế hoạch cấp trên.")
        higher = find_plans_by_reference([reference]).get(reference)
        if higher is None:
            raise InvalidInput(
                "Không tìm thấy kế hoạch số %(number)s trong hệ thống.", number=reference[:80]
            )
        if _existing_link(lower.id, higher.id) is not None:
            raise InvalidInput("Hai kế hoạch này đã được liên kết.")
        if _existing_link(higher.id, lower.id) is not None:
            raise InvalidInput(
                "Kế hoạch này đang là căn cứ của kế hoạch kia; không liên kết ngược."
            )
        if not any(b.based_on_plan_id == higher.id for b in lower.bases):
            lower.bases.append(
                PlanBasis(reference=higher.number or reference[:80], based_on_plan_id=higher.id)
            )
        _add_plan_link(lower, higher, LinkMethod.HAND, actor, reference[:80])
        propose_item_links(lower, higher, actor)
        higher_id = higher.id
    return higher_id


def _load_link(link_id: int) -> ItemLink:
    link = db.session.get(ItemLink, link_id)
    if link is None:
        raise NotFound("Không tìm thấy đề xuất liên kết.")
    return link


def decide_item_link(link_id: int, actor: User, confirm: bool) -> None:
    """Confirm or reject a proposed item link (audited "item_link.confirm" / "…reject")."""
    with unit_of_work():
        link = _load_link(link_id)
        check_can_link(load_plan(link.lower_plan_id), actor)
        if link.status != ItemLinkStatus.PROPOSED:
            raise InvalidInput("Đề xuất này đã được xử lý.")
        link.status = ItemLinkStatus.CONFIRMED if confirm else ItemLinkStatus.REJECTED
        link.decided_by_id = actor.id
        link.decided_at = now()
        audit.record(
            "item_link.confirm" if confirm else "item_link.reject",
            actor=actor,
            object_type="task",
            object_id=link.lower_task_id,
            plan_id=link.lower_plan_id,
            after={
                "lower_item": link.lower_task.number,
                "higher_item": link.higher_task.number,
                "score": link.score,
            },
        )


def link_items_by_hand(lower_task_id: int, higher_task_id: int, actor: User) -> int:
    """Link a lower plan's item to a higher plan's item, confirmed at once (the plans must
    be linked); returns the link's id."""
    with unit_of_work():
        lower = db.session.get(Task, lower_task_id)
        higher = db.session.get(Task, higher_task_id)
        if lower is None or higher is None:
            raise NotFound("Không tìm thấy nhiệm vụ.")
        if lower.parent_id is not None or higher.parent_id is not None:
            raise InvalidInput("Chỉ liên kết các nhiệm vụ gốc của kế hoạch.")
        check_can_link(lower.plan, actor)
        if _existing_link(lower.plan_id, higher.plan_id) is None:
            raise InvalidInput("Hãy liên kết hai kế hoạch trước khi liên kết nhiệm vụ.")
        link = db.session.execute(
            sa.select(ItemLink).where(
                ItemLink.lower_task_id == lower.id, ItemLink.higher_task_id == higher.id
            )
        ).scalar_one_or_none()
        if link is not None and link.status == ItemLinkStatus.CONFIRMED:
            raise InvalidInput("Hai nhiệm vụ này đã được liên kết.")
        if link is None:
            link = ItemLink(
                lower_task_id=lower.id,
                higher_task_id=higher.id,
                lower_plan_id=lower.plan_id,
                higher_plan_id=higher.plan_id,
                score=100,
                basis="hand",
                status=ItemLinkStatus.CONFIRMED,
            )
            db.session.add(link)
        link.status = ItemLinkStatus.CONFIRMED
        link.decided_by_id = actor.id
        link.decided_at = now()
        db.session.flush()
        audit.record(
            "item_link.confirm",
            actor=actor,
            object_type="task",
            object_id=lower.id,
            plan_id=lower.plan_id,
            after={"lower_item": lower.number, "higher_item": higher.number, "method": "hand"},
        )
        link_id = link.id
    return link_id
