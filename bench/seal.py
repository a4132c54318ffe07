"""What the clinic seal costs a clinic day: CPU per form in a batch, sealed
against unsealed, in the same run.

Each batch runs as its own process (`consent batch`, all cores); its CPU
time is user + system of the process and its workers (wait4). The cost of
starting up (imports, fonts, loading the seal's key in each worker) is
taken out by also running a one-row list and subtracting:

    CPU per form = (CPU of N rows - CPU of 1 row) / (N - 1)

The seal is a self-signed ECDSA P-256 key made by `consent seal new-key`.

Run:  python bench/seal.py [--rows 300] [--repeats 3]
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

from batch import consent_command, write_list

PASSWORD = "bench-seal-password"


def run(command: list[str], cwd: Path, environment: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system, with workers) and wall seconds of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark command failed: {' '.join(command)}")
    return usage.ru_utime + usage.ru_stime, wall


def batch_cpu(folder: Path, rows_file: str, sealed: bool, environment: dict[str, str]) -> tuple[float, float]:
    out = folder / f"out-{'sealed' if sealed else 'plain'}-{rows_file}-{time.monotonic_ns()}"
    settings = ["--config", "sealed.toml"] if sealed else ["--config", "plain.toml"]
    return run([*consent_command(), *settings, "batch", rows_file, "--out-dir", str(out)], folder, environment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    environment = {**os.environ, "CONSENT_SEAL_PASSWORD": PASSWORD}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        subprocess.run(
            [*consent_command(), "seal", "new-key", "--name", "Bench Clinic", "-o", "seal.p12"],
            cwd=folder, env=environment, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        (folder / "sealed.toml").write_text('[seal]\nkey = "seal.p12"\n')
        (folder / "plain.toml").write_text("")
        write_list(folder / "day.csv", arguments.rows)
        write_list(folder / "one.csv", 1)
        per_form: dict[bool, list[float]] = {False: [], True: []}
        walls: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(arguments.repeats):
            for sealed in (False, True):  # interleaved, so drift hits both alike
                one, _ = batch_cpu(folder, "one.csv", sealed, environment)
                many, wall = batch_cpu(folder, "day.csv", sealed, environment)
                per_form[sealed].append(1000 * (many - one) / (arguments.rows - 1))
                walls[sealed].append(wall)
    print(f"{os.cpu_count()} cores; consent batch of {arguments.rows} rows, {arguments.repeats} runs each\n")
    print(f"{'run':<10} {'CPU ms/form (median)':>21} {'min':>7} {'max':>7} {'wall s (median)':>16}")
    for sealed, label in ((False, "unsealed"), (True, "sealed")):
        figures = per_form[sealed]
        print(
            f"{label:<10} {statistics.median(figures):>21.2f} {min(figures):>7.2f} {max(figures):>7.2f} "
            f"{statistics.median(walls[sealed]):>16.2f}"
        )
    cost = statistics.median(per_form[True]) - statistics.median(per_form[False])
    print(f"\nthe seal costs {cost:.2f} ms of CPU per form (target: at most 12 ms)")


if __name__ == "__main__":
    main()
