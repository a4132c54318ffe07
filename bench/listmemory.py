"""Peak memory of reading and checking an appointment list, by its length.

Each measurement is a fresh process that imports consent, loads the fonts
and the form, then reads and checks a list of N rows (no rendering): as a
stream, the way `consent batch` now reads, and, as the baseline in the
same run, whole (every row and every checked record held in memory, the
way consent 0.2 read). Peak RSS comes from the process's own rusage.

Run:  python bench/listmemory.py [--rows 1000 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from generator.intake.appointments import read_appointments, stream_appointments
from generator.records.rows import check_rows, checked_rows
from generator.render.fonts import load_fonts
from generator.definitions.forms import load_form
load_fonts(); load_form("laser-acne-scar")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, how = Path(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
if how == "stream":
    count = sum(1 for _ in checked_rows(stream_appointments(path).rows, today=date(2026, 11, 24), date_format=None))
else:
    jobs, problems, warnings = check_rows(read_appointments(path).rows, today=date(2026, 11, 24), date_format=None)
    count = len(jobs) + len(problems) + len(warnings)
print(json.dumps({"outcomes": count, "seconds": time.perf_counter() - started,
                  "before": before / 1024, "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_list(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["form", "given_name", "family_name", "date_of_birth", "record_number", "procedure_date",
                         "clinician"])  # fmt: skip
        for index in range(rows):
            writer.writerow(["laser-acne-scar", "María José", "Łukasiewicz", f"{1950 + index % 50}-03-07",
                             f"{index:07d}", "2026-12-01", "Dr Lee"])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 100000])
    arguments = parser.parse_args()
    print(f"{'rows':>8}  {'read':<7} {'file MB':>8} {'seconds':>8} {'MiB before':>11} {'peak MiB':>9} {'growth':>8}")
    peaks: dict[str, list[float]] = {"stream": [], "whole": []}
    with tempfile.TemporaryDirectory() as scratch:
        for rows in arguments.rows:
            path = Path(scratch) / f"day-{rows}.csv"
            write_list(path, rows)
            for how in ("stream", "whole"):
                probe = subprocess.run(
                    [sys.executable, "-c", PROBE, str(path), how, str(ROOT)], capture_output=True, text=True, check=True
                )
                figures = json.loads(probe.stdout)
                growth = figures["peak"] - figures["before"]
                peaks[how].append(growth)
                print(
                    f"{rows:>8}  {how:<7} {path.stat().st_size / 1e6:>8.1f} {figures['seconds']:>8.2f} "
                    f"{figures['before']:>11.1f} {figures['peak']:>9.1f} {growth:>7.1f}M"
                )
    for how, growths in peaks.items():
        print(f"{how}: memory added by the list grows from {growths[0]:.1f} MiB to {growths[-1]:.1f} MiB "
              f"while rows grow {arguments.rows[-1] / arguments.rows[0]:.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
