"""One batch at a time per output folder.

A batch holds an exclusive lock (flock) on a hidden file in its folder for as
long as it runs. A second batch into the same folder meets the lock at once
and is told who holds it. The operating system releases the lock when the
holding process ends, however it ends (`kill -9` and a power cut included),
so a lock left by a dead batch is simply taken over: there is no stale lock
file to remove by hand.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from generator.errors import ConsentError

LOCK_NAME = ".consent-batch.lock"


class FolderBusyError(ConsentError):
    """Another batch is writing into the same folder."""


class FolderLock:
    """Held while a batch writes into `folder`; a context manager."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._descriptor: int | None = None

    def __enter__(self) -> FolderLock:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
        except OSError as problem:
            raise ConsentError(f'Cannot use the folder "{self.path.parent}": {problem.strerror}.') from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(descriptor, 4096, 0))
            os.close(descriptor)
            raise FolderBusyError(
                f'Another batch is writing into "{self.path.parent}" ({holder}). Wait for it to finish, '
                "or choose another --out-dir."
            ) from None
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(record).encode("utf-8"), 0)
        self._descriptor = descriptor
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._descriptor is not None:
            # Closing releases the lock; the file stays, so that no second
            # batch can lock a file that is about to be deleted.
            os.close(self._descriptor)
            self._descriptor = None


def _describe(recorded: bytes) -> str:
    try:
        holder = json.loads(recorded)
        return f"process {int(holder['pid'])} on {holder['host']}, started {holder['started']}"
    except (ValueError, KeyError, TypeError):
        return "it is starting up"
