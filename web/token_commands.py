"""`planwork tokens`: personal access tokens for the API from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from workflow import tokens as token_service
from workflow.errors import WorkflowError

tokens_cli = AppGroup("tokens", help="Mã truy cập API.")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@tokens_cli.command("create")
@click.argument("username")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: chỉ đọc; write: đọc và ghi.",
)
@click.option("--name", default="Dòng lệnh", show_default=True, help="Tên để nhận ra mã.")
def create(username: str, scope: str, name: str) -> None:
    """Create a token for USERNAME and print it once (only its hash is kept)."""
    user = token_service.find_user(username)
    if user is None:
        _fail(f"Không có người dùng «{username}».")
        return
    try:
        created = token_service.create_token(user.id, None, scope=scope, name=name)
    except WorkflowError as error:
        _fail(error.message)
        return
    # The secret alone on stdout, so `TOKEN=$(planwork tokens create …)` works.
    click.echo(created.secret)
    click.echo(
        f"Mã #{created.token_id} ({created.scope.value}) cho {user.username}: hãy lưu ngay, "
        "mã không được hiện lại.",
        err=True,
    )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke the token with this id."""
    try:
        token_service.revoke_token(token_id, None)
    except WorkflowError as error:
        _fail(error.message)
        return
    click.echo(f"Đã thu hồi mã #{token_id}.")


@tokens_cli.command("list")
@click.argument("username")
def list_tokens(username: str) -> None:
    """List USERNAME's tokens (never the secrets)."""
    user = token_service.find_user(username)
    if user is None:
        _fail(f"Không có người dùng «{username}».")
        return
    for token in token_service.user_tokens(user.id):
        state = "đã thu hồi" if token.revoked_at else "còn hiệu lực"
        click.echo(f"#{token.id}\t{token.prefix}…\t{token.scope.value}\t{state}\t{token.name}")
