"""A local SMTP sink on loopback (aiosmtpd) for development and tests: it keeps every mail
it receives, in memory and optionally as .eml files, and tells duplicates by Message-ID."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """The plain-text part, decoded."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        """The HTML part, decoded."""
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class SinkHandler:
    """aiosmtpd handler: accept everything, keep it."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.received: list[Received] = []
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
        with self._lock:
            self.received.append(item)
            if self.directory is not None:
                name = f"{time.time_ns()}-{len(self.received):06d}.eml"
                (self.directory / name).write_bytes(envelope.content)
        return "250 Message accepted for delivery"

    def unique(self) -> list[Received]:
        """Received mails with copies of the same Message-ID collapsed (first kept)."""
        seen: set[str] = set()
        out = []
        for item in list(self.received):
            if item.message_id not in seen:
                seen.add(item.message_id)
                out.append(item)
        return out


def start_sink(host: str = "127.0.0.1", port: int = 8025, directory: Path | None = None):  # type: ignore[no-untyped-def]
    """Start an SMTP sink in a background thread; returns (controller, handler)."""
    handler = SinkHandler(directory)
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    return controller, handler


def read_sink_dir(directory: Path, limit: int = 200) -> list[Received]:
    """Mails the dev sink stored, newest first."""
    if not directory.is_dir():
        return []
    items = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        items.append(Received("", [str(message["To"])], message))  # type: ignore[arg-type]
    return items
