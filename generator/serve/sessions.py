"""Browser sessions for `consent serve`, held in the server's memory.

The cookie carries only a random session id (256 bits); who is signed in,
the CSRF token and the files a session made stay on the server, so nothing
about staff or patients travels in a cookie, and a restart signs everyone
out. A session ends after `IDLE_SECONDS` without a request.

Files made in a session (a form, its page previews, a day's bundle) are
reached by a random token that belongs to that session alone: another
browser, signed in or not, gets "not found" for it. No path from a request
is ever opened.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COOKIE_NAME = "consent_session"
IDLE_SECONDS = 8 * 3600  # one working day at the desk
# Sessions not signed in (a browser's first visit, the sign-in page) are
# capped apart from signed-in ones, so a flood of first visits can never
# push out a member of staff's session.
_MAX_SESSIONS = 500
_MAX_ANONYMOUS = 1000
_MAX_FILES_PER_SESSION = 2000


@dataclass(frozen=True)
class Served:
    """A file a session may fetch: where it is, and how it is offered."""

    path: Path
    media_type: str
    download_name: str


@dataclass
class Session:
    id: str
    csrf: str
    user: str | None = None  # the signed-in member of staff
    last_seen: float = field(default_factory=time.monotonic)
    files: dict[str, Served] = field(default_factory=dict)
    # What a page keeps between requests (the day list being worked on).
    state: dict[str, Any] = field(default_factory=dict)

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf.encode(), str(sent).encode())

    def offer(self, served: Served) -> str:
        """A new token for `served`, valid in this session only."""
        if len(self.files) >= _MAX_FILES_PER_SESSION:
            oldest = next(iter(self.files))
            self.files.pop(oldest)
            for key in [key for key in self.state if key.endswith(f":{oldest}")]:
                del self.state[key]  # what a page kept about that file goes with it
        token = secrets.token_urlsafe(24)
        self.files[token] = served
        return token


class SessionStore:
    """Every live session, by id; safe to use from several threads."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._idle = idle_seconds

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            now = time.monotonic()
            if session is None or now - session.last_seen > self._idle:
                self._sessions.pop(session_id, None)
                return None
            session.last_seen = now
            return session

    def new(self, user: str | None = None) -> Session:
        with self._lock:
            self._forget_idle()
            alike = [session for session in self._sessions.values() if (session.user is None) == (user is None)]
            if len(alike) >= (_MAX_ANONYMOUS if user is None else _MAX_SESSIONS):
                oldest = min(alike, key=lambda session: session.last_seen)
                del self._sessions[oldest.id]
            session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), user=user)
            self._sessions[session.id] = session
            return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for session_id in [key for key, value in self._sessions.items() if now - value.last_seen > self._idle]:
            del self._sessions[session_id]
