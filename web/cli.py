"""The `planwork` console script: the Flask CLI bound to the app factory."""

from __future__ import annotations

from flask.cli import FlaskGroup

from web.app import create_app


def main() -> None:
    """Entry point of `planwork` (run, db upgrade, demo load, audit verify, …)."""
    cli = FlaskGroup(create_app=create_app, help="PlanWork: kế hoạch thành việc được theo dõi.")
    cli.main()
