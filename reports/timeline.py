"""A task's thread: reports, contributions, comments and state events, newest last.

Built from a fixed number of statements whatever the task holds (the three of
reports.queries.task_page, its eager loads, the comments with their authors and files,
and one lookup each for the people and units the comments mention).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Comment, Contribution, Report, Task, Unit, User, db
from reports.queries import TaskPage, task_page
from workflow.comments import MENTION

# Audit actions the thread shows through their richer row (the report, the contribution,
# the comment) rather than as a bare event, and personal ones that are nobody else's news.
SHOWN_AS_ITEMS = {
    "task.report": ("report_id", "report"),
    "task.contribute": ("contribution_id", "contribution"),
    "task.comment": ("comment_id", "comment"),
}
HIDDEN_ACTIONS = frozenset({"task.comment_edit", "task.follow", "task.unfollow"})


@dataclass(frozen=True)
class Segment:
    """A piece of a comment's text: plain, or a mention that resolved (with its link)."""

    text: str
    kind: str | None = None  # None (plain), "user" or "unit"
    ref_id: int | None = None
    title: str | None = None
    email: str | None = None


@dataclass
class Entry:
    """One row of the thread. `kind` is "report", "contribution", "comment" or "event";
    `item` is the Report, Contribution, Comment or AuditEvent; `action` names it for the
    label ("task.report", ...); `seq` orders rows written at the same instant."""

    kind: str
    at: datetime
    seq: int
    action: str
    item: Any
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Timeline:
    """The task page's read side: what task_page gave, the comments, and the merged thread."""

    page: TaskPage
    comments: list[Comment]
    entries: list[Entry]


def _segments(
    comment: Comment, people: dict[int, tuple[str, str, str]], units: dict[int, str]
) -> list[Segment]:
    resolved = {m["token"].lower(): m for m in comment.mentions or []}
    out: list[Segment] = []
    last = 0
    for match in MENTION.finditer(comment.text):
        mention = resolved.get(match.group(1).lower())
        if mention is None:
            continue  # unknown or not allowed to see the task: stays text
        if mention["kind"] == "user" and mention["id"] in people:
            name, unit_name, email = people[mention["id"]]
            seg = Segment(match.group(0), "user", mention["id"], f"{name} · {unit_name}", email)
        elif mention["kind"] == "unit" and mention["id"] in units:
            seg = Segment(match.group(0), "unit", mention["id"], units[mention["id"]])
        else:
            continue
        if match.start() > last:
            out.append(Segment(comment.text[last : match.start()]))
        out.append(seg)
        last = match.end()
    if last < len(comment.text):
        out.append(Segment(comment.text[last:]))
    return out


def task_timeline(task: Task) -> Timeline:
    """Everything that happened on the task, in one thread, oldest first."""
    page = task_page(task)
    comments = list(
        db.session.execute(
            sa.select(Comment)
            .where(Comment.task_id == task.id)
            .order_by(Comment.id)
            .options(
                selectinload(Comment.author).selectinload(User.unit),
                selectinload(Comment.attachments),
            )
        ).scalars()
    )
    user_ids = {m["id"] for c in comments for m in c.mentions or [] if m["kind"] == "user"}
    unit_ids = {m["id"] for c in comments for m in c.mentions or [] if m["kind"] == "unit"}
    # Both lookups always run (also for no mention), so the page's statement count is fixed.
    people = {
        uid: (name, unit_name, email)
        for uid, name, unit_name, email in db.session.execute(
            sa.select(User.id, User.full_name, Unit.name, User.email)
            .join(Unit, User.unit_id == Unit.id)
            .where(User.id.in_(user_ids))
        ).all()
    }
    units = dict(
        db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()
    )
    return Timeline(page, comments, merge(page, comments, people, units))


def merge(
    page: TaskPage,
    comments: list[Comment],
    people: dict[int, tuple[str, str, str]],
    units: dict[int, str],
) -> list[Entry]:
    """Interleave the rows by time; rows of the same instant keep the audit trail's order."""
    seqs: dict[tuple[str, int], int] = {}
    entries: list[Entry] = []
    for event in page.history:
        if event.action in SHOWN_AS_ITEMS:
            key, kind = SHOWN_AS_ITEMS[event.action]
            ref = (event.after or {}).get(key)
            if ref is not None:
                seqs[(kind, ref)] = event.seq
                continue
        if event.action in HIDDEN_ACTIONS:
            continue
        entries.append(Entry("event", event.occurred_at, event.seq, event.action, event))
    # A row without its event (data from before events named it) sorts after its instant.
    late = 1 << 62
    for r in page.reports:
        entries.append(
            Entry("report", r.submitted_at, seqs.get(("report", r.id), late), "task.report", r)
        )
    c: Contribution | Comment
    for c in page.contributions:
        seq = seqs.get(("contribution", c.id), late)
        entries.append(Entry("contribution", c.created_at, seq, "task.contribute", c))
    for c in comments:
        seq = seqs.get(("comment", c.id), late)
        entry = Entry("comment", c.created_at, seq, "task.comment", c)
        entry.segments = _segments(c, people, units)
        entries.append(entry)
    entries.sort(key=lambda e: (e.at, e.seq))
    return entries


def last_report(page: TaskPage) -> Report | None:
    """The newest report (verify confirms it), or None."""
    return page.reports[-1] if page.reports else None
