"""Who receives a unit's mail: its contact address and its active members."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from models import Role, Unit, User, db

# Members and coordinators do the unit's work; admins and inspectors only watch.
WORKING_ROLES = (Role.MEMBER, Role.COORDINATOR)


def normalise(address: str | None) -> str | None:
    """Addresses compare case-insensitively; blank means none."""
    address = (address or "").strip().lower()
    return address or None


@dataclass
class Person:
    email: str
    role: Role
    digest_opt_out: bool


@dataclass
class Directory:
    """Units and their people, loaded in two statements whatever the number of tasks."""

    names: dict[int, str] = field(default_factory=dict)
    contact: dict[int, str] = field(default_factory=dict)
    people: dict[int, list[Person]] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)

    def unit_recipients(self, unit_id: int | None, *, digest: bool = False) -> list[str]:
        """The unit's contact address and its active members; opt-outs drop out of digests."""
        if unit_id is None or unit_id not in self.names:
            return []
        addresses: list[str] = []
        if unit_id in self.contact:
            addresses.append(self.contact[unit_id])
        for person in self.people.get(unit_id, []):
            if digest and person.digest_opt_out:
                continue
            if person.email not in addresses:
                addresses.append(person.email)
        return addresses

    def coordinators(self, unit_id: int | None) -> list[str]:
        """The unit's active coordinators: escalations go to them, opt-out or not."""
        if unit_id is None:
            return []
        return [p.email for p in self.people.get(unit_id, []) if p.role == Role.COORDINATOR]

    def leaders(self, unit_id: int | None) -> list[str]:
        """Where a body's leadership is reached: its official mailbox (which its leaders'
        office reads) and its own coordinators, if it has working users."""
        if unit_id is None or unit_id not in self.names:
            return []
        addresses = [self.contact[unit_id]] if unit_id in self.contact else []
        return addresses + [a for a in self.coordinators(unit_id) if a not in addresses]


def load_directory() -> Directory:
    """Active units with their contact address and active working users."""
    directory = Directory()
    for unit_id, name, email, parent_id in db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.email, Unit.parent_id).where(Unit.active.is_(True))
    ):
        directory.names[unit_id] = name
        if parent_id is not None:
            directory.parents[unit_id] = parent_id
        address = normalise(email)
        if address:
            directory.contact[unit_id] = address
    rows = db.session.execute(
        sa.select(User.unit_id, User.email, User.role, User.digest_opt_out)
        .where(User.active.is_(True), User.role.in_(WORKING_ROLES))
        .order_by(User.unit_id, User.role, User.username)
    )
    for unit_id, email, role, opt_out in rows:
        address = normalise(email)
        if address:
            directory.people.setdefault(unit_id, []).append(Person(address, role, bool(opt_out)))
    return directory
