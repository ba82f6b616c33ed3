"""Benchmark: a page stays fast while plans are imported (security review H2, M2).

Builds a demo SQLite database in a temporary instance folder, starts gunicorn (2 sync
workers by default) on loopback and `planwork worker run` beside it, then: two
coordinators each upload a large plan (the 4403/KH-SGDĐT text repeated to ~17,000 lines)
ROUNDS times, at the same moment, while a third user (a member of a coordinating unit)
loads /my-tasks over and over. Prints the upload answers' latency, how long each import
job took, and /my-tasks p50/p95/max before and during the imports. Target: p95 under
500 ms during the imports.

usage: .venv/bin/python bench/bench_jobs.py [--web-workers 2] [--rounds 3] [--copies 35]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = ROOT / "tests/fixtures/importer/4403-KH-SGDDT-2024-hcmc-doet-learning-society-ocr.txt"
PASSWORD = "planwork-demo"
TARGET_MS = 500


class User:
    """A browser-like client: cookies, CSRF tokens, no redirects followed."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        page = self.get("/login")[1]
        self.post_form("/login", {"username": username, "password": PASSWORD}, page)

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):  # noqa: ANN201
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace"), response
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), error

    def get(self, path: str):  # noqa: ANN201
        return self.request(path)

    def post_form(self, path: str, fields: dict[str, str], page: str):  # noqa: ANN201
        fields = {"csrf_token": csrf(page), **fields}
        body = urllib.parse.urlencode(fields).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, data: bytes, filename: str) -> tuple[float, str]:
        """POST the import form; returns (seconds to answer, Location)."""
        page = self.get("/imports/new")[1]
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{csrf(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f'name="document"; filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        started = time.perf_counter()
        status, _, response = self.request(
            "/imports/new", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        elapsed = time.perf_counter() - started
        assert status == 302, status
        return elapsed, response.headers["Location"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def large_plan(copies: int) -> bytes:
    """The 4403 plan's text repeated: a long, real-looking plan of many items."""
    return (SEED.read_text(encoding="utf-8") * copies).encode("utf-8")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<34} n={len(ms):>4}  p50 {statistics.median(ms):7.1f} ms  "
        f"p95 {percentile(ms, 95):7.1f} ms  max {max(ms):7.1f} ms"
    )


def wait_for_job(user: User, location: str, timeout: float = 600) -> tuple[str, float]:
    """Poll the job's JSON until it finished; returns (state, seconds waited)."""
    started = time.perf_counter()
    path = urllib.parse.urlparse(location).path + ".json"
    while time.perf_counter() - started < timeout:
        status = json.loads(user.get(path)[1])
        if status["finished"]:
            return status["state"], time.perf_counter() - started
        time.sleep(0.2)
    return "timeout", timeout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=35)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="planwork-bench-jobs-"))
    env = dict(
        os.environ,
        PLANWORK_INSTANCE=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'planwork.sqlite3'}",
        SECRET_KEY=secrets.token_hex(32),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="9",  # nothing listens: mails stay in the outbox
    )
    planwork = str(BIN / "planwork")
    print(f"Demo database in {tmp} …", flush=True)
    subprocess.run([planwork, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([planwork, "demo", "load"], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "-w", str(args.web_workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "30", "web.app:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        [planwork, "worker", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        plan = large_plan(args.copies)
        lines = plan.count(b"\n")
        coordinators = [User(base, "gdtx.coordinator"), User(base, "gdtx.coordinator2")]
        member = User(base, "tccb.member")
        print(
            f"gunicorn {args.web_workers} workers + planwork worker run (2 threads); "
            f"plan of {len(plan) // 1024} KB, {lines} lines; {args.rounds} rounds of 2 uploads",
            flush=True,
        )

        idle = []
        for _ in range(40):
            started = time.perf_counter()
            assert member.get("/my-tasks")[0] == 200
            idle.append(time.perf_counter() - started)

        during: list[float] = []
        answers: list[float] = []
        jobs: list[tuple[str, float]] = []
        busy = threading.Event()
        busy.set()

        def load_page() -> None:
            while busy.is_set():
                started = time.perf_counter()
                status = member.get("/my-tasks")[0]
                assert status == 200, status
                during.append(time.perf_counter() - started)

        def import_plans(user: User) -> None:
            for n in range(args.rounds):
                answer, location = user.upload(plan, f"ke-hoach-lon-{n}.txt")
                answers.append(answer)
                jobs.append(wait_for_job(user, location))

        pager = threading.Thread(target=load_page)
        pager.start()
        started = time.perf_counter()
        importers = [threading.Thread(target=import_plans, args=(c,)) for c in coordinators]
        for t in importers:
            t.start()
        for t in importers:
            t.join()
        window = time.perf_counter() - started
        busy.clear()
        pager.join()

        print(summary("/my-tasks, no imports", idle))
        print(summary("/my-tasks, during the imports", during))
        print(summary("upload request (answer)", answers))
        print(summary("import job (upload → done)", [s for _, s in jobs]))
        states = sorted({state for state, _ in jobs})
        print(f"jobs: {len(jobs)} ({', '.join(states)}); imports window {window:.1f} s")
        p95 = percentile([v * 1000 for v in during], 95)
        verdict = "OK" if p95 < TARGET_MS else "ABOVE TARGET"
        print(f"/my-tasks p95 during imports: {p95:.0f} ms (target < {TARGET_MS} ms): {verdict}")
    finally:
        for process in (worker, gunicorn):
            process.send_signal(signal.SIGINT if process is worker else signal.SIGTERM)
        for process in (worker, gunicorn):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
