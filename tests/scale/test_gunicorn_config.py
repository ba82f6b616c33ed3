"""The web workers' settings file (config/gunicorn.conf.py): gunicorn serves the app with
it, and its hook sets the garbage collector as the load runs measured it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "config" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _run_in_child(script: str) -> list[str]:
    """What `script` prints, run by a fresh interpreter (the hooks change its state)."""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.split()


def test_the_worker_hook_freezes_the_app_and_raises_the_thresholds():
    # In a child process: the hook changes the interpreter's collector for good.
    script = (
        "import gc, runpy, sys\n"
        f"ns = runpy.run_path({str(CONF)!r})\n"
        "before = gc.get_freeze_count()\n"
        "ns['post_worker_init'](None)\n"
        "print(gc.get_threshold() == ns['GC_THRESHOLDS'], gc.get_freeze_count() > before,"
        " ns['GC_THRESHOLDS'][0] > 700)\n"
    )
    assert _run_in_child(script) == ["True", "True", "True"]


def test_the_request_hook_returns_freed_memory_every_so_many_requests():
    # In a child process: the hook counts the worker's requests in its module.
    script = (
        "import runpy\n"
        f"ns = runpy.run_path({str(CONF)!r})\n"
        "hook = ns['post_request']\n"
        "assert ns['_trim'] is not None, 'glibc has malloc_trim'\n"
        "calls = []\n"
        "hook.__globals__['_trim'] = lambda: calls.append(1)\n"
        "for _ in range(ns['TRIM_EVERY'] * 3 - 1):\n"
        "    hook(None, None, {}, None)\n"
        "print(len(calls))\n"
    )
    assert _run_in_child(script) == ["2"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_app_with_the_settings_file(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'planwork.db'}",
        "PLANWORK_INSTANCE": str(tmp_path / "instance"),
    }
    planwork = Path(sys.executable).parent / "planwork"
    subprocess.run([planwork, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [GUNICORN, "-c", CONF, "-w", "1", "-b", f"127.0.0.1:{port}", "web.app:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.25)
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        assert "Đăng nhập" in body
    finally:
        server.terminate()
        server.communicate(timeout=30)
