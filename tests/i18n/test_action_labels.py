"""Every audited action has a name people read (reports/action_labels.py), and that name
is marked for translation (web/label_catalogue.py), so audit pages, exports and task
timelines never show a code such as "notification_prefs.update", in either language.

The actions are found in the source: every call of `audit.record(...)` (or a module's own
`_record(...)` wrapper) whose action is a literal, a choice between literals, a module
constant, or `f"task.{event}"` over the state machine's events.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from reports.action_labels import ACTION_LABELS
from workflow.state_machine import EVENTS

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("workflow", "notifications", "jobs", "demo", "importer", "web")
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    out[target.id] = node.value.value
    return out


def _values(node: ast.expr, constants: dict[str, str]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _values(node.body, constants) + _values(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'task.{event}'":
        return [f"task.{event}" for event in EVENTS]
    return []  # a parameter passed on (a wrapper's `action`): its callers are scanned


def audited_actions() -> dict[str, str]:
    """{action: file} of every action the source records."""
    found: dict[str, str] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in ("record", "_record"):
                    continue
                if isinstance(func, ast.Attribute) and not (
                    isinstance(func.value, ast.Name) and func.value.id == "audit"
                ):
                    continue
                arg = node.args[0] if node.args else None
                arg = next((k.value for k in node.keywords if k.arg == "action"), arg)
                for value in _values(arg, constants) if arg is not None else []:
                    if ACTION.match(value):
                        found.setdefault(value, str(path.relative_to(ROOT)))
    return found


def test_the_scan_sees_the_actions_it_should():
    actions = audited_actions()
    for known in ("task.verify", "task.comment", "notification_prefs.update", "user.login"):
        assert known in actions, known


def test_every_audited_action_has_a_label():
    missing = {a: f for a, f in audited_actions().items() if a not in ACTION_LABELS}
    assert not missing, f"add these to reports/action_labels.py: {missing}"


def test_every_action_label_is_marked_for_translation():
    source = (ROOT / "web" / "label_catalogue.py").read_text(encoding="utf-8")
    marked = set(re.findall(r'_l\("([^"]+)"\)', source))
    missing = sorted({label for label in ACTION_LABELS.values() if label not in marked})
    assert not missing, f"add these to web/label_catalogue.py: {missing}"
