"""Benchmark: parse a 40-page plan built from real items, print the time.

Target: under 1 s (security review H2: the importer must stay linear; the hostile inputs
are in bench_import_limits.py). Exits 1 when the best run misses the target.

usage: .venv/bin/python bench/bench_parse.py [--pages N] [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import importer  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "importer"
LINES_PER_PAGE = 45
TARGET = 1.0  # seconds


def build_plan(pages: int) -> str:
    """Header of 2417/KH-SGDĐT, then its section II repeated with renumbered items."""
    text = (SEEDS / "2417-KH-SGDDT-2024-hcmc-doet-learning-city-ocr.txt").read_text()
    text_4403 = (SEEDS / "4403-KH-SGDDT-2024-hcmc-doet-learning-society-ocr.txt").read_text()
    head, rest = text.split("II. NOI DUNG", 1)
    body, tail = rest.split("I11. KINH PHI", 1)
    items_4403 = text_4403.split("I11. NOI DUNG", 1)[1].split("IV. TO CHUC", 1)[0]
    out = [head, "II. NOI DUNG THU'C HIEN"]
    n = 0
    while sum(part.count("\n") for part in out) < pages * LINES_PER_PAGE:
        n += 1
        # Shift the item numbers so that every block is a new group: "1.1." -> "7.1."
        block = re.sub(
            r"(?m)^(\s*)(\d)(\.\d)?\.",
            lambda m, n=n: f"{m.group(1)}{(n - 1) * 5 + int(m.group(2))}{m.group(3) or ''}.",
            body,
        )
        out.append(block)
        if n % 3 == 0:
            out.append(items_4403)
    out.append("I11. KINH PHI" + tail)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = build_plan(args.pages)
    directory = importer.default_directory()
    lines = text.count("\n")
    start = time.perf_counter()
    importer.parse_text(text, directory)
    cold = time.perf_counter() - start  # includes first-use costs (regex, fuzzy caches)
    best = float("inf")
    items = 0
    for _ in range(args.repeat):
        fresh = importer.directory.Directory(directory.units, directory.groups)  # cold caches
        start = time.perf_counter()
        draft = importer.parse_text(text, fresh)
        best = min(best, time.perf_counter() - start)
        items = len(draft.items)
    print(f"parse (cold, first call): {cold:.3f} s")
    print(
        f"parse: {best:.3f} s for ~{lines // LINES_PER_PAGE} pages "
        f"({lines} lines, {len(text)} chars, {items} items); target < {TARGET:.0f} s"
    )
    if best >= TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
