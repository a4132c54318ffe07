"""generator/records/output.py on its own: files written whole or not at all,
private, never over another file, with temporaries a later run can find.

Where a fault cannot happen for real here (a disk without hard links, a
full disk), it is put in with monkeypatch at the one system call."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from generator.errors import OutputError
from generator.records import output
from generator.records.output import (
    TEMPORARY_PREFIX,
    TEMPORARY_SUFFIX,
    DiskError,
    TargetExistsError,
    write_atomically,
    write_new,
    write_stream_atomically,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_each_way_of_writing_gives_the_group_read_and_others_nothing(tmp_path, umask_022):
    write_new(tmp_path / "new.pdf", b"new")
    write_atomically(tmp_path / "replaced.csv", b"old")
    write_atomically(tmp_path / "replaced.csv", b"csv")
    write_stream_atomically(tmp_path / "bundle.pdf", lambda stream: stream.write(b"bundle"))
    for name in ("new.pdf", "replaced.csv", "bundle.pdf"):
        assert mode(tmp_path / name) == 0o640, name
    assert (tmp_path / "replaced.csv").read_bytes() == b"csv"


def test_owner_only_leaves_the_group_nothing_either(tmp_path, umask_022):
    write_new(tmp_path / "key.pem", b"key", owner_only=True)
    write_atomically(tmp_path / "staff.users", b"hashes", owner_only=True)
    assert mode(tmp_path / "key.pem") == mode(tmp_path / "staff.users") == 0o600


def test_the_temporary_is_hidden_beside_the_target_and_named_for_cleaning_up(tmp_path):
    seen: list[str] = []

    def write(stream):
        seen.extend(path.name for path in tmp_path.iterdir())
        stream.write(b"data")

    write_stream_atomically(tmp_path / "bundle.pdf", write)
    (temporary,) = seen
    assert temporary.startswith(TEMPORARY_PREFIX) and temporary.endswith(TEMPORARY_SUFFIX)
    assert [path.name for path in tmp_path.iterdir()] == ["bundle.pdf"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    (tmp_path / "manifest.json").write_bytes(b"before")

    def fail(stream):
        stream.write(b"half")
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(DiskError):
        write_stream_atomically(tmp_path / "manifest.json", fail)
    assert (tmp_path / "manifest.json").read_bytes() == b"before"
    assert [path.name for path in tmp_path.iterdir()] == ["manifest.json"]


def test_write_new_never_replaces_and_names_the_file_it_found(tmp_path):
    target = tmp_path / "form.pdf"
    target.write_bytes(b"signed")
    with pytest.raises(TargetExistsError) as found:
        write_new(target, b"new")
    assert found.value.target == target and str(target) in str(found.value)
    assert target.read_bytes() == b"signed"
    assert [path.name for path in tmp_path.iterdir()] == ["form.pdf"]


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV])
def test_on_a_disk_without_hard_links_a_new_file_is_renamed_into_place(tmp_path, monkeypatch, code):
    def no_links(source, destination):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output.os, "link", no_links)
    write_new(tmp_path / "form.pdf", b"form")
    assert (tmp_path / "form.pdf").read_bytes() == b"form"
    assert [path.name for path in tmp_path.iterdir()] == ["form.pdf"]
    with pytest.raises(TargetExistsError) as found:
        write_new(tmp_path / "form.pdf", b"other")
    assert found.value.target == tmp_path / "form.pdf"
    assert (tmp_path / "form.pdf").read_bytes() == b"form"
    assert [path.name for path in tmp_path.iterdir()] == ["form.pdf"]


def test_another_link_error_is_reported_not_worked_around(tmp_path, monkeypatch):
    def broken(source, destination):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(output.os, "link", broken)
    with pytest.raises(DiskError, match="Input/output error"):
        write_new(tmp_path / "form.pdf", b"form")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("code", "kind"), [(errno.ENOSPC, DiskError), (errno.EACCES, OutputError)])
def test_a_folder_that_cannot_take_a_file_is_named_with_what_to_do(tmp_path, monkeypatch, code, kind):
    def refuse(*arguments, **options):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    with pytest.raises(kind) as refused:
        write_new(tmp_path / "form.pdf", b"form")
    assert type(refused.value) is kind
    assert f'Cannot write in the folder "{tmp_path}": {os.strerror(code)}.' in str(refused.value)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(OutputError, match=r'The folder ".*missing" does not exist'):
        write_atomically(tmp_path / "missing" / "errors.csv", b"x")


@pytest.mark.parametrize(("code", "kind"), [(errno.EROFS, DiskError), (errno.EACCES, OutputError)])
def test_a_file_that_cannot_be_put_in_place_is_named_and_nothing_is_left(tmp_path, monkeypatch, code, kind):
    (tmp_path / "errors.csv").write_bytes(b"before")

    def refuse(source, destination):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output.os, "replace", refuse)
    with pytest.raises(kind) as refused:
        write_atomically(tmp_path / "errors.csv", b"after")
    assert type(refused.value) is kind
    assert str(refused.value) == (
        f'Cannot save "{tmp_path / "errors.csv"}": {os.strerror(code)}. Check the disk has room and the '
        "file is not open in another program, then try again."
    )
    assert (tmp_path / "errors.csv").read_bytes() == b"before"
    assert [path.name for path in tmp_path.iterdir()] == ["errors.csv"]


def test_without_a_readable_umask_files_are_kept_to_their_owner(monkeypatch):
    import builtins

    real_open = builtins.open

    def no_proc(path, *arguments, **options):
        if str(path) == "/proc/self/status":
            raise OSError(errno.ENOENT, "No such file or directory")
        return real_open(path, *arguments, **options)

    monkeypatch.setattr(builtins, "open", no_proc)
    assert output.private_file_mode() == 0o600


def test_a_write_stopped_by_ctrl_c_leaves_no_temporary_and_stops(tmp_path):
    def interrupted(stream):
        stream.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_stream_atomically(tmp_path / "print-bundle.pdf", interrupted)
    assert list(tmp_path.iterdir()) == []
