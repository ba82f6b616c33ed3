"""Commit a reviewed draft as a new plan: its `PlanInput`, its mappings saved as aliases.

`draft_to_input` turns the reviewed draft into a `PlanInput`; `save_mappings` saves each
mapping the reviewer made as an alias (so the next plan resolves it); `commit_import`
creates the plan in one transaction, or refuses (`DuplicatePlan`) when `find_existing_plan`
finds the standing plan this draft is a new version of: workflow.import_update updates that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from models import Plan, PlanStatus, Recurrence, Unit, db
from models import User as UserModel
from models.units import ALIAS_GLOBAL
from workflow.cascade import link_imported_plan
from workflow.directory import _add_alias
from workflow.errors import InvalidInput
from workflow.import_draft import included, parse_draft_date, plan_year
from workflow.import_permissions import check_can_import
from workflow.import_resolution import Resolver, Target, alias_scope_keys, parse_mappings
from workflow.plans import DuplicatePlan, ItemInput, PlanInput, create_plan, find_plan_by_number
from workflow.text import fold

_RECURRENCE = {"yearly": Recurrence.YEARLY, "quarterly": Recurrence.QUARTERLY}


def find_existing_plan(draft: Mapping[str, Any]) -> Plan | None:
    """The standing plan a reviewed draft is a new version of: the one with its number;
    for a plan without a number, the one from the same document (fingerprint) or with the
    same issuer, date and title (folded). None when the plan is new."""
    meta = draft.get("plan") or {}
    number = (meta.get("number") or "").strip() or None
    if number:
        return find_plan_by_number(number)
    live = Plan.status != PlanStatus.WITHDRAWN
    fingerprint = draft.get("source_hash")
    if fingerprint:
        found = (
            db.session.execute(
                sa.select(Plan).where(Plan.source_hash == fingerprint, live).order_by(Plan.id)
            )
            .scalars()
            .first()
        )
        if found is not None:
            return found
    title = fold(meta.get("title") or "")
    if not title:
        return None
    try:
        issued_on = parse_draft_date(meta.get("issued_on"), "ngày ban hành")
    except InvalidInput:
        return None
    issuer = fold(meta.get("issuer") or "")
    same_day = Plan.issued_on == issued_on if issued_on else Plan.issued_on.is_(None)
    for plan in db.session.execute(
        sa.select(Plan).where(Plan.number.is_(None), same_day, live).order_by(Plan.id)
    ).scalars():
        if fold(plan.title) == title and (not issuer or fold(plan.issuer_name) == issuer):
            return plan
    return None


def default_tracking_unit(draft: Mapping[str, Any], user: Any, resolver: Resolver) -> int:
    """The reviewer's choice; else the issuer if it is a unit of the directory; else the
    importing user's unit."""
    chosen = draft.get("tracking_unit_id")
    if chosen:
        return int(chosen)
    issuer = (draft.get("plan") or {}).get("issuer")
    if issuer:
        target = resolver.target(issuer)
        if target is not None and target.unit_id is not None:
            return target.unit_id
    return user.unit_id


def _trim(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draft_to_input(
    draft: Mapping[str, Any],
    resolver: Resolver,
    tracking_unit_id: int,
    mappings: Mapping[str, tuple[str, Target]] | None = None,
) -> PlanInput:
    """The reviewed draft as a `PlanInput`: names resolved to ids where the directory (or
    the reviewer's mapping) knows them; the rest kept as written, flagged for review."""
    by_fold = {k: t for k, (_, t) in (mappings or {}).items()}
    meta = draft.get("plan") or {}
    number = (meta.get("number") or "").strip() or None
    if number and len(number) > 80:
        raise InvalidInput("Số kế hoạch quá dài (tối đa 80 ký tự).")
    tracking = db.session.get(Unit, tracking_unit_id)
    if tracking is None or not tracking.active:
        raise InvalidInput("Hãy chọn cơ quan thường trực (đơn vị theo dõi) có trong danh mục.")
    issuer_name = (meta.get("issuer") or "").strip()
    issuer = resolver.target(issuer_name) if issuer_name else None
    issued_on = parse_draft_date(meta.get("issued_on"), "ngày ban hành")
    year = plan_year(draft)
    items: list[ItemInput] = []
    for item in included(draft):
        item_number = (item.get("number") or "").strip()
        if not item_number:
            raise InvalidInput("Mỗi nhiệm vụ cần có số thứ tự.")
        if len(item_number) > 40:
            raise InvalidInput(
                "Số thứ tự «%(number)s…» quá dài (tối đa 40 ký tự).",
                number=item_number[:40],
            )
        due = parse_draft_date(item.get("due"), f"hạn của nhiệm vụ {item_number}")
        items.append(
            ItemInput(
                number=item_number,
                title=(item.get("title") or "").strip(),
                section=_trim(item.get("section"), 200),
                content=(item.get("content") or "").strip() or None,
                timeframe_text=_trim(item.get("timeframe_text"), 300) or None,
                periods=[p for p in item.get("periods") or [] if isinstance(p, str)],
                due_on=due,
                recurrence=_RECURRENCE.get(item.get("recurrence") or ""),
                ongoing=bool(item.get("ongoing")),
                leads=[resolver.ref(t, by_fold) for t in item.get("lead") or []],
                coordinating=[resolver.ref(t, by_fold) for t in item.get("coordinating") or []],
            )
        )
    return PlanInput(
        number=number,
        title=(meta.get("title") or "").strip(),
        issuer_name=_trim(issuer_name, 300) or tracking.name,
        issuer_id=issuer.unit_id if issuer else None,
        tracking_unit_id=tracking.id,
        issued_on=issued_on,
        period=str(year) if year else None,
        year=year,
        based_on=[_trim(b, 80) or "" for b in meta.get("based_on") or [] if b.strip()],
        items=items,
        source_filename=_trim(draft.get("source_filename"), 300),
        source_hash=_trim(draft.get("source_hash"), 64),
    )


def save_mappings(
    mappings: Mapping[str, tuple[str, Target]],
    actor: UserModel,
    number: str | None,
    draft: Mapping[str, Any] | None = None,
) -> int:
    """Each mapping becomes an alias, in the caller's transaction, in the scope the reviewer
    chose for it (this plan, this issuer's plans, everywhere: `draft["mapping_scopes"]`,
    everywhere when unsaid); returns how many are new."""
    reason = f"Gán khi nhập kế hoạch {number}" if number else "Gán khi nhập kế hoạch"
    scopes = {fold(k): v for k, v in ((draft or {}).get("mapping_scopes") or {}).items()}
    keys = alias_scope_keys(draft) if draft is not None else {ALIAS_GLOBAL: ""}
    added = 0
    for folded, (text, target) in mappings.items():
        scope = scopes.get(folded, ALIAS_GLOBAL)
        if scope not in keys:
            scope = ALIAS_GLOBAL  # no issuer read: "this issuer" cannot be told apart
        alias_id = _add_alias(
            text,
            actor,
            unit_id=target.unit_id,
            group_id=target.group_id,
            reason=reason,
            scope=scope,
            scope_key=keys[scope],
        )
        added += alias_id is not None
    return added


def commit_import(
    draft: Mapping[str, Any],
    actor: UserModel,
    tracking_unit_id: int | None = None,
    mappings: Mapping[str, str | Target] | None = None,
) -> int:
    """Create the plan of a reviewed draft with its tasks (fan-out, audit) and save the
    reviewer's mappings as aliases — all in one transaction; returns the plan's id.

    A plan with the same number raises `DuplicatePlan` (offer `update_from_import`).
    """
    check_can_import(actor)
    resolver = Resolver(draft)
    chosen = parse_mappings(mappings if mappings is not None else draft.get("mappings"), resolver)
    tracking = tracking_unit_id or default_tracking_unit(draft, actor, resolver)
    plan_input = draft_to_input(draft, resolver, tracking, chosen)
    existing = find_existing_plan(draft)
    if existing is not None:
        raise DuplicatePlan(plan_input.number or "", existing.id)
    try:
        save_mappings(chosen, actor, plan_input.number, draft)
        # create_plan's unit of work commits the session: the aliases flushed above go in
        # the same database transaction as the plan, or are rolled back with it.
        plan_id = create_plan(plan_input, actor)
    except BaseException:
        db.session.rollback()
        raise
    # The "căn cứ" plans PlanWork holds are linked and item links proposed (audited).
    link_imported_plan(plan_id, actor)
    return plan_id
