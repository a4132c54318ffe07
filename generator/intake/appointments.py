"""Reading a clinic day's appointment list, as practice systems export it.

CSV (UTF-8 with or without BOM, or another encoding when told; comma,
semicolon or tab; CRLF; quoted fields with commas and line breaks) or an
Excel workbook (first sheet). Columns are found by header name, ignoring
case, spaces and dashes. Row numbers are the ones a spreadsheet shows: the
header is row 1. This module only reads; checking the values is the patient
module's job, so both commands share one validation path.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from generator.errors import AppointmentListError
from generator.intake.fields import OPTIONAL_FIELDS, REQUIRED_FIELDS

FORM_COLUMN = "form"
REQUIRED_COLUMNS = (FORM_COLUMN, *REQUIRED_FIELDS)
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_FIELDS)
_DELIMITERS = (",", ";", "\t")
# Excel writes ="00123" to keep leading zeros when a CSV is saved for Excel.
_EXCEL_TEXT_FORMULA = re.compile(r'^="(.*)"$', re.DOTALL)
_EXCEL_SEPARATOR_LINE = re.compile(r"sep=(.)")


@dataclass(frozen=True)
class AppointmentRow:
    """One appointment: its spreadsheet row number and the values by column.

    `lines` is the first and last line of the file the row was read from,
    for a CSV row that runs over several lines (a quoted line break)."""

    number: int
    values: dict[str, str | date | None]
    lines: tuple[int, int] | None = None

    @property
    def form_id(self) -> str:
        value = self.values.get(FORM_COLUMN)
        return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class AppointmentList:
    rows: list[AppointmentRow]
    warnings: list[str] = field(default_factory=list)


@dataclass
class AppointmentStream:
    """An appointment list read one row at a time, so a list of any length
    takes the same memory. The header is read and checked when the stream is
    opened; `warnings` fill in as rows are read."""

    rows: Iterator[AppointmentRow]
    warnings: list[str]


def read_appointments(path: Path, *, encoding: str | None = None) -> AppointmentList:
    """Read every non-blank appointment row of a .csv or .xlsx file."""
    stream = stream_appointments(path, encoding=encoding)
    rows = list(stream.rows)
    return AppointmentList(rows=rows, warnings=stream.warnings)


def stream_appointments(path: Path, *, encoding: str | None = None) -> AppointmentStream:
    """`read_appointments`, one row at a time."""
    if path.is_dir():
        raise AppointmentListError(
            f'"{path}" is a folder. Give the appointment list file in it, e.g. {path / "tomorrow.csv"}.'
        )
    if path.exists() and not path.is_file():
        raise AppointmentListError(f'The appointment list "{path}" is not an ordinary file (a pipe or a device).')
    if not path.is_file():
        raise AppointmentListError(f'The appointment list "{path}" does not exist. Check the file name.')
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _refuse_a_workbook_bomb(path)
        grid = _xlsx_grid(path)
    elif path.suffix.lower() in (".xls", ".ods", ".numbers"):
        raise AppointmentListError(
            f'"{path.name}" is a {path.suffix} file, which consent cannot read. '
            "Save it as .xlsx (Excel workbook) or .csv and try again."
        )
    else:
        grid = _csv_grid(path, encoding)
    return _rows_from_grid(path, grid)


Grid = Iterator[tuple[int, list[str | date | None], tuple[int, int] | None]]


class _CountedLines:
    """The lines of a text stream, counting lines and quote marks as they pass."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.count = 0
        self.quotes = 0

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        self.quotes += line.count('"')
        return line


def _csv_grid(path: Path, encoding: str | None) -> Grid:
    chosen = _encoding(encoding)
    with path.open("rb") as raw:
        # newline="": a quoted line break stays inside its cell, and CR-only
        # files from old Macs still split into lines.
        text = io.TextIOWrapper(raw, encoding=chosen, newline="")
        try:
            yield from _csv_records(path, text)
        except UnicodeError:
            raise _not_text(path, chosen, encoding) from None


def _csv_records(path: Path, text: io.TextIOWrapper) -> Grid:
    lines = _CountedLines(iter(text))
    first_line = next(lines, "")
    excel_hint = _EXCEL_SEPARATOR_LINE.fullmatch(first_line.strip())
    if excel_hint:
        # Excel's "sep=;" line names the delimiter and is hidden in Excel,
        # so the header below it is still row 1 to staff.
        delimiter = excel_hint.group(1)
        source: Iterator[str] = lines
    else:
        delimiter = max(_DELIMITERS, key=first_line.count)
        source = itertools.chain([first_line], lines)
    skipped = 1 if excel_hint else 0  # the sep= line is a line of the file too
    reader = csv.reader(source, delimiter=delimiter)
    pending: tuple[int, list[str | date | None], tuple[int, int], bool] | None = None
    try:
        # A record spanning lines (a quoted line break) is still one spreadsheet row.
        first_line_of_record = 1
        for number, record in enumerate(reader, start=1):
            lines_of_record = (first_line_of_record + skipped, reader.line_num + skipped)
            first_line_of_record = reader.line_num + 1
            spans = lines_of_record[1] > lines_of_record[0] and any("\n" in cell or "\r" in cell for cell in record)
            if pending is not None:
                yield pending[0], pending[1], pending[2] if pending[3] else None
            pending = (number, [_unwrap_excel_text(cell) for cell in record], lines_of_record, spans)
    except csv.Error as problem:
        if "field larger than field limit" in str(problem):
            raise AppointmentListError(
                f"{path.name} line {reader.line_num + skipped} has a cell of more than {csv.field_size_limit():,} "
                "characters; no detail of an appointment is that long. Check that line (or a quote mark opened "
                "before it and never closed)."
            ) from None
        raise AppointmentListError(
            f"{path.name} line {reader.line_num + skipped} cannot be read as CSV ({problem}). "
            "Check for a quote mark that is opened but never closed."
        ) from None
    if pending is None:
        return
    number, cells, lines_of_record, spans = pending
    # The last record ran to the end of the file inside an open quote.
    if spans and lines_of_record[1] >= lines.count and lines.quotes % 2:
        raise AppointmentListError(
            f'{path.name} line {lines_of_record[0]} opens a quote mark (") that is never closed, so lines '
            f"{lines_of_record[0]} to {lines_of_record[1]} would be read as one appointment and the rest lost. "
            "Close the quote or delete it (in a spreadsheet, check the cells of that row), then run again."
        )
    yield number, cells, lines_of_record if spans else None


def _encoding(encoding: str | None) -> str:
    if encoding is not None:
        try:
            text_encoding = codecs.lookup(encoding)._is_text_encoding
        except LookupError:
            text_encoding = False
        if not text_encoding or codecs.lookup(encoding).name in ("punycode", "undefined", "idna"):
            raise AppointmentListError(
                f'"{encoding}" is not a text encoding consent can read a list in. Common ones: utf-8, cp1252, '
                "latin-1, utf-16."
            )
    return encoding or "utf-8-sig"


def _not_text(path: Path, chosen: str, encoding: str | None) -> AppointmentListError:
    """The message for a file that is not text in `chosen`, naming the first
    line that is not (found by reading the file again, line by line)."""
    decoder = codecs.getincrementaldecoder(chosen)()
    line, bad = 1, b""
    with path.open("rb") as raw:
        start = raw.read(2)
        raw.seek(0)
        for data in raw:
            try:
                decoder.decode(data)
            except UnicodeDecodeError as problem:
                bad = data[max(0, problem.start) : max(0, problem.start) + 1]
                break
            line += data.count(b"\n")
        else:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as problem:  # the file ends in the middle of a character
                bad = problem.object[max(0, problem.start) : max(0, problem.start) + 1]
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        hint = (
            'It is UTF-16 text (Excel\'s "Unicode text"): run again with --encoding utf-16, or save it as "CSV UTF-8".'
        )
    elif encoding is None:
        hint = "If it was saved by Excel on Windows, run again with --encoding cp1252."
    else:
        hint = "Check which encoding the file was saved in and give it with --encoding."
    return AppointmentListError(
        f"{path.name} line {line} is not valid {chosen.removesuffix('-sig').upper()} text "
        f"(byte 0x{bad.hex().upper() or '??'}). {hint}"
    )


def _unwrap_excel_text(cell: str) -> str:
    match = _EXCEL_TEXT_FORMULA.match(cell.strip())
    return match.group(1) if match else cell


# A 100,000-row workbook unpacks to about 50 MB; a few hundred kilobytes that
# unpack to gigabytes are a zip bomb, or a cell no appointment has.
MAX_WORKBOOK_UNPACKED = 512 << 20
MAX_CELL = 2_000


def _refuse_a_workbook_bomb(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says how it is damaged
    if unpacked > MAX_WORKBOOK_UNPACKED:
        raise AppointmentListError(
            f'"{path.name}" unpacks to {unpacked / (1 << 20):,.0f} MB, far more than an appointment list. Open it in '
            "Excel and check for a cell holding a huge text, or export the list again."
        )


def _xlsx_grid(path: Path) -> Grid:
    import zipfile
    import zlib

    import openpyxl  # only batch reads workbooks; keep it out of `consent fill`
    from openpyxl.utils.exceptions import InvalidFileException

    # What a damaged workbook raises from openpyxl: a broken zip (or a failed
    # CRC), a truncated deflate stream, XML that does not parse (both
    # ElementTree's and lxml's errors are SyntaxErrors), a missing part.
    damaged = (InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, OSError, KeyError,
               ValueError, TypeError, IndexError, AttributeError)  # fmt: skip

    def refuse(problem: BaseException) -> AppointmentListError:
        return AppointmentListError(
            f'"{path.name}" cannot be read as an Excel workbook: it is damaged ({type(problem).__name__}: '
            f"{problem}). Open it in Excel and save it again as .xlsx, or export it as .csv."
        )

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except damaged as problem:
        raise refuse(problem) from None
    try:
        sheet = workbook.worksheets[0]
        # Some exporters write a <dimension> that understates the sheet; in
        # read-only mode openpyxl would stop there, silently dropping rows
        # and columns. Forget it, and read every cell of every row.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_value(cell) for cell in cells], None
    except damaged as problem:
        raise refuse(problem) from None
    finally:
        workbook.close()


def _cell_value(cell: object) -> str | date | None:
    if cell is None:
        return None
    if isinstance(cell, datetime):
        # An appointment's date with its time: the date is what the form needs.
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, str):
        return cell
    # A time of day or a duration: passed on as it is, and refused by the
    # patient checks as "not text" or "not a date", whichever column it is in.
    return cell  # type: ignore[return-value]


def normalise_header(name: str) -> str:
    """`Given Name`, ` given-name ` and `GIVEN_NAME` are the same column."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def _is_blank(cells: Sequence[str | date | None]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _rows_from_grid(path: Path, grid: Grid) -> AppointmentStream:
    first = next(grid, None)
    if first is None:
        raise AppointmentListError(f"{path.name} is empty. Export the appointment list again.")
    _, cells, _ = first
    if _is_blank(cells):
        raise AppointmentListError(
            f"{path.name} row 1 is empty; it must hold the column names ({', '.join(REQUIRED_COLUMNS)})."
        )
    header = [normalise_header(str(cell or "")) for cell in cells]
    warnings = _check_header(path, header)
    return AppointmentStream(rows=_rows(grid, header, warnings), warnings=warnings)


def _rows(grid: Grid, header: list[str], warnings: list[str]) -> Iterator[AppointmentRow]:
    for number, cells, lines in grid:
        if _is_blank(cells):
            continue
        values: dict[str, str | date | None] = {}
        for column, cell in zip(header, cells, strict=False):
            if column in KNOWN_COLUMNS:
                values[column] = cell
        extra = [cell for cell in cells[len(header) :] if cell not in (None, "")]
        if extra:
            warnings.append(
                f"row {number} has {len(extra)} more value(s) than there are column names; they were ignored."
            )
        yield AppointmentRow(number=number, values=values, lines=lines)


def _check_header(path: Path, header: list[str]) -> list[str]:
    if any("\x00" in column for column in header):
        raise AppointmentListError(
            f'{path.name} looks like UTF-16 text without its byte-order mark (Excel\'s "Unicode text"): run again '
            'with --encoding utf-16-le, or save it as "CSV UTF-8".'
        )
    named = [column for column in header if column]
    duplicates = sorted({column for column in named if named.count(column) > 1})
    if duplicates:
        raise AppointmentListError(
            f"{path.name} has the column {', '.join(duplicates)} more than once. Keep one and delete the others."
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise AppointmentListError(
            f"{path.name} has no column {', '.join(missing)}. "
            f"The list needs these columns: {', '.join(REQUIRED_COLUMNS)} "
            f"(optional: {', '.join(OPTIONAL_FIELDS)}). Column names found: "
            f"{', '.join(named) or 'none'}."
        )
    unknown = [column for column in named if column not in KNOWN_COLUMNS]
    if len(unknown) > 5:
        # One line, not thousands: a sheet with a column per day of the year
        # is ordinary, and every appointment is still read.
        shown = ", ".join(unknown[:5])
        return [f"{len(unknown)} columns are not ones consent uses ({shown} and {len(unknown) - 5} more); ignored."]
    return [f"column {column} is not one consent uses; it was ignored." for column in unknown]
