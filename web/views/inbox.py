"""The inbox "Việc chờ tôi" (/inbox) and its count in the header; reads: reports/inbox.py.

Each entry's button posts to the existing task action (verify, decide an extension, answer
an explanation, start) with `next=/inbox`, so the person comes back here after one step.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from reports.inbox import inbox, inbox_count
from web.forms import TransitionForm
from web.task_forms import DecisionForm, ExplanationForm

bp = Blueprint("inbox", __name__)
COUNT_KEY = "planwork.inbox_count"

# The sources' headings (reports.inbox.SOURCES), marked here for extraction: the template
# translates `source.label` through a variable. A new source adds its heading here.
MARKED = (
    _l("Báo cáo chờ xác nhận"),
    _l("Đề nghị gia hạn chờ quyết định"),
    _l("Yêu cầu giải trình chờ trả lời"),
    _l("Nhiệm vụ bị trả lại, cần làm lại"),
    _l("Việc của tôi quá hạn hoặc sắp đến hạn"),
)


@bp.app_context_processor
def header_count() -> dict[str, object]:
    """`inbox_count()` for the header: computed only when a page calls it, once a request."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        # Kept on the request, not on `g`: an app context may outlive one request.
        if COUNT_KEY not in request.environ:
            request.environ[COUNT_KEY] = inbox_count(current_user)
        return request.environ[COUNT_KEY]

    return {"inbox_count": count}


@bp.route("/inbox")
@login_required
def index() -> str:
    """What waits for the current user, by kind, each with its one-step action."""
    groups = inbox(current_user)
    # The header shows the same figure without asking the database again.
    request.environ[COUNT_KEY] = sum(len(group.entries) for group in groups)
    return render_template(
        "inbox/index.html",
        groups=groups,
        transition_form=TransitionForm(),
        decision_form=DecisionForm(),
        explanation_form=ExplanationForm(),
    )
