"""Issue 14's "done when", in a real browser on a `make run`-style database.

The database is the one `planwork demo load` builds (the 2024 plans with their history and
the live plan of the current year around today); the app is a real server on loopback and
mail goes to a real aiosmtpd server on loopback. The outbox is drained the way the
scheduler does (notifications.jobs.run_planning at start, then run_sending), and each
step's mails are checked as received: who, what subject, exactly once each.

A coordinator gives a current-year task to a named member of the lead unit; the member
finds it in "Việc chờ tôi" and the header count, comments with an @mention, asks for more
time; the coordinator decides from the inbox. A member who chose the daily digest for these
kinds gets no mail at once and one digest when it runs. The member changes their password
and a session opened before ends. In English, no page visited shows Vietnamese that is not
data (tests/i18n/english_scan.py).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from models import ExtensionRequest, MailKind, OutboxMessage, Plan, Task, TaskState, User, db
from tests.conftest import DatabaseFactory, _fresh_app, make_app
from tests.i18n.english_scan import DataStrings, visible_runs
from tests.notifications.conftest import Smtp
from workflow import clock

PASSWORD = "planwork-demo"
NEW_PASSWORD = "mat-khau-moi-2026"
COORDINATOR = "gdtx.coordinator"  # coordinator of GDTX, which leads and tracks the task
MEMBER = "gdtx.member"  # the named member the task is given to
DIGEST_MEMBER = "gdtx.member2"  # chose the daily digest for every kind of event
MENTIONED = "gdtx.coordinator2"
LIVE_ITEM = "3"  # the live plan's item 3: GDTX's, assigned, due yesterday, no request yet
TEMPLATE = "tpl_live"


@pytest.fixture(scope="session")
def live_template(database_factory: DatabaseFactory, tmp_path_factory) -> str:  # noqa: ANN001
    """A template database as `make run` leaves it: `planwork demo load` (history + live)."""
    from flask_migrate import upgrade

    from demo.loader import load_demo

    workdir = tmp_path_factory.mktemp("live")
    url = database_factory.create_empty(TEMPLATE)
    app = make_app(url, workdir)
    with app.app_context():
        upgrade()
        load_demo(history=True, live=True)
        db.session.remove()
        db.engine.dispose()
    return TEMPLATE


@pytest.fixture
def live_app(
    database_factory: DatabaseFactory,
    live_template: str,
    request,
    tmp_path: Path,  # noqa: ANN001
) -> Iterator[Flask]:
    yield from _fresh_app(database_factory, live_template, request, tmp_path)


@pytest.fixture
def smtp(live_app: Flask) -> Iterator[Smtp]:
    server = Smtp(live_app).start()
    yield server
    server.stop()


@pytest.fixture
def server(live_app: Flask, smtp: Smtp) -> Iterator[str]:
    live_app.config["SERVER_NAME"] = None
    httpd = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


class Person:
    """One browser context signed in as one person; keeps the HTML of every page seen."""

    def __init__(self, browser, base: str, lang: str, pages: list, **args) -> None:  # noqa: ANN001
        self.base, self.lang, self.pages = base, lang, pages
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, **args)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("dialog", lambda d: d.accept())

    def seen(self) -> None:
        self.pages.append((self.page.url, self.page.content()))

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.seen()

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.page.goto(self.base + "/login")
        if self.lang == "en" and self.page.get_attribute("html", "lang") != "en":
            self.page.click("form.lang button[value=en]")  # the header's language switch
            self.page.wait_for_load_state()
        self.seen()
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url("**/my-tasks")
        self.seen()

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.seen()

    def flash(self) -> str:
        return " ".join(self.page.locator("p.flash").all_inner_texts())

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


def _t(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


def _live_task() -> Task:
    db.session.expire_all()
    year = clock.today().year
    plan = db.session.execute(
        sa.select(Plan).where(Plan.number == f"{year}/KH-GDTX-MAU")
    ).scalar_one()
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan.id, Task.number == LIVE_ITEM, Task.parent_id.is_(None)
        )
    ).scalar_one()


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _address(username: str) -> str:
    return _user(username).email.lower()


class Mail:
    """What the SMTP server received since the last look."""

    def __init__(self, smtp: Smtp) -> None:
        self.smtp = smtp
        self.seen = 0

    def drain(self) -> list:  # noqa: ANN201
        """Run the sender as the scheduler's minute job does; the mails it delivered."""
        from notifications.jobs import run_sending

        run_sending()
        new = self.smtp.received[self.seen :]
        self.seen = len(self.smtp.received)
        return new

    @staticmethod
    def by_recipient(mails: list) -> Counter:  # noqa: ANN001
        return Counter(r.lower() for m in mails for r in m.recipients)


def _subjects(mails: list, address: str) -> list[str]:  # noqa: ANN001
    return [m.subject for m in mails if address in [r.lower() for r in m.recipients]]


def _one_click(mails: list) -> None:  # noqa: ANN001
    """Every mail can be unsubscribed from in one click (RFC 8058)."""
    for m in mails:
        assert m.message["List-Unsubscribe"], m.message["Subject"]
        assert m.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def _choose_digest(person: Person, kinds: tuple[str, ...]) -> None:
    person.open("/account/notifications")
    for kind in kinds:
        person.page.check(f"#mode-{kind}-digest")
    person.submit("main form button[type=submit]")
    assert _t(person.lang, "Đã lưu lựa chọn", "saved") in person.flash()


def _english_left(pages: list[tuple[str, str]], extra: list[str]) -> dict[str, list[str]]:
    """Vietnamese words on the pages that no data value explains, by page."""
    data = DataStrings()
    data.add(extra)
    found: dict[str, list[str]] = {}
    for url, html in pages:
        words = [w for run in visible_runs(html) for w in data.untranslated(run)]
        if words:
            found.setdefault(url, []).extend(words)
    return found


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_people_scenario(browser, server, live_app, smtp, lang):  # noqa: ANN001, PLR0915
    from notifications.jobs import run_planning

    pages: list[tuple[str, str]] = []
    mail = Mail(smtp)
    # `make run` starts the scheduler, which catches up the current day: today's reminders
    # go out at once. What follows is told on top of them.
    run_planning()
    mail.drain()
    assert mail.drain() == []  # drained: nothing is sent twice
    start = mail.seen

    task = _live_task()
    assert task.lead_unit.code == "GDTX" and task.state == TaskState.ASSIGNED
    assert task.plan.number.startswith(f"{clock.today().year}/")  # the live plan
    assert not db.session.execute(
        sa.select(ExtensionRequest.id).where(ExtensionRequest.task_id == task.id)
    ).first()
    member, coordinator = _user(MEMBER), _user(COORDINATOR)
    task_id = task.id

    # A member of the lead unit who wants these events in the daily digest says so.
    digest_kinds = ("comment", "extension_requested", "extension_decided", "assigned")
    other = Person(browser, server, lang, pages)
    other.login(DIGEST_MEMBER)
    _choose_digest(other, digest_kinds)
    # Before the task is given to a person, the lead unit's members all see it waiting.
    other.open("/inbox")
    assert other.page.locator(f'li.inbox-entry[data-task="{task_id}"]').count() == 1

    # The member signs in on a second device first: this session is to end later.
    old = Person(browser, server, lang, pages)
    old.login(MEMBER)
    old.open("/inbox")
    waiting_before = old.page.locator("li.inbox-entry").count()
    assert old.page.locator(f'li.inbox-entry[data-task="{task_id}"]').count() == 1

    # 1. The coordinator gives the task to a named member of the lead unit.
    boss = Person(browser, server, lang, pages)
    boss.login(COORDINATOR)
    boss.open(f"/tasks/{task_id}")
    boss.page.select_option("#assign-users", str(member.id))
    boss.submit("#assign-form button[type=submit]")
    assert member.full_name in boss.page.inner_text("#people ul.assignees")
    sent = mail.drain()
    assert Mail.by_recipient(sent) == Counter({member.email.lower(): 1}), [
        (m.recipients, m.subject) for m in sent
    ]
    subject = _subjects(sent, member.email.lower())[0]
    assert coordinator.full_name in subject and task.plan.number in subject, subject
    _one_click(sent)

    # 2. The member sees it waiting in "Việc chờ tôi", and the count in the header.
    me = Person(browser, server, lang, pages)
    me.login(MEMBER)
    me.open("/inbox")
    entry = me.page.locator(f'li.inbox-entry[data-task="{task_id}"]')
    assert entry.count() == 1
    count = me.page.locator("li.inbox-entry").count()
    assert count == waiting_before and count > 0
    assert me.page.inner_text("#inbox-link .badge").strip() == str(count)
    # Given to a person, it waits on them, no longer on the rest of the unit.
    other.open("/inbox")
    assert other.page.locator(f'li.inbox-entry[data-task="{task_id}"]').count() == 0
    other.close()

    # 3. A comment that mentions someone.
    me.page.click(f'li.inbox-entry[data-task="{task_id}"] a[href$="/tasks/{task_id}"]')
    me.page.wait_for_url(f"**/tasks/{task_id}")
    me.seen()
    me.page.fill("#comment-text", f"Đã nhận việc, nhờ @{MENTIONED} gửi số liệu quý IV.")
    me.submit("button.btn-comment")
    assert "@" + MENTIONED in me.page.inner_text("#main")
    sent = mail.drain()
    # A coordinator hears of comments in the digest by default, the member2 chose it too:
    # nobody gets a comment mail at once, the mentioned coordinator included.
    assert Mail.by_recipient(sent) == Counter(), [(m.recipients, m.subject) for m in sent]

    # 4. The member asks for more time.
    new_due = task.due_on + timedelta(days=21)
    me.page.locator("#act-extension > summary").click()
    me.page.fill("#extension-date", new_due.isoformat())
    me.page.fill("#extension-reason", "Chờ số liệu của các phòng giáo dục.")
    me.submit("#extension-form button[type=submit]")
    sent = mail.drain()
    coordinators = {_address(COORDINATOR), _address(MENTIONED)}
    assert Mail.by_recipient(sent) == Counter(dict.fromkeys(coordinators, 1)), [
        (m.recipients, m.subject) for m in sent
    ]
    _one_click(sent)

    # 5. The coordinator decides it from the inbox, in one step.
    boss.open("/inbox")
    # Reports waiting have no "days left": the line shows no empty "· ·" for it.
    assert "· ·" not in boss.page.inner_text("main")
    request_entry = boss.page.locator(
        f'li.inbox-entry[data-kind="extension"][data-task="{task_id}"]'
    )
    assert request_entry.count() == 1
    with boss.page.expect_navigation():
        request_entry.locator("button[value=grant]").click()
    boss.seen()
    assert boss.page.url.endswith("/inbox")
    assert (
        boss.page.locator(f'li.inbox-entry[data-kind="extension"][data-task="{task_id}"]').count()
        == 0
    )
    assert _live_task().due_on == new_due
    sent = mail.drain()
    told = Mail.by_recipient(sent)
    assert told[_address(MEMBER)] == 1, told
    assert _address(DIGEST_MEMBER) not in told  # chose the digest
    assert all(n == 1 for n in told.values()), told
    _one_click(sent)

    # Nothing goes out twice, and the digest member had no mail at once all along.
    assert mail.drain() == []
    immediate = Mail.by_recipient(smtp.received[start:])
    assert _address(DIGEST_MEMBER) not in immediate

    # 6. The daily digest runs (its hour on the next working day): one mail for the member
    #    who chose it, with every event of the day in it.
    db.session.expire_all()
    digest_at = db.session.execute(
        sa.select(sa.func.max(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.kind == MailKind.EVENT_DIGEST,
            OutboxMessage.recipient == _address(DIGEST_MEMBER),
        )
    ).scalar_one()
    assert digest_at is not None
    clock.freeze(digest_at + timedelta(minutes=1))
    sent = mail.drain()
    digests = [m for m in sent if _address(DIGEST_MEMBER) in [r.lower() for r in m.recipients]]
    assert len(digests) == 1, [m.subject for m in digests]
    body = digests[0].text()
    assert task.plan.number in body and member.full_name in body, body
    _one_click(digests)
    assert all(n == 1 for n in Mail.by_recipient(sent).values()), Mail.by_recipient(sent)
    assert mail.drain() == []
    clock.freeze(None)

    # 7. The member changes their password; the session opened before ends.
    me.open("/account/password")
    me.page.fill("#current", PASSWORD)
    me.page.fill("#new", NEW_PASSWORD)
    me.page.fill("#confirm", NEW_PASSWORD)
    me.submit("main form button[type=submit]")
    assert _t(lang, "Đã đổi mật khẩu", "password") in me.flash().replace("Password", "password")
    me.open("/inbox")  # this session goes on
    old.page.goto(server + "/inbox")
    assert "/login" in old.page.url
    old.seen()
    old.close()
    me.page.click("header form.inline button")  # sign out, and in with the new password
    me.page.wait_for_url("**/login")
    me.login(MEMBER, NEW_PASSWORD)
    me.close()
    boss.close()

    if lang == "en":
        assert all(re.search(r'<html lang="en"', html) for _, html in pages), [
            url for url, html in pages if '<html lang="en"' not in html
        ]
        left = _english_left(pages, [])
        assert not left, left
