"""A sender process SIGKILLed mid-send, for real: `planwork reminders send` runs in a child
process against an aiosmtpd server on loopback that has taken the third mail and holds back
its reply. The child is killed there, a new sender process runs at once, and what the server
received is checked: every mail arrived, none was lost, and only the mail in flight came
twice, with one Message-ID (the guarantee notifications/sender.py states). The dead child's
claims are taken back at once: its process is known to be gone, no lease to wait for."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime
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

DAY = date(2024, 12, 17)  # 14 days before 31/12: many people, one reminder mail each
# The children's clock: that Tuesday, 10:00 in Vietnam (reminders go out on working days
# only, so the real date must not decide whether the test can send).
SENDING_AT = datetime(2024, 12, 17, 3, 0)
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
    first = _sender(app, port, tmp_path, "first", SENDING_AT)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not handler.stalled.wait(0.05):
            if first.poll() is not None:
                pytest.fail(f"sender ended before the stall: {_output(tmp_path, 'first')}")
            if time.monotonic() > deadline:
                pytest.fail("sender never reached the stalled mail")
        # Mid-send: the first mails accepted and marked sent, the next with the server.
        in_flight = handler.received[STALL_AT - 1].message_id
        # The first people's lines are marked sent, the rest still claimed.
        by_id = {r.message_id: r for r in outbox_rows()}
        db.session.rollback()
        done = {r.recipient for r in by_id.values() if r.state == OutboxState.SENT}
        assert len(done) == STALL_AT - 1
        assert {r.state for r in by_id.values() if r.recipient not in done} == {OutboxState.SENDING}
        # The server holds it under the Message-ID of its outbox row, which is still claimed.
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
    assert {r.state for r in rows} == {OutboxState.PENDING}
    people = {r.recipient for r in rows}
    assert len(people) > 2 * STALL_AT
    clock.freeze(None)  # the children run on their own clock (SENDING_AT)

    handler = StallingHandler(STALL_AT)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        in_flight = _kill_mid_send(demo_app, handler, port, tmp_path)
        assert len(handler.received) == STALL_AT
        # Started at once, within the lease: the killed sender's claims are taken back
        # because its process is gone, and everything not yet marked goes out.
        proc = _sender(demo_app, port, tmp_path, "restarted", SENDING_AT)
        try:
            assert proc.wait(DEADLINE_SECONDS) == 0, _output(tmp_path, "restarted")
        finally:
            _reap(proc)
        sent = len(people) - STALL_AT + 1
        assert f"Đã gửi {sent} thư" in _output(tmp_path, "restarted")
    finally:
        handler.release.set()
        controller.stop()

    received = handler.received
    ids = Counter(r.message_id for r in received)
    rows = outbox_rows()
    db.session.rollback()
    carriers = {r.message_id: r for r in rows if r.last_error is None}
    # None lost: one mail per person, each as its carrier row recorded it.
    assert set(ids) == set(carriers)
    assert sorted({r.recipients[0] for r in received}) == sorted(people)
    assert all(
        (r.recipients[0], r.subject)
        == (carriers[r.message_id].recipient, carriers[r.message_id].subject)
        for r in received
    )
    # At most the one in flight was duplicated, and its copy carries the same Message-ID.
    assert len(received) == len(people) + 1
    assert {mid: n for mid, n in ids.items() if n > 1} == {in_flight: 2}
    copies = [r for r in received if r.message_id == in_flight]
    assert copies[0].subject == copies[1].subject
    assert len(handler.unique()) == len(people)
    assert _states() == {OutboxState.SENT: len(rows)}
