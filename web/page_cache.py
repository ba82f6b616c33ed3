"""The pages people open all day, kept per worker until the data they show changes (issue 12).

A unit's workspace, the dashboard and a task page cost 15–40 ms of CPU each at city scale,
and most views of them repeat an earlier one: the same person, the same filters, nothing
changed in between. Every change of a task, plan, unit, user or setting writes an audit
event in its own transaction (DESIGN.md), and every event but signing in and out,
passwords and tokens advances the shown data version to its sequence number
(workflow/audit.py `shown_version`). That number is therefore a version of everything
these pages show: a page built at version N is still right while the version is N, on
the same day (deadlines count in days), in the same language, for the same user.
The version is read before anything else, so a page built while a change commits is kept
under the older number, which no later request asks for.

What is kept is the rendered blocks of the page's own template (title, head, content),
never the layout around them: the header's counts of waiting work and unread
notifications, flashed messages and the CSRF token are this request's. Forms in a kept
block carry a mark where the token goes; the token of the request that sends the page
takes its place.

The store is cachetools' TTLCache, bounded in bytes (PAGE_CACHE_BYTES, 0 turns it off)
and in age (PAGE_CACHE_SECONDS): the age bounds what a write outside the application
(a database edit by hand) could leave stale. Each worker process has its own store, on
the app object, so two apps (tests) never share one.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workflow import clock
from workflow.audit import shown_version

# The blocks of a page's template that are kept (base.html marks them while one is built).
BLOCKS = ("title", "head", "content")
# Where the CSRF token goes in a kept block: letters and digits, so escaping for HTML or
# a URL leaves it as it is, and too long and odd to occur in anything a person writes.
CSRF_MARK = "PLANWORKcsrf7f3c9a1e5b2d8604"
_MARK_VALUE = f'value="{CSRF_MARK}"'
_MARKED = re.compile(r"<!--planwork:(" + "|".join(BLOCKS) + r")-->(.*?)<!--/planwork:\1-->", re.S)
_MARKERS = re.compile(r"<!--/?planwork:(?:" + "|".join(BLOCKS) + r")-->")


# TTLCache is not thread-safe; the development server answers in threads.
_lock = threading.Lock()


def _size(blocks: dict[str, str]) -> int:
    return sum(sys.getsizeof(html) for html in blocks.values())


def _store() -> TTLCache | None:
    app = current_app
    budget = int(app.config.get("PAGE_CACHE_BYTES", 0))
    if budget <= 0:
        return None
    store = app.extensions.get("planwork_page_cache")
    if store is None or store.maxsize != budget:
        store = TTLCache(
            maxsize=budget, ttl=int(app.config.get("PAGE_CACHE_SECONDS", 600)), getsizeof=_size
        )
        app.extensions["planwork_page_cache"] = store
    return store


def _viewer() -> tuple:
    # The signed-in user was loaded before the version was read: a change to them that
    # committed in between must give another key, not be kept under the newer version.
    user = current_user
    return (user.get_id(), str(user.role), user.unit_id, user.full_name)


def page_key(template: str) -> tuple:
    """What a kept page depends on besides its template: the data's version first (every
    other row the page shows is read after it), then the user, the day, the language and
    the request's path and arguments."""
    return (
        shown_version(),
        template,
        _viewer(),
        clock.today(),
        str(get_locale()),
        request.path,
        tuple(sorted(request.args.items(multi=True))),
    )


def _cut(html: str) -> dict[str, str] | None:
    blocks = {name: body for name, body in _MARKED.findall(html)}
    return blocks if set(blocks) == set(BLOCKS) else None


def cached_page(template: str, build: Callable[[], dict[str, Any]]) -> str:
    """The page `template` renders with the context `build()` returns, built only when no
    kept copy for this user, request and data version exists. `build` runs every check
    the page needs (a refusal raised there is never kept)."""
    store = _store()
    if store is None:
        return render_template(template, **build())
    key = page_key(template)
    with _lock:
        blocks = store.get(key)
    if blocks is None:
        context = build()
        # Flask-WTF hands out the token kept on `g` (generate_csrf): while the blocks are
        # built, that is the mark.
        real = g.pop("csrf_token", None)
        g.csrf_token = CSRF_MARK
        try:
            html = render_template(template, page_cache_marks=True, **context)
        finally:
            g.pop("csrf_token", None)
            if real is not None:
                g.csrf_token = real
        blocks = _cut(html)
        if blocks is not None:
            with _lock:
                try:
                    store[key] = blocks
                except ValueError:  # larger than the whole budget: send it, keep nothing
                    pass
        page = _MARKERS.sub("", html)
    else:
        page = render_template(template, kept_blocks=blocks)
    # Only as an attribute's whole value: a person's text holding the mark is escaped
    # (`value=&#34;…`), so it never becomes the reader's token.
    return page.replace(_MARK_VALUE, f'value="{generate_csrf()}"')


def clear() -> None:
    """Forget every kept page of this worker (tests, and after a restore)."""
    store = current_app.extensions.get("planwork_page_cache")
    if store is not None:
        with _lock:
            store.clear()
