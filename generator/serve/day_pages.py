"""Today's list and Verify: an uploaded appointment list made row by row or
whole, with its progress, bundle and errors.csv; an uploaded PDF verified."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from generator.errors import ConsentError
from generator.intake.appointments import REQUIRED_COLUMNS
from generator.intake.fields import OPTIONAL_FIELDS
from generator.records.reports import BUNDLE_NAME, ERRORS_NAME
from generator.serve.daylist import (
    MAX_UPLOAD,
    STATUS_WORDS,
    DayList,
    check_day_list,
    make_row,
    open_day_list,
    start_run,
)
from generator.serve.desk import Desk
from generator.serve.desk_pages import offer_file
from generator.serve.views import page, posted, session_of, staff_name
from generator.serve.wording import DATE_FORMATS, ENCODINGS

if TYPE_CHECKING:
    from generator.verify.verification import Verification

_DAY = "day-list"


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


async def _upload(request: Request, field: str) -> tuple[str, bytes, dict[str, str]] | str:
    """The uploaded file's name and bytes and the form's other choices, or
    what is wrong with the upload."""
    form = await posted(request)
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return "Choose a file first."
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return "The file is larger than 10 MB. Check you chose the right file."
        choices = {name: value for name, value in form.items() if isinstance(value, str)}
        return upload.filename, data, choices
    finally:
        await form.close()


def _day_page(request: Request, problem: str | None = None, status_code: int = 200) -> Response:
    session = session_of(request)
    day: DayList | None = session.state.get(_DAY)
    links: dict[str, str] = {}
    files: dict[int, str] = {}
    if day is not None:
        if not day.running:
            for name in (BUNDLE_NAME, ERRORS_NAME):
                if (day.folder / name).is_file():
                    links[name] = offer_file(
                        request, day.folder / name, "application/pdf" if name == BUNDLE_NAME else "text/csv"
                    )
        for row in day.rows:
            if row.job is not None and row.status in ("made", "signed"):
                files[row.number] = offer_file(request, day.folder / row.job.file_name, "application/pdf")
    return page(
        request,
        "day.html",
        status_code=status_code,
        title="Today's list",
        day=day,
        problem=problem,
        status_words=STATUS_WORDS,
        links=links,
        files=files,
        printed=session.state.pop("printed:day", None),
        print_problem=session.state.pop("print-problem:day", None),
        bundle_name=BUNDLE_NAME,
        errors_name=ERRORS_NAME,
        encodings=ENCODINGS,
        date_formats=DATE_FORMATS,
        columns=REQUIRED_COLUMNS,
        optional_columns=OPTIONAL_FIELDS,
    )


async def day_page(request: Request) -> Response:
    # The rows as last checked (at upload, after making, or when asked):
    # reading a large workbook again on every view would hold up the desk.
    return _day_page(request)


async def check_again(request: Request) -> Response:
    """Each row's state now: a form signed, moved or made elsewhere since."""
    await posted(request)
    day: DayList | None = session_of(request).state.get(_DAY)
    if day is not None and not day.running:
        try:
            await run_in_threadpool(check_day_list, _desk(request), day)
        except ConsentError as problem:
            return _day_page(request, day.says(str(problem)), 422)
    return RedirectResponse("/day", status_code=303)


async def upload_list(request: Request) -> Response:
    upload = await _upload(request, "appointments")
    if isinstance(upload, str):
        return _day_page(request, upload, 422)
    current: DayList | None = session_of(request).state.get(_DAY)
    if current is not None and current.running:
        return _day_page(request, "A list is being made; wait for it to finish before uploading another.", 409)
    name, data, choices = upload
    encoding, date_format = choices.get("encoding", ""), choices.get("date_format", "")
    if encoding not in ENCODINGS or date_format not in DATE_FORMATS:
        return _day_page(request, "Choose the text encoding and the dates' format from the lists.", 422)
    try:
        session_of(request).state[_DAY] = await run_in_threadpool(
            open_day_list, _desk(request), name, data, encoding=encoding or None, date_format=date_format or None
        )
    except ConsentError as problem:
        session_of(request).state.pop(_DAY, None)
        return _day_page(request, str(problem), 422)
    return RedirectResponse("/day", status_code=303)


async def make_day_row(request: Request) -> Response:
    form = await posted(request)
    day: DayList | None = session_of(request).state.get(_DAY)
    number = str(form.get("row", ""))
    if day is None or day.running or not (number.isascii() and number.isdecimal() and len(number) <= 9):
        return RedirectResponse("/day", status_code=303)
    try:
        await run_in_threadpool(make_row, _desk(request), day, int(number), staff_name(request))
    except ConsentError as problem:
        return _day_page(request, day.says(str(problem)), 422)
    return RedirectResponse(f"/day#row-{number}", status_code=303)


async def make_day_all(request: Request) -> Response:
    await posted(request)
    day: DayList | None = session_of(request).state.get(_DAY)
    if day is None:
        return RedirectResponse("/day", status_code=303)
    try:
        start_run(_desk(request), day, staff_name(request))
    except ConsentError as problem:
        return _day_page(request, str(problem), 409)
    return RedirectResponse("/day", status_code=303)


async def day_progress(request: Request) -> Response:
    """How far the list is: numbers only, never a patient's detail."""
    day: DayList | None = session_of(request).state.get(_DAY)
    run = day.run if day is not None else None
    if run is None:
        return JSONResponse({"running": False})
    return JSONResponse({"running": not run.finished, "done": run.done, "total": run.total})


def _verify_page(
    request: Request, status_code: int = 200, result: Verification | None = None, problem: str | None = None
) -> Response:
    """The Verify page: the upload form, and a file's report or what was wrong with the upload."""
    from generator.verify.report import report_lines

    return page(
        request,
        "verify.html",
        status_code,
        title="Verify a form",
        report=report_lines(result) if result is not None else None,
        intact=result.intact if result is not None else None,
        result=result.result if result is not None else None,
        problems=[*result.problems, *result.trust_problems] if result is not None else [],
        problem=problem,
        trusts_seal=_desk(request).trust_roots is not None,
    )


async def verify_page(request: Request) -> Response:
    return _verify_page(request)


async def verify_upload(request: Request) -> Response:
    from generator.verify.verification import verify_data

    upload = await _upload(request, "pdf")
    if isinstance(upload, str):
        return _verify_page(request, 422, problem=upload)
    name, data, _ = upload
    return _verify_page(request, result=await run_in_threadpool(verify_data, name, data, _desk(request).trust_roots))
