"""The document model: what a filled form says, with no idea how it is drawn.

Every string here is plain text exactly as it must print; the renderer does
all escaping. Fixed wording of the layout (labels, "Page X of Y") lives here
too, already in the form's language, so the renderer never chooses words.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields, is_dataclass
from enum import StrEnum, auto
from typing import Any

# A language as forms and staff name it: a two- or three-letter code ("en", "fr").
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class Role(StrEnum):
    """Who signs a form. The value names the signer's form fields
    (patient_signature, patient_date, patient_time) and their wording in the
    layout's labels. (Members are lower case, as their values, so a role and
    its name are the same dictionary key.)"""

    patient = auto()
    guardian = auto()  # signs for a minor: added when a guardian is named
    interpreter = auto()  # added when an interpreter is named
    clinician = auto()
    witness = auto()


@dataclass(frozen=True)
class Item:
    """One item of a form's lists (a side effect, a benefit, a teach-back question...), as printed."""

    id: str
    text: str


@dataclass(frozen=True)
class Run:
    """A stretch of text in one style."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class BulletList:
    """A plain bulleted list written in the form's prose."""

    entries: tuple[tuple[Run, ...], ...]


@dataclass(frozen=True)
class ItemList:
    """One of the form's structured lists; `initials` puts a box beside each item."""

    name: str
    items: tuple[Item, ...]
    initials: bool


Block = Heading | Paragraph | BulletList | ItemList


@dataclass(frozen=True)
class Signer:
    """One signature block: who signs, what their signature attests, and the
    name printed under the line.

    `detail` is one more labelled line the signer's role needs (the language
    an interpreter interpreted, a guardian's relationship to the patient);
    an empty value prints a line to write it on by hand.
    """

    role: Role
    label: str
    printed_name: str
    statement: str = ""
    detail: tuple[str, str] | None = None


@dataclass(frozen=True)
class TeachBack:
    """ "Check your understanding": the form's questions, each with a box the
    clinician ticks when the patient has explained it back in their own
    words, and a box for the clinician's initials confirming it."""

    heading: str
    instructions: str
    questions: tuple[Item, ...]
    tick_label: str
    initials_label: str


@dataclass(frozen=True)
class Choice:
    """One yes-or-no question with a box for each answer."""

    id: str
    text: str


@dataclass(frozen=True)
class Photographs:
    """Consent to photographs of the treated skin: for the medical record,
    and separately for teaching; each answered by ticking agree or do not agree."""

    heading: str
    instructions: str
    choices: tuple[Choice, ...]
    agree: str
    decline: str


@dataclass(frozen=True)
class Labels:
    """The fixed words of the layout, in the document's language."""

    signatures_heading: str
    signature: str
    printed_name: str
    date: str
    colon: str  # after a label followed by its value: ":" ("\u00a0:" in French)
    time: str
    initials: str
    record: str
    page_of: str  # "Page {page} of"; the total is drawn after it
    document_id: str  # "Document {document_id}", in the footer


@dataclass(frozen=True)
class Letterhead:
    """The clinic's name, address and phone, printed in the title block (the
    name on every page). Empty when no clinic settings are given."""

    name: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""


# The patient's name and the treatment in plain words are the long entries.
WIDE_IDENTITY_ROWS = 2


@dataclass(frozen=True)
class Document:
    """A complete, filled consent form, ready to be laid out."""

    form_id: str
    form_version: str
    language: str
    title: str
    subtitle: str
    form_line: str
    patient_name: str
    record_number: str
    identity: tuple[tuple[str, str], ...]  # the first WIDE_IDENTITY_ROWS each take a whole row
    body: tuple[Block, ...]
    signers: tuple[Signer, ...]
    labels: Labels
    letterhead: Letterhead = Letterhead()
    teach_back: TeachBack | None = None
    photographs: Photographs | None = None

    @property
    def item_lists(self) -> tuple[ItemList, ...]:
        return tuple(block for block in self.body if isinstance(block, ItemList))


def document_id(document: Document) -> str:
    """An id derived from everything the document says (16 hex digits).

    The same details always give the same id, and any change in wording,
    version, language or patient detail gives another. It is known before
    the pages are laid out, so it can be printed on them.
    """
    canonical = json.dumps(_plain(document), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` without its deep copy of every value (a tenth of
    a form's layout time in a batch): the same dicts and lists, for json."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
