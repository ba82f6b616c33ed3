"""Notifications listen to workflow's domain events (workflow.signals) and queue mail.

Receivers run inside the emitting unit of work, so each outbox row commits or rolls back
with the change that caused it: exactly once, never a change without its mail nor a mail
without its change.
"""

from __future__ import annotations

from typing import Any

from models import Task
from notifications.events import enqueue_event_mail
from workflow.signals import task_transitioned


def _on_task_transitioned(task: Task, **event: Any) -> None:
    enqueue_event_mail(task, event["event"], event["actor"], event.get("reason"))


def connect() -> None:
    """Subscribe the mail receivers (idempotent: blinker keeps one connection per receiver)."""
    task_transitioned.connect(_on_task_transitioned, weak=False)
