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
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator.errors import OutputError

AUDIT_LOG_NAME = "consent-audit.jsonl"
# Every line consent writes has these keys; a file whose lines do not is not
# an audit log, and is never appended to.
_KEYS_OF_A_LINE = frozenset({"time", "command", "document_id", "form", "sha256"})
_LOOKED_AT = 64 * 1024  # bytes read at each end of an existing log to recognise it


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
    # Set when an earlier, unsigned version of the file was replaced (--replace).
    replaced_sha256: str | None = None


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

    def __init__(
        self, path: Path, *, command: str, clock: Callable[[], datetime] | None = None, user: str | None = None
    ) -> None:
        """`user` names who made the documents when it is not the login name
        running consent: the member of staff signed in to `consent serve`."""
        self.path = path
        self._command = command
        self._clock = clock or (lambda: datetime.now(UTC))
        self._user, self._machine = _operator()
        if user is not None:
            self._user = user
        self._descriptor = _open_log(path)

    def record(self, entry: AuditEntry) -> None:
        line = {
            "time": self._clock().astimezone(UTC).isoformat(timespec="seconds"),
            "command": self._command,
            **{key: value for key, value in asdict(entry).items() if value is not None},
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


def _open_log(path: Path) -> int:
    """Open `path` for appending, creating it (0640) if absent; refuse, naming
    it, anything that is not an audit log: a folder, a pipe, the appointment
    list, a PDF."""
    try:
        # O_NONBLOCK: a pipe must be refused, not waited on.
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY, 0o640)
    except IsADirectoryError:
        raise OutputError(f'The audit log "{path}" is a folder. Give --audit-log a file name.') from None
    except OSError as problem:
        raise OutputError(f'Cannot write the audit log "{path}": {problem.strerror}.') from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(
                f'The audit log "{path}" is not an ordinary file. Give --audit-log a file name, '
                "e.g. consent-audit.jsonl."
            )
        if status.st_size and not _holds_audit_lines(descriptor, status.st_size):
            raise OutputError(
                f'"{path}" is not a consent audit log: it holds other data, and consent never writes into '
                "another file. Give --audit-log a new file name, or the consent-audit.jsonl of an earlier run."
            )
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _holds_audit_lines(descriptor: int, size: int) -> bool:
    """Whether the first and the last whole line of the file are lines of ours."""
    head = os.pread(descriptor, min(size, _LOOKED_AT), 0)
    tail_start = max(0, size - _LOOKED_AT)
    tail = os.pread(descriptor, size - tail_start, tail_start)
    # A run stopped by a full disk may have left half a line: the last
    # whole line is the one that counts.
    whole = tail[: tail.rfind(b"\n")] if b"\n" in tail else b""
    first = head.split(b"\n", 1)[0]
    last = whole.rsplit(b"\n", 1)[-1]
    if tail_start and b"\n" not in whole:
        return False  # no line of ours is 64 KB long
    return _is_audit_line(first) and (not whole or _is_audit_line(last))


def _is_audit_line(line: bytes) -> bool:
    try:
        value = json.loads(line)
    except ValueError:
        return False
    return isinstance(value, dict) and value.keys() >= _KEYS_OF_A_LINE
