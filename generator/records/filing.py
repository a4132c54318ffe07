"""Filing a made form: the one way a consent form reaches the disk.

`file_form` puts a finished form at its name and records it in the audit
log. `consent fill`, `consent batch` and the library's `save` all go
through it, so no caller can skip a rule:

- A file already at the name that is byte for byte this form (sealed or
  not) is left alone: nothing is written, and the caller is told it is
  already there. Running a batch again changes nothing.
- A file that carries anything added after consent made it (a signature,
  a filled-in field, any later revision) is never replaced. Neither is a
  file consent did not make.
- Any other file at the name (an earlier, unsigned and unfilled version of
  the form) is replaced only when the caller says `replace`, and the audit
  line records the sha256 of what was replaced.
- Files are written whole or not at all, with no access for others.
- A form is on disk only if its audit line is in the log: if the line
  cannot be written, the new file is taken back.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.api import FilledForm
from generator.errors import ExitCode, OutputError
from generator.reading import UnreadableFileError, read_regular_file
from generator.records.audit import AUDIT_LOG_NAME, AuditEntry, AuditLog
from generator.records.output import TargetExistsError, write_atomically, write_new
from generator.verify.seal import Sealer

# Any PDF consent would compare against is far smaller; a larger file at the
# name is not a form of ours, and is kept.
_LARGEST_FORM = 256 << 20
# Each revision of a PDF ends with these lines; an incremental update (a
# signature, a filled field) adds one.
_REVISION_END = re.compile(rb"startxref\s+\d+\s+%%EOF")


class Outcome(enum.Enum):
    MADE = "made"
    ALREADY_THERE = "already there"
    REPLACED = "replaced"


@dataclass(frozen=True)
class Filed:
    """A form at its place: what happened, and the audit entry that describes it."""

    path: Path
    outcome: Outcome
    entry: AuditEntry  # sha256 and pages of the file now at `path`


class KeptFileError(OutputError):
    """A file at the form's name was kept, and the form was not written.

    `signed` is true when the kept file carries signatures or filled-in
    fields: consent never replaces such a file, with or without --replace.
    """

    exit_code = ExitCode.FILE_KEPT

    def __init__(self, path: Path, message: str, *, signed: bool) -> None:
        super().__init__(message)
        self.path = path
        self.signed = signed


def save(
    filled: FilledForm,
    target: Path,
    *,
    audit_log: Path | None = None,
    replace: bool = False,
    sealer: Sealer | None = None,
) -> Filed:
    """File `filled` at `target` (library use), logging it in `audit_log`
    (default: consent-audit.jsonl beside the PDF). Same rules as the commands."""
    with AuditLog(audit_log or target.parent / AUDIT_LOG_NAME, command="save") as audit:
        return file_form(filled, target, audit, replace=replace, sealer=sealer)


def file_form(
    filled: FilledForm,
    target: Path,
    audit: AuditLog,
    *,
    replace: bool = False,
    sealer: Sealer | None = None,
    rename_hint: str = "or choose another output name with -o",
) -> Filed:
    """Put `filled` at `target` by the rules above; raises KeptFileError when
    a file there is kept instead, OutputError when it cannot be written.

    `rename_hint` ends the advice of a KeptFileError: how the caller's user
    writes the form elsewhere."""
    for _ in range(3):  # another process may take the name between look and write
        existing = _existing(target, rename_hint)
        if existing is not None:
            kept = _compare(target, existing, filled.pdf, rename_hint)
            if kept is None:
                return Filed(target, Outcome.ALREADY_THERE, _entry(filled, target, existing))
            if not replace or kept.signed:
                raise kept
        data = sealer.seal(filled.pdf) if sealer is not None else filled.pdf
        entry = _entry(filled, target, data)
        try:
            if existing is None:
                write_new(target, data)
            else:
                _replace(target, existing, data)
                entry = _entry(filled, target, data, replaced=existing)
        except TargetExistsError:
            continue
        _record(audit, entry, target, existing)
        return Filed(target, Outcome.MADE if existing is None else Outcome.REPLACED, entry)
    raise OutputError(f'"{target}" keeps changing while consent writes it. Is another program writing there?')


def _existing(target: Path, rename_hint: str) -> bytes | None:
    if target.is_symlink():
        raise KeptFileError(
            target,
            f'"{target}" is a link to another file; consent never writes through a link. Nothing was written; '
            f"remove the link, {rename_hint}.",
            signed=True,
        )
    try:
        return read_regular_file(target, limit=_LARGEST_FORM)
    except UnreadableFileError as problem:
        if not target.exists() and not target.is_symlink():
            return None
        raise KeptFileError(
            target,
            f'"{target}" is already there and cannot be checked: {problem.reason} It was left as it is; '
            f"move it away, {rename_hint}.",
            signed=True,
        ) from None


def _compare(target: Path, existing: bytes, new: bytes, rename_hint: str) -> KeptFileError | None:
    """None if `existing` is the form `new`, sealed or not; otherwise the
    error that says why the existing file is kept."""
    if existing == new or (existing.startswith(new) and _is_only_a_seal(existing[len(new) :])):
        return None
    state = _state_of(existing)
    if state.additions:
        return KeptFileError(
            target,
            f'"{target}" is already there and has been {state.additions} since consent made it, so it is a '
            "record that consent never replaces. Nothing was written. To make a new form, move that file away "
            f"(into the patient's record), {rename_hint}.",
            signed=True,
        )
    if state.is_form:
        changed = _changes_since_made(existing)
        if changed:
            return KeptFileError(
                target,
                f'"{target}" is already there and has been changed since consent made it ({changed}): it may '
                "have been signed by hand on a tablet, so consent never replaces it. Nothing was written. Move "
                f"that file away (into the patient's record), {rename_hint}.",
                signed=True,
            )
    if not state.is_form:
        return KeptFileError(
            target,
            f'"{target}" is already there and is not a form made by consent, so it was left as it is. '
            f"Nothing was written. Move that file away, {rename_hint}.",
            signed=True,
        )
    return KeptFileError(
        target,
        f'"{target}" is already there: an unsigned form that differs from this one (other details, another form '
        "version or another consent version). It was kept and nothing was written. If nobody has signed a "
        "printed copy of it, run again with --replace to replace it with this one; to keep both, move it away, "
        f"{rename_hint}.",
        signed=False,
    )


def _is_only_a_seal(update: bytes) -> bool:
    """Whether `update`, appended to a form, is one revision holding the seal."""
    return len(_REVISION_END.findall(update)) == 1 and b"/DocMDP" in update and update.rstrip().endswith(b"%%EOF")


@dataclass(frozen=True)
class _State:
    is_form: bool
    additions: str  # "" when nothing was added; else e.g. "signed (patient_signature)"


def _state_of(data: bytes) -> _State:
    """Whether `data` is a form made by consent, and what was added to it."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from generator.integrity import FORM_ID_KEY, SEAL_FIELD

    revisions = len(_REVISION_END.findall(data))
    try:
        reader = PdfReader(io.BytesIO(data))
        is_form = FORM_ID_KEY in (reader.metadata or {})
        fields = reader.get_fields() or {}
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError):
        # Damaged: it may still hold someone's signature, so it is never replaced.
        return _State(is_form=False, additions="changed" if revisions > 1 else "")
    signed = sorted(
        name for name, field in fields.items() if field.get("/FT") == "/Sig" and field.get("/V") and name != SEAL_FIELD
    )
    filled = sorted(name for name, field in fields.items() if field.get("/FT") != "/Sig" and _has_value(field))
    sealed = SEAL_FIELD in fields and bool(fields[SEAL_FIELD].get("/V"))
    later_revisions = revisions - (2 if sealed else 1)
    if signed:
        return _State(is_form, f"signed ({', '.join(signed)})")
    if filled:
        return _State(is_form, f"filled in ({', '.join(filled[:3])}{', ...' if len(filled) > 3 else ''})")
    if later_revisions > 0:
        return _State(is_form, "changed (it holds later revisions)")
    return _State(is_form, "")


def _has_value(field: Any) -> bool:
    """Whether someone typed into a text field, or ticked a check box (an
    unticked one holds /Off, as consent makes it)."""
    value = field.get("/V")
    if field.get("/FT") == "/Btn":
        return value is not None and str(value) != "/Off"
    return bool(str(value or "").strip())


def _changes_since_made(data: bytes) -> str:
    """What verify finds changed in a form consent made ("" if nothing): an
    ink signature, a drawing added to a page, a rewritten file."""
    from generator.verify.verification import verify_data

    result = verify_data("existing", data)
    return "; ".join(problem.rstrip(".") for problem in result.problems[:2])


def _replace(target: Path, expected: bytes, data: bytes) -> None:
    # Read again just before: a form signed a moment ago must not be lost.
    if _existing(target, "") != expected:
        raise TargetExistsError(target)
    write_atomically(target, data)


def _record(audit: AuditLog, entry: AuditEntry, target: Path, replaced: bytes | None) -> None:
    try:
        audit.record(entry)
    except OutputError:
        # A form the log does not name must not stay on disk.
        if replaced is None:
            target.unlink(missing_ok=True)
        else:
            write_atomically(target, replaced)
        raise


def _entry(filled: FilledForm, target: Path, data: bytes, replaced: bytes | None = None) -> AuditEntry:
    return AuditEntry(
        document_id=filled.document_id,
        form=filled.form.id,
        form_version=filled.form.version,
        language=filled.patient.language,
        record_number=filled.patient.record_number,
        file=target.name,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=filled.page_count,
        replaced_sha256=hashlib.sha256(replaced).hexdigest() if replaced is not None else None,
    )


def state_at(target: Path) -> str:
    """What is at `target`, as a list of the day shows it: "absent"; "made"
    (a form consent made, unsigned and unchanged); "signed" (signed, filled
    in or changed since: never replaced); "kept" (a file that is not a form
    of consent's, or cannot be read)."""
    try:
        existing = _existing(target, "")
    except KeptFileError:
        return "kept"
    if existing is None:
        return "absent"
    state = _state_of(existing)
    if state.additions:
        return "signed"
    return "made" if state.is_form else "kept"
