"""How long one `consent fill` takes, as the front desk waits for it.

Times the whole process (interpreter start, imports, fonts, layout, write)
over repeated runs, next to two baselines measured in the same run:

  python -c pass        the floor: starting the interpreter at all
  bare ReportLab        one script drawing the same text and page codes (QR),
                        on the same number of pages, with the same embedded
                        fonts, using only reportlab canvas calls (no
                        validation, no templates, no form fields)

Run:  python bench/fill.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import PAGE_CODE_SOURCE
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
PATIENT = [
    "--given-name", "Ana", "--family-name", "Ruiz", "--date-of-birth", "1990-03-07",
    "--record-number", "00123", "--procedure-date", "2026-12-01", "--clinician", "Dr Lee",
]  # fmt: skip

BARE_REPORTLAB = (
    PAGE_CODE_SOURCE
    + """
import sys
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
fonts, out, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
pdfmetrics.registerFont(TTFont("R", fonts + "/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("B", fonts + "/DejaVuSans-Bold.ttf"))
canvas = Canvas(out, invariant=1, initialFontName="R")
for page_number, page in enumerate(pages, start=1):
    page_code(canvas, f"CONSENT1|laser-acne-scar|1.0|00123|{page_number}|{len(pages)}|0123456789abcdef")
    y = 800
    canvas.setFont("B", 10)
    canvas.drawString(50, 815, "header")
    canvas.setFont("R", 10)
    for line in page.splitlines():
        canvas.drawString(50, y, line[:110])
        y -= 13
    canvas.showPage()
canvas.save()
"""
)


def run_timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def measure(label: str, command: list[str], cwd: Path, runs: int) -> dict[str, float]:
    run_timed(command, cwd)  # warm the file cache
    samples = [run_timed(command, cwd) for _ in range(runs)]
    times = [seconds for seconds, _ in samples]
    figures = {
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
        "peak_rss_mib": max(rss for _, rss in samples) / 1024,
    }
    print(
        f"{label:<24} median {figures['median_ms']:7.1f} ms   min {figures['min_ms']:7.1f} ms   "
        f"max {figures['max_ms']:7.1f} ms   peak RSS {figures['peak_rss_mib']:6.1f} MiB"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    consent = Path(sys.executable).with_name("consent")
    fill_command = [str(consent) if consent.exists() else "consent", "fill", "laser-acne-scar", *PATIENT]

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        subprocess.run([*fill_command, "-o", "form.pdf"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
        pages = [page.extract_text() for page in PdfReader(io.BytesIO((folder / "form.pdf").read_bytes())).pages]
        (folder / "bare.py").write_text(BARE_REPORTLAB)
        print(f"one laser-acne-scar form: {len(pages)} pages; {arguments.runs} runs each, whole process\n")
        floor = measure("python -c pass", [sys.executable, "-c", "pass"], folder, arguments.runs)
        bare = measure(
            "bare ReportLab canvas",
            [sys.executable, "bare.py", str(ROOT / "fonts"), "bare.pdf", *pages],
            folder,
            arguments.runs,
        )
        fill = measure("consent fill", [*fill_command, "-o", "form.pdf"], folder, arguments.runs)
    print(
        f"\nconsent fill: {fill['median_ms']:.0f} ms per form "
        f"({1000 / fill['median_ms']:.1f} forms/s as separate processes); "
        f"{fill['median_ms'] / bare['median_ms']:.2f}x the bare-ReportLab baseline, "
        f"{fill['median_ms'] - floor['median_ms']:.0f} ms above interpreter start."
    )


if __name__ == "__main__":
    main()
