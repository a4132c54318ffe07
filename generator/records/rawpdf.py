"""The objects of a PDF as consent writes them, read at the byte level.

The print bundle copies every page of every form of a clinic day. pypdf
turns each object into Python objects and back, which cost the batch's
parent process about as much per form as a worker spends drawing it. The
forms consent writes are plain: a classic cross-reference table (a sealed
form adds one more, for pyHanko's incremental update), direct stream
lengths, no object streams, no inherited page attributes. For those, this
module finds each object from the table, parses only its dictionary or array
(never a stream's data) and writes it back with its references renumbered;
stream data is copied as stored.

Anything else (a file from another tool, a damaged table) raises
`NotPlain`, and the bundle reads that file with pypdf instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

_DELIMITED = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_TOKEN = re.compile(
    rb"[\x00\t\n\x0c\r ]*(?:"
    rb"(?P<comment>%[^\r\n]*)"
    # An array of numbers only (a font's widths, a media box) is kept whole.
    rb"|(?P<numbers>\[[0-9.+\-\x00\t\n\x0c\r ]*\])"
    rb"|(?P<open_dict><<)|(?P<close_dict>>>)|(?P<open_array>\[)|(?P<close_array>\])"
    rb"|(?P<string>\()"
    rb"|(?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<name>/" + _DELIMITED + rb"*)"
    rb"|(?P<reference>(?P<number>\d+)[\x00\t\n\x0c\r ]+\d+[\x00\t\n\x0c\r ]+R(?!" + _DELIMITED + rb"))"
    rb"|(?P<word>" + _DELIMITED + rb"+)"
    rb")"
)
_OBJECT_HEADER = re.compile(rb"[\x00\t\n\x0c\r ]*(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj")
_STREAM_START = re.compile(rb"[\x00\t\n\x0c\r ]*stream(?:\r\n|\n)")
_VALUE_END = re.compile(rb"stream|endobj")
_STREAM_END = re.compile(rb"[\x00\t\n\x0c\r ]*endstream")
_XREF_SUBSECTION = re.compile(rb"(\d+) (\d+)[\x00\t\n\x0c\r ]+")
_STARTXREF = re.compile(rb"startxref[\x00\t\n\x0c\r ]+(\d+)")
# A page attribute a page may take from its parent in the page tree.
_INHERITABLE = (b"/Resources", b"/MediaBox", b"/CropBox", b"/Rotate")


# consent's own objects nest three deep; a deeper one is not ours.
_MAX_DEPTH = 32


class NotPlain(Exception):
    """This file is not one this reader handles; read it with pypdf."""


@dataclass(frozen=True)
class Ref:
    number: int


Value: TypeAlias = "bytes | Ref | list[Value] | dict[bytes, Value]"
"""A parsed value: a dictionary (keys are names, b"/Type"), an array, a
reference, or any other token (number, name, string) as its bytes."""


@dataclass(frozen=True)
class RawObject:
    value: Value
    stream: bytes | None  # a stream's data, exactly as stored


class ParsedValues:
    """Values already parsed, by their bytes: a clinic day's forms repeat most
    of their objects byte for byte (fonts, resources, field dictionaries),
    so each is parsed once per bundle. Bounded; the oldest go first. The
    values are shared: whoever reads them must not change them."""

    def __init__(self, limit: int = 4096) -> None:
        self._values: dict[bytes, tuple[Value, int]] = {}
        self._limit = limit

    def parse(self, data: bytes, start: int) -> tuple[Value, int]:
        # The value ends before the first "stream" or "endobj" after it,
        # unless one is inside a string: then it is parsed but not kept.
        found = _VALUE_END.search(data, start)
        stop = found.start() if found else len(data)
        key = data[start:stop]
        kept = self._values.get(key)
        if kept is not None:
            return kept[0], start + kept[1]
        value, end = _parse(data, start)
        if end <= stop:
            if len(self._values) >= self._limit:
                del self._values[next(iter(self._values))]
            self._values[key] = (value, end - start)
        return value, end


class RawPdf:
    """One PDF's objects, found through its cross-reference tables."""

    def __init__(self, data: bytes, parsed: ParsedValues | None = None) -> None:
        self.data = data
        self.offsets: dict[int, int] = {}
        self._parsed = parsed
        self.root = self._read_tables()

    def _read_tables(self) -> int:
        found = list(_STARTXREF.finditer(self.data, max(0, len(self.data) - 1024)))
        if not found:
            raise NotPlain("no startxref")
        position: int | None = int(found[-1].group(1))
        root: int | None = None
        seen = set()
        while position is not None:
            if position in seen or not self.data.startswith(b"xref", position):
                raise NotPlain("not a classic cross-reference table")
            seen.add(position)
            position = self._read_table(position + 4)
            trailer, _ = _parse(self.data, _expect(self.data, position, b"trailer"))
            if not isinstance(trailer, dict):
                raise NotPlain("trailer")
            if root is None:
                root_ref = trailer.get(b"/Root")
                if not isinstance(root_ref, Ref):
                    raise NotPlain("no /Root")
                root = root_ref.number
            if b"/XRefStm" in trailer or b"/Encrypt" in trailer:
                raise NotPlain("hybrid or encrypted file")
            previous = trailer.get(b"/Prev")
            position = int(previous) if isinstance(previous, bytes) and previous.isdigit() else None
            if previous is not None and position is None:
                raise NotPlain("/Prev")
        assert root is not None
        return root

    def _read_table(self, position: int) -> int:
        """Reads one table's entries (newer tables were read first and win);
        returns where its trailer starts."""
        data = self.data
        while True:
            while data[position : position + 1] in (b" ", b"\r", b"\n"):
                position += 1
            subsection = _XREF_SUBSECTION.match(data, position)
            if subsection is None:
                return position
            first, count = int(subsection.group(1)), int(subsection.group(2))
            position = subsection.end()
            for index in range(count):
                entry = data[position : position + 20]
                if len(entry) != 20 or entry[17:18] not in (b"n", b"f") or not entry[:10].isdigit():
                    raise NotPlain("cross-reference entry")
                if entry[17:18] == b"n":
                    self.offsets.setdefault(first + index, int(entry[:10]))
                else:
                    self.offsets.setdefault(first + index, -1)
                position += 20

    def object(self, number: int) -> RawObject:
        offset = self.offsets.get(number, -1)
        header = _OBJECT_HEADER.match(self.data, offset) if offset >= 0 else None
        if header is None or int(header.group(1)) != number:
            raise NotPlain(f"object {number}")
        if self._parsed is None:
            value, position = _parse(self.data, header.end())
        else:
            value, position = self._parsed.parse(self.data, header.end())
        stream_start = _STREAM_START.match(self.data, position)
        if stream_start is None:
            return RawObject(value, None)
        length = value.get(b"/Length") if isinstance(value, dict) else None
        if not (isinstance(length, bytes) and length.isdigit()):
            raise NotPlain(f"object {number}: stream length")
        end = stream_start.end() + int(length)
        if _STREAM_END.match(self.data, end) is None:
            raise NotPlain(f"object {number}: stream length does not meet endstream")
        return RawObject(value, self.data[stream_start.end() : end])

    def dictionary(self, number: int) -> dict[bytes, Value]:
        value = self.object(number).value
        if not isinstance(value, dict):
            raise NotPlain(f"object {number} is not a dictionary")
        return value

    def pages(self) -> list[int]:
        """The page objects' numbers, in order."""
        catalog = self.dictionary(self.root)
        tree = catalog.get(b"/Pages")
        if not isinstance(tree, Ref):
            raise NotPlain("no page tree")
        pages: list[int] = []
        self._collect_pages(tree.number, pages, depth=0)
        return pages

    def _collect_pages(self, number: int, pages: list[int], depth: int) -> None:
        node = self.dictionary(number)
        kind = node.get(b"/Type")
        if kind == b"/Page":
            if any(key not in node for key in (b"/Resources", b"/MediaBox")):
                raise NotPlain("a page takes attributes from its parent")
            pages.append(number)
            return
        if kind != b"/Pages" or depth > 32 or any(key in node for key in _INHERITABLE):
            raise NotPlain("page tree")
        kids = node.get(b"/Kids")
        if not isinstance(kids, list):
            raise NotPlain("page tree")
        for kid in kids:
            if not isinstance(kid, Ref):
                raise NotPlain("page tree")
            self._collect_pages(kid.number, pages, depth + 1)


def serialise(value: Value, renumber: dict[int, int]) -> bytes:
    """`value` written back, its references renumbered by `renumber`."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, Ref):
        return b"%d 0 R" % renumber[value.number]
    if isinstance(value, list):
        return b"[" + b" ".join(serialise(item, renumber) for item in value) + b"]"
    return b"<<" + b"".join(key + b" " + serialise(item, renumber) + b"\n" for key, item in value.items()) + b">>"


def references(value: Value) -> list[int]:
    """The objects `value` refers to, in the order written."""
    if isinstance(value, Ref):
        return [value.number]
    if isinstance(value, list):
        return [number for item in value for number in references(item)]
    if isinstance(value, dict):
        return [number for item in value.values() for number in references(item)]
    return []


def _expect(data: bytes, position: int, keyword: bytes) -> int:
    while data[position : position + 1] in (b" ", b"\r", b"\n", b"\t", b"\x00", b"\x0c"):
        position += 1
    if not data.startswith(keyword, position):
        raise NotPlain(f"expected {keyword.decode()}")
    return position + len(keyword)


def _parse(data: bytes, position: int) -> tuple[Value, int]:
    """The value that starts at `position`, and where it ends."""
    stack: list[list[Value] | dict[bytes, Value]] = []
    pending_keys: list[bytes | None] = []
    while True:
        token = _TOKEN.match(data, position)
        if token is None:
            raise NotPlain(f"unreadable at byte {position}")
        position = token.end()
        kind = token.lastgroup
        if kind == "number":
            kind = "reference"  # the inner group of a reference
        value: Value
        if kind == "comment":
            continue
        if kind in ("open_dict", "open_array"):
            if len(stack) >= _MAX_DEPTH:
                raise NotPlain(f"nested too deeply at byte {position}")
            stack.append({} if kind == "open_dict" else [])
            pending_keys.append(None)
            continue
        if kind in ("close_dict", "close_array"):
            if not stack or isinstance(stack[-1], dict) != (kind == "close_dict") or pending_keys[-1] is not None:
                raise NotPlain(f"unbalanced at byte {position}")
            value = stack.pop()
            pending_keys.pop()
        elif kind == "string":
            end = _string_end(data, position)
            value = data[token.start(kind) : end]
            position = end
        elif kind == "reference":
            value = Ref(int(token.group("number")))
        else:
            assert kind is not None
            value = token.group(kind)
        if not stack:
            return value, position
        container = stack[-1]
        if isinstance(container, list):
            container.append(value)
        elif pending_keys[-1] is None:
            if not (isinstance(value, bytes) and value.startswith(b"/")):
                raise NotPlain(f"a dictionary key that is not a name at byte {position}")
            pending_keys[-1] = value
        else:
            key = pending_keys[-1]
            assert key is not None
            container[key] = value
            pending_keys[-1] = None


def _string_end(data: bytes, position: int) -> int:
    """Where the literal string whose "(" ends at `position` ends (after its ")")."""
    depth = 1
    while depth:
        if position >= len(data):
            raise NotPlain("unterminated string")
        byte = data[position]
        if byte == 0x5C:  # backslash: the next byte is escaped
            position += 2
            continue
        if byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
        position += 1
    return position
