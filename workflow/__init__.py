"""Domain services: every change of a task, plan, unit, user or setting goes through here."""
