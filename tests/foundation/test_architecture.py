"""The layout holds: each package imports only the packages below it, and workflow's
modules stay small enough to read.

Data flows one way: web → demo → jobs → notifications → reports → workflow → importer →
models, config. A package may import those listed for it here and nothing else of ours,
at module level or inside a function (a lazy import is still an arrow).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "models": set(),
    "importer": {"config"},
    "workflow": {"models", "importer", "config"},
    "reports": {"models", "workflow", "config"},
    "notifications": {"models", "reports", "workflow", "config"},
    "jobs": {"models", "importer", "workflow", "reports", "notifications", "config"},
    "demo": {"models", "importer", "workflow", "reports", "notifications", "config"},
    "web": {"models", "importer", "workflow", "reports", "notifications", "jobs", "demo", "config"},
}
WORKFLOW_MODULE_MAX_LINES = 400


def imported_packages(path: Path, package: str) -> set[tuple[str, int]]:
    """Our top-level packages that `path` imports, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import stays inside its own package.
            names = [package] if node.level else [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in ALLOWED:
                found.add((top, node.lineno))
    return found


def violations() -> list[str]:
    found = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for target, line in sorted(imported_packages(path, package)):
                if target != package and target not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return found


def test_packages_import_only_along_the_flow():
    assert violations() == []


def test_the_check_sees_an_arrow_against_the_flow(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from web.app import create_app\n", encoding="utf-8")
    assert imported_packages(module, "workflow") == {("web", 2)}
    module.write_text("from . import clock\nimport notifications.events\n", encoding="utf-8")
    assert imported_packages(module, "workflow") == {("workflow", 1), ("notifications", 2)}


def test_every_package_of_ours_has_a_rule():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "tools"}
    assert packages <= set(ALLOWED), packages - set(ALLOWED)


def test_workflow_modules_stay_small():
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "workflow").glob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > WORKFLOW_MODULE_MAX_LINES} == {}
