"""What every request to `consent serve` passes through, before any page:
its session, sign-in, and the headers that keep
patient data out of caches and other sites out of the pages.

- The session cookie is `HttpOnly` (no script reads it), `SameSite=Strict`
  (no other site's page sends it) and, under TLS, `Secure`.
- Every response says `Cache-Control: no-store`: pages and files carry
  patients' names and birth dates, and must not stay in a browser's cache.
- The Content-Security-Policy lets a page load only the app's own styles,
  scripts and images, and be framed by no one.

What a request must be before it gets this far (its host, its site, its
size) is checked first, by generator.serve.gate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp

from generator.serve.accounts import Accounts
from generator.serve.sessions import COOKIE_NAME, IDLE_SECONDS, Session, SessionStore

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # Our own pages only (their addresses carry no patient's detail); never to another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Styles, scripts and the icon need no session: none is made for them.
_SESSIONLESS = ("/static/", "/favicon.ico")
# Reached without signing in: the sign-in page itself, and what needs no session.
_OPEN_PATHS = ("/signin", *_SESSIONLESS)


class Guard(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, *, sessions: SessionStore, accounts: Accounts | None, tls: bool) -> None:
        super().__init__(app)
        self.sessions = sessions
        self.accounts = accounts
        self.sign_in = accounts is not None
        self.tls = tls

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await self._answer(request, call_next)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if self.tls:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    async def _answer(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.startswith(_SESSIONLESS):
            return await call_next(request)
        session = self.sessions.get(request.cookies.get(COOKIE_NAME))
        if session is not None and session.user and self.accounts and not self.accounts.knows(session.user):
            self.sessions.end(session)  # removed with `consent serve remove-user`: signed out at once
            session = None
        new_session = session is None
        if session is None:
            session = self.sessions.new()
        request.state.session = session
        open_path = request.url.path.startswith(_OPEN_PATHS)
        if self.sign_in and session.user is None and not open_path:
            if request.url.path.startswith("/files/"):
                response: Response = PlainTextResponse("Not found.", status_code=404)
            else:
                response = RedirectResponse("/signin", status_code=303)
        else:
            response = await call_next(request)
        current: Session | None = getattr(request.state, "session", None)
        if current is not None and (new_session or current.id != session.id):
            self._set_cookie(response, current)
        return response

    def _set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE_NAME,
            session.id,
            max_age=IDLE_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.tls,
        )
