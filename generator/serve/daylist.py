"""Today's list in the browser: an appointment list uploaded, each row
checked by `consent batch`'s rules, and its forms made one row at a time or
all at once by `consent batch`'s own code, in the background.

Each list gets its own folder under `<out-dir>/day-lists/`, named from the
clinic date and a hash of the list's bytes (never a patient's name): the
same list uploaded again finds the forms it already made.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from generator.api import make_form
from generator.definitions.forms import Form, load_form
from generator.errors import ConsentError
from generator.intake.appointments import stream_appointments
from generator.records.audit import AuditLog
from generator.records.batch import run_batch
from generator.records.filing import file_form, state_at
from generator.records.output import PRIVATE_FOLDER_MODE, write_atomically
from generator.records.reports import BatchResult, RowProblem
from generator.records.rows import Job, RowCheck
from generator.serve.desk import Desk
from generator.serve.wording import for_the_page

MAX_UPLOAD = 10 << 20
LIST_TYPES = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_XLSX_START = b"PK\x03\x04"
_MAX_SHOWN_ROWS = 5000
STATUS_WORDS = {
    "ready": "Ready",
    "refused": "Refused",
    "made": "Already made",
    "signed": "Signed (kept)",
    "kept": "Another file is there (kept)",
    "repeat": "Repeats another row",
}


@dataclass
class DayRow:
    number: int  # as the spreadsheet numbers it
    name: str
    form: str
    procedure_date: str
    record_number: str
    status: str = "ready"  # a key of STATUS_WORDS
    reasons: list[str] = field(default_factory=list)
    job: Job | None = None


@dataclass
class DayRun:
    """A whole-list run in the background; the page polls its progress."""

    done: int = 0
    total: int = 0
    finished: bool = False
    result: BatchResult | None = None
    problem: str | None = None


@dataclass
class DayList:
    id: str
    source_name: str
    folder: Path
    list_path: Path
    rows: list[DayRow]
    warnings: list[str]
    run: DayRun | None = None
    encoding: str | None = None  # of a CSV that is not UTF-8 (as consent batch --encoding)
    date_format: str | None = None  # of dates not written YYYY-MM-DD (as consent batch --date-format)

    def says(self, message: str) -> str:
        """A message about the list as the page says it: the uploaded file's name, the page's words."""
        return for_the_page(
            message.replace(str(self.list_path), self.source_name).replace(self.list_path.name, self.source_name)
        )

    @property
    def running(self) -> bool:
        return self.run is not None and not self.run.finished

    def row(self, number: int) -> DayRow | None:
        return next((row for row in self.rows if row.number == number), None)


def open_day_list(
    desk: Desk, upload_name: str, data: bytes, *, encoding: str | None = None, date_format: str | None = None
) -> DayList:
    """Keep an uploaded list in its folder and check every row; a list that
    cannot be used is a ConsentError saying why, and is not kept."""
    suffix = Path(upload_name).suffix.lower()
    if suffix not in LIST_TYPES:
        raise ConsentError(
            f"An appointment list must be a .csv or .xlsx file, not {suffix or 'a file without an ending'}. "
            "Save it from the practice system as CSV or Excel workbook and upload that."
        )
    if len(data) > MAX_UPLOAD:
        raise ConsentError("The list is larger than 10 MB, far more than a clinic day. Check you chose the right file.")
    if not data:
        raise ConsentError("The file is empty. Check you chose the right file.")
    if data.startswith(b"%PDF-"):
        raise ConsentError("This file is a PDF, not an appointment list. Export the list from the practice system as "
                           "CSV or Excel (.xlsx) and upload that.")  # fmt: skip
    if suffix == ".csv" and data.startswith(_XLSX_START):
        raise ConsentError("This file is an Excel workbook with a name ending in .csv. Upload the .xlsx file as it "
                           "was saved, or save it from Excel as CSV UTF-8.")  # fmt: skip
    if (suffix == ".xlsx") != data.startswith(_XLSX_START):
        raise ConsentError(f"The file ends in {suffix} but does not hold a {suffix[1:].upper()} list. Check the file.")
    today = desk.settings.today()
    digest = hashlib.sha256(data).hexdigest()[:12]
    folder = desk.settings.out_dir / "day-lists" / f"{today.isoformat()}-{digest}"
    folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    list_path = folder / f"appointments{suffix}"
    write_atomically(list_path, data)
    day = DayList(
        secrets.token_urlsafe(16), Path(upload_name).name, folder, list_path, [], [], None, encoding, date_format
    )
    try:
        check_day_list(desk, day)
    except ConsentError as problem:
        # A list that cannot be used is not kept: it may hold patients' details.
        list_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if nothing else is in it
        raise ConsentError(day.says(str(problem))) from None
    return day


def check_day_list(desk: Desk, day: DayList) -> None:
    """Each row's status now: refused (with the reasons), ready, or what is
    already at its file name."""
    stream = stream_appointments(day.list_path, encoding=day.encoding)
    # Read once (a workbook is slow to parse), at most one row past the cap.
    appointments = list(itertools.islice(stream.rows, _MAX_SHOWN_ROWS + 1))
    rows: dict[int, DayRow] = {}
    for appointment in appointments:
        if len(rows) >= _MAX_SHOWN_ROWS:
            raise ConsentError(
                f"The list has more than {_MAX_SHOWN_ROWS:,} appointments; make it with consent batch instead."
            )
        values = appointment.values
        name = " ".join(str(values.get(key) or "").strip() for key in ("given_name", "family_name")).strip()
        rows[appointment.number] = DayRow(
            appointment.number,
            name,
            appointment.form_id,
            str(values.get("procedure_date") or ""),
            str(values.get("record_number") or ""),
        )
    check = RowCheck(today=desk.settings.today(), date_format=day.date_format, search_path=desk.settings.search_path)
    warnings: list[str] = []
    for outcome in check.outcomes(appointments):
        if isinstance(outcome, RowProblem):
            rows[outcome.row].status = "refused"
            rows[outcome.row].reasons.append(day.says(outcome.message))
        elif isinstance(outcome, Job):
            row = rows[outcome.row]
            row.job = outcome
            state = state_at(day.folder / outcome.file_name)
            row.status = "ready" if state == "absent" else state
        else:
            warnings.append(outcome)
            number = int(outcome.split()[1]) if outcome.startswith("row ") else None
            if number in rows:
                rows[number].status = "repeat"
                rows[number].reasons.append(outcome[0].upper() + outcome[1:])
    day.rows = list(rows.values())
    day.warnings = [day.says(warning) for warning in (*stream.warnings, *warnings)]


def make_row(desk: Desk, day: DayList, number: int, user: str | None) -> Path:
    """Make one row's form (the same file name and rules as the batch);
    returns where it is. A refused row or a kept file is a ConsentError."""
    row = day.row(number)
    if row is None or row.job is None:
        raise ConsentError(f"Row {number} cannot be made: {' '.join(row.reasons) if row else 'there is no such row.'}")
    job = row.job
    target = day.folder / job.file_name
    filled = make_form(
        desk.forms.get(job.form_id) or _load(desk, job.form_id),
        job.patient,
        desk.settings.settings.clinic,
        seal_field=desk.sealer is not None,
    )
    try:
        with AuditLog(desk.audit_log, command="serve", user=user) as audit:
            file_form(filled, target, audit, sealer=desk.sealer, rename_hint="or remove the row from the list")
    finally:
        check_day_list(desk, day)
    return target


def _load(desk: Desk, form_id: str) -> Form:
    return load_form(form_id, desk.settings.search_path)


def start_run(desk: Desk, day: DayList, user: str | None) -> DayRun:
    """Make every ready row in the background, as `consent batch` does."""
    if day.running:
        raise ConsentError("This list is already being made; wait for it to finish.")
    run = DayRun(total=sum(row.job is not None for row in day.rows))
    day.run = run

    def progress(done: int, total: int) -> None:
        run.done, run.total = done, total

    def work() -> None:
        try:
            run.result = run_batch(
                day.list_path,
                day.folder,
                today=desk.settings.today(),
                encoding=day.encoding,
                date_format=day.date_format,
                on_progress=progress,
                search_path=desk.settings.search_path,
                audit_log=desk.audit_log,
                clinic=desk.settings.settings.clinic,
                seal_key=desk.settings.settings.seal_key,
                user=user,
                command="serve",
                # Worker processes are started afresh: a copy of a threaded server could inherit a held lock.
                start_method="spawn",
                workers=min(os.cpu_count() or 1, max(1, run.total)),
            )
            if run.result.stopped:
                run.problem = day.says(f"The list stopped part way: {run.result.stopped}.")
        except ConsentError as problem:
            run.problem = day.says(str(problem))
        finally:
            with contextlib.suppress(ConsentError):
                check_day_list(desk, day)
            run.finished = True

    threading.Thread(target=work, name="consent-day-list", daemon=True).start()
    return run
