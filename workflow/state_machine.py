"""The task state machine: one `transitions.Machine` for every task, never bound to rows.

Binding a machine to each ORM row would reset loaded states to the initial one and
add attributes per object; instead events are fired through a single module-level
machine whose model is passed at trigger time.
"""

from __future__ import annotations

from transitions import Machine

from models import Task, TaskState
from workflow.errors import TransitionNotAllowed

S = TaskState

TASK_TRANSITIONS: list[dict[str, object]] = [
    {"trigger": "start", "source": S.ASSIGNED, "dest": S.IN_PROGRESS},
    {"trigger": "report", "source": S.IN_PROGRESS, "dest": S.REPORTED},
    {"trigger": "verify", "source": S.REPORTED, "dest": S.VERIFIED},
    {"trigger": "return", "source": S.REPORTED, "dest": S.IN_PROGRESS},
    {"trigger": "reopen", "source": S.VERIFIED, "dest": S.IN_PROGRESS},
    {
        "trigger": "cancel",
        "source": [S.ASSIGNED, S.IN_PROGRESS, S.REPORTED],
        "dest": S.CANCELLED,
    },
]

EVENTS: tuple[str, ...] = ("start", "report", "verify", "return", "reopen", "cancel")

# Events that must say why (DESIGN.md: return, reopen, cancel need a reason).
REASON_REQUIRED = frozenset({"return", "reopen", "cancel"})

TASK_FLOW = Machine(
    model=None,
    states=TaskState,
    initial=None,
    auto_transitions=False,
    send_event=True,
    transitions=TASK_TRANSITIONS,
)

EVENT_LABELS = {
    "start": "Bắt đầu thực hiện",
    "report": "Gửi báo cáo",
    "verify": "Xác nhận hoàn thành",
    "return": "Trả lại",
    "reopen": "Mở lại",
    "cancel": "Hủy nhiệm vụ",
}

STATE_LABELS = {
    S.ASSIGNED: "Đã giao",
    S.IN_PROGRESS: "Đang thực hiện",
    S.REPORTED: "Đã báo cáo",
    S.VERIFIED: "Đã xác nhận",
    S.CANCELLED: "Đã hủy",
}


def triggers_from(state: TaskState) -> list[str]:
    """The events the machine accepts in this state, in a stable order."""
    available = set(TASK_FLOW.get_triggers(state.name))
    return [event for event in EVENTS if event in available]


def fire(task: Task, event: str) -> None:
    """Move the task by `event`, or raise if its state does not allow it."""
    if event not in triggers_from(task.state):
        raise TransitionNotAllowed(
            "Không thể «%(event)s» khi nhiệm vụ đang ở trạng thái «%(state)s».",
            event=EVENT_LABELS.get(event, event),
            state=STATE_LABELS[task.state],
        )
    TASK_FLOW.events[event].trigger(task)
