"""Domain events: what workflow announces after a change, for whoever listens.

Workflow emits inside the unit of work, after the change is flushed and before it
commits; a receiver that writes (notifications' outbox) therefore writes in the same
transaction, and an exception in a receiver rolls the change back with it. Workflow
never knows who listens: `notifications.subscribers` connects at app start.

Blinker is the signal library Flask itself depends on and uses for its own signals.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# sender: the Task (flushed, post-transition version); keyword arguments:
#   event: the transition's name ("start", "report", "verify", "return", ...)
#   actor: the User who acted; reason: the reason given, or None
task_transitioned = _events.signal("task-transitioned")

# Person-level assignment (workflow/assignees.py); notifications may subscribe to tell the
# person. sender: the Task; keyword arguments:
#   actor: the coordinator who acted; assignee: the User concerned;
#   assigned: True when the person was given the task, False when taken off it
task_assigned = _events.signal("task-assigned")

# A comment on a task (workflow/comments.py), sent when it is added and when an edit
# mentions someone new; notifications may subscribe to tell the people mentioned.
# sender: the Task; keyword arguments:
#   comment_id: the Comment's id; actor: its author; edited: True when sent by an edit;
#   mentioned_user_ids: ids of the active people who can see the task and were mentioned
#   (directly or through their unit) and not yet told, the author excluded
comment_added = _events.signal("comment-added")

# A task's assignment or fields changed outside the state machine (workflow/plans.py,
# task_edits.py). sender: the Task (flushed); keyword arguments:
#   change: "created" (a new task, by import or by hand), "reassign" (another lead unit),
#           "due" (the deadline moved) or "edit" (title, content, timeframe)
#   actor: the User who acted; reason: the reason given, or None
#   before: the changed fields' old values (dict; "lead_unit_id" for a reassignment)
task_changed = _events.signal("task-changed")

# A deadline extension or an explanation was asked for (workflow/requests.py).
# sender: the Task; keyword arguments: kind ("extension" or "explanation"),
#   request: the ExtensionRequest / ExplanationRequest (flushed), actor: the User who asked
request_created = _events.signal("request-created")

# A tracking coordinator granted or refused an extension. sender: the Task; keyword
# arguments: request: the ExtensionRequest (decided), actor, granted: bool, reason
request_decided = _events.signal("request-decided")

# The lead unit answered an explanation request. sender: the Task; keyword arguments:
#   request: the ExplanationRequest (answered), actor
request_answered = _events.signal("request-answered")

# A coordinating unit added its contribution (workflow/task_reports.py). sender: the Task;
# keyword arguments: contribution: the Contribution (flushed), actor
contribution_added = _events.signal("contribution-added")

# Someone asked the lead unit (or the task's assignees) to get on with an open task
# (workflow/bulk_actions.py). sender: the Task; keyword arguments:
#   actor: the User who reminded; key: this reminder's identity (its audit event id), so its
#   mail is queued exactly once; note: what the reminder says beyond the task, or None
task_reminded = _events.signal("task-reminded")
