"""The batch's workers: each renders, files and logs forms for a whole run,
holding the run's settings, its forms, its audit log and the clinic seal;
in worker processes that end with the batch, or in the batch's own process
with --jobs 1. Results come back in appointment order."""

from __future__ import annotations

import collections
import ctypes
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.api import make_form
from generator.config import Clinic
from generator.definitions.forms import Form, load_form
from generator.errors import ConsentError
from generator.records.audit import AuditLog
from generator.records.filing import KeptFileError, file_form
from generator.records.output import (
    DiskError,
)
from generator.records.reports import (
    Made,
    RowProblem,
)
from generator.records.rows import Job
from generator.render.fonts import load_fonts
from generator.render.paragraphs import LayoutCaches
from generator.verify.seal import load_sealer


@dataclass(frozen=True)
class Stop:
    """A worker's word that the whole batch must stop (the disk is full)."""

    row: int
    reason: str


@dataclass(frozen=True)
class RunSettings:
    out_dir: Path
    search_path: Sequence[Path] | None
    audit_log: Path
    clinic: Clinic | None = None
    seal_key: Path | None = None
    replace: bool = False
    parent: int = 0  # the batch's process id: a worker must not outlive it
    user: str | None = None  # who the audit log names (default: the login name)
    command: str = "batch"  # what the audit log says made the forms
    start_method: str | None = None  # how worker processes start (multiprocessing); None: the default


class _Worker:
    """What one worker holds for a whole run: the run's settings, each form
    it has loaded (once per worker, not once per row), its audit log and the
    clinic seal. Each worker logs the forms it writes the moment it writes
    them, so a killed batch never leaves a PDF the log does not name; the
    run syncs the log once at the end."""

    def __init__(self, settings: RunSettings) -> None:
        load_fonts()
        self.settings = settings
        self.forms: dict[str, Form] = {}
        # Paragraphs laid out for one patient are reused for the next (same bytes).
        self.layout_caches = LayoutCaches()
        self.audit = AuditLog(settings.audit_log, command=settings.command, user=settings.user)
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
            filled = make_form(
                form, job.patient, settings.clinic, seal_field=self.sealer is not None, caches=self.layout_caches
            )
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


def _start_worker(settings: RunSettings) -> None:
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
    settings: RunSettings,
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
    context = multiprocessing.get_context(settings.start_method) if settings.start_method else None
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(settings,)
    ) as pool:
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
