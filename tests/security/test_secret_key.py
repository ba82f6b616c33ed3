"""H4: no known secret key signs sessions; without one, the instance makes its own."""

from __future__ import annotations

import stat

import pytest
from flask import Flask

from config.secret_key import KEY_FILE_NAME, InsecureSecretKey
from web.app import create_app


def _factory(tmp_path, config: dict) -> Flask:
    """An app whose instance folder (where a generated key lives) is tmp_path."""
    # The factory's own Settings (another test may have reloaded config.settings).
    import web.app

    settings = web.app.Settings
    old = settings.INSTANCE_DIR
    settings.INSTANCE_DIR = tmp_path
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.db'}", **config})
    finally:
        settings.INSTANCE_DIR = old


@pytest.mark.parametrize(
    "key", ["dev-only-change-me", "", "   ", "test-secret", "short-but-not-known", "x" * 31]
)
def test_known_empty_or_short_keys_are_refused_at_start(tmp_path, key):
    """H4: the old documented default, an empty key and keys under 32 bytes stop the app."""
    with pytest.raises(InsecureSecretKey) as refused:
        _factory(tmp_path, {"SECRET_KEY": key})
    assert "SECRET_KEY" in str(refused.value)


def test_without_a_key_one_is_generated_once_private_and_kept(tmp_path):
    """H4: an unset key becomes a random 64-hex key in the instance folder, mode 0600."""
    first = _factory(tmp_path, {"SECRET_KEY": None})
    path = tmp_path / KEY_FILE_NAME
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key == path.read_text().strip()
    assert key != "dev-only-change-me"
    # The old default is gone from the code: nothing falls back to it any more.
    from config.settings import Settings

    assert Settings.SECRET_KEY in (None, "") or len(Settings.SECRET_KEY) >= 32
    # A restart (or a second worker) signs with the same key: sessions survive it.
    second = _factory(tmp_path, {"SECRET_KEY": None})
    assert second.config["SECRET_KEY"] == key
    # Another installation gets another key.
    other = tmp_path / "other"
    assert _factory(other, {"SECRET_KEY": None}).config["SECRET_KEY"] != key


def test_a_strong_configured_key_is_used_as_given(tmp_path):
    key = "k" * 16 + "0123456789abcdef0123456789"
    assert _factory(tmp_path, {"SECRET_KEY": key}).config["SECRET_KEY"] == key
    assert not (tmp_path / KEY_FILE_NAME).exists()
