"""Who an event concerns: the people of the units it names, the tracking unit's
coordinators, the people it names, the task's followers; with each one's choice.

A fixed number of statements per event, whatever the number of people: one for the
people, one for the units' official mailboxes, two at most for their stored choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from models import Role, TaskFollower, Unit, User, db
from notifications.recipients import WORKING_ROLES, normalise
from workflow.notification_prefs import (
    OFF,
    UNIT_MAILBOX_ROLE,
    Subscriber,
    default_mode,
    stored_modes,
)


@dataclass(frozen=True)
class Audience:
    """Whom an event is for (the actor is always left out)."""

    units: tuple[int, ...] = ()  # every working person of these units, and their mailbox
    coordinators_of: tuple[int, ...] = ()  # only the coordinators of these units
    users: tuple[int, ...] = ()  # these people, whatever their unit
    followers_of: int | None = None  # the people following this task
    exclude_users: tuple[int, ...] = ()  # told otherwise (e.g. mentioned in a comment)


@dataclass(frozen=True)
class Recipient:
    """One subscriber who hears of the event, with how (mode) and where (address)."""

    subscriber: Subscriber
    address: str | None  # None: no usable mail address (in the app only)
    name: str
    mode: str  # "now", "digest" (never "off": those are left out)

    @property
    def user_id(self) -> int | None:
        return self.subscriber.user_id


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


def resolve(audience: Audience, kind: str, actor: User | None) -> list[Recipient]:
    """The subscribers `audience` names who want `kind`, actor excluded, one per address."""
    units, coordinating = _ids(audience.units), _ids(audience.coordinators_of)
    users = _ids(audience.users)
    conditions = []
    if units:
        conditions.append(sa.and_(User.unit_id.in_(units), User.role.in_(WORKING_ROLES)))
    if coordinating:
        conditions.append(sa.and_(User.unit_id.in_(coordinating), User.role == Role.COORDINATOR))
    if users:
        conditions.append(User.id.in_(users))
    if audience.followers_of is not None:
        conditions.append(
            User.id.in_(
                sa.select(TaskFollower.user_id).where(TaskFollower.task_id == audience.followers_of)
            )
        )
    people = []
    if conditions:
        people = db.session.execute(
            sa.select(User.id, User.email, User.full_name, User.role, User.unit_id)
            .where(User.active.is_(True), sa.or_(*conditions))
            .order_by(User.unit_id, User.role, User.username)
        ).all()
    mailboxes = []
    if units:
        mailboxes = db.session.execute(
            sa.select(Unit.id, Unit.email, Unit.name)
            .where(Unit.id.in_(units), Unit.active.is_(True), Unit.email.is_not(None))
            .order_by(Unit.id)
        ).all()
    actor_id = actor.id if actor is not None else None
    left_out = set(audience.exclude_users)
    actor_address = normalise(actor.email) if actor is not None else None
    candidates: list[tuple[Subscriber, str | None, str, str]] = []
    for person in people:
        if person.id == actor_id or person.id in left_out:
            continue
        candidates.append(
            (Subscriber(user_id=person.id), normalise(person.email), person.full_name, person.role)
        )
    for unit in mailboxes:
        address = normalise(unit.email)
        if address:
            candidates.append((Subscriber(unit_id=unit.id), address, unit.name, UNIT_MAILBOX_ROLE))
    stored = stored_modes(s for s, *_ in candidates)
    seen: set[str] = set()
    found: list[Recipient] = []
    for subscriber, address, name, role in candidates:
        if address is not None and (address == actor_address or address in seen):
            continue  # the actor's own mailbox, or an address already told
        mode = stored.get(subscriber, {}).get(kind, default_mode(str(role), kind))
        if mode == OFF:
            continue
        if address is not None:
            seen.add(address)
        found.append(Recipient(subscriber, address, name, mode))
    return found
