"""Domain services: every change of a task, plan, unit, user or setting goes through here."""

# Registers the mapper events that keep `search_text` folded, whichever service writes.
from workflow import search as _search  # noqa: E402, F401
