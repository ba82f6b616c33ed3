"""Settings classes; values come from the environment where deployments differ."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
INSTANCE_DIR = Path(os.environ.get("PLANWORK_INSTANCE", ROOT / "instance"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'planwork.sqlite3'}"
    # Hosting platforms still hand out the old scheme; SQLAlchemy wants psycopg 3 named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Settings:
    """Defaults for a single office running on SQLite."""

    # None: the app factory generates the instance's own key (config/secret_key.py).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    INSTANCE_DIR = INSTANCE_DIR
    UPLOAD_DIR = INSTANCE_DIR / "attachments"
    MAX_CONTENT_LENGTH = int(os.environ.get("PLANWORK_MAX_UPLOAD_MB", "25")) * 1024 * 1024
    ATTACHMENT_MAX_BYTES = int(os.environ.get("PLANWORK_ATTACHMENT_MAX_MB", "20")) * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    TIMEZONE = "Asia/Ho_Chi_Minh"
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("PLANWORK_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A session cookie is refused this long after its login (web/app.py `_load_user`).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto; 0 means
    # none, so the header is ignored and the socket's address is the client's.
    PLANWORK_TRUSTED_PROXIES = int(os.environ.get("PLANWORK_TRUSTED_PROXIES", "0"))
    BASE_URL = os.environ.get("PLANWORK_BASE_URL", "http://127.0.0.1:5000")
    # How long the header's "Việc chờ tôi" figure is kept in a session (web/views/inbox.py);
    # 0 counts on every page.
    INBOX_BADGE_SECONDS = int(os.environ.get("PLANWORK_INBOX_BADGE_SECONDS", "30"))
    # Pages kept per worker until the data changes (web/page_cache.py): a budget in bytes
    # (0 builds every page anew) and the longest a kept page lives.
    PAGE_CACHE_BYTES = int(os.environ.get("PLANWORK_PAGE_CACHE_MB", "4")) * 1024 * 1024
    PAGE_CACHE_SECONDS = int(os.environ.get("PLANWORK_PAGE_CACHE_SECONDS", "600"))
    # Background jobs: empty means a SQLite file under the instance folder (jobs/__init__.py).
    QUEUE_URL = os.environ.get("PLANWORK_QUEUE_URL", "")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "PlanWork <planwork@localhost>")
    # The inspectorate's address(es), comma-separated: the chain head is mailed there daily
    # (notifications/anchor_mail.py). Empty: no anchor mail.
    AUDIT_ANCHOR_MAIL_TO = os.environ.get("PLANWORK_AUDIT_ANCHOR_MAIL_TO", "")
    # The Ed25519 key that signs inspection packs; empty: instance/signing_key.ed25519.
    SIGNING_KEY_FILE = os.environ.get("PLANWORK_SIGNING_KEY_FILE", "")
    # Webhooks may post to loopback and private addresses / over plain http (README, Webhooks;
    # workflow/webhook_urls.py). Off: only public https:// receivers.
    WEBHOOKS_ALLOW_PRIVATE = os.environ.get("PLANWORK_WEBHOOKS_ALLOW_PRIVATE", "0") == "1"
    WEBHOOKS_ALLOW_HTTP = os.environ.get("PLANWORK_WEBHOOKS_ALLOW_HTTP", "0") == "1"


class TestSettings(Settings):
    """Used by the test suite: CSRF stays on, as in production."""

    TESTING = True
    SECRET_KEY = "test-only-secret-key-of-at-least-32-bytes"
