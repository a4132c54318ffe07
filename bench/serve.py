"""How long the desk page takes to make a form and show its first page,
against one cold `consent fill` process, measured in the same run.

  warm (consent serve)  POST /make with a new patient, follow the answer to
                        the "Form made" page, fetch page 1's preview (PNG):
                        what staff wait for before they see the form
  cold (consent fill)   the whole `consent fill` process for the same form:
                        interpreter start, imports, fonts, layout, write

The server is a real `consent serve` on a free port, warmed by one form
first (forms, fonts and settings are loaded when it starts). Each form has
a new record number, so each is really made and written.

Run:  python bench/serve.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.served import Client, start_server  # noqa: E402

TODAY = "2026-11-24"
PATIENT = {
    "form": "laser-acne-scar", "language": "en", "given_name": "Ana", "family_name": "Ruiz",
    "date_of_birth": "1990-03-07", "procedure_date": "2026-12-01", "clinician": "Dr Lee",
}  # fmt: skip


def warm_make_and_preview(client: Client, record: str) -> float:
    started = time.perf_counter()
    client.get("/")
    made = client.follow(client.post("/make", {**PATIENT, "record_number": record}))
    token = made.url.rsplit("/", 1)[1]
    image = client.get(f"/files/{token}/page/1.png")
    elapsed = time.perf_counter() - started
    assert image.status == 200 and image.body.startswith(b"\x89PNG"), image.status
    return elapsed


def cold_fill(work: Path, record: str) -> float:
    options = [f"--{key.replace('_', '-')}={value}" for key, value in PATIENT.items() if key != "form"]
    command = [sys.executable, "-m", "generator", "fill", "laser-acne-scar", *options, f"--record-number={record}"]
    started = time.perf_counter()
    subprocess.run(command, cwd=work, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


def line(name: str, times: list[float]) -> str:
    return (
        f"| {name} | {statistics.median(times) * 1000:.1f} ms | {min(times) * 1000:.1f} ms "
        f"| {max(times) * 1000:.1f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    os.environ["CONSENT_TODAY"] = TODAY
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        server = start_server(work, env={"CONSENT_TODAY": TODAY})
        try:
            client = Client(server.base)
            warm_make_and_preview(client, "W0000")  # the first form after start
            warm, cold = [], []
            for run in range(runs):
                # Interleaved, so both see the same machine at the same moment.
                warm.append(warm_make_and_preview(client, f"W{run + 1:04d}"))
                cold.append(cold_fill(work, f"C{run + 1:04d}"))
        finally:
            server.stop()
    print(f"laser-acne-scar, {runs} runs each, Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    print("| what staff wait for | median | min | max |")
    print("|---|---|---|---|")
    print(line("cold: one `consent fill` process", cold))
    print(line("warm: `consent serve` make + first page preview", warm))
    ratio = statistics.median(warm) / statistics.median(cold)
    print(f"\nwarm / cold = {ratio:.2f} (the aim: at most 0.25)")


if __name__ == "__main__":
    main()
