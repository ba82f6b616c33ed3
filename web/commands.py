"""CLI commands of the app: demo data, audit verification and anchors, inspection packs."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from demo.loader import DEMO_PASSWORD, KEY_LOGINS, is_loaded, load_demo
from workflow.anchors import check_anchors, current_anchor, parse_anchors
from workflow.audit_verification import run_verification
from workflow.errors import InvalidInput

demo_cli = AppGroup("demo", help="Dữ liệu mẫu.")
audit_cli = AppGroup("audit", help="Nhật ký kiểm tra.")
inspection_cli = AppGroup("inspection", help="Hồ sơ kiểm tra.")


def _print_logins() -> None:
    click.echo(f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
    for username, what in KEY_LOGINS:
        click.echo(f"  {username:<20} {what}")
    click.echo(
        "  Mỗi đơn vị có <mã đơn vị>.member và .coordinator, ví dụ pgd-q1.member, vps.member."
    )


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu còn trống.")
@click.option(
    "--history/--no-history",
    default=True,
    help="Dựng lại một năm làm việc (2024) trên các kế hoạch mẫu.",
)
def demo_load(if_empty: bool, history: bool) -> None:
    """Load the demo directory, users and plans."""
    if is_loaded():
        if if_empty:
            click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu mẫu.")
            _print_logins()
            return
        click.echo("Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu mẫu lần nữa.", err=True)
        sys.exit(1)
    # With the 2024 history comes a plan of the current year with work due around today.
    logins = load_demo(history=history, live=history)
    plans = "2 kế hoạch năm 2024 và 1 kế hoạch năm nay" if history else "2 kế hoạch"
    click.echo(f"Đã nạp dữ liệu mẫu: {len(logins)} tài khoản, {plans}.")
    _print_logins()


def _progress(done: int, total: int) -> None:
    # On a terminal only: a cron mail should carry the verdict, not a progress bar.
    click.echo(f"\r{done:,}/{total:,} sự kiện", err=True, nl=False)


@audit_cli.command("verify")
@click.option(
    "--full",
    is_flag=True,
    help="Kiểm tra lại toàn bộ chuỗi từ sự kiện đầu tiên, không tiếp tục từ điểm kiểm tra.",
)
@click.option(
    "--anchors",
    "anchors_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Tệp các mốc đầu chuỗi đã công bố (mỗi dòng một JSON như «audit anchor» in ra): "
    "phát hiện nhật ký bị viết lại và tính lại mã băm.",
)
def audit_verify(full: bool, anchors_file: str | None) -> None:
    """Check the audit trail's hash chain; exit 1 naming the first bad event.

    By default resume after the newest signed checkpoint (only new events are read);
    --full walks every event and checks every checkpoint. --anchors FILE then checks the
    chain against previously published heads (exit 1 naming the first event that differs).
    """
    anchors = None
    if anchors_file is not None:
        try:
            with open(anchors_file, encoding="utf-8") as f:
                anchors = parse_anchors(f.read())
        except (InvalidInput, UnicodeDecodeError) as error:
            message = getattr(error, "message", "tệp mốc không phải văn bản UTF-8.")
            click.echo(f"Không kiểm tra được: {message}", err=True)
            sys.exit(2)
    on_terminal = sys.stderr.isatty()
    _, report = run_verification(full=full, progress=_progress if on_terminal else None)
    if on_terminal:
        click.echo("", err=True)  # end the progress line
    if report.intact:
        message = f"Nhật ký nguyên vẹn: {report.checked} sự kiện đã kiểm tra."
        if report.resumed_from is not None:
            message += (
                f" Tiếp tục từ điểm kiểm tra đã ký tại sự kiện số {report.resumed_from}:"
                f" đã đọc {report.read} sự kiện mới."
            )
        if anchors is not None:
            check = check_anchors(anchors)
            if not check.ok:
                click.echo(check.message, err=True)
                sys.exit(1)
            message += f" {check.message}"
        click.echo(message)
        head = current_anchor()
        click.echo(f"Đầu chuỗi (mốc để công bố): {head.to_json()}")
        return
    where = f"sự kiện #{report.bad_event_id} " if report.bad_event_id else ""
    position = f"(số thứ tự {report.bad_seq})" if report.bad_seq is not None else ""
    click.echo(
        f"Nhật ký KHÔNG nguyên vẹn: {where}{position}: {report.problem}. "
        f"{report.checked} sự kiện trước đó hợp lệ.",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Print the chain head as one line of JSON (seq, hash, time): keep it outside the
    database; `audit verify --anchors FILE` checks the chain against such lines later."""
    click.echo(current_anchor().to_json())


@audit_cli.command("key")
def audit_key() -> None:
    """Print the public key that signs inspection packs and its fingerprint (to publish)."""
    from workflow import signing

    public = signing.public_key_bytes()
    click.echo(f"Khoá công khai Ed25519: {public.hex()}")
    click.echo(f"Dấu vân tay: {signing.fingerprint(public)}")


@inspection_cli.command("pack")
@click.option("--plan", "plan_number", help="Số kế hoạch, ví dụ 2417/KH-SGDĐT.")
@click.option("--unit", "unit_code", help="Mã đơn vị.")
@click.option("--from", "date_from", help="Từ ngày (YYYY-MM-DD); mặc định 01/01 của năm --to.")
@click.option("--to", "date_to", help="Đến ngày (YYYY-MM-DD); mặc định hôm nay.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Tệp ZIP ghi ra.")
def inspection_pack(
    plan_number: str | None,
    unit_code: str | None,
    date_from: str | None,
    date_to: str | None,
    out: str,
) -> None:
    """Write the signed inspection pack the web page offers (a plan, a unit, or with
    neither the whole trail); unzipped, it verifies with `python3 kiem-tra.py`."""
    from web.pack_command import PackRequestError, write_pack

    try:
        summary = write_pack(plan_number, unit_code, date_from, date_to, out)
    except PackRequestError as error:
        click.echo(f"Không lập được hồ sơ: {error}", err=True)
        sys.exit(2)
    click.echo(summary)


def init_app(app: Flask) -> None:
    """Register the command groups on the app's CLI."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(inspection_cli)
    from web.plan_commands import plans_cli
    from workflow.import_resolution import import_directory

    app.extensions["planwork.import_directory"] = import_directory
    app.cli.add_command(plans_cli)
    from web.counter_commands import counters_cli

    app.cli.add_command(counters_cli)
    from web.token_commands import tokens_cli

    app.cli.add_command(tokens_cli)
    from web.report_commands import report_cli

    app.cli.add_command(report_cli)
    from web.directory_commands import directory_cli

    app.cli.add_command(directory_cli)
