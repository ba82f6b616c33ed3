"""Reminders and mail: policy, planning into an outbox, sending, scheduling, feeds."""
