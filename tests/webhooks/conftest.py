"""Fixtures of the webhook tests: a real HTTP receiver on a loopback port, and the task
under test (4403/KH-SGDĐT item 2: TCCB leads, Công đoàn ngành coordinates, GDTX tracks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from flask import Flask

from models import Plan, Task, db
from workflow import clock


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and the statuses it answers with (then 200 once used up)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An http.server in a thread on 127.0.0.1, recording every POST."""
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            rec = box["r"]
            with rec.lock:
                rec.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = rec.statuses.pop(0) if rec.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(demo_app: Flask) -> Flask:
    """The demo app with loopback receivers allowed (the tests' receiver is on 127.0.0.1)."""
    demo_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return demo_app


@pytest.fixture
def task(demo_app: Flask) -> Task:
    plan = db.session.execute(sa.select(Plan).where(Plan.number == "4403/KH-SGDĐT")).scalar_one()
    return db.session.execute(
        sa.select(Task).where(Task.plan_id == plan.id, Task.number == "2", Task.parent_id.is_(None))
    ).scalar_one()


@pytest.fixture(autouse=True)
def _release_clock() -> Iterator[None]:
    yield
    clock.freeze(None)
