"""gunicorn settings for PlanWork's web workers: `gunicorn -c config/gunicorn.conf.py …`.

Only what the app needs from its server; address and worker count stay on the command
line (README, bench/load.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from typing import Any

# Python's default collector thresholds (700, 10, 10) suit short scripts. A page makes
# thousands of short-lived objects (ORM rows, SQL constructs, template frames), so the
# collector ran several times per request and each older-generation pass walked every
# long-lived object the app holds (routes, mappers, compiled templates, translations).
# Freezing what exists once the worker has loaded the app, and collecting the youngest
# generation less often, took the workspace on the city from 52 to 44 ms in one process,
# and its p50 / p95 at one user under gunicorn from 86 / 260 to 62 / 110 ms (the p95 was
# mostly collections); throughput at 8 users is bound by CPU and did not move
# (bench/results/city-100000-tasks-s6.md). Reference cycles are still collected, later;
# bench/load.py records the workers' memory.
GC_THRESHOLDS = (50_000, 20, 100)


def post_worker_init(worker: Any) -> None:
    """After the worker has imported and built the app: keep the collector off what the
    app will hold for its whole life, and run it less often on per-request garbage."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# glibc keeps what a large response freed (a city dashboard's rows, a 300 KB export) for
# the process's later allocations instead of handing it back: after the city's load run a
# worker held some 10 MB that way (bench/results/city-100000-tasks-s7.md measured 149 MB
# against issue 12's 150). malloc_trim returns it: about 1 ms, once every TRIM_EVERY
# requests. Other C libraries (musl, macOS) have no malloc_trim, and the hook does nothing.
TRIM_EVERY = 200


def _malloc_trim() -> Callable[[], Any] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    return None if trim is None else (lambda: trim(0))


_trim = _malloc_trim()
_served = 0


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """After every TRIM_EVERY requests of this worker, return freed heap to the system."""
    global _served
    _served += 1
    if _trim is not None and _served % TRIM_EVERY == 0:
        _trim()
