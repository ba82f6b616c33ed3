"""Redo the README's screenshots (docs/screenshots/*.png) from a fresh demo database.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--lang vi]

Builds what `make run` builds (migrations, then the demo with its 2024 history and the
live plan of the current year) in a temporary SQLite file, serves it on 127.0.0.1 and
takes each page with Debian's Chromium (/usr/bin/chromium, through Playwright) at desktop
(1366x900) and phone (390x844) width. Nothing leaves the machine. The PNGs are cut to a
readable height and reduced to a palette, so each stays well under 300 KB.

Pages: the inbox "Việc chờ tôi", a task page of the live plan, the dashboard, and the
month calendar (/calendar) when the app has one; a page that answers 404 is skipped and
said so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "planwork-demo"
USER = "gdtx.coordinator"  # tracks the live plan: reports to verify, an extension to decide
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
MAX_HEIGHT = {"desktop": 1800, "phone": 2400}  # a screenshot shows a page's top, not all
MAX_BYTES = 300_000


def build_app(workdir: Path):  # type: ignore[no-untyped-def]
    """The app on a new SQLite database holding what `planwork demo load` loads."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from demo.loader import load_demo
    from web.app import create_app

    app = create_app(
        {
            "SECRET_KEY": "screenshots-only-secret-key-of-32-bytes!",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'planwork.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
            "UPLOAD_DIR": workdir / "attachments",
            "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",
            "JOB_DIR": workdir / "jobs",
            "IMPORT_DRAFT_DIR": workdir / "imports",
            "MAIL_SUPPRESS_SEND": True,
        }
    )
    with app.app_context():
        upgrade()
        load_demo(history=True, live=True)
    return app


def live_task_id(app) -> int:  # type: ignore[no-untyped-def]
    """A task of the live plan with a full timeline: reported, with a report to verify."""
    import sqlalchemy as sa

    from models import Plan, Task, TaskState, db
    from workflow import clock

    with app.app_context():
        plan_id = db.session.execute(
            sa.select(Plan.id).where(Plan.number == f"{clock.today().year}/KH-GDTX-MAU")
        ).scalar_one()
        return (
            db.session.execute(
                sa.select(Task.id)
                .where(Task.plan_id == plan_id, Task.state == TaskState.REPORTED)
                .order_by(Task.id)
            )
            .scalars()
            .first()
        )


def shrink(path: Path, height: int) -> int:
    """Cut to `height` pixels at most, reduce to a palette; the file's size in bytes."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if image.height > height:
            image = image.crop((0, 0, image.width, height))
        colours = 128
        while True:
            image.quantize(colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
            if path.stat().st_size <= MAX_BYTES or colours <= 16:
                return path.stat().st_size
            colours //= 2


def take(app, out: Path, lang: str) -> list[str]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    pages = {
        "inbox": "/inbox",
        "task": f"/tasks/{live_task_id(app)}",
        "dashboard": "/dashboard/",
        "calendar": "/calendar",
    }
    said: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                # Offline: anything not served by the app is refused.
                context.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(base) else route.abort()
                    ),
                )
                page = context.new_page()
                page.goto(base + "/login")
                if lang == "en":
                    page.click("form.lang button[value=en]")
                    page.wait_for_load_state()
                page.fill("#username", USER)
                page.fill("#password", PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_url("**/my-tasks")
                for name, path in pages.items():
                    response = page.goto(base + path)
                    if response is None or response.status != 200:
                        said.append(
                            f"{name}: {path} answered {response and response.status}, skipped"
                        )
                        continue
                    target = out / f"{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    said.append(f"{target.name}: {shrink(target, MAX_HEIGHT[size]) // 1024} KB")
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planwork-shots-") as tmp:
        app = build_app(Path(tmp))
        for line in take(app, args.out, args.lang):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
