"""Benchmark: read a 10-page scan by OCR and parse it; print wall time, CPU time and peak
memory (issue 10: "OCR of a 10-page scan, its time and memory recorded in the README").

The scan is made first (plans of the test corpus typeset, rasterised at 300 dpi, tilted,
grainy: tests/importer/scans.py), then read in a fresh process so that what is measured is
the import alone: its own peak memory and that of the Tesseract processes it runs, and
CPU time in both.

usage: .venv/bin/python bench/bench_ocr.py [--pages N] [--dpi N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures" / "importer"


def build_scan(pages: int, dpi: int) -> bytes:
    """An image-only PDF of `pages` pages: running-text plans of the tests, one after the
    other, cut at the page count."""
    from tests.importer import scans

    texts = sorted((FIXTURES / "genre").glob("*.txt")) + sorted((FIXTURES / "corpus").glob("*.txt"))
    body: list[str] = []
    images: list = []
    for path in texts:
        body.append(path.read_text(encoding="utf-8"))
        pdf = scans.typeset("\n\n".join(body))
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(pdf)
        count = len(document)
        document.close()
        if count >= pages:
            images = scans.rasterise(pdf, dpi=dpi, angle=1.0, seed=10)[:pages]
            break
    if len(images) < pages:
        raise SystemExit(f"not enough text for {pages} pages")
    return scans.image_pdf(images, dpi=dpi)


def measure(path: str) -> dict:
    """Parse the scan at `path` in this process; the figures as a dict."""
    import importer

    pages: list[int] = []
    wall = time.perf_counter()
    cpu = time.process_time()
    draft = importer.parse_file(path, progress=lambda done, total: pages.append(total))
    wall = time.perf_counter() - wall
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pages": pages[-1] if pages else 0,
        "items": len(draft.items),
        "wall_s": round(wall, 1),
        "cpu_s": round(time.process_time() - cpu + children.ru_utime + children.ru_stime, 1),
        "peak_mb_python": round(own.ru_maxrss / 1024),
        "peak_mb_tesseract": round(children.ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child's side
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    data = build_scan(args.pages, args.dpi)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as scan:
        scan.write(data)
        scan.flush()
        child = subprocess.run(
            [sys.executable, __file__, "--measure", scan.name],
            check=True,
            capture_output=True,
            text=True,
        )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"OCR of a {figures['pages']}-page scan ({len(data) / 1048576:.1f} MB, {args.dpi} dpi): "
        f"{figures['wall_s']} s wall, {figures['cpu_s']} s CPU, "
        f"peak {figures['peak_mb_python']} MB (Python) / "
        f"{figures['peak_mb_tesseract']} MB (Tesseract); {figures['items']} items"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
