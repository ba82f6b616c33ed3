"""Login throttling and the security log (see "Login throttling" in docs/decisions.md).

Three layers, none of which an anonymous client can turn into a lock-out of a user who
has the right password:

1. Per username and client: after `FAILURES_BEFORE_DELAY` failures of one username from
   one client (its known-device cookie if it has one for that username, else its
   address), each further attempt from that client must wait an exponentially growing
   delay, capped at `MAX_DELAY`. Other clients are not affected.
2. Per username over all clients without a known-device cookie: the same backoff after
   `ACCOUNT_FAILURES_BEFORE_DELAY` failures, against guessing spread over many
   addresses. A browser that has logged into the account before skips this layer, so a
   distributed attacker cannot keep the real user out; a new browser waits at most
   `MAX_DELAY` once the guessing stops.
3. Per address, unknown usernames only: an address that sent many unknown usernames
   (spraying) gets "too many failures" answers for its failed attempts, while the right
   password of a real account still logs in from it (a whole office behind one proxy
   or NAT shares the address).

Layers 1 and 2 count failures by the username tried, whether or not it is an account,
so their answers do not tell which usernames exist.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import AuditEvent, SecurityEventKind, SecurityLogEntry, User, db
from workflow import audit, clock
from workflow.transaction import unit_of_work

FAILURES_BEFORE_DELAY = 5
ACCOUNT_FAILURES_BEFORE_DELAY = 50
UNKNOWN_FAILURES_PER_ADDRESS = 30
ADDRESS_WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
# Failures older than this no longer count, even without a successful login since.
FAILURE_MEMORY = timedelta(hours=24)
SECURITY_LOG_RETENTION_DAYS = 30
SUMMARY_ACTION = "security.login_failures_summary"

_FAILURES = (SecurityEventKind.UNKNOWN_USER, SecurityEventKind.BAD_PASSWORD)


@dataclass(frozen=True)
class KnownDevice:
    """A browser that has logged in as `username` before (from its signed cookie)."""

    username: str
    device_id: str


def new_device_id() -> str:
    """A random id for a known-device cookie (fits `security_log.device`)."""
    return secrets.token_hex(8)


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, checked for unknown usernames so that they take as
    long to refuse as a wrong password of a real account."""
    return generate_password_hash(secrets.token_urlsafe(16))


def backoff(failures: int, threshold: int) -> timedelta | None:
    """The delay owed after the last of `failures` failures, or None below the threshold."""
    if failures < threshold:
        return None
    # Exponent bounded so thousands of failures cannot overflow the float.
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - threshold, 20))


def _wait(query: sa.Select, threshold: int, now: datetime) -> timedelta | None:
    failures, last = db.session.execute(query).one()
    delay = backoff(failures, threshold)
    if delay is None or last is None or last + delay <= now:
        return None
    return last + delay - now


def retry_after(
    username: str, user: User | None, client_addr: str | None, device_id: str | None
) -> timedelta | None:
    """How long this client must still wait before a password for `username` is checked
    (layers 1 and 2), or None when it may try now."""
    now = clock.now()
    since = now - FAILURE_MEMORY
    # A successful login starts the count of this client's failures again.
    pair_since = max(since, user.last_login_at) if user and user.last_login_at else since
    recent = sa.select(
        sa.func.count(SecurityLogEntry.id), sa.func.max(SecurityLogEntry.occurred_at)
    ).where(SecurityLogEntry.username == username, SecurityLogEntry.kind.in_(_FAILURES))
    if device_id is not None:
        same_client = SecurityLogEntry.device == device_id
    else:
        same_client = sa.and_(
            SecurityLogEntry.device.is_(None),
            SecurityLogEntry.client_addr.is_(None)
            if client_addr is None
            else SecurityLogEntry.client_addr == client_addr,
        )
    wait = _wait(
        recent.where(same_client, SecurityLogEntry.occurred_at >= pair_since),
        FAILURES_BEFORE_DELAY,
        now,
    )
    if wait is None and device_id is None:
        wait = _wait(
            recent.where(SecurityLogEntry.device.is_(None), SecurityLogEntry.occurred_at >= since),
            ACCOUNT_FAILURES_BEFORE_DELAY,
            now,
        )
    return wait


def address_is_spraying(client_addr: str | None) -> bool:
    """Whether this address sent many unknown usernames lately (layer 3)."""
    if client_addr is None:
        return False  # the command line, not a network client
    count = db.session.execute(
        sa.select(sa.func.count(SecurityLogEntry.id)).where(
            SecurityLogEntry.client_addr == client_addr,
            SecurityLogEntry.kind == SecurityEventKind.UNKNOWN_USER,
            SecurityLogEntry.occurred_at >= clock.now() - ADDRESS_WINDOW,
        )
    ).scalar_one()
    return count >= UNKNOWN_FAILURES_PER_ADDRESS


def log_attempt(
    kind: SecurityEventKind, username: str, client_addr: str | None, device_id: str | None
) -> None:
    """Add one row to the security log inside the caller's transaction."""
    db.session.add(
        SecurityLogEntry(
            occurred_at=clock.now(),
            kind=kind,
            username=username[:80],
            client_addr=client_addr[:64] if client_addr else None,
            device=device_id,
        )
    )


def summarize_login_failures(until: datetime | None = None) -> AuditEvent | None:
    """Append one audit event counting the security log's rows since the last summary.

    Nothing is written when there is nothing to count, so a quiet installation does
    not grow its trail. Run by the scheduler before `prune_security_log`.
    """
    until = until or clock.now()
    last = db.session.execute(
        sa.select(AuditEvent.after)
        .where(AuditEvent.action == SUMMARY_ACTION)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    since = datetime.fromisoformat(last["until"]) if last else None
    window = [SecurityLogEntry.occurred_at < until]
    if since is not None:
        window.append(SecurityLogEntry.occurred_at >= since)
    by_kind = dict(
        db.session.execute(
            sa.select(SecurityLogEntry.kind, sa.func.count(SecurityLogEntry.id))
            .where(*window)
            .group_by(SecurityLogEntry.kind)
        ).all()
    )
    if not by_kind:
        return None
    addresses, usernames = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(SecurityLogEntry.client_addr)),
            sa.func.count(sa.distinct(SecurityLogEntry.username)),
        ).where(*window)
    ).one()
    with unit_of_work():
        event = audit.record(
            SUMMARY_ACTION,
            actor=None,
            object_type="security_log",
            object_id=None,
            after={
                "since": since.isoformat() if since else None,
                "until": until.isoformat(),
                **{kind.value: by_kind.get(kind, 0) for kind in SecurityEventKind},
                "addresses": addresses,
                "usernames": usernames,
            },
        )
    return event


def prune_security_log(retention_days: int = SECURITY_LOG_RETENTION_DAYS) -> int:
    """Delete security-log rows older than the retention period; returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days)
    with unit_of_work():
        deleted = db.session.execute(
            sa.delete(SecurityLogEntry).where(SecurityLogEntry.occurred_at < cutoff)
        ).rowcount
    return deleted
