"""How fast a clinic day's batch runs, and whether its memory stays flat.

For synthetic appointment lists of 200 and 2,000 rows, runs the whole
`consent batch` (parse, validate, render in parallel, bundle, manifest) as a
separate process, and prints forms per second, ms per form, the peak RSS of
the largest process, and the bundle's size against the sum of its parts.

Baseline, measured in the same run: one process of bare ReportLab canvas
calls drawing the same text and the same page codes (QR, same library), on
the same number of pages, with the same embedded fonts, one PDF file per
form, nothing else (no validation, no templates, no layout engine, no form
fields, no bundle).

Run:  python bench/batch.py [--sizes 200 2000] [--jobs N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import PAGE_CODE_SOURCE
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["form", "given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician"]
GIVEN = ["Ana", "María José", "Tom", "Élodie", "Jürgen", "Siobhán", "Kwame", "Ngozi", "Lars", "Zoë"]
FAMILY = ["Ruiz", "Dupont", "O'Brien", "Łukasiewicz", "Smith", "Nguyễn", "Okafor", "Åberg", "Müller", "Kowalski"]

BARE_REPORTLAB = (
    PAGE_CODE_SOURCE
    + """
import json, sys
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
fonts, out, spec = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
pdfmetrics.registerFont(TTFont("R", fonts + "/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("B", fonts + "/DejaVuSans-Bold.ttf"))
for number, name in enumerate(spec["names"]):
    canvas = Canvas(f"{out}/{number}.pdf", invariant=1, initialFontName="R")
    for page_number, page in enumerate(spec["pages"], start=1):
        total = len(spec["pages"])
        page_code(canvas, f"CONSENT1|laser-acne-scar|1.0|{number:06d}|{page_number}|{total}|0123456789abcdef")
        canvas.setFont("B", 9)
        canvas.drawString(50, 815, name)
        canvas.setFont("R", 10)
        y = 790
        for line in page.splitlines():
            canvas.drawString(50, y, line[:110])
            y -= 13
        canvas.showPage()
    canvas.save()
"""
)


def write_list(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for index in range(rows):
            writer.writerow(
                [
                    "laser-acne-scar",
                    GIVEN[index % len(GIVEN)],
                    FAMILY[(index // len(GIVEN)) % len(FAMILY)],
                    f"{1950 + index % 50}-{1 + index % 12:02d}-{1 + index % 28:02d}",
                    f"{index:06d}",
                    "2026-12-01",
                    "Dr Lee",
                ]
            )


def run_timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the process, or its largest descendant."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        sys.exit(f"benchmark command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def consent_command() -> list[str]:
    script = Path(sys.executable).with_name("consent")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    arguments = parser.parse_args()
    jobs = arguments.jobs or os.cpu_count() or 1
    print(f"{os.cpu_count()} cores; consent batch --jobs {jobs}; baseline: one process\n")
    print(f"{'rows':>5}  {'run':<22} {'seconds':>8} {'forms/s':>8} {'ms/form':>8} {'peak RSS':>10}")
    results = {}
    for size in arguments.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            write_list(folder / "day.csv", size)
            seconds, rss = run_timed(
                [*consent_command(), "batch", "day.csv", "--out-dir", "out", "--jobs", str(jobs)], folder
            )
            out = folder / "out"
            manifest = json.loads((out / "manifest.json").read_text())
            documents = manifest["documents"]
            assert len(documents) == size, f"expected {size} forms, got {len(documents)}"
            parts = sum((out / document["file"]).stat().st_size for document in documents)
            bundle = (out / "print-bundle.pdf").stat().st_size
            first = PdfReader(out / documents[0]["file"])
            spec = {
                "pages": [page.extract_text() for page in first.pages],
                "names": [f"Patient {index}" for index in range(size)],
            }
            (folder / "spec.json").write_text(json.dumps(spec))
            (folder / "bare.py").write_text(BARE_REPORTLAB)
            (folder / "bare").mkdir()
            base_seconds, base_rss = run_timed(
                [sys.executable, "bare.py", str(ROOT / "fonts"), "bare", "spec.json"], folder
            )
        results[size] = (seconds, rss, base_seconds, base_rss, bundle, parts)
        for label, wall, peak in (("consent batch", seconds, rss), ("bare ReportLab canvas", base_seconds, base_rss)):
            print(
                f"{size:>5}  {label:<22} {wall:>8.2f} {size / wall:>8.1f} {1000 * wall / size:>8.2f} "
                f"{peak / 1024:>7.1f} MiB"
            )
        print(
            f"{size:>5}  speed ratio (batch / baseline forms per second): {base_seconds / seconds:.2f}x; "
            f"bundle {bundle / 1e6:.1f} MB vs sum of parts {parts / 1e6:.1f} MB ({bundle / parts:.0%})\n"
        )
    if len(results) >= 2:
        small, large = min(results), max(results)
        growth = results[large][1] / results[small][1]
        print(f"peak memory {large} rows / {small} rows: {growth:.2f}x (rows grew {large / small:.0f}x)")


if __name__ == "__main__":
    main()
