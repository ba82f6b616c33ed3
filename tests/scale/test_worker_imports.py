"""A web worker's app leaves the heavy libraries unimported until something needs them
(issue 12): spreadsheets, PDFs, Word documents, calendar feeds, migrations and the job
queue's Huey load on first use, so a worker that has only built the app holds none of them
(create_app: 142 -> 98 MB RSS). A new top-level import of one of them fails here.

Each check runs in a fresh interpreter: the test process has imported them all already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Top-level packages the app defers, with what they bring (lxml and Pillow come with
# openpyxl and python-docx; Mako and Pygments with Alembic; gevent with Huey's consumer).
DEFERRED = (
    "openpyxl",
    "docx",
    "lxml",
    "PIL",
    "reportlab",
    "icalendar",
    "flask_migrate",
    "alembic",
    "mako",
    "pygments",
    "huey",
    "gevent",
)

BUILD_APP = f"""
import json, sys
from web.app import create_app

app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": False}})
DEFERRED = {DEFERRED!r}


def loaded():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(DEFERRED))
"""


def run(script: str, tmp_path: Path) -> list[str]:
    """The script's printed lines, run after BUILD_APP in a fresh interpreter."""
    env = {**os.environ, "PLANWORK_INSTANCE": str(tmp_path / "instance")}
    env.pop("SECRET_KEY", None)  # the instance's own key, made under tmp_path
    out = subprocess.run(
        [sys.executable, "-c", BUILD_APP + script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_building_the_app_imports_none_of_the_heavy_libraries(tmp_path):
    (line,) = run("print(json.dumps(loaded()))", tmp_path)
    assert json.loads(line) == []


def test_each_library_loads_when_first_needed(tmp_path):
    script = """
import io
from pathlib import Path

from openpyxl import load_workbook

from reports.tabular import Column, to_xlsx

data = to_xlsx([{"a": "=1+1"}], [Column("A", lambda r: r["a"])])
cell = load_workbook(io.BytesIO(data)).active["A2"]
assert (cell.value, cell.data_type) == ("=1+1", "s"), (cell.value, cell.data_type)

from docx import Document

from reports import admin_document, yearend

doc = Document()
admin_document.setup(doc)
assert doc.sections[0].right_margin == admin_document.RIGHT  # whole twips
assert round(admin_document.TEXT_W / 36000) == 165  # mm
assert [round(w.cm, 1) for w in yearend.ANNEX_COLS] == [3.4, 4.0, 4.3, 4.8]

from reports.audit_exports import register_fonts

register_fonts()

from config.settings import ROOT

with app.app_context():
    # The stand-in sets up the real Migrate on first use; its `db` commands replace ours.
    assert Path(app.extensions["migrate"].directory) == ROOT / "migrations"
    assert type(app.extensions["migrate"]).__name__ == "_MigrateConfig"
    import flask_migrate.cli

    assert app.cli.commands["db"] is flask_migrate.cli.db

import jobs

huey = jobs.make_huey(f"sqlite:///{app.instance_path}/queue.sqlite3")
assert type(huey).__name__ == "SqliteHuey"
print(json.dumps(loaded()))
"""
    (line,) = run(script, tmp_path)
    assert {"openpyxl", "docx", "reportlab", "flask_migrate", "alembic", "huey"} <= set(
        json.loads(line)
    )


def test_the_deferred_commands_read_as_the_real_ones(tmp_path):
    # `planwork --help` lists db and worker from a restated help text: it must stay theirs.
    script = """
import click
import flask_migrate.cli
import jobs.cli

ctx = click.Context(app.cli)
for name, real in (("db", flask_migrate.cli.db), ("worker", jobs.cli.worker_cli)):
    listed = app.cli.get_command(ctx, name)
    assert listed is not real, name
    assert (listed.help, listed.get_short_help_str()) == (real.help, real.get_short_help_str())
    sub = listed.make_context(name, ["--help"], parent=ctx, resilient_parsing=True)
    assert sub.command is real, name
    print(name)
"""
    assert run(script, tmp_path) == ["db", "worker"]


def test_planwork_db_and_worker_still_answer(tmp_path):
    planwork = str(Path(sys.executable).parent / "planwork")
    env = {**os.environ, "PLANWORK_INSTANCE": str(tmp_path / "instance")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'planwork.sqlite3'}"
    env.pop("SECRET_KEY", None)
    for args, expected in (
        (["db", "upgrade"], ""),
        (["db", "current"], "(head)"),
        (["worker", "run", "--help"], "--workers"),
    ):
        out = subprocess.run(
            [planwork, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, (args, out.stderr)
        assert expected in out.stdout, (args, out.stdout)
