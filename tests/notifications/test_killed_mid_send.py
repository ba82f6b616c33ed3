"""A sender process SIGKILLed mid-send, for real: `planwork reminders send` runs in a child
process against an aiosmtpd server on loopback that has taken the third mail and holds back
its reply. The child is killed there, a new sender process runs, and what the server received
is checked: every mail arrived, none was lost, and only the mail in flight came twice, with
one Message-ID (the guarantee notifications/sender.py states)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from config.settings import ROOT
from models import OutboxState, db
from notifications.planner import plan_for_day
from notifications.policy import Policy
from notifications.sink import SinkHandler
from tests.notifications.conftest import at, free_port, outbox_rows
from workflow import clock

DAY = date(2024, 6, 16)  # 15 reminders (see test_planner)
STALL_AT = 3
DEADLINE_SECONDS = 30  # generous under CI load; a healthy run takes a few seconds

# The child: the real CLI, with its clock optionally set to a later instant (PLANWORK_NOW), so
# a sender started "after the lease" needs no real wait.
CHILD = """
import os, sys
from datetime import datetime
from workflow import clock
if os.environ.get("PLANWORK_NOW"):
    clock.freeze(datetime.fromisoformat(os.environ["PLANWORK_NOW"]))
from web.cli import main
sys.argv = ["planwork", "reminders", "send"]
main()
"""


class StallingHandler(SinkHandler):
    """Keeps every mail as soon as its data arrives (the server has it), but holds back the
    "250" for mail number `stall_at` until released: the sender is stuck inside DATA."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.stall_at = stall_at
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.received) == self.stall_at and not self.release.is_set():
            self.stalled.set()
            # Cancelled when the client's connection drops; released at the end of the test.
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return reply


def _sender(
    app: Flask, port: int, tmp_path: Path, name: str, now: datetime | None = None
) -> subprocess.Popen[bytes]:
    """Start `planwork reminders send` on the test database and the given SMTP port."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "PLANWORK_INSTANCE": str(tmp_path / "instance"),
        "PLANWORK_NOW": now.isoformat() if now else "",
    }
    log = (tmp_path / f"{name}.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc


def _output(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(encoding="utf-8")


def _states() -> Counter[OutboxState]:
    counts = Counter(r.state for r in outbox_rows())
    db.session.rollback()  # hold no transaction while a child process writes
    return counts


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(DEADLINE_SECONDS)


def _kill_mid_send(app: Flask, handler: StallingHandler, port: int, tmp_path: Path) -> str:
    """Start a sender, wait until the server holds mail number STALL_AT, check the outbox
    says so, SIGKILL the sender; returns the Message-ID of the mail in flight."""
    first = _sender(app, port, tmp_path, "first")
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not handler.stalled.wait(0.05):
            if first.poll() is not None:
                pytest.fail(f"sender ended before the stall: {_output(tmp_path, 'first')}")
            if time.monotonic() > deadline:
                pytest.fail("sender never reached the stalled mail")
        # Mid-send: the first mails accepted and marked sent, the next with the server.
        in_flight = handler.received[STALL_AT - 1].message_id
        assert _states() == {
            OutboxState.SENT: STALL_AT - 1,
            OutboxState.SENDING: 15 - STALL_AT + 1,
        }
        # The server holds it under the Message-ID of its outbox row, which is still claimed.
        by_id = {r.message_id: r for r in outbox_rows()}
        db.session.rollback()
        assert in_flight in by_id, "the mail on the wire carries its outbox row's Message-ID"
        assert by_id[in_flight].state == OutboxState.SENDING and by_id[in_flight].attempts == 1
        first.send_signal(signal.SIGKILL)
        assert first.wait(DEADLINE_SECONDS) == -signal.SIGKILL
    finally:
        _reap(first)
    return in_flight


def test_sender_process_killed_mid_send_loses_nothing_duplicates_at_most_the_one_in_flight(
    demo_app: Flask, policy: Policy, tmp_path: Path
) -> None:
    at(DAY)
    plan_for_day(DAY, policy)
    rows = outbox_rows()
    db.session.rollback()
    assert len(rows) == 15 and {r.state for r in rows} == {OutboxState.PENDING}
    planned = {r.message_id: (r.recipient, r.subject) for r in rows}
    clock.freeze(None)  # the children run on the real clock; so does this test from here

    handler = StallingHandler(STALL_AT)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        in_flight = _kill_mid_send(demo_app, handler, port, tmp_path)
        assert len(handler.received) == STALL_AT
        # The killed sender's claims stand until its lease ends: a sender started at once
        # leaves them alone, and one started after the lease takes them over.
        now = datetime.now(UTC).replace(tzinfo=None)
        for name, at_time, sent in (
            ("within_lease", now, 0),
            ("after_lease", now + timedelta(seconds=policy.lease_seconds + 1), 15 - STALL_AT + 1),
        ):
            proc = _sender(demo_app, port, tmp_path, name, at_time)
            try:
                assert proc.wait(DEADLINE_SECONDS) == 0, _output(tmp_path, name)
            finally:
                _reap(proc)
            assert f"Đã gửi {sent} thư" in _output(tmp_path, name)
    finally:
        handler.release.set()
        controller.stop()

    received = handler.received
    ids = Counter(r.message_id for r in received)
    # None lost: every planned mail arrived, to its recipient, with its subject.
    assert set(ids) == set(planned)
    assert all((r.recipients[0], r.subject) == planned[r.message_id] for r in received)
    # At most the one in flight was duplicated, and its copy carries the same Message-ID.
    assert len(received) == 16
    assert {mid: n for mid, n in ids.items() if n > 1} == {in_flight: 2}
    copies = [r for r in received if r.message_id == in_flight]
    assert copies[0].text() == copies[1].text() and copies[0].html() == copies[1].html()
    assert len(handler.unique()) == 15
    assert _states() == {OutboxState.SENT: 15}
