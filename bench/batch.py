"""How fast a clinic day's batch runs, what each form costs, and whether
memory stays flat.

For synthetic appointment lists (200 and 2,000 rows by default), runs the
whole `consent batch` (parse, validate, render in parallel, bundle,
manifest) as a separate process with --jobs = all cores, unsealed and
sealed, and prints forms per second, ms per form, the peak RSS of the
largest process, and the bundle's size against the sum of its parts.

Baseline, measured in the same run: one process (one core) of bare
ReportLab canvas calls drawing comparable content: the same text, wrapped
by hand (`simpleSplit`) into the same column, on as many pages as it needs,
with the same two embedded fonts and the patient's name in bold, one PDF
per form; no fields, no page codes, no validation, no templates, no bundle.

With valgrind installed it also counts instructions per form with
callgrind (repeatable on a noisy machine): a 21-form run minus a 1-form
run, divided by 20, for `consent batch --jobs 1` (everything in one
process, bundle included) and for the baseline.

Run:  python bench/batch.py [--sizes 200 2000] [--jobs N] [--no-seal] [--no-callgrind]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["form", "given_name", "family_name", "date_of_birth", "record_number", "procedure_date", "clinician"]
GIVEN = ["Ana", "María José", "Tom", "Élodie", "Jürgen", "Siobhán", "Kwame", "Ngozi", "Lars", "Zoë"]
FAMILY = ["Ruiz", "Dupont", "O'Brien", "Łukasiewicz", "Smith", "Nguyễn", "Okafor", "Åberg", "Müller", "Kowalski"]
SEAL_PASSWORD = "bench-seal-password"

BARE_REPORTLAB = """
import json, sys
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
fonts, out, spec = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
pdfmetrics.registerFont(TTFont("R", fonts + "/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("B", fonts + "/DejaVuSans-Bold.ttf"))
paragraphs = spec["text"].split("\\n")
for number, name in enumerate(spec["names"]):
    canvas = Canvas(f"{out}/{number}.pdf", invariant=1, initialFontName="R")
    canvas.setFont("B", 10)
    canvas.drawString(51, 800, name)
    y = 780
    for paragraph in paragraphs:
        for line in simpleSplit(paragraph, "R", 9.5, 493):
            if y < 80:
                canvas.showPage()
                canvas.setFont("B", 10)
                canvas.drawString(51, 800, name)
                y = 780
            canvas.setFont("R", 9.5)
            canvas.drawString(51, y, line)
            y -= 13
    canvas.showPage()
    canvas.save()
"""


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


def run_timed(command: list[str], cwd: Path, environment: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the process, or its largest descendant."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        sys.exit(f"benchmark command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def consent_command() -> list[str]:
    return [sys.executable, "-m", "generator"]


def instructions(command: list[str], cwd: Path, environment: dict[str, str]) -> int:
    """Instructions the command executes, by callgrind (children included)."""
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=yes", *command],
        cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=True,
    )  # fmt: skip
    return sum(int(count.replace(",", "")) for count in re.findall(r"Collected : ([\d,]+)", result.stderr))


def prepare(folder: Path, environment: dict[str, str]) -> None:
    """A seal key and two settings files (sealed, unsealed) in `folder`."""
    subprocess.run(
        [*consent_command(), "seal", "new-key", "--name", "Bench Clinic", "-o", "seal.p12"],
        cwd=folder, env=environment, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    clinic = '[clinic]\nname = "Bench Clinic"\n'
    (folder / "sealed.toml").write_text(clinic + '[seal]\nkey = "seal.p12"\n')
    (folder / "plain.toml").write_text(clinic)


def bare_spec(folder: Path, first_form: Path, names: int) -> None:
    text = "\n".join(page.extract_text() for page in PdfReader(first_form).pages)
    spec = {"text": text, "names": [f"Patient {index}" for index in range(names)]}
    (folder / "spec.json").write_text(json.dumps(spec))
    (folder / "bare.py").write_text(BARE_REPORTLAB)
    shutil.rmtree(folder / "bare", ignore_errors=True)
    (folder / "bare").mkdir()


def per_form_instructions(folder: Path, environment: dict[str, str], sealed: bool) -> tuple[float, float]:
    """Instructions per form: consent batch --jobs 1, and the bare baseline."""
    counts = {}
    for rows in (1, 21):
        write_list(folder / f"cg{rows}.csv", rows)
        out = folder / f"cg-out-{rows}-{sealed}"
        counts[rows] = instructions(
            [*consent_command(), "--config", "sealed.toml" if sealed else "plain.toml", "batch", f"cg{rows}.csv",
             "--out-dir", str(out), "--jobs", "1"],
            folder, environment,
        )  # fmt: skip
    consent = (counts[21] - counts[1]) / 20
    first = sorted((folder / f"cg-out-1-{sealed}").glob("laser*.pdf"))[0]
    bare = {}
    for forms in (1, 21):
        bare_spec(folder, first, forms)
        bare[forms] = instructions([sys.executable, "bare.py", str(ROOT / "fonts"), "bare", "spec.json"], folder,
                                   environment)  # fmt: skip
    return consent, (bare[21] - bare[1]) / 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--no-seal", action="store_true", help="unsealed runs only")
    parser.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    arguments = parser.parse_args()
    jobs = arguments.jobs or os.cpu_count() or 1
    environment = {**os.environ, "CONSENT_SEAL_PASSWORD": SEAL_PASSWORD}
    seals = (False,) if arguments.no_seal else (False, True)
    print(f"{os.cpu_count()} cores; consent batch --jobs {jobs}; baseline: one process (one core)\n")
    print(f"{'rows':>5}  {'run':<24} {'seconds':>8} {'forms/s':>8} {'ms/form':>8} {'peak RSS':>10}")
    peaks: dict[tuple[bool, int], int] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        prepare(folder, environment)
        for size in arguments.sizes:
            write_list(folder / "day.csv", size)
            runs = []
            for sealed in seals:
                out = folder / f"out-{size}-{sealed}"
                settings = "sealed.toml" if sealed else "plain.toml"
                seconds, rss = run_timed(
                    [*consent_command(), "--config", settings, "batch", "day.csv", "--out-dir", str(out),
                     "--jobs", str(jobs)],
                    folder, environment,
                )  # fmt: skip
                manifest = json.loads((out / "manifest.json").read_text())
                documents = manifest["documents"]
                assert len(documents) == size, f"expected {size} forms, got {len(documents)}"
                parts = sum((out / document["file"]).stat().st_size for document in documents)
                bundle = (out / "print-bundle.pdf").stat().st_size
                runs.append((f"consent batch ({'sealed' if sealed else 'unsealed'})", seconds, rss, bundle, parts))
                peaks[(sealed, size)] = rss
                first = out / documents[0]["file"]
            bare_spec(folder, first, size)
            base_seconds, base_rss = run_timed(
                [sys.executable, "bare.py", str(ROOT / "fonts"), "bare", "spec.json"], folder, environment
            )
            for label, wall, peak, *_ in [*runs, ("bare ReportLab canvas", base_seconds, base_rss)]:
                print(
                    f"{size:>5}  {label:<24} {wall:>8.2f} {size / wall:>8.1f} {1000 * wall / size:>8.2f} "
                    f"{peak / 1024:>7.1f} MiB"
                )
            for label, wall, _, bundle, parts in runs:
                print(
                    f"{size:>5}  {label}: {base_seconds / wall:.2f}x the baseline's forms per second; "
                    f"bundle {bundle / 1e6:.1f} MB vs parts {parts / 1e6:.1f} MB ({bundle / parts:.0%})"
                )
            print()
        if len(arguments.sizes) >= 2:
            small, large = min(arguments.sizes), max(arguments.sizes)
            for sealed in seals:
                growth = peaks[(sealed, large)] / peaks[(sealed, small)]
                print(
                    f"peak memory, {'sealed' if sealed else 'unsealed'}: {large} rows / {small} rows = {growth:.2f}x "
                    f"(rows grew {large / small:.0f}x)"
                )
        if not arguments.no_callgrind and shutil.which("valgrind"):
            print("\ninstructions per form (callgrind; a 21-form run minus a 1-form run, / 20; --jobs 1):")
            for sealed in seals:
                consent, bare = per_form_instructions(folder, environment, sealed)
                print(
                    f"  {'sealed' if sealed else 'unsealed':<9} consent {consent / 1e6:7.1f} M, bare canvas "
                    f"{bare / 1e6:6.1f} M: {consent / bare:.2f}x"
                )


if __name__ == "__main__":
    main()
