"""`planwork plans parse FILE [--json]` prints the draft of a plan document;
`planwork plans import FILE` previews it and commits it through workflow/.

The app registers `plans_cli` (web/commands.py) and, with it, a directory provider in
`app.extensions["planwork.import_directory"]` so `parse` resolves against the database's
directory. It lives in web/ with the other commands: the importer package itself stays
free of Flask and database code, and workflow/ may import it without a circle.
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, NoAppException, ScriptInfo

from importer import parse_file
from importer.directory import Directory, default_directory
from importer.errors import DocumentError

plans_cli = AppGroup(
    "plans", help="Nhập kế hoạch từ tài liệu (TXT, DOCX, PDF, bản quét PDF hoặc ảnh PNG, JPEG)."
)

_NO_UNITS = "—"


def _summary(data: dict) -> str:
    plan = data["plan"]
    lines = [
        f"Kế hoạch số: {plan['number'] or '(chưa rõ)'}",
        f"Ngày ban hành: {plan['issued_on'] or '(chưa rõ)'}",
        f"Cơ quan ban hành: {plan['issuer'] or '(chưa rõ)'}",
        f"Trích yếu: {plan['title'] or '(chưa rõ)'}",
        f"Căn cứ: {', '.join(plan['based_on']) or _NO_UNITS}",
        "",
        f"{'Số':<6} {'Nhiệm vụ':<50} {'Chủ trì':<30} {'Thời hạn':<10} Cảnh báo",
    ]
    for item in data["items"]:
        title = item["title"][:48] + ("…" if len(item["title"]) > 48 else "")
        lead = ", ".join(item["lead"]) or _NO_UNITS
        lead = lead[:28] + ("…" if len(lead) > 28 else "")
        lines.append(
            f"{item['number']:<6} {title:<50} {lead:<30} {item['due'] or _NO_UNITS:<10} "
            f"{len(item['warnings'])}"
        )
    lines.append("")
    lines.append(f"Tổng cộng: {len(data['items'])} nhiệm vụ, {len(data['suggestions'])} gợi ý.")
    for warning in data["warnings"]:
        lines.append(f"Lưu ý: {warning}")
    return "\n".join(lines)


def _directory() -> Directory:
    """The database's directory when run inside the app (the `planwork` command), else
    data/units.json (the group used on its own, as the importer's tests do)."""
    if has_app_context():
        provider = current_app.extensions.get("planwork.import_directory")
        return provider() if provider is not None else default_directory()
    info = click.get_current_context().find_object(ScriptInfo)
    if info is None:
        return default_directory()
    try:
        app = info.load_app()
    except NoAppException:
        return default_directory()
    with app.app_context():
        provider = app.extensions.get("planwork.import_directory")
        return provider() if provider is not None else default_directory()


def _progress(done: int, total: int) -> None:
    """OCR progress on a terminal's stderr ("trang 3/10"); pipes and tests get none."""
    if sys.stderr.isatty():
        text = f"\rĐang nhận dạng chữ (OCR): trang {done}/{total}"
        click.echo(text, err=True, nl=done == total)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


# No app context required: the directory comes from the app when there is one.
@plans_cli.command("parse", with_appcontext=False)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In bản nháp dạng JSON.")
def parse_command(file: str, as_json: bool) -> None:
    """Đọc tài liệu kế hoạch FILE và in bản nháp (không ghi gì vào cơ sở dữ liệu)."""
    try:
        draft = parse_file(file, directory=_directory(), progress=_progress)
    except DocumentError as exc:
        _fail(exc.message)
    data = draft.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(_summary(data))


@plans_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--tracking-unit", "tracking_code", help="Mã cơ quan thường trực (mặc định: nơi ban hành)."
)
@click.option("--user", "username", help="Tài khoản thực hiện (điều phối viên hoặc quản trị).")
@click.option("--yes", is_flag=True, help="Không hỏi lại trước khi ghi.")
@click.option("--update", is_flag=True, help="Cập nhật kế hoạch đã có cùng số.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="TÊN=MÃ",
    help="Gán một đơn vị chưa nhận ra cho mã đơn vị/nhóm (lưu thành tên gọi khác).",
)
def import_command(
    file: str,
    tracking_code: str | None,
    username: str | None,
    yes: bool,
    update: bool,
    maps: tuple[str, ...],
) -> None:
    """Nhập kế hoạch FILE: đọc, in bản xem trước, rồi tạo kế hoạch và nhiệm vụ."""
    from pathlib import Path

    import sqlalchemy as sa

    from models import Role, User, db
    from workflow.errors import WorkflowError
    from workflow.import_commit import commit_import
    from workflow.import_draft import included, review_draft
    from workflow.import_permissions import can_import
    from workflow.import_resolution import Resolver, import_directory, pending_mentions
    from workflow.import_update import update_from_import
    from workflow.plans import find_plan_by_number
    from workflow.text import fold

    if username:
        actor = db.session.execute(
            sa.select(User).where(User.username == username, User.active.is_(True))
        ).scalar_one_or_none()
        if actor is None:
            _fail(f"Không có tài khoản đang hoạt động «{username}».")
    else:
        actor = (
            db.session.execute(
                sa.select(User)
                .where(User.role == Role.ADMIN, User.active.is_(True))
                .order_by(User.id)
            )
            .scalars()
            .first()
        )
        if actor is None:
            _fail("Chưa có tài khoản quản trị; hãy chỉ định --user.")
    if not can_import(actor):
        _fail("Chỉ điều phối viên hoặc quản trị viên mới được nhập kế hoạch.")
    try:
        draft = parse_file(file, directory=import_directory(), progress=_progress)
    except DocumentError as exc:
        _fail(exc.message)
    data = review_draft(draft.to_json(), filename=Path(file).name)
    click.echo(_summary(data))
    for item in data["items"]:
        for warning in item["warnings"]:
            click.echo(f"Nhiệm vụ {item['number']}: {warning}")
    resolver = Resolver()
    mappings: dict[str, str] = {}
    for entry in maps:
        text, sep, code = entry.rpartition("=")
        if not sep or not text.strip() or not code.strip():
            _fail(f"--map cần dạng «TÊN=MÃ», không phải «{entry}».")
        mappings[text.strip()] = code.strip()
    for mention in pending_mentions(data, resolver):
        if fold(mention["text"]) not in {fold(t) for t in mappings}:
            click.echo(
                f"Chưa nhận ra đơn vị: «{mention['text']}» (nhiệm vụ "
                f"{', '.join(mention['items'])}); giữ nguyên, cần gán sau."
            )
    tracking_id = None
    if tracking_code:
        tracking_id = resolver.unit_id_by_code(tracking_code)
        if tracking_id is None:
            _fail(f"Không có đơn vị mã «{tracking_code}».")
    existing = find_plan_by_number(data["plan"].get("number"))
    if existing is not None and not update:
        _fail(
            f"Kế hoạch số {existing.number} đã có trong hệ thống (#{existing.id}). "
            "Dùng --update để cập nhật kế hoạch đã có."
        )
    if update and existing is None:
        _fail("Chưa có kế hoạch cùng số để cập nhật; bỏ --update để nhập mới.")
    if not yes and not click.confirm(
        "Cập nhật kế hoạch đã có?" if update else "Tạo kế hoạch và nhiệm vụ?", default=False
    ):
        _fail("Đã hủy; không có gì được ghi.")
    try:
        if update:
            assert existing is not None
            summary = update_from_import(existing.id, data, actor, mappings=mappings)
            click.echo(summary.message)
        else:
            plan_id = commit_import(data, actor, tracking_id, mappings=mappings)
            count = len(included(data))
            click.echo(f"Đã tạo kế hoạch #{plan_id} với {count} nhiệm vụ.")
    except WorkflowError as exc:
        _fail(exc.message)
