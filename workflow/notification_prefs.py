"""Who wants to hear of what, and how: per-kind choices of each person (or unit mailbox).

Every kind of event can come at once (a mail per event), in a daily digest (one mail a
day) or not at all; a person who made no choice gets the default of their role. Changes,
from the preferences page or from a mail's one-click unsubscribe, are audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from models import NotificationPref, Role, Unit, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput
from workflow.transaction import unit_of_work

NOW, DIGEST, OFF = "now", "digest", "off"
MODES = (NOW, DIGEST, OFF)

# The kinds of event a person can choose for, in the order the preferences page shows them.
KINDS = (
    "assigned",  # a task given to my unit (created, imported, reassigned) or to me
    "started",  # the lead unit began work
    "reported",  # the lead unit sent its report
    "returned",  # the report was sent back
    "verified",  # the report was accepted
    "reopened",  # a verified task went back to work
    "cancelled",  # the task was cancelled
    "due_changed",  # the deadline moved
    "changed",  # other corrections: title, content, timeframe; the task left my unit
    "extension_requested",  # the lead unit asks for more time
    "extension_decided",  # the request was granted or refused
    "explain_requested",  # the tracking unit asks an overdue unit to explain
    "explain_answered",  # the unit explained
    "contribution",  # a coordinating unit added its input
    "comment",  # someone commented on the task
)

# What each role hears of at once; everything else comes in the daily digest.
AT_ONCE_BY_ROLE: dict[str, frozenset[str]] = {
    Role.MEMBER.value: frozenset({"assigned", "returned", "extension_decided"}),
    Role.COORDINATOR.value: frozenset({"reported", "extension_requested"}),
}
# A unit's official mailbox is read by the unit's office: it is told like a member.
UNIT_MAILBOX_ROLE = Role.MEMBER.value
# The digest's one-click unsubscribe turns off every kind that comes in the digest.
DIGEST_KIND = "digest"


def default_mode(role: str, kind: str) -> str:
    """The mode a subscriber of `role` has for `kind` until they choose."""
    return NOW if kind in AT_ONCE_BY_ROLE.get(str(role), frozenset()) else DIGEST


@dataclass(frozen=True)
class Subscriber:
    """A person (user_id) or a unit's official mailbox (unit_id)."""

    user_id: int | None = None
    unit_id: int | None = None

    @property
    def code(self) -> str:
        """ "u12" for user 12, "n7" for unit 7's mailbox (what unsubscribe tokens carry)."""
        return f"u{self.user_id}" if self.user_id is not None else f"n{self.unit_id}"

    @classmethod
    def from_code(cls, code: str) -> Subscriber | None:
        """The subscriber a token's code names, or None for a malformed code."""
        if len(code) < 2 or code[0] not in "un" or not code[1:].isdigit():
            return None
        number = int(code[1:])
        return cls(user_id=number) if code[0] == "u" else cls(unit_id=number)


def _column(subscriber: Subscriber) -> sa.ColumnElement[bool]:
    if subscriber.user_id is not None:
        return NotificationPref.user_id == subscriber.user_id
    return NotificationPref.unit_id == subscriber.unit_id


def stored_modes(subscribers: Iterable[Subscriber]) -> dict[Subscriber, dict[str, str]]:
    """The choices stored for these subscribers, in two statements at most."""
    wanted = list(subscribers)
    users = sorted({s.user_id for s in wanted if s.user_id is not None})
    units = sorted({s.unit_id for s in wanted if s.unit_id is not None})
    found: dict[Subscriber, dict[str, str]] = {}
    for column, ids, make in (
        (NotificationPref.user_id, users, lambda i: Subscriber(user_id=i)),
        (NotificationPref.unit_id, units, lambda i: Subscriber(unit_id=i)),
    ):
        for start in range(0, len(ids), 500):
            rows = db.session.execute(
                sa.select(column, NotificationPref.kind, NotificationPref.mode).where(
                    column.in_(ids[start : start + 500])
                )
            )
            for owner, kind, mode in rows:
                found.setdefault(make(owner), {})[kind] = mode
    return found


def modes_for(user: User) -> dict[str, str]:
    """Every kind with the user's mode (their choice, else their role's default)."""
    me = Subscriber(user_id=user.id)
    stored = stored_modes([me]).get(me, {})
    return {kind: stored.get(kind, default_mode(user.role, kind)) for kind in KINDS}


def _write(subscriber: Subscriber, changes: Mapping[str, str]) -> None:
    existing = {
        row.kind: row
        for row in db.session.execute(
            sa.select(NotificationPref).where(_column(subscriber))
        ).scalars()
    }
    now = clock.now()
    for kind, mode in changes.items():
        row = existing.get(kind)
        if row is None:
            db.session.add(
                NotificationPref(
                    user_id=subscriber.user_id,
                    unit_id=subscriber.unit_id,
                    kind=kind,
                    mode=mode,
                    updated_at=now,
                )
            )
        else:
            row.mode = mode
            row.updated_at = now


def set_modes(user: User, wanted: Mapping[str, str]) -> dict[str, str]:
    """Save the user's choices (kind → mode); returns those that changed. Audited."""
    for kind, mode in wanted.items():
        if kind not in KINDS or mode not in MODES:
            raise InvalidInput("Lựa chọn thông báo không hợp lệ.")
    with unit_of_work():
        current = modes_for(user)
        changed = {k: m for k, m in wanted.items() if current[k] != m}
        if not changed:
            return {}
        _write(Subscriber(user_id=user.id), changed)
        audit.record(
            "notification_prefs.update",
            actor=user,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            before={k: current[k] for k in changed},
            after=changed,
        )
    return changed


def unsubscribe(subscriber: Subscriber, kind: str) -> list[str]:
    """Turn `kind` off for the subscriber (from a mail's one-click link, no login); the
    digest's link turns off every kind that comes in the digest. Returns the kinds turned
    off (empty when already off). Audited, with the person as actor."""
    if kind != DIGEST_KIND and kind not in KINDS:
        raise InvalidInput("Liên kết hủy nhận thư không hợp lệ.")
    with unit_of_work():
        if subscriber.user_id is not None:
            user = db.session.get(User, subscriber.user_id)
            if user is None:
                raise InvalidInput("Liên kết hủy nhận thư không hợp lệ.")
            role, actor, unit_id = str(user.role), user, user.unit_id
            object_type, object_id = "user", user.id
        else:
            unit = db.session.get(Unit, subscriber.unit_id)
            if unit is None:
                raise InvalidInput("Liên kết hủy nhận thư không hợp lệ.")
            role, actor, unit_id = UNIT_MAILBOX_ROLE, None, unit.id
            object_type, object_id = "unit", unit.id
        stored = stored_modes([subscriber]).get(subscriber, {})
        current = {k: stored.get(k, default_mode(role, k)) for k in KINDS}
        if kind == DIGEST_KIND:
            targets = [k for k, m in current.items() if m == DIGEST]
        else:
            targets = [kind] if current[kind] != OFF else []
        if not targets:
            return []
        _write(subscriber, {k: OFF for k in targets})
        audit.record(
            "notification_prefs.unsubscribe",
            actor=actor,
            object_type=object_type,
            object_id=object_id,
            unit_id=unit_id,
            before={k: current[k] for k in targets},
            after={k: OFF for k in targets},
            reason="Hủy nhận thư bằng liên kết trong thư",
        )
    return targets
