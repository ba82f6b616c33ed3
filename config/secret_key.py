"""The key that signs sessions, CSRF tokens and audit checkpoints.

There is no default in the code: a key everybody can read in the repository lets
anyone forge an administrator's session (review 2026-12, H4). When `SECRET_KEY` is
not set, one random key is generated into the instance folder, readable by the
owner alone, and kept there, so `make run` and the tests need no configuration.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "secret_key"
MIN_KEY_BYTES = 32
# Values that were ever written down as defaults or examples: a key from this list is
# as good as none, whatever its length.
KNOWN_KEYS = frozenset(
    {
        "dev-only-change-me",
        "test-secret",
        "change-me",
        "changeme",
        "secret",
        "dev",
        "development",
    }
)


class InsecureSecretKey(RuntimeError):
    """The configured key is known or too short: the application refuses to start."""


def check_secret_key(key: str) -> str:
    """Return `key` if it is fit to sign sessions; raise `InsecureSecretKey` if not."""
    if not key or not key.strip():
        raise InsecureSecretKey(
            "SECRET_KEY rỗng: hãy đặt một khoá ngẫu nhiên dài ít nhất 32 byte, hoặc bỏ biến "
            "này để PlanWork tự tạo khoá trong thư mục instance. "
            "(SECRET_KEY is empty: set a random key of at least 32 bytes, or unset it.)"
        )
    if key.strip().lower() in KNOWN_KEYS:
        raise InsecureSecretKey(
            "SECRET_KEY là một giá trị mặc định ai cũng biết; ai biết nó có thể giả mạo phiên "
            "đăng nhập của quản trị viên. Hãy dùng: python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'. (SECRET_KEY is a publicly known default.)"
        )
    if len(key.encode("utf-8")) < MIN_KEY_BYTES:
        raise InsecureSecretKey(
            f"SECRET_KEY chỉ dài {len(key.encode('utf-8'))} byte, cần ít nhất {MIN_KEY_BYTES} "
            f"byte ngẫu nhiên. (SECRET_KEY is shorter than {MIN_KEY_BYTES} bytes.)"
        )
    return key


def instance_secret_key(instance_dir: Path) -> str:
    """The key kept in `instance_dir`, generated once (mode 0600) when there is none.

    Several web workers may start at once: the key is written to a private temporary
    file and linked into place, so exactly one key wins and nobody reads a half file.
    """
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / KEY_FILE_NAME
    if not path.exists():
        tmp = instance_dir / f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another worker was first: use its key
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        # A key others can read signs sessions they could forge: tighten it, loudly.
        os.chmod(path, 0o600)
    return check_secret_key(path.read_text(encoding="ascii").strip())


def resolve_secret_key(configured: str | None, instance_dir: Path) -> str:
    """The configured key if it is safe, else the instance's own when none is configured."""
    if configured is None:
        return instance_secret_key(instance_dir)
    return check_secret_key(configured)
