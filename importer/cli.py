"""`planwork plans parse FILE [--json]`: print the draft of a plan document.

The app factory registers `plans_cli`; this is the one importer module that imports Flask.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from . import parse_file
from .directory import default_directory
from .errors import DocumentError

plans_cli = AppGroup("plans", help="Nhập kế hoạch từ tài liệu (TXT, DOCX, PDF).")

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


# No app context needed while the directory comes from data/units.json.
@plans_cli.command("parse", with_appcontext=False)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In bản nháp dạng JSON.")
def parse_command(file: str, as_json: bool) -> None:
    """Đọc tài liệu kế hoạch FILE và in bản nháp (không ghi gì vào cơ sở dữ liệu)."""
    try:
        draft = parse_file(file, directory=default_directory())
    except DocumentError as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    data = draft.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(_summary(data))
