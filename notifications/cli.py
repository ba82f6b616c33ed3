"""CLI: `planwork reminders plan|send`, `planwork scheduler run`, `planwork mail sink`,
`planwork calendar link`."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from models import Unit, db
from notifications.planner import plan_for_day
from notifications.policy import current_policy
from notifications.sender import mail, send_pending

reminders_cli = AppGroup("reminders", help="Nhắc việc: lập lịch và gửi thư.")
scheduler_cli = AppGroup("scheduler", help="Tiến trình lập lịch (APScheduler).")
mail_cli = AppGroup("mail", help="Thư điện tử.")
calendar_cli = AppGroup("calendar", help="Lịch iCalendar của đơn vị.")


@reminders_cli.command("plan")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Ngày lập (mặc định hôm nay)."
)
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê, không ghi vào hộp thư đi.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def reminders_plan(day: object, dry_run: bool, as_json: bool) -> None:
    """Plan the reminders of one day into the outbox."""
    from workflow import clock

    target: date = day.date() if day else clock.today()  # type: ignore[attr-defined]
    result = plan_for_day(target, current_policy(), dry_run=dry_run)
    if as_json:
        payload = {
            "date": target.isoformat(),
            "dry_run": dry_run,
            "planned": len(result.mails),
            "new": len(result.new),
            "already_planned": len(result.already_planned),
            "inserted": result.inserted,
            "mails": [
                {**m.listing(), "already_planned": m.dedupe_key in result.already_planned}
                for m in result.mails
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for m in result.mails:
        mark = "=" if m.dedupe_key in result.already_planned else "+"
        click.echo(f" {mark} {m.kind.value:<11} {m.recipient:<36} {m.subject}")
    verb = "Sẽ lập" if dry_run else "Đã lập"
    click.echo(
        f"{verb} {len(result.new)} thư mới cho ngày {target:%d/%m/%Y} "
        f"({len(result.already_planned)} thư đã có từ trước)."
    )


@reminders_cli.command("send")
def reminders_send() -> None:
    """Deliver the pending mails now."""
    result = send_pending(current_policy())
    click.echo(
        f"Đã gửi {result.sent} thư; {result.retrying} thư sẽ thử lại; "
        f"{result.failed} thư thất bại; {result.obsolete} thư không còn cần gửi."
    )
    for error in result.errors:
        click.echo(f"Lỗi máy chủ thư: {error}", err=True)
    if result.errors:
        sys.exit(1)


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler process (plans daily, sends every minute)."""
    from notifications.jobs import run_scheduler

    click.echo("Tiến trình nhắc việc đang chạy (Ctrl+C để dừng).")
    try:
        run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
    except (KeyboardInterrupt, SystemExit):
        click.echo("Đã dừng tiến trình nhắc việc.")


def sink_dir() -> Path:
    """Where the development SMTP sink stores what it receives."""
    return Path(current_app.config["MAIL_SINK_DIR"])


@mail_cli.command("sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
def mail_sink(host: str, port: int) -> None:
    """Run a local SMTP sink that keeps every mail (development only)."""
    from notifications.sink import start_sink

    directory = sink_dir()
    controller, _ = start_sink(host, port, directory)
    click.echo(f"Hộp thư thử nghiệm: smtp://{host}:{port} → {directory}")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()


@calendar_cli.command("link")
@click.argument("unit_code")
def calendar_link(unit_code: str) -> None:
    """Print a unit's secret iCalendar feed URL (created on first use)."""
    from notifications.ical import feed_url

    unit = db.session.execute(sa.select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
    if unit is None:
        click.echo(f"Không có đơn vị mã {unit_code}.", err=True)
        sys.exit(1)
    click.echo(feed_url(unit))


def init_app(app: Flask) -> None:
    """Register the command groups; the dev sink's folder defaults to instance/mail_sink."""
    app.config.setdefault("MAIL_SINK_DIR", str(Path(app.instance_path) / "mail_sink"))
    # Tests run with TESTING on, yet the reminder tests deliver to a real SMTP server.
    app.config.setdefault("MAIL_SUPPRESS_SEND", False)
    mail.init_app(app)
    for group in (reminders_cli, scheduler_cli, mail_cli, calendar_cli):
        app.cli.add_command(group)
