"""The audit trail: one JSON line per generated document, appended to a log.

What is logged: when (UTC), the document id, form id and version, language,
record number, the file's name and SHA-256, the page count, the command
(fill or batch), and who made it (login name) on which machine.

What is never logged: the patient's name, date of birth, guardian or
interpreter, or any other detail from the form. The record number is the
link back to the patient in the clinic's own system.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator.errors import OutputError

AUDIT_LOG_NAME = "consent-audit.jsonl"


@dataclass(frozen=True)
class AuditEntry:
    """What the log says of one document (never the patient's name or birth date)."""

    document_id: str
    form: str
    form_version: str
    language: str
    record_number: str
    file: str
    sha256: str
    pages: int


def _operator() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers and services
        user = f"uid {os.getuid()}"
    return user, socket.gethostname()


class AuditLog:
    """An open audit log; `record` appends one line at once, `close` syncs it.

    Each line goes out in a single write on a file opened for appending, so
    lines from two consent runs at once do not interleave, and a run that is
    killed keeps the lines of every document it finished.
    """

    def __init__(self, path: Path, *, command: str, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self._command = command
        self._clock = clock or (lambda: datetime.now(UTC))
        self._user, self._machine = _operator()
        try:
            self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        except OSError as problem:
            raise OutputError(f'Cannot write the audit log "{path}": {problem.strerror}.') from None

    def record(self, entry: AuditEntry) -> None:
        line = {
            "time": self._clock().astimezone(UTC).isoformat(timespec="seconds"),
            "command": self._command,
            **asdict(entry),
            "user": self._user,
            "machine": self._machine,
        }
        try:
            os.write(self._descriptor, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
        except OSError as problem:
            raise OutputError(f'Cannot write the audit log "{self.path}": {problem.strerror}.') from None

    def close(self) -> None:
        try:
            os.fsync(self._descriptor)
        except OSError:
            pass
        finally:
            os.close(self._descriptor)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
