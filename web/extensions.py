"""Flask extensions, created unbound and wired in by the app factory."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

if TYPE_CHECKING:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class DeferredCommand(click.Command):
    """A CLI command imported from `target` ("module:name") only when it runs or shows its
    own help; `planwork --help` lists it with `help` (the command's own text, restated)."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help)
        self.target = target

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The context is the real command's: its options, subcommands and help from here on.
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return ctx.command.invoke(ctx)


class DeferredMigrate:
    """Flask-Migrate, set up for an app the first time a migration needs it.

    Flask-Migrate imports Alembic, Mako and Pygments (~6 MB), which a web worker never uses
    (issue 12). `init_app` registers the `db` commands without importing them and leaves in
    `app.extensions["migrate"]` a stand-in: the first thing Flask-Migrate asks of it (a `db`
    command, `flask_migrate.upgrade()`, migrations/env.py) sets up the real `Migrate`.
    """

    def init_app(
        self, app: Flask, db: SQLAlchemy, directory: str = "migrations", **kwargs: Any
    ) -> None:
        app.extensions["migrate"] = _PendingMigrate(app, db, str(directory), kwargs)
        app.cli.add_command(
            DeferredCommand("db", "flask_migrate.cli:db", help="Perform database migrations.")
        )


class _PendingMigrate:
    """`app.extensions["migrate"]` until Flask-Migrate reads it: then a real `Migrate` is
    set up for the app, its own entry (and `db` commands) replace these, and it answers."""

    __slots__ = ("_app", "_db", "_directory", "_kwargs")

    def __init__(self, app: Flask, db: SQLAlchemy, directory: str, kwargs: dict) -> None:
        self._app, self._db, self._directory, self._kwargs = app, db, directory, kwargs

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        from flask_migrate import Migrate

        Migrate(self._app, self._db, directory=self._directory, **self._kwargs)
        return getattr(self._app.extensions["migrate"], name)


migrate = DeferredMigrate()
