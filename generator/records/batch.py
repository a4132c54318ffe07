"""A clinic day: appointment rows in; one PDF per good row, a bundle, a manifest out.

Every row is checked before anything is rendered, and a bad row never stops
the others. Rendering runs in worker processes that each load the fonts,
forms and the clinic seal once. Every form is filed by `generator.records.filing`,
as `consent fill` files one: written whole, never over a signed form, logged
at once. A batch killed at any moment leaves only whole PDFs (plus hidden
temporaries, removed by the next run); running the same list again finds
every form already there and writes none.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Any

from generator.config import Clinic
from generator.errors import ConsentError
from generator.intake.appointments import AppointmentRow, AppointmentStream, stream_appointments
from generator.records.audit import AUDIT_LOG_NAME, AuditEntry, AuditLog
from generator.records.lock import FolderLock
from generator.records.output import (
    PRIVATE_FOLDER_MODE,
    TEMPORARY_PREFIX,
    TEMPORARY_SUFFIX,
    write_atomically,
    write_stream_atomically,
)
from generator.records.reports import (
    BUNDLE_NAME,
    ERRORS_NAME,
    MANIFEST_NAME,
    BatchResult,
    Made,
    RowProblem,
    errors_csv,
    manifest_json,
)
from generator.records.rows import Job, RowCheck
from generator.records.workers import RunSettings, Stop, render_jobs
from generator.verify.seal import load_sealer


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete hidden half-written files a killed run left behind."""
    removed = 0
    for leftover in out_dir.glob(f"{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


class _BatchStopped(Exception):
    pass


def run_batch(
    appointments: Path,
    out_dir: Path,
    *,
    today: date,
    workers: int | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    search_path: Sequence[Path] | None = None,
    audit_log: Path | None = None,
    clinic: Clinic | None = None,
    seal_key: Path | None = None,
    replace: bool = False,
    user: str | None = None,
    command: str = "batch",
    start_method: str | None = None,
) -> BatchResult:
    """The whole batch. Raises ConsentError only when nothing can be done.

    The list is read twice, as a stream, never held whole: first every row
    is checked (a list that cannot be read stops the batch before anything
    is written), then each row is checked again as it is rendered. Every
    form made is recorded in `audit_log` (default: consent-audit.jsonl in
    `out_dir`) as soon as it is written. With `seal_key`, every form made is
    sealed with it; with `replace`, an earlier unsigned version of a form is
    replaced (a signed or filled one never is).

    `user` and `command` are what the audit log says made the forms (default:
    the login name, "batch"). `start_method` is how worker processes start
    (a multiprocessing start method; default: the platform's): a program
    that runs threads, such as `consent serve`, asks for "spawn", since a
    forked copy of a threaded process can inherit a lock held by a thread
    that is not copied.
    """
    _refuse_a_list_the_batch_writes(appointments, out_dir, audit_log)
    first = stream_appointments(appointments, encoding=encoding)  # the header, checked now
    load_sealer(seal_key)  # a wrong password stops the batch before anything is written
    check = RowCheck(today=today, date_format=date_format, search_path=search_path)
    jobs_to_make = sum(isinstance(outcome, Job) for outcome in check.outcomes(first.rows))
    _prepare_out_dir(out_dir)
    run_warnings: list[str] = []
    with FolderLock(out_dir):
        return _run_locked(
            lambda: stream_appointments(appointments, encoding=encoding),
            check,
            appointments.name,
            out_dir,
            jobs_to_make=jobs_to_make,
            workers=_workers(workers, run_warnings),
            run_warnings=run_warnings,
            on_progress=on_progress,
            settings=RunSettings(
                out_dir=out_dir,
                search_path=search_path,
                audit_log=audit_log or out_dir / AUDIT_LOG_NAME,
                clinic=clinic,
                seal_key=seal_key,
                replace=replace,
                parent=os.getpid(),
                user=user,
                command=command,
                start_method=start_method,
            ),
        )


def _refuse_a_list_the_batch_writes(appointments: Path, out_dir: Path, audit_log: Path | None) -> None:
    """A list saved as out-dir/errors.csv (or any file the batch replaces)
    would be deleted by the batch it feeds."""
    written = [out_dir / name for name in (MANIFEST_NAME, ERRORS_NAME, BUNDLE_NAME)]
    written.append(audit_log or out_dir / AUDIT_LOG_NAME)
    if any(appointments.resolve() == path.resolve() for path in written):
        raise ConsentError(
            f'The appointment list "{appointments}" is one of the files the batch writes in "{out_dir}". Move the '
            "list out of that folder, or choose another --out-dir."
        )


def _workers(requested: int | None, warnings: list[str]) -> int:
    """Worker processes: as asked, but no more than the computer has cores to
    run them on (each one is a whole Python with fonts and forms loaded)."""
    cores = os.cpu_count() or 1
    if requested is None:
        return cores
    if requested > 2 * cores:
        warnings.append(
            f"--jobs {requested} is more than this computer's {cores} cores can run at once; {2 * cores} were used."
        )
        return 2 * cores
    return requested


def _run_locked(
    open_list: Callable[[], AppointmentStream],
    check: RowCheck,
    source: str,
    out_dir: Path,
    *,
    jobs_to_make: int,
    workers: int,
    run_warnings: list[str],
    on_progress: Callable[[int, int], None] | None,
    settings: RunSettings,
) -> BatchResult:
    started = time.time()
    remove_stale_temporaries(out_dir)
    # What a previous run reported must not pass for this run's, even if
    # this one is stopped before it can write its own.
    for previous in (MANIFEST_NAME, ERRORS_NAME, BUNDLE_NAME):
        (out_dir / previous).unlink(missing_ok=True)
    result = BatchResult()
    repeated: list[str] = []
    listed = open_list()

    def jobs() -> Iterator[Job]:
        for outcome in check.outcomes(_counted(listed.rows, result)):
            if isinstance(outcome, Job):
                yield outcome
            elif isinstance(outcome, RowProblem):
                result.problems.append(outcome)
            else:
                repeated.append(outcome)

    late: list[Made | RowProblem | Stop] = []

    def take(outcome: Made | RowProblem | Stop) -> Path | None:
        if isinstance(outcome, Stop):
            return None
        if isinstance(outcome, RowProblem):
            result.problems.append(outcome)
            return None
        result.made.append(outcome)
        return out_dir / outcome.file

    def rendered_files() -> Iterator[Path]:
        chunk = max(1, min(16, jobs_to_make // (workers * 8)))
        for done, outcome in enumerate(render_jobs(jobs(), settings, workers, late, chunk), start=1):
            if on_progress is not None:
                on_progress(done, max(done, jobs_to_make))
            if isinstance(outcome, Stop):
                raise _BatchStopped(outcome.reason)
            path = take(outcome)
            if path is not None:
                yield path

    try:
        from generator.records.bundle import write_bundle  # pypdf only loads for batches

        # The bundle takes each form as soon as it is rendered, so bundling
        # overlaps rendering instead of following it.
        # Opened here first so an unwritable log stops the batch before any
        # form is made; closing it syncs what the workers wrote.
        with AuditLog(settings.audit_log, command=settings.command, user=settings.user):
            result.bundle_pages = write_stream_atomically(
                out_dir / BUNDLE_NAME, lambda stream: write_bundle(rendered_files(), stream)
            )
        if not result.made:
            # Nothing to print: no empty bundle to pass for this list's.
            (out_dir / BUNDLE_NAME).unlink(missing_ok=True)
    except (ConsentError, OSError, BrokenProcessPool, _BatchStopped, KeyboardInterrupt) as problem:
        result.stopped = _stop_reason(problem)
        for outcome in late:
            take(outcome)
        _list_rows_not_done(result, open_list, check, out_dir, started)
    result.warnings = [*listed.warnings, *repeated, *run_warnings]
    result.problems.sort(key=lambda problem: problem.row)
    _write_reports(result, out_dir, source)
    return result


def _counted(rows: Iterator[AppointmentRow], result: BatchResult) -> Iterator[AppointmentRow]:
    for row in rows:
        result.rows += 1
        yield row


def _list_rows_not_done(
    result: BatchResult, open_list: Callable[[], AppointmentStream], check: RowCheck, out_dir: Path, started: float
) -> None:
    """After a stop, read the list once more: every row with neither a form
    nor a problem yet gets its problems, or "not made", so errors.csv names
    each row the batch did not finish."""
    done = {made.row for made in result.made} | {problem.row for problem in result.problems}
    counted = BatchResult()
    try:
        for outcome in check.outcomes(_counted(open_list().rows, counted)):
            if isinstance(outcome, Job) and outcome.row not in done:
                # A worker stopped in the middle of its chunk may have saved
                # (and logged) this row's form: the manifest names every PDF there.
                found = _found_on_disk(outcome, out_dir, started)
                if found is not None:
                    result.made.append(found)
                    continue
                result.problems.append(
                    RowProblem(outcome.row, "batch", "Not made: the batch stopped before this row (see the summary).")
                )
            elif isinstance(outcome, RowProblem) and outcome.row not in done:
                result.problems.append(outcome)
    except ConsentError:
        return  # the list cannot be read again: the summary says the batch stopped
    result.rows = max(result.rows, counted.rows)
    result.made.sort(key=lambda made: made.row)


def _found_on_disk(job: Job, out_dir: Path, started: float) -> Made | None:
    """The form of `job` if a whole one is in `out_dir`, described from the file."""
    import io

    from pypdf import PdfReader

    from generator.integrity import DOCUMENT_ID_KEY, FORM_VERSION_KEY

    path = out_dir / job.file_name
    try:
        data = path.read_bytes()
        reader = PdfReader(io.BytesIO(data), strict=True)
        info: Mapping[str, Any] = reader.metadata or {}
        pages = len(reader.pages)
        made_now = path.stat().st_mtime >= started
    except Exception:  # not there, or not a whole PDF: the row was not made
        return None
    entry = AuditEntry(
        document_id=str(info.get(DOCUMENT_ID_KEY, "")),
        form=job.form_id,
        form_version=str(info.get(FORM_VERSION_KEY, "")),
        language=job.patient.language,
        record_number=job.patient.record_number,
        file=job.file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
    )
    return Made(row=job.row, status="made" if made_now else "already there", entry=entry)


def _stop_reason(problem: BaseException) -> str:
    if isinstance(problem, KeyboardInterrupt):
        return "it was interrupted (Ctrl-C, or the computer asked it to stop)"
    if isinstance(problem, BrokenProcessPool):
        return "a worker process stopped unexpectedly; the computer may be short of memory"
    if isinstance(problem, OSError):
        return f"{problem.strerror or problem}"
    return str(problem).rstrip(".")


def _write_reports(result: BatchResult, out_dir: Path, source: str) -> None:
    """manifest.json and errors.csv, for a finished or a stopped batch; each
    one written is named in `result.reports`."""
    reports = (
        (MANIFEST_NAME, lambda: manifest_json(result, source).encode("utf-8")),
        # With a BOM, Excel on Windows reads the accents in names right.
        (ERRORS_NAME, lambda: errors_csv(result.problems).encode("utf-8-sig")),
    )
    for name, content in reports:
        try:
            write_atomically(out_dir / name, content())
        except ConsentError as problem:
            if result.stopped is None:
                result.stopped = str(problem).rstrip(".")
            continue
        result.reports.append(name)


def _prepare_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as problem:
        raise ConsentError(
            f'Cannot create the output folder "{out_dir}": {problem.strerror}. Choose another --out-dir.'
        ) from None
