"""Faults a clinic day meets: a killed batch, two batches into one folder, a
full disk. Each ends in a clear answer with nothing lost or left running."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_batch import _rows_of_fixture


def write_day(path: Path, rows: int) -> None:
    header, good = _rows_of_fixture()[:2]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header] + [[*good[:4], f"{index:05d}", *good[5:]] for index in range(rows)])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def batch_command(day: str, out: str, *more: str) -> list[str]:
    return [sys.executable, "-m", "generator", "batch", day, "--out-dir", out, "--jobs", "2", *more]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for_pdfs(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("laser*.pdf"))) < count:
        assert process.poll() is None, "the batch ended before the test could act"
        time.sleep(0.01)


def test_killing_the_batch_alone_ends_its_workers_within_two_seconds(tmp_path):
    write_day(tmp_path / "day.csv", 120)
    process = subprocess.Popen(batch_command("day.csv", "out"), cwd=tmp_path, stdout=subprocess.DEVNULL)
    wait_for_pdfs(tmp_path / "out", 2, process)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the batch should be running its workers"
    os.kill(process.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` does
    process.wait()
    time.sleep(2)
    assert [pid for pid in workers if running(pid)] == []
    made = len(list((tmp_path / "out").glob("laser*.pdf")))
    time.sleep(0.5)
    assert len(list((tmp_path / "out").glob("laser*.pdf"))) == made, "nothing writes after the batch is gone"


def test_a_second_batch_into_the_same_folder_is_refused_at_once(tmp_path):
    write_day(tmp_path / "day.csv", 60)
    first = subprocess.Popen(batch_command("day.csv", "out"), cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    wait_for_pdfs(tmp_path / "out", 1, first)
    started = time.monotonic()
    second = subprocess.run(batch_command("day.csv", "out"), cwd=tmp_path, capture_output=True, text=True)
    assert time.monotonic() - started < 10
    assert second.returncode == 1
    assert f'Another batch is writing into "out" (process {first.pid} on ' in second.stderr
    assert "Wait for it to finish, or choose another --out-dir." in second.stderr
    first.communicate(timeout=120)
    assert first.returncode == 0
    out = tmp_path / "out"
    listed = sorted(document["file"] for document in json.loads((out / "manifest.json").read_text())["documents"])
    assert listed == sorted(path.name for path in out.glob("laser*.pdf"))
    assert len(listed) == 60


def test_a_lock_left_by_a_killed_batch_is_taken_over(tmp_path):
    write_day(tmp_path / "day.csv", 40)
    process = subprocess.Popen(batch_command("day.csv", "out"), cwd=tmp_path, start_new_session=True)
    wait_for_pdfs(tmp_path / "out", 1, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    again = subprocess.run(batch_command("day.csv", "out"), cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "40 of 40 rows done" in again.stdout


@pytest.fixture
def small_disk(tmp_path):
    """A real 600 KB file system: room for a few forms, then a full disk."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=False)


def test_a_batch_that_fills_the_disk_stops_and_says_what_it_saved(tmp_path, small_disk):
    write_day(tmp_path / "day.csv", 30)
    out = small_disk / "out"
    result = subprocess.run(batch_command("day.csv", str(out)), cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 6, result.stdout + result.stderr
    assert "Error: the batch stopped part way: Cannot save" in result.stderr
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    on_disk = sorted(path.name for path in out.glob("laser*.pdf"))
    assert 0 < len(on_disk) < 30
    assert f"{len(on_disk)} forms of 30 rows were saved, listed in {out / 'manifest.json'}" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(document["file"] for document in manifest["documents"]) == on_disk
    assert manifest["stopped"].startswith("Cannot save") and manifest["totals"]["bundle"] is None
    logged = [json.loads(line)["file"] for line in (out / "consent-audit.jsonl").read_text().splitlines()]
    assert sorted(logged) == on_disk
    not_done = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text(encoding="utf-8-sig"))))
    assert len(not_done) == 30 - len(on_disk)
    assert not (out / "print-bundle.pdf").exists()
    assert not list(out.glob(".consent-*.partial"))


@pytest.mark.parametrize(
    ("how", "stop"),
    [
        ("SIGTERM to the batch", lambda process: process.terminate()),
        ("Ctrl-C to the group", lambda process: os.killpg(process.pid, signal.SIGINT)),
    ],
    ids=["SIGTERM", "Ctrl-C"],
)
def test_a_batch_asked_to_stop_says_what_it_saved(tmp_path, how, stop):
    write_day(tmp_path / "day.csv", 120)
    process = subprocess.Popen(batch_command("day.csv", "out"), cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    wait_for_pdfs(tmp_path / "out", 3, process)
    stop(process)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 6, stderr
    assert "the batch stopped part way: it was interrupted" in stderr
    assert "Traceback" not in stderr
    out = tmp_path / "out"
    on_disk = sorted(path.name for path in out.glob("laser*.pdf"))
    listed = sorted(document["file"] for document in json.loads((out / "manifest.json").read_text())["documents"])
    assert listed == on_disk and 0 < len(on_disk) < 120
    not_done = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text(encoding="utf-8-sig"))))
    assert len(not_done) == 120 - len(on_disk)


def test_a_list_the_batch_would_overwrite_is_refused(tmp_path):
    write_day(tmp_path / "errors.csv", 3)
    kept = (tmp_path / "errors.csv").read_bytes()
    result = subprocess.run(batch_command("errors.csv", "."), cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "is one of the files the batch writes" in result.stderr
    assert (tmp_path / "errors.csv").read_bytes() == kept
