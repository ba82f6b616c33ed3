"""Languages: Vietnamese by default, English on request; the catalogue stays complete."""

from __future__ import annotations

import gettext
import io
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g

from models import AuditEvent, User, db
from tests.foundation.web import csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _switch(client, lang: str, next_url: str = "/my-tasks"):  # noqa: ANN001
    page = client.get("/login" if next_url == "/login" else next_url).get_data(as_text=True)
    return client.post(
        "/language", data={"csrf_token": csrf_token(page), "lang": lang, "next": next_url}
    )


def test_vietnamese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html and "Đăng nhập" in html and "Sign in" not in html


def test_anonymous_switch_to_english_and_back(client):
    response = _switch(client, "en", "/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "Đăng nhập</h1>" not in html
    _switch(client, "vi", "/login")
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)


def test_logged_in_switch_is_remembered_on_the_account_and_audited(client, users):
    login(client, "tccb.member")
    _switch(client, "en")
    html = client.get("/my-tasks").get_data(as_text=True)
    assert "My unit&#39;s tasks" in html or "My unit's tasks" in html
    db.session.expire_all()
    user = users("tccb.member")
    assert user.locale == "en"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "user.locale")
    ).scalar_one()
    assert event.object_id == user.id and event.after == {"locale": "en"}
    assert event.before == {"locale": None}

    # A new session (another browser) starts in the account's language.
    other = client.application.test_client()
    # The test's app context (and its `g`) is shared by both clients: forget the first
    # one's user and CSRF token, as a separate browser would not have them.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    login(other, "tccb.member")
    assert '<html lang="en">' in other.get("/my-tasks").get_data(as_text=True)


def test_switch_refuses_unknown_language_and_foreign_redirects(client):
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token(page)
    assert client.post("/language", data={"csrf_token": token, "lang": "fr"}).status_code == 400
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "en", "next": "//evil.example/x"}
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
    # Without a CSRF token the switch is refused like any form.
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_error_pages_follow_the_language(client):
    _switch(client, "en", "/login")
    login(client, "tccb.member")
    db.session.execute(sa.update(User).values(locale=None))
    db.session.commit()
    assert "You may not open this page." in client.get("/admin/").get_data(as_text=True)


def _extract(tmp_path: Path) -> list[str]:
    """The msgids in the sources now (what `pybabel extract` would put in the template)."""
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id]


def test_every_wrapped_string_has_an_english_translation(tmp_path):
    """Fails when someone adds a Vietnamese string without its English msgstr.

    To fix: pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location .
    then pybabel update -i translations/messages.pot -d translations -l en, translate the
    new entries, and pybabel compile -d translations (the .mo is committed).
    """
    with PO.open("rb") as f:
        catalogue = read_po(f)
    untranslated = []
    for msgid in _extract(tmp_path):
        message = catalogue.get(msgid)
        strings = (
            ()
            if message is None
            else (message.string if isinstance(message.string, tuple) else (message.string,))
        )
        if message is None or not all(strings) or message.fuzzy:
            untranslated.append(msgid)
    assert not untranslated, (
        f"{len(untranslated)} strings have no English translation in {PO.relative_to(ROOT)}:\n"
        + "\n".join(untranslated)
    )


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what the .po compiles to (no stale translations served)."""
    with PO.open("rb") as f:
        catalogue = read_po(f)
    fresh = io.BytesIO()
    write_mo(fresh, catalogue)
    fresh.seek(0)
    expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
    with MO.open("rb") as f:
        committed = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    # The "" entry is the generator's header (Babel's version, dates): compare translations.
    committed.pop("", None)
    expected.pop("", None)
    assert committed == expected, "run: pybabel compile -d translations"


def test_placeholders_survive_translation():
    """A msgstr must keep the msgid's %(name)s placeholders, or rendering crashes."""
    import re

    with PO.open("rb") as f:
        catalogue = read_po(f)
    pattern = re.compile(r"%\(\w+\)s")
    broken = [
        m.id
        for m in catalogue
        if m.id
        and isinstance(m.id, str)
        and sorted(pattern.findall(m.id)) != sorted(pattern.findall(m.string or ""))
    ]
    assert not broken, broken


def test_labels_kept_as_data_are_in_the_catalogue():
    """State, event, progress-group and outbox labels are translated through a variable
    (`_(STATE_LABELS[s])`), so extraction cannot see them: web/label_catalogue.py lists
    them, and this test keeps that list in step with the dictionaries."""
    from reports.progress import BUCKET_LABELS
    from web.views.outbox import STATE_LABELS as OUTBOX_LABELS
    from workflow.state_machine import EVENT_LABELS, STATE_LABELS

    with PO.open("rb") as f:
        catalogue = read_po(f)
    labels = [
        *STATE_LABELS.values(),
        *EVENT_LABELS.values(),
        *BUCKET_LABELS.values(),
        *OUTBOX_LABELS.values(),
    ]
    missing = [label for label in labels if not (catalogue.get(label) and catalogue[label].string)]
    assert not missing, f"add these to web/label_catalogue.py and translate them: {missing}"


def test_state_names_are_english_in_english(client):
    _switch(client, "en", "/login")
    login(client, "gdtx.member")
    html = client.get("/my-tasks").get_data(as_text=True)
    assert "Assigned" in html and "Đã giao<" not in html
