"""The inbox "Việc chờ tôi" (/inbox) and its count in the header; reads: reports/inbox.py.

Each entry's button posts to the existing task action (verify, decide an extension, answer
an explanation, start) with `next=/inbox`, so the person comes back here after one step.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, render_template, request, session
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


# The header's figure is kept in the person's session for INBOX_BADGE_SECONDS (30): counting
# it asks the database the inbox's own question (3–7 ms on the city, on every page, the
# largest fixed cost of a page). What others do shows within half a minute; what the
# person does shows at once, since any change they post forgets the kept figure, and the
# inbox page itself always counts afresh.
BADGE_KEY = "inbox_badge"


def _kept_count() -> int:
    max_age = current_app.config.get("INBOX_BADGE_SECONDS", 30)
    kept = session.get(BADGE_KEY)
    now = int(time.time())
    if (
        max_age > 0
        and isinstance(kept, list)
        and len(kept) == 3
        and kept[0] == current_user.id
        and 0 <= now - kept[2] < max_age
    ):
        return int(kept[1])
    return _keep(inbox_count(current_user))


def _keep(count: int) -> int:
    if current_app.config.get("INBOX_BADGE_SECONDS", 30) > 0:
        session[BADGE_KEY] = [current_user.id, count, int(time.time())]
    return count


@bp.before_app_request
def _forget_after_a_change() -> None:
    # Only when there is one to forget: touching the session sets a cookie, and API
    # clients posting with a token have no session.
    if request.method not in ("GET", "HEAD", "OPTIONS") and BADGE_KEY in session:
        session.pop(BADGE_KEY)


@bp.app_context_processor
def header_count() -> dict[str, object]:
    """`inbox_count()` for the header: computed only when a page calls it, at most once a
    request, and kept in the session for INBOX_BADGE_SECONDS."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        # Kept on the request, not on `g`: an app context may outlive one request.
        if COUNT_KEY not in request.environ:
            request.environ[COUNT_KEY] = _kept_count()
        return request.environ[COUNT_KEY]

    return {"inbox_count": count}


@bp.route("/inbox")
@login_required
def index() -> str:
    """What waits for the current user, by kind, each with its one-step action."""
    groups = inbox(current_user)
    # The header shows the same figure without asking the database again.
    request.environ[COUNT_KEY] = _keep(sum(len(group.entries) for group in groups))
    return render_template(
        "inbox/index.html",
        groups=groups,
        transition_form=TransitionForm(),
        decision_form=DecisionForm(),
        explanation_form=ExplanationForm(),
    )
