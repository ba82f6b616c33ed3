"""`planwork worker run`: the process that runs background jobs (Huey's consumer)."""

from __future__ import annotations

import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from huey.consumer import Consumer

from jobs import get_queue, queue_url

worker_cli = AppGroup("worker", help="Tiến trình xử lý nền (nhập kế hoạch, hồ sơ, xuất dữ liệu).")


class AppConsumer(Consumer):
    """Huey's consumer; it leaves signal handling to the main thread when run in another
    (the test suite runs it in a thread beside the test client)."""

    def _set_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._set_signal_handlers()


def build_consumer(app: Flask, workers: int = 2, max_delay: float = 1.0) -> AppConsumer:
    """A consumer of the app's queue: `workers` threads, polling at most every `max_delay`
    seconds when idle (SQLite storage polls; a second is nothing to it)."""
    return AppConsumer(
        get_queue(app).huey,
        workers=workers,
        worker_type="thread",
        periodic=True,
        initial_delay=0.05,
        max_delay=max_delay,
        check_worker_health=True,
    )


@worker_cli.command("run")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
def worker_run(workers: int) -> None:
    """Run the background job worker until interrupted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Tiến trình xử lý nền đang chạy ({workers} luồng; hàng đợi {queue_url(app)}).")
    build_consumer(app, workers=workers).run()
    click.echo("Đã dừng tiến trình xử lý nền.")
