"""Reading a file someone named, without trusting what it is.

A path can name a folder, a pipe that never ends, a device such as
/dev/zero, or a file far larger than anything consent reads. Each is refused
from what the file system says about it, before a byte is read, so a wrong
name costs a clear message, never a hang or a memory blow-up.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from generator.errors import ConsentError


class UnreadableFileError(ConsentError):
    """The named file is not one consent can read; `reason` says why, for staff."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_regular_file(path: Path, *, limit: int) -> bytes:
    """The bytes of `path`, if it is an ordinary file of at most `limit` bytes."""
    try:
        # O_NONBLOCK: opening a pipe with no writer must not wait for one.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except IsADirectoryError:
        raise UnreadableFileError(path, "it is a folder, not a file.") from None
    except FileNotFoundError:
        raise UnreadableFileError(path, "there is no such file.") from None
    except OSError as error:
        raise UnreadableFileError(path, f"it could not be opened ({error.strerror}).") from None
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise UnreadableFileError(path, "it is a folder, not a file.")
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFileError(path, "it is not an ordinary file (a pipe, a device or a socket).")
        if status.st_size > limit:
            raise UnreadableFileError(
                path, f"it is {_size(status.st_size)}, larger than any file of this kind ({_size(limit)} at most)."
            )
        chunks = []
        remaining = limit + 1  # one byte more than allowed shows a file that grew while read
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise UnreadableFileError(path, f"it could not be read ({error.strerror}).") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise UnreadableFileError(path, f"it grew past {_size(limit)} while it was read.")
    return data


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.0f} MB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.0f} KB"
    return f"{count} bytes"
