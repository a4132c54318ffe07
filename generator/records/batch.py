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

import collections
import ctypes
import hashlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator.api import default_file_name, make_form
from generator.config import Clinic
from generator.definitions.forms import Form, load_form
from generator.errors import ConsentError, PatientError
from generator.intake.appointments import MAX_CELL, AppointmentRow, AppointmentStream, stream_appointments
from generator.intake.patient import Patient, read_patient
from generator.records.audit import AUDIT_LOG_NAME, AuditEntry, AuditLog
from generator.records.filing import KeptFileError, file_form
from generator.records.lock import FolderLock
from generator.records.output import (
    PRIVATE_FOLDER_MODE,
    TEMPORARY_PREFIX,
    TEMPORARY_SUFFIX,
    DiskError,
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
from generator.render.fonts import glyph_problem, load_fonts
from generator.verify.seal import load_sealer


@dataclass(frozen=True)
class Job:
    """One checked row, ready to render in a worker."""

    row: int
    form_id: str
    patient: Patient
    file_name: str


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete hidden half-written files a killed run left behind."""
    removed = 0
    for leftover in out_dir.glob(f"{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def batch_file_name(form: Form, patient: Patient) -> str:
    """Form, date and record as in `consent fill`, plus a hash of every detail.

    The hash tells apart two appointments of one record on one day, and is
    the same on every run of the same list, so a rerun finds its forms
    already there, and never adds copies.
    """
    details = "\x1f".join(
        str(value)
        for value in (
            form.id, form.version, patient.language, patient.given_name, patient.family_name,
            patient.date_of_birth, patient.record_number, patient.procedure_date,
            patient.clinician, patient.guardian, patient.interpreter,
        )
    )  # fmt: skip
    digest = hashlib.sha256(details.encode("utf-8")).hexdigest()[:8]
    return default_file_name(form, patient).removesuffix(".pdf") + f"_{digest}.pdf"


def check_rows(
    rows: Iterable[AppointmentRow],
    *,
    today: date,
    date_format: str | None,
    search_path: Sequence[Path] | None = None,
) -> tuple[list[Job], list[RowProblem], list[str]]:
    """Validate every row (same rules as `consent fill`); nothing is rendered."""
    jobs: list[Job] = []
    problems: list[RowProblem] = []
    warnings: list[str] = []
    for outcome in checked_rows(rows, today=today, date_format=date_format, search_path=search_path):
        if isinstance(outcome, Job):
            jobs.append(outcome)
        elif isinstance(outcome, RowProblem):
            problems.append(outcome)
        else:
            warnings.append(outcome)
    return jobs, problems, warnings


def checked_rows(
    rows: Iterable[AppointmentRow],
    *,
    today: date,
    date_format: str | None,
    search_path: Sequence[Path] | None = None,
) -> Iterator[Job | RowProblem | str]:
    """Each row checked as it is read: a Job for a good row, its problems for
    a refused one, a warning (text) for a row that repeats another. Keeps
    only the forms loaded and a short digest of each file name made, so a
    list of any length is checked in the same memory."""
    forms: dict[str, Form | ConsentError] = {}
    first_row_for_file: dict[bytes, int] = {}
    for row in rows:
        too_long = [
            (column, len(value))
            for column, value in row.values.items()
            if isinstance(value, str) and len(value) > MAX_CELL
        ]
        if too_long:
            column, length = too_long[0]
            yield RowProblem(
                row.number,
                column,
                f"The {column} cell holds {length:,} characters; no detail of an appointment is that long. "
                "Check the cell.",
            )
            continue
        row_problems: list[RowProblem] = []
        if row.lines is not None and any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in row.values.values()):
            # A line break in a column consent uses: in a name or a date it
            # is never meant, and usually a quote mark that swallowed rows.
            first, last = row.lines
            row_problems.append(
                RowProblem(
                    row.number,
                    "row",
                    f"Row {row.number} runs over lines {first} to {last} of the file: a quote mark opened on line "
                    f"{first} is closed only on line {last}, so the lines between may be appointments read as part "
                    "of this row. Check the quote marks in that row, then run again.",
                )
            )
        form: Form | None = None
        if not row.form_id:
            row_problems.append(
                RowProblem(row.number, "form", "Form is missing. Give the form id, e.g. laser-acne-scar.")
            )
        else:
            if row.form_id not in forms:
                try:
                    forms[row.form_id] = load_form(row.form_id, search_path)
                except ConsentError as problem:
                    forms[row.form_id] = problem
            loaded = forms[row.form_id]
            if isinstance(loaded, ConsentError):
                row_problems.append(RowProblem(row.number, "form", str(loaded)))
            else:
                form = loaded
        patient: Patient | None = None
        try:
            patient = read_patient(
                row.values,
                today=today,
                check_glyphs=glyph_problem,
                date_format=date_format,
                past_procedure=False,
                past_procedure_hint="A batch makes forms for appointments to come: check the date, or make this "
                "form at the desk with consent fill.",
            )
        except PatientError as problem:
            row_problems += [RowProblem(row.number, p.field, p.message) for p in problem.problems]
        if form is not None and patient is not None:
            try:
                form.text(patient.language)
            except ConsentError as problem:
                row_problems.append(RowProblem(row.number, "language", str(problem)))
        if row_problems or form is None or patient is None:
            yield from row_problems
            continue
        name = batch_file_name(form, patient)
        key = hashlib.blake2b(name.encode("utf-8"), digest_size=12).digest()
        if key in first_row_for_file:
            yield f"row {row.number} repeats row {first_row_for_file[key]} exactly; one form was made for both."
            continue
        first_row_for_file[key] = row.number
        yield Job(row.number, form.id, patient, name)


@dataclass(frozen=True)
class Stop:
    """A worker's word that the whole batch must stop (the disk is full)."""

    row: int
    reason: str


class _BatchStopped(Exception):
    pass


@dataclass(frozen=True)
class _RunSettings:
    out_dir: Path
    search_path: Sequence[Path] | None
    audit_log: Path
    clinic: Clinic | None = None
    seal_key: Path | None = None
    replace: bool = False
    parent: int = 0  # the batch's process id: a worker must not outlive it


class _Worker:
    """What one worker holds for a whole run: the run's settings, each form
    it has loaded (once per worker, not once per row), its audit log and the
    clinic seal. Each worker logs the forms it writes the moment it writes
    them, so a killed batch never leaves a PDF the log does not name; the
    run syncs the log once at the end."""

    def __init__(self, settings: _RunSettings) -> None:
        load_fonts()
        self.settings = settings
        self.forms: dict[str, Form] = {}
        self.audit = AuditLog(settings.audit_log, command="batch")
        try:
            self.sealer = load_sealer(settings.seal_key)
        except BaseException:
            self.audit.close()
            raise

    def close(self) -> None:
        self.audit.close()

    def render(self, job: Job) -> Made | RowProblem | Stop:
        """Fill, render and save one row's form.

        A failure here is reported against its row, never allowed to stop
        the other rows: the row was checked already, so it means a form that
        breaks only for some details (a template branch) or a disk that
        filled up.
        """
        settings = self.settings
        try:
            form = self.forms.get(job.form_id)
            if form is None:
                form = self.forms[job.form_id] = load_form(job.form_id, settings.search_path)
            filled = make_form(form, job.patient, settings.clinic, seal_field=self.sealer is not None)
            filed = file_form(
                filled,
                settings.out_dir / job.file_name,
                self.audit,
                replace=settings.replace,
                sealer=self.sealer,
                rename_hint="or run the batch into another --out-dir",
            )
        except KeptFileError as problem:
            return RowProblem(job.row, "file", str(problem))
        except DiskError as problem:
            return Stop(job.row, str(problem))
        except ConsentError as problem:
            return RowProblem(job.row, "form", str(problem))
        except Exception as problem:  # a bug must cost one row, not the clinic day
            return RowProblem(
                job.row,
                "form",
                f"The form could not be made ({type(problem).__name__}: {problem}). "
                "This is a fault in consent or in the form, not in the row: please report it.",
            )
        return Made(row=job.row, status=filed.outcome.value, entry=filed.entry)

    def render_chunk(self, jobs: list[Job]) -> list[Made | RowProblem | Stop]:
        results: list[Made | RowProblem | Stop] = []
        for job in jobs:
            results.append(self.render(job))
            if isinstance(results[-1], Stop):
                break  # the rest of the chunk would meet the same full disk
        return results


# In a worker process of the pool (never in the batch's own process): its
# _Worker, made by _start_worker. Its files close when the process ends.
_pool_worker: _Worker | None = None


def _start_worker(settings: _RunSettings) -> None:
    global _pool_worker
    if settings.parent and settings.parent != os.getpid():
        _end_with_parent(settings.parent)
    _pool_worker = _Worker(settings)


def _render_chunk(jobs: list[Job]) -> list[Made | RowProblem | Stop]:
    assert _pool_worker is not None, "runs in a worker process started with _start_worker"
    return _pool_worker.render_chunk(jobs)


def _end_with_parent(parent: int) -> None:
    """End this worker when the batch that started it ends, however it ends.

    A batch killed with `kill -9` cannot stop its workers; left alone they
    would go on writing forms no manifest describes, holding the audit log
    and the folder's lock. Linux kills the worker with its parent (prctl);
    elsewhere a watchdog thread notices within half a second.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl_set_parent_death_signal = 1
        if libc.prctl(prctl_set_parent_death_signal, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="consent-parent-watch").start()
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def render_jobs(
    jobs: Iterable[Job],
    settings: _RunSettings,
    workers: int,
    late: list[Made | RowProblem | Stop],
    chunk_size: int = 8,
) -> Iterator[Made | RowProblem | Stop]:
    """Render in `workers` processes; yields results in appointment order.

    Jobs are taken from `jobs` as the workers need them (a few chunks ahead
    per worker), so a list of any length is rendered in the same memory. If
    the consumer stops early (the bundle could not be written), the chunks
    not yet started are cancelled, and what the workers finished meanwhile is
    put in `late`, so the manifest can still name every form on disk.
    """
    if workers <= 1:
        worker = _Worker(settings)
        try:
            yield from map(worker.render, jobs)
        finally:
            worker.close()
        return
    chunks = _chunked(iter(jobs), chunk_size)
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(settings,)) as pool:
        in_flight: collections.deque[Future[list[Made | RowProblem | Stop]]] = collections.deque()
        # The chunk being handed out: a chunk leaves `in_flight` only once its
        # results are here, and what the consumer has not taken goes to `late`.
        current: list[Made | RowProblem | Stop] = []
        try:
            for chunk in chunks:
                in_flight.append(pool.submit(_render_chunk, chunk))
                while len(in_flight) >= 4 * workers or (in_flight and in_flight[0].done()):
                    current = list(in_flight[0].result())
                    in_flight.popleft()
                    while current:
                        yield current.pop(0)
            while in_flight:
                current = list(in_flight[0].result())
                in_flight.popleft()
                while current:
                    yield current.pop(0)
        finally:
            late.extend(current)
            for future in in_flight:
                future.cancel()
            pool.shutdown(wait=True)
            for future in in_flight:
                if future.done() and not future.cancelled() and future.exception() is None:
                    late.extend(future.result())


def _chunked(jobs: Iterator[Job], size: int) -> Iterator[list[Job]]:
    while chunk := list(itertools.islice(jobs, size)):
        yield chunk


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
) -> BatchResult:
    """The whole batch. Raises ConsentError only when nothing can be done.

    The list is read twice, as a stream, never held whole: first every row
    is checked (a list that cannot be read stops the batch before anything
    is written), then each row is checked again as it is rendered. Every
    form made is recorded in `audit_log` (default: consent-audit.jsonl in
    `out_dir`) as soon as it is written. With `seal_key`, every form made is
    sealed with it; with `replace`, an earlier unsigned version of a form is
    replaced (a signed or filled one never is).
    """
    _refuse_a_list_the_batch_writes(appointments, out_dir, audit_log)
    first = stream_appointments(appointments, encoding=encoding)  # the header, checked now
    load_sealer(seal_key)  # a wrong password stops the batch before anything is written
    check = _RowCheck(today=today, date_format=date_format, search_path=search_path)
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
            settings=_RunSettings(
                out_dir=out_dir,
                search_path=search_path,
                audit_log=audit_log or out_dir / AUDIT_LOG_NAME,
                clinic=clinic,
                seal_key=seal_key,
                replace=replace,
                parent=os.getpid(),
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


@dataclass(frozen=True)
class _RowCheck:
    """How each row is checked, the same in every pass over the list."""

    today: date
    date_format: str | None
    search_path: Sequence[Path] | None

    def outcomes(self, rows: Iterable[AppointmentRow]) -> Iterator[Job | RowProblem | str]:
        return checked_rows(rows, today=self.today, date_format=self.date_format, search_path=self.search_path)


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
    check: _RowCheck,
    source: str,
    out_dir: Path,
    *,
    jobs_to_make: int,
    workers: int,
    run_warnings: list[str],
    on_progress: Callable[[int, int], None] | None,
    settings: _RunSettings,
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
        with AuditLog(settings.audit_log, command="batch"):
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
    result: BatchResult, open_list: Callable[[], AppointmentStream], check: _RowCheck, out_dir: Path, started: float
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
