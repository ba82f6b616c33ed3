"""Drafts kept server-side between upload and confirm: one JSON file per token, per owner.

A draft is written atomically under `folder/<token>.json` with its owner; only that user
loads it back; drafts older than `DRAFT_MAX_AGE_SECONDS` are purged.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models import User as UserModel
from workflow.errors import NotFound

DRAFT_MAX_AGE_SECONDS = 3 * 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _draft_path(folder: Path, token: str) -> Path:
    if not _TOKEN.match(token or ""):
        raise NotFound("Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn).")
    return Path(folder) / f"{token}.json"


def save_draft(
    folder: Path, owner: UserModel, draft: Mapping[str, Any], token: str | None = None
) -> str:
    """Write the draft under `folder/<token>.json` (atomically); returns the token."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_urlsafe(24)
    path = _draft_path(folder, token)
    payload = {"owner_id": owner.id, "saved_at": time.time(), "draft": draft}
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def load_draft(folder: Path, token: str, owner: UserModel) -> dict[str, Any]:
    """The draft saved under this token by this user; NotFound for anyone else's."""
    path = _draft_path(folder, token)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(
            "Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn)."
        ) from exc
    if payload.get("owner_id") != owner.id:
        raise NotFound("Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn).")
    return payload["draft"]


def discard_draft(folder: Path, token: str) -> None:
    """Delete the draft saved under this token, if it is still there."""
    _draft_path(folder, token).unlink(missing_ok=True)


def purge_drafts(folder: Path, max_age: float = DRAFT_MAX_AGE_SECONDS) -> int:
    """Delete drafts older than `max_age` seconds; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    limit = time.time() - max_age
    removed = 0
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
