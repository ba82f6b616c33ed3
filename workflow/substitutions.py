"""Substitutes: a user names someone to act for them during an absence.

What a substitute does is recorded under both names: the substitute as the actor,
the absent user as `on_behalf_of` on the audit event (and on a report).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Role, Substitution, Task, User, db
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.transaction import unit_of_work

MAX_DAYS = 366


def name_substitute(
    absent_user_id: int, substitute_id: int, starts_on: date, ends_on: date, actor: User
) -> int:
    """Record that `substitute_id` acts for `absent_user_id` between two dates (inclusive)."""
    if ends_on < starts_on:
        raise InvalidInput("Ngày kết thúc phải sau ngày bắt đầu.")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise InvalidInput("Thời gian ủy quyền không quá một năm.")
    if absent_user_id == substitute_id:
        raise InvalidInput("Không thể tự ủy quyền cho chính mình.")
    with unit_of_work():
        absent = db.session.get(User, absent_user_id)
        substitute = db.session.get(User, substitute_id)
        if absent is None or substitute is None or not substitute.active:
            raise NotFound("Không tìm thấy người dùng hoặc người thay đã bị khóa.")
        allowed = (
            actor.id == absent.id
            or actor.role == Role.ADMIN
            or (actor.role == Role.COORDINATOR and actor.unit_id == absent.unit_id)
        )
        if not allowed:
            raise PermissionDenied(
                "Chỉ người vắng mặt, điều phối viên của đơn vị hoặc quản trị mới được ủy quyền."
            )
        if substitute.role == Role.INSPECTOR:
            raise InvalidInput("Thanh tra viên không thể làm người thay.")
        row = Substitution(
            absent_user_id=absent.id,
            substitute_id=substitute.id,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "user.substitute",
            actor=actor,
            object_type="user",
            object_id=absent.id,
            unit_id=absent.unit_id,
            after={
                "substitute_id": substitute.id,
                "substitute": substitute.full_name,
                "starts_on": starts_on,
                "ends_on": ends_on,
            },
        )
        substitution_id = row.id
    return substitution_id


def principals(actor: User, on: date | None = None) -> list[User]:
    """The active users `actor` stands in for today (one query)."""
    day = on or clock.today()
    return list(
        db.session.execute(
            sa.select(User)
            .join(Substitution, Substitution.absent_user_id == User.id)
            .where(
                Substitution.substitute_id == actor.id,
                Substitution.starts_on <= day,
                Substitution.ends_on >= day,
                User.active.is_(True),
            )
            .options(selectinload(User.unit))
            .order_by(User.id)
        ).scalars()
    )


def acting_for(task: Task, actor: User, event: str, report_authors: set[int]) -> User | None:
    """Whom the actor acts for: None when acting in their own right, else the absent user
    whose right they use. Raises PermissionDenied with the actor's own refusal otherwise."""
    own = permissions.refusal(task, actor, event, report_authors)
    if own is None:
        return None
    # Borrowed rights never lift the rule against verifying one's own report: the actor
    # is checked here, each principal by `refusal` below (review 2026-12, M6).
    personal = permissions.self_verification_refusal(actor, event, report_authors)
    if personal is not None:
        raise PermissionDenied(personal)
    for principal in principals(actor):
        if permissions.refusal(task, principal, event, report_authors) is None:
            return principal
    raise PermissionDenied(own)


def available_events(task: Task, actor: User, report_authors: set[int]) -> list[str]:
    """The events the actor may fire, in their own right or for someone they stand in for."""
    events = permissions.allowed_events(task, actor, report_authors)
    for principal in principals(actor):
        for event in permissions.allowed_events(task, principal, report_authors):
            if event in events:
                continue
            if permissions.self_verification_refusal(actor, event, report_authors) is None:
                events.append(event)
    order = ("start", "report", "verify", "return", "reopen", "cancel")
    return sorted(events, key=order.index)
