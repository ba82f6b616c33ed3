"""The password reset mail, queued through the outbox in the caller's transaction."""

from __future__ import annotations

import hashlib
from html import escape

from flask_babel import force_locale, gettext

from models import MailKind
from notifications.outbox import PlannedMail, insert_ignoring_duplicates
from workflow import clock
from workflow.account import ResetMail

RESET_EVENT = "password_reset"


def queue_reset_mail(mail: ResetMail, link: str) -> None:
    """Put the reset mail for `mail.user` in the outbox, in the account's language.

    Called by workflow.account.request_password_reset inside its unit of work: the mail
    is written with the token or not at all.
    """
    user = mail.user
    with force_locale(user.locale or "vi"):
        subject = gettext("PlanWork: đặt lại mật khẩu")
        lines = [
            gettext("Xin chào %(name)s,", name=user.full_name),
            gettext(
                "Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu cho tài khoản "
                "«%(username)s». Hãy mở liên kết sau trong vòng 1 giờ để đặt mật khẩu mới; "
                "liên kết chỉ dùng được một lần:",
                username=user.username,
            ),
            link,
            gettext("Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không đổi."),
            gettext("Thư tự động, xin không trả lời."),
        ]
    text = "\n\n".join(lines) + "\n"
    html = "".join(
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        if line == link
        else f"<p>{escape(line)}</p>"
        for line in lines
    )
    # The key names this request only (a digest of the token, never the token itself).
    key = "password_reset|" + hashlib.sha256(mail.token.encode()).hexdigest()[:32]
    insert_ignoring_duplicates(
        [
            PlannedMail(
                dedupe_key=key,
                kind=MailKind.EVENT,
                event=RESET_EVENT,
                recipient=user.email,
                planned_for=clock.today(),
                subject=subject,
                body_text=text,
                body_html=html,
            )
        ]
    )
