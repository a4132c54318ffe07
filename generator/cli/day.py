"""`consent batch`: every form of a clinic day from an appointment list, with a
progress bar at a terminal and a summary of what was done and refused.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from generator.cli.app import (
    _NO_CLINIC,
    _audit_option,
    _print_options,
    _replace_option,
    _search_path,
    _send_to_printer,
    _settings,
    _today,
    _wants_print,
    main,
)
from generator.errors import ExitCode
from generator.records.filing import Outcome


@main.command("batch")
@click.argument("appointments", type=click.Path(path_type=Path))
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDFs, print-bundle.pdf, manifest.json and errors.csv (created if absent).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="How many forms to render at once (default: one per processor core).",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding of a CSV that is not UTF-8, e.g. cp1252 for files saved by Excel on Windows.",
)
@click.option(
    "--date-format",
    default=None,
    metavar="FORMAT",
    help="How dates are written in the list, if not YYYY-MM-DD: e.g. %d/%m/%Y for 07/03/1990.",
)
@_audit_option
@_replace_option
@_print_options("print-bundle.pdf")
def batch_command(
    appointments: Path,
    out_dir: Path,
    jobs: int | None,
    encoding: str | None,
    date_format: str | None,
    audit_log: Path | None,
    replace: bool,
    print_: bool,
    printer: str | None,
    copies: int,
) -> None:
    """Make every consent form for a clinic day from an appointment list.

    APPOINTMENTS is a .csv or .xlsx export with a header row. Columns (any
    case; spaces allowed): form, given_name, family_name, date_of_birth,
    record_number, procedure_date, clinician, and optional language,
    guardian, guardian_relationship, interpreter, interpreter_language
    (needed in a row that names an interpreter).

    Every row is checked first, with the same rules as `consent fill`. Good
    rows each get a PDF named from form, procedure date and record number
    (never the patient's name); print-bundle.pdf holds them all in list
    order, each starting on a fresh sheet when printed double-sided.
    Refused rows are listed, with how to fix them, in errors.csv, using the
    row numbers your spreadsheet shows.

    Safe to run again: a form already there is left as it is, and one that
    was signed since is never replaced (its row is reported in errors.csv).

    \b
    Example:
      consent batch tomorrow.csv --out-dir forms-2026-12-01

    \b
    Exit codes: 0 all rows done; 3 some rows refused (or their file kept),
    the rest done; 1 nothing could be done (unreadable list, missing
    column, a seal key that cannot be opened, another batch writing into
    the folder); 6 stopped part way (what was saved is in manifest.json);
    2 usage.
    """
    # Imported here so `consent fill` does not pay for pypdf and openpyxl.
    from generator.records.batch import run_batch
    from generator.records.reports import BUNDLE_NAME, ERRORS_NAME

    if date_format is not None:
        _check_date_format(date_format)
    show_progress = sys.stderr.isatty()
    # A stop asked for from outside (kill, a shutting-down computer) ends the
    # batch as Ctrl-C does: what was saved is still written in manifest.json.
    _stop_on_sigterm()
    with _Progress(show_progress) as on_progress:
        result = run_batch(
            appointments,
            out_dir,
            today=_today(),
            workers=jobs,
            encoding=encoding,
            date_format=date_format,
            on_progress=on_progress,
            audit_log=audit_log,
            search_path=_search_path(),
            clinic=_settings().clinic,
            seal_key=_settings().seal_key,
            replace=replace,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if result.made and not _settings().clinic.name:
        click.echo(_NO_CLINIC, err=True)
    refused = result.refused_rows
    summary = f"{len(result.made)} of {result.rows} rows done"
    already, replaced = result.count(Outcome.ALREADY_THERE.value), result.count(Outcome.REPLACED.value)
    if already or replaced:
        parts = [f"{already} already there, unchanged" if already else "", f"{replaced} replaced" if replaced else ""]
        summary += f" ({'; '.join(part for part in parts if part)})"
    if result.stopped is not None:
        _report_stopped_batch(result, out_dir)
        sys.exit(ExitCode.BATCH_STOPPED)
    if result.made:
        summary += f"; {out_dir / BUNDLE_NAME} has {result.bundle_pages} pages"
    if refused:
        summary += f"; {len(refused)} refused (rows {_row_list(refused)}): see {out_dir / ERRORS_NAME}"
    click.echo(summary + ".")
    if _wants_print(print_, printer, copies) and result.made:
        _send_to_printer(out_dir / BUNDLE_NAME, printer, copies)
    if refused:
        sys.exit(ExitCode.SOME_ROWS_REFUSED)


def _report_stopped_batch(result: Any, out_dir: Path) -> None:
    from generator.records.reports import ERRORS_NAME, MANIFEST_NAME

    saved = len(result.made)
    click.echo(f"Error: the batch stopped part way: {result.stopped}.", err=True)
    if MANIFEST_NAME in result.reports:
        where = f"listed in {out_dir / MANIFEST_NAME}"
    else:
        where = f"named in the audit log ({MANIFEST_NAME} could not be written)"
    if ERRORS_NAME in result.reports:
        where += f"; the rows not done are in {out_dir / ERRORS_NAME}"
    click.echo(
        f"{saved} form{'' if saved == 1 else 's'} of {result.rows} rows were saved, {where}. No print bundle "
        "was made. Fix the problem and run the same list again: the forms already saved are kept.",
        err=True,
    )


def _stop_on_sigterm() -> None:
    import signal
    import threading

    def interrupt(signal_number: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Only the command's own main thread may take a signal, and a handler
    # someone else set (a host program) is left alone.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)


def _check_date_format(date_format: str) -> None:
    """Refuse, before any row is read, a --date-format that cannot read a
    date: it must name a day, a month and a year, and read back what it writes."""
    from datetime import datetime

    codes = {code for code in ("%d", "%m", "%Y", "%y", "%b", "%B") if code in date_format}
    has_day, has_month, has_year = "%d" in codes, bool(codes & {"%m", "%b", "%B"}), bool(codes & {"%Y", "%y"})
    example = date(1990, 3, 7)
    try:
        round_trip = datetime.strptime(example.strftime(date_format), date_format).date() == example
    except Exception:  # ValueError, or re.error for a code given twice ("%d/%d/%Y")
        round_trip = False
    if not (has_day and has_month and has_year and round_trip):
        raise click.BadParameter(
            f'"{date_format}" does not read a day, a month and a year. Use strftime codes, e.g. %d/%m/%Y for '
            "07/03/1990 or %m/%d/%Y for 03/07/1990.",
            param_hint="--date-format",
        )


def _row_list(rows: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(row) for row in rows[:shown])
    return listed + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


class _Progress:
    """A progress bar (rows done, rate, time left) on a terminal; silence otherwise.

    Used as a context manager; gives the batch an `on_progress(done, total)`
    callback, or None when nothing should be shown.
    """

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> Callable[[int, int], None] | None:
        return self._update if self._enabled else None

    def _update(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label="Making forms", show_eta=True, show_pos=True, file=sys.stderr,
                item_show_func=lambda _: self._rate(),
            )  # fmt: skip
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def _rate(self) -> str:
        elapsed = time.monotonic() - self._started
        done = self._bar.pos if self._bar is not None else 0
        return f"{done / elapsed:.1f} forms/s" if elapsed > 0 and done else ""

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc_info)
