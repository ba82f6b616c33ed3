"""The read side: every query and document built from the database (dashboards, plan
views, workspaces, "as of" rebuilds, the audit trail pages, exports, the year-end report,
the inspection pack). Nothing here writes; changes go through workflow/."""
