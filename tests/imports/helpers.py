"""Helpers for the import tests: the seed, logins, row counts and browser-like forms."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

from models import AuditEvent, Plan, Task, Unit, UnitAlias, User, db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importer"
SEED_4403 = FIXTURES / "4403-KH-SGDDT-2024-hcmc-doet-learning-society-ocr.txt"
NUMBER_4403 = "4403/KH-SGDĐT"
# A coordinating unit of item 10 the directory does not know (OCR-damaged, its diacritics
# restored by the importer), and the other one beside it.
UNKNOWN = "Tổ giúp việc Ban chỉ đạo Phong trào thi đua các cấp"
UNKNOWN_TOO = "Ban chỉ đạo"


def user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def login(client, username: str) -> None:  # noqa: ANN001
    """Log in through the session (requests share the test's app context), with the keys
    the login view writes; no login event, so audit counts stay the import's own."""
    from datetime import UTC, datetime

    from flask import g

    from web.views.auth import SESSION_GENERATION, SESSION_LOGIN_AT

    g.pop("_login_user", None)
    account = user(username)
    with client.session_transaction() as session:
        session["_user_id"] = str(account.id)
        session["_fresh"] = True
        session[SESSION_GENERATION] = account.session_generation
        session[SESSION_LOGIN_AT] = datetime.now(UTC).replace(tzinfo=None).isoformat()


def counts() -> dict[str, int]:
    """Rows of the tables an import writes."""
    return {
        model.__tablename__: db.session.execute(sa.select(sa.func.count(model.id))).scalar_one()
        for model in (Plan, Task, AuditEvent, UnitAlias)
    }


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class _FormReader(HTMLParser):
    """What a browser would submit from the first form with the given action."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "file"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields[self._select] = value
            if "selected" in a and not self._selected:
                self.fields[self._select] = value
                self._selected = True

    def handle_data(self, data):  # noqa: ANN001
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.done, f"no form posting to {action}"
    return dict(reader.fields)


def field_named(fields: dict[str, str], value: str, pattern: str = r"map-(\d+)-text") -> str:
    """The select name whose hidden text field holds `value` ("map-3")."""
    for key, text in fields.items():
        match = re.fullmatch(pattern, key)
        if match and text == value:
            return key.removesuffix("-text")
    raise AssertionError(f"no mapping field for {value!r}")
