"""Notifications listen to workflow's domain events (workflow.signals) and tell people.

Receivers run inside the emitting unit of work, so each in-app notification and outbox row
commits or rolls back with the change that caused it: exactly once, never a change without
its notice nor a notice without its change. Each receiver only says what happened and to
whom (an `Event`); notifications.events.notify does the rest.
"""

from __future__ import annotations

from typing import Any

from models import Comment, Task, Unit, UnitRole, db
from notifications.audience import Audience
from notifications.events import Event, notify
from notifications.render import N_, Msg
from workflow import clock
from workflow.signals import (
    comment_added,
    contribution_added,
    request_answered,
    request_created,
    request_decided,
    task_assigned,
    task_changed,
    task_reminded,
    task_transitioned,
)


def _ref(task: Task, capital: bool = False) -> Msg | str:
    """ "nhiệm vụ 1.2 – KH 15/KH-SGDĐT", or "Nhiệm vụ …" to open a sentence."""
    plan = task.plan
    if plan is None:
        return task.number
    msgid = (
        N_("Nhiệm vụ %(number)s – %(plan)s") if capital else N_("nhiệm vụ %(number)s – %(plan)s")
    )
    return Msg(msgid, {"number": task.number, "plan": plan.label})


def _unit_name(unit_id: int | None) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""


def _leads(task: Task) -> tuple[int, ...]:
    """The units that carry the task: its lead, or the leads of its sub-tasks."""
    if task.lead_unit_id is not None:
        return (task.lead_unit_id,)
    return tuple(s.lead_unit_id for s in task.subtasks if s.lead_unit_id is not None)


def _coordinating(task: Task) -> tuple[int, ...]:
    return tuple(tu.unit_id for tu in task.units if tu.role == UnitRole.COORDINATING and tu.unit_id)


def _tracking(task: Task) -> tuple[int, ...]:
    return (task.plan.tracking_unit_id,) if task.plan is not None else ()


def _reason(reason: str | None) -> Msg | None:
    return Msg(N_("Lý do: %(reason)s"), {"reason": reason}) if reason else None


def _on_transition(task: Task, **kw: Any) -> None:
    event, actor, reason = kw["event"], kw["actor"], kw.get("reason")
    if event not in ("start", "report", "verify", "return", "reopen", "cancel"):
        return
    ref, lead = _ref(task), _unit_name(task.lead_unit_id)
    by_unit = _unit_name(actor.unit_id) if actor is not None else ""
    ref_cap = {"ref": _ref(task, capital=True)}
    kind, msgid, params, side = {
        "start": (
            "started",
            N_("%(unit)s đã bắt đầu thực hiện %(ref)s"),
            {"unit": lead or by_unit, "ref": ref},
            "tracking",
        ),
        "report": (
            "reported",
            N_("%(unit)s đã gửi báo cáo %(ref)s"),
            {"unit": by_unit, "ref": ref},
            "tracking",
        ),
        "verify": (
            "verified",
            N_("Báo cáo %(ref)s đã được xác nhận hoàn thành"),
            {"ref": ref},
            "lead",
        ),
        "return": ("returned", N_("Báo cáo %(ref)s bị trả lại"), {"ref": ref}, "lead"),
        "reopen": ("reopened", N_("%(ref)s được mở lại"), ref_cap, "lead"),
        "cancel": ("cancelled", N_("%(ref)s đã bị hủy"), ref_cap, "lead"),
    }[event]
    title = Msg(msgid, params)
    if side == "tracking":
        audience = Audience(coordinators_of=_tracking(task), followers_of=task.id)
    else:
        audience = Audience(units=_leads(task), followers_of=task.id)
    notify(Event(kind, event, task, actor, f"v{task.version}", title, audience, _reason(reason)))


def _on_change(task: Task, **kw: Any) -> None:
    change, actor, reason = kw["change"], kw["actor"], kw.get("reason")
    before = kw.get("before") or {}
    ref, ref_cap = _ref(task), _ref(task, capital=True)
    lead = _unit_name(task.lead_unit_id)
    version = f"v{task.version}"
    if change == "created":
        params = {"ref": ref, "lead": lead, "due": task.due_on}
        if lead:
            msgid = (
                N_("Giao %(ref)s cho %(lead)s, hạn %(due)s")
                if task.due_on
                else N_("Giao %(ref)s cho %(lead)s")
            )
        else:
            msgid = N_("Giao %(ref)s, hạn %(due)s") if task.due_on else N_("Giao %(ref)s")
        title = Msg(msgid, params)
        audience = Audience(units=_leads(task))
        notify(Event("assigned", "created", task, actor, "created", title, audience))
    elif change == "reassign":
        old = before.get("lead_unit_id")
        title = Msg(N_("%(ref)s được giao cho %(lead)s"), {"ref": ref_cap, "lead": lead})
        notify(
            Event(
                "assigned",
                "reassign",
                task,
                actor,
                version,
                title,
                Audience(units=_leads(task), followers_of=task.id),
                _reason(reason),
            )
        )
        if old:
            title = Msg(
                N_("%(ref)s không còn do %(old)s chủ trì; đã giao cho %(lead)s"),
                {"ref": ref_cap, "old": _unit_name(old), "lead": lead},
            )
            notify(
                Event(
                    "changed",
                    "unassigned",
                    task,
                    actor,
                    version,
                    title,
                    Audience(units=(old,)),
                    _reason(reason),
                )
            )
    elif change == "due":
        title = Msg(
            N_("Hạn %(ref)s đổi từ %(old)s thành %(new)s"),
            {"ref": ref, "old": before.get("due_on"), "new": task.due_on},
        )
        audience = Audience(units=_leads(task) + _coordinating(task), followers_of=task.id)
        notify(Event("due_changed", "due", task, actor, version, title, audience, _reason(reason)))
    elif change == "edit":
        fields = {
            "title": N_("tên"),
            "content": N_("nội dung"),
            "timeframe_text": N_("thời gian thực hiện"),
            "number": N_("số thứ tự"),
        }
        what = [Msg(label) for key, label in fields.items() if key in before]
        title = Msg(
            N_("%(ref)s đã được sửa (%(what)s)"),
            {"ref": ref_cap, "what": what or [Msg(N_("thông tin"))]},
        )
        audience = Audience(units=_leads(task), followers_of=task.id)
        notify(Event("changed", "edit", task, actor, version, title, audience, _reason(reason)))


def _on_request(task: Task, **kw: Any) -> None:
    kind, request, actor = kw["kind"], kw["request"], kw["actor"]
    ref, by_unit = _ref(task), _unit_name(actor.unit_id)
    if kind == "extension":
        title = Msg(
            N_("%(unit)s xin gia hạn %(ref)s đến %(due)s"),
            {"unit": by_unit, "ref": ref, "due": request.new_due_on},
        )
        audience = Audience(coordinators_of=_tracking(task), followers_of=task.id)
        notify(
            Event(
                "extension_requested",
                "ext_request",
                task,
                actor,
                f"ext{request.id}",
                title,
                audience,
                _reason(request.reason),
            )
        )
    else:
        title = Msg(
            N_("%(unit)s yêu cầu giải trình %(ref)s (quá hạn)"), {"unit": by_unit, "ref": ref}
        )
        audience = Audience(units=_leads(task), followers_of=task.id)
        notify(
            Event(
                "explain_requested",
                "expl_request",
                task,
                actor,
                f"expl{request.id}",
                title,
                audience,
                Msg(N_("Nội dung cần giải trình: %(question)s"), {"question": request.question}),
            )
        )


def _on_decision(task: Task, **kw: Any) -> None:
    request, actor, granted = kw["request"], kw["actor"], kw["granted"]
    ref = _ref(task)
    if granted:
        title = Msg(
            N_("Đề nghị gia hạn %(ref)s được chấp thuận: hạn mới %(due)s"),
            {"ref": ref, "due": request.new_due_on},
        )
    else:
        title = Msg(N_("Đề nghị gia hạn %(ref)s bị từ chối"), {"ref": ref})
    audience = Audience(units=_leads(task), users=(request.requested_by_id,), followers_of=task.id)
    notify(
        Event(
            "extension_decided",
            "ext_decision",
            task,
            actor,
            f"ext{request.id}:d",
            title,
            audience,
            _reason(kw.get("reason")),
        )
    )


def _on_answer(task: Task, **kw: Any) -> None:
    request, actor = kw["request"], kw["actor"]
    title = Msg(
        N_("%(unit)s đã giải trình %(ref)s"), {"unit": _unit_name(actor.unit_id), "ref": _ref(task)}
    )
    audience = Audience(
        coordinators_of=_tracking(task), users=(request.requested_by_id,), followers_of=task.id
    )
    notify(
        Event(
            "explain_answered",
            "expl_answer",
            task,
            actor,
            f"expl{request.id}:a",
            title,
            audience,
            Msg(N_("Giải trình: %(explanation)s"), {"explanation": request.explanation}),
        )
    )


def _on_contribution(task: Task, **kw: Any) -> None:
    contribution, actor = kw["contribution"], kw["actor"]
    title = Msg(
        N_("%(unit)s đã gửi đóng góp cho %(ref)s"),
        {"unit": _unit_name(actor.unit_id), "ref": _ref(task)},
    )
    audience = Audience(units=_leads(task), coordinators_of=_tracking(task), followers_of=task.id)
    notify(
        Event(
            "contribution",
            "contribution",
            task,
            actor,
            f"contrib{contribution.id}",
            title,
            audience,
            contribution.text,
        )
    )


def _on_comment(task: Task, **kw: Any) -> None:
    actor, comment_id = kw["actor"], kw["comment_id"]
    mentioned = tuple(kw.get("mentioned_user_ids") or ())
    comment = db.session.get(Comment, comment_id)
    text = comment.text if comment is not None else None
    ref = _ref(task)
    if mentioned:
        # The people named in the comment hear of it as such, once per comment.
        title = Msg(
            N_("%(actor)s nhắc đến bạn trong bình luận về %(ref)s"),
            {"actor": actor.full_name, "ref": ref},
        )
        notify(
            Event(
                "comment",
                "mention",
                task,
                actor,
                f"comment{comment_id}:m",
                title,
                Audience(users=mentioned),
                text,
            )
        )
    if kw.get("edited"):
        return  # an edit only tells the people it newly mentions
    title = Msg(N_("%(actor)s đã bình luận về %(ref)s"), {"actor": actor.full_name, "ref": ref})
    audience = Audience(
        units=_leads(task),
        coordinators_of=_tracking(task),
        followers_of=task.id,
        exclude_users=mentioned,
    )
    notify(Event("comment", "comment", task, actor, f"comment{comment_id}", title, audience, text))


def _on_assigned(task: Task, **kw: Any) -> None:
    actor, person, assigned = kw["actor"], kw["assignee"], kw["assigned"]
    if person is None:
        return
    ref = _ref(task)
    if assigned:
        title = Msg(
            N_("%(actor)s giao bạn thực hiện %(ref)s"), {"actor": actor.full_name, "ref": ref}
        )
    else:
        title = Msg(N_("Bạn không còn là người thực hiện %(ref)s"), {"ref": ref})
    # Assigning, removing and assigning again are three events: the instant tells them apart.
    key = f"p{person.id}{'+' if assigned else '-'}{clock.now().isoformat()}"
    notify(
        Event(
            "assigned",
            "assign" if assigned else "unassign",
            task,
            actor,
            key,
            title,
            Audience(users=(person.id,)),
        )
    )


def _on_remind(task: Task, **kw: Any) -> None:
    """A reminder asked for by hand: to the task's assignees, else to its lead unit(s).
    Told as an assignment (kind "assigned"), so each person's choice for their work holds."""
    actor, people = kw["actor"], tuple(kw.get("assignee_ids") or ())
    if task.due_on:
        title = Msg(N_("Nhắc việc: %(ref)s, hạn %(due)s"), {"ref": _ref(task), "due": task.due_on})
    else:
        title = Msg(N_("Nhắc việc: %(ref)s"), {"ref": _ref(task)})
    audience = Audience(users=people) if people else Audience(units=_leads(task))
    notify(Event("assigned", "remind", task, actor, kw["key"], title, audience, kw.get("note")))


RECEIVERS = (
    (task_transitioned, _on_transition),
    (task_changed, _on_change),
    (request_created, _on_request),
    (request_decided, _on_decision),
    (request_answered, _on_answer),
    (contribution_added, _on_contribution),
    (comment_added, _on_comment),
    (task_assigned, _on_assigned),
    (task_reminded, _on_remind),
)


def connect_all(receivers: tuple[tuple[Any, Any], ...]) -> None:
    """Subscribe (signal, receiver) pairs (idempotent: blinker keeps one connection per
    receiver); the webhooks' subscribers use it too."""
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False)


def connect() -> None:
    """Subscribe the mail and notice receivers."""
    connect_all(RECEIVERS)
