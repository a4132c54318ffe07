"""The `consent serve` web application: its routes, and what it loads once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from generator.serve import day_pages, desk_pages
from generator.serve.accounts import Accounts
from generator.serve.desk import Desk
from generator.serve.gate import LOOPBACK_NAMES, Gate
from generator.serve.guard import SECURITY_HEADERS, Guard
from generator.serve.sessions import SessionStore
from generator.serve.views import page

# Every route that changes anything is a POST and checks the CSRF token
# (generator.serve.views.posted); tests/test_serve.py posts to each without one.
ROUTES = [
    Route("/", desk_pages.desk_page),
    # No icon: answered at once, so a browser's request for one makes no session and no redirect.
    Route("/favicon.ico", lambda request: Response(status_code=204)),
    Route("/make", desk_pages.make, methods=["POST"]),
    Route("/made/{token}", desk_pages.made_page),
    Route("/print", desk_pages.print_form, methods=["POST"]),
    Route("/files/{token}/download", desk_pages.download),
    Route("/files/{token}/page/{page:int}.png", desk_pages.preview),
    Route("/day", day_pages.day_page),
    Route("/day/upload", day_pages.upload_list, methods=["POST"]),
    Route("/day/make-row", day_pages.make_day_row, methods=["POST"]),
    Route("/day/make-all", day_pages.make_day_all, methods=["POST"]),
    Route("/day/check", day_pages.check_again, methods=["POST"]),
    Route("/day/progress", day_pages.day_progress),
    Route("/verify", day_pages.verify_page),
    Route("/verify", day_pages.verify_upload, methods=["POST"]),
    Route("/signin", desk_pages.sign_in_page),
    Route("/signin", desk_pages.sign_in, methods=["POST"]),
    Route("/signout", desk_pages.sign_out, methods=["POST"]),
    Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
]


async def _problem_page(request: Request, problem: Exception) -> Response:
    """A refused request (a missing CSRF token, an unknown page) as a page
    with the way back, in the same words for every such answer."""
    assert isinstance(problem, HTTPException)
    heading = {403: "Not sent", 404: "Not found", 405: "Not found"}.get(problem.status_code, "Not done")
    if problem.status_code in (404, 405):
        message = "There is no such page. Go back to the desk."
    else:
        message = f"{problem.detail} Nothing was changed."
    return page(request, "error.html", problem.status_code, title=heading, heading=heading, message=message)


def make_app(desk: Desk, *, accounts: Accounts | None, tls: bool, hosts: frozenset[str] = LOOPBACK_NAMES) -> Starlette:
    """The application for `desk`, answering to the names in `hosts`; staff
    sign in when `accounts` is given."""
    sessions = SessionStore()
    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(Gate, hosts=hosts, headers=SECURITY_HEADERS),
            Middleware(Guard, sessions=sessions, accounts=accounts, tls=tls),
        ],
        exception_handlers={HTTPException: _problem_page},
    )
    app.state.desk = desk
    app.state.accounts = accounts
    app.state.sign_in = accounts is not None
    app.state.sessions = sessions
    app.state.sign_in_tries = {}
    app.state.sign_in_turns = asyncio.Semaphore(2)  # scrypt is slow on purpose: two checks at a time
    return app
