"""The desk pages: a patient's details in, a form made, previewed, printed
and downloaded; the generated files; signing in and out."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from generator.errors import PrintError
from generator.intake.fields import FIELD_LABELS, REQUIRED_FIELDS
from generator.intake.patient import age_on
from generator.records.filing import Outcome
from generator.records.preview import page_png
from generator.records.printing import sent_words
from generator.serve.desk import DESK_FIELDS, LANGUAGE_NAMES, Desk, Made, Refusal
from generator.serve.sessions import Served
from generator.serve.views import page, posted, session_of, staff_name, text_fields

_PREVIEWS: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
_PREVIEWS_KEPT = 48
_SIGN_IN_TRIES = 5
_SIGN_IN_WAIT = 300.0


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _is_minor(values: dict[str, str]) -> bool:
    try:
        born = date.fromisoformat(values.get("date_of_birth", "").strip())
        procedure = date.fromisoformat(values.get("procedure_date", "").strip())
    except ValueError:
        return False
    return born <= procedure and age_on(born, procedure) < 18


def _desk_page(request: Request, values: dict[str, str], refusal: Refusal | None = None) -> Response:
    desk = _desk(request)
    errors = refusal.by_field if refusal else {}
    labels = {"form": "Form", **FIELD_LABELS}
    # Messages for fields the page has no box for (none today) join the form-wide ones.
    general = [message for name, messages in errors.items() if name not in labels for message in messages]
    return page(
        request,
        "desk.html",
        status_code=422 if refusal else 200,
        title="Fill a form",
        forms=desk.form_choices(),
        values=values,
        errors=errors,
        general=general,
        labels=labels,
        required=(*REQUIRED_FIELDS, "form"),
        minor=_is_minor(values),
        past_date=bool(refusal and refusal.past_date),
        can_replace=bool(refusal and refusal.can_replace),
        form_problems=desk.form_problems,
    )


# What the next patient of the same clinic session most likely shares.
_KEPT_FOR_NEXT = ("form", "language", "procedure_date", "clinician")


async def desk_page(request: Request) -> Response:
    return _desk_page(request, dict(session_of(request).state.get("treatment", {})))


async def make(request: Request) -> Response:
    form = await posted(request)
    values = text_fields(form, DESK_FIELDS)
    # Laying out a form is CPU work: done in a worker thread, so the server
    # goes on answering other desks (their previews, their pages) meanwhile.
    outcome = await run_in_threadpool(
        _desk(request).make,
        values,
        user=staff_name(request),
        allow_past_date=form.get("allow_past_date") == "yes",
        replace=form.get("replace") == "yes",
    )
    if isinstance(outcome, Refusal):
        return _desk_page(request, values, outcome)
    token = _offer_form(request, outcome)
    session_of(request).state["treatment"] = {name: values[name] for name in _KEPT_FOR_NEXT if name in values}
    return RedirectResponse(f"/made/{token}", status_code=303)


def _offer_form(request: Request, made: Made) -> str:
    session = session_of(request)
    path = made.filed.path
    token = session.offer(Served(path, "application/pdf", path.name))
    session.state[f"made:{token}"] = {
        "file": path.name,
        "form": f"{made.filled.form.text(made.filled.patient.language).title}",
        "version": made.filled.form.version,
        "language": made.filled.patient.language,
        "language_name": LANGUAGE_NAMES.get(made.filled.patient.language, made.filled.patient.language),
        "pages": made.filled.page_count,
        "sealed": _desk(request).sealer is not None,
        "outcome": made.filed.outcome.value,
        "record_number": made.filled.patient.record_number,
        "patient": made.filled.patient.full_name,
        "born": made.filled.patient.date_of_birth.isoformat(),
        "procedure_date": made.filled.patient.procedure_date.isoformat(),
    }
    return token


async def made_page(request: Request) -> Response:
    token = request.path_params["token"]
    session = session_of(request)
    summary = session.state.get(f"made:{token}")
    if token not in session.files or summary is None:
        return PlainTextResponse("Not found.", status_code=404)
    return page(
        request,
        "made.html",
        title="Form made",
        token=token,
        made=summary,
        already=summary["outcome"] == Outcome.ALREADY_THERE.value,
        replaced=summary["outcome"] == Outcome.REPLACED.value,
        printed=session.state.pop(f"printed:{token}", None),
        print_problem=session.state.pop(f"print-problem:{token}", None),
        printer=_desk(request).settings.settings.serve.printer,
    )


def served(request: Request) -> Served | None:
    """The file behind the token in the URL, if this session may have it."""
    return session_of(request).files.get(request.path_params["token"])


async def download(request: Request) -> Response:
    file = served(request)
    if file is None or not file.path.is_file():
        return PlainTextResponse("Not found.", status_code=404)
    return FileResponse(file.path, media_type=file.media_type, filename=file.download_name)


async def preview(request: Request) -> Response:
    file = served(request)
    number = request.path_params["page"]
    if file is None or file.media_type != "application/pdf" or not file.path.is_file():
        return PlainTextResponse("Not found.", status_code=404)
    key = (str(file.path), file.path.stat().st_mtime_ns, number)
    image = _PREVIEWS.get(key)
    if image is None:
        try:
            image = await run_in_threadpool(page_png, file.path, number)
        except IndexError:
            return PlainTextResponse("Not found.", status_code=404)
        _PREVIEWS[key] = image
        while len(_PREVIEWS) > _PREVIEWS_KEPT:
            _PREVIEWS.popitem(last=False)
    return Response(image, media_type="image/png")


async def print_form(request: Request) -> Response:
    form = await posted(request)
    token = str(form.get("token", ""))
    session = session_of(request)
    file = session.files.get(token)
    if file is None:
        return PlainTextResponse("Not found.", status_code=404)
    copies_text = str(form.get("copies", "1")).strip()
    back = str(form.get("back", ""))
    shown_on = "day" if back == "day" else token  # the page that shows the outcome
    copies = int(copies_text) if copies_text.isdecimal() and len(copies_text) <= 2 and copies_text.isascii() else 0
    if not copies:
        session.state[f"print-problem:{shown_on}"] = "Copies must be a number from 1 to 99."
    else:
        try:
            job = await run_in_threadpool(_desk(request).print_file, file.path, copies)
            printer = _desk(request).settings.settings.serve.printer
            session.state[f"printed:{shown_on}"] = sent_words(file.path, printer, copies, job)
        except PrintError as problem:
            session.state[f"print-problem:{shown_on}"] = str(problem)
    return RedirectResponse("/day" if back == "day" else f"/made/{token}", status_code=303)


async def sign_in_page(request: Request) -> Response:
    if not request.app.state.sign_in:
        return RedirectResponse("/", status_code=303)
    return page(request, "signin.html", title="Sign in", problem=None, name="")


async def sign_in(request: Request) -> Response:
    form = await posted(request, files=0)
    name, password = str(form.get("name", "")).strip()[:40], str(form.get("password", ""))[:1024]
    accounts = request.app.state.accounts
    # Wrong passwords are counted per name and per computer: someone else
    # cannot lock a member of staff out of their own desk.
    key = (name, request.client.host if request.client else "")
    tries: dict[tuple[str, str], list[float]] = request.app.state.sign_in_tries
    now = time.monotonic()
    recent = [moment for moment in tries.get(key, []) if now - moment < _SIGN_IN_WAIT]
    if len(recent) >= _SIGN_IN_TRIES:
        problem = "Too many wrong passwords for this name. Wait five minutes, then try again."
        return page(request, "signin.html", status_code=429, title="Sign in", problem=problem, name=name)
    async with request.app.state.sign_in_turns:
        correct = accounts is not None and await run_in_threadpool(accounts.check, name, password)
    if not correct:
        _forget_old_tries(tries, now)
        tries[key] = [*recent, now]
        problem = "The name or the password is not right. Check both and try again."
        return page(request, "signin.html", status_code=401, title="Sign in", problem=problem, name=name)
    tries.pop(key, None)
    # A new session id at sign-in: an id seen before signing in is worth nothing after.
    sessions = request.app.state.sessions
    sessions.end(session_of(request))
    request.state.session = sessions.new(user=name)
    return RedirectResponse("/", status_code=303)


def _forget_old_tries(tries: dict[tuple[str, str], list[float]], now: float) -> None:
    """Keep the record of wrong passwords small: old tries go, and it never holds more than a few thousand."""
    if len(tries) < 1000:
        return
    for key in [key for key, moments in tries.items() if now - moments[-1] >= _SIGN_IN_WAIT]:
        del tries[key]
    while len(tries) >= 5000:
        tries.pop(next(iter(tries)))


async def sign_out(request: Request) -> Response:
    await posted(request)
    sessions = request.app.state.sessions
    sessions.end(session_of(request))
    request.state.session = sessions.new()
    return RedirectResponse("/signin" if request.app.state.sign_in else "/", status_code=303)


def offer_file(request: Request, path: Path, media_type: str) -> str:
    return session_of(request).offer(Served(path, media_type, path.name))
