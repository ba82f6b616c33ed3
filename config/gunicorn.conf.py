"""gunicorn settings for PlanWork's web workers: `gunicorn -c config/gunicorn.conf.py …`.

Only what the app needs from its server; address and worker count stay on the command
line (README, bench/load.py).
"""

from __future__ import annotations

import gc
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
