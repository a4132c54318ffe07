"""Paragraphs laid out and drawn once, then reused for every patient.

A clinic day repeats the same body text on every form of one form, version
and language. Parsing its markup, breaking its lines and turning them into
PDF text operators was about a third of the work of each form. Here a
paragraph's line breaks and drawing are kept in a `ParagraphCache` the
first time, keyed by its markup, bullet, style and width, and reused:
drawing a paragraph is a translation followed by the same operators, so
what it draws does not depend on where it lands on the page.

What makes the reuse exact is the font codes. ReportLab gives each
character beyond ASCII a code in the order a document first uses it, so
the same text could be encoded differently for a patient whose name brings
an "é" first. `give_fixed_codes` assigns the form's own characters
(`compose.fixed_characters`: the form's text, its wording, the letterhead)
at the start of every document, whether or not a cache is used, so they
have the same codes in every document of the form. A paragraph is only
kept if every character it draws is ASCII or one of those, if drawing it
gave no character a new code, and if it did nothing but append operators;
when it is reused, the fonts it names must have the same names in this
document, or it is drawn afresh. A mismatch costs a fresh layout, never a
wrong page; `tests/test_layout_cache.py` requires byte-identical PDFs with
the cache and without it.

The cache is made active for one `render_pdf` call with `using`, a context
variable: never process-wide, and each thread (the desk's worker threads)
sees only its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph as ReportLabParagraph

from generator.render import reportlab_internals as internals

_ACTIVE: ContextVar[ParagraphCache | None] = ContextVar("consent_paragraph_cache", default=None)
_SUBSET_FONT = re.compile(r"/([^\s/+]+)\+(\d+) ")
_FONT_SET = re.compile(r"/(\S+) [-\d.]+ Tf")
_SUBSET_NAME = re.compile(r"[^\s/+]+\+\d+")
_ASCII_PRINTABLE = frozenset(chr(code) for code in range(32, 127))


@dataclass
class Drawn:
    """Operators a drawing appended to the page, and the font subsets they name."""

    operators: tuple[str, ...]
    # (font, subset, its PDF name when recorded), in the order first used.
    subsets: tuple[tuple[str, int, str], ...]


@dataclass
class _Layout:
    height: float
    drawn: Drawn | None = None
    drawable: bool = True  # False once a drawing was found not to be reusable


class ParagraphCache:
    """Line breaks and drawings of paragraphs, for one form, version,
    language and clinic (`fixed_characters` differ between them), bounded
    to `limit` entries (the oldest go first)."""

    def __init__(self, fixed_characters: str, limit: int = 4096) -> None:
        self.fixed_characters = fixed_characters
        # A no-break space is drawn as a space (code 32) by ReportLab.
        self._reusable = _ASCII_PRINTABLE | frozenset(fixed_characters) | {"\xa0"}
        self._limit = limit
        self._layouts: dict[tuple[Any, ...], _Layout] = {}
        # Styles are kept alive so that their ids in the keys are never reused.
        self._styles: dict[int, ParagraphStyle] = {}
        # Other pieces of a document that repeat from patient to patient (a
        # font subset's compressed bytes, a field's empty appearance), by
        # what decides their bytes.
        self._pieces: dict[tuple[Any, ...], Any] = {}
        self._pieces_limit = 256
        # Whole documents' page layouts (see `replay`), by page geometry and
        # story, most recently used first.
        self._page_layouts: dict[tuple[Any, ...], list[Any]] = {}
        self.hits = 0
        self.misses = 0
        self.replays = 0  # documents made from a recorded page layout
        self.replays_refused = 0  # recorded layouts tried that did not fit

    def page_layouts(self, key: tuple[Any, ...]) -> list[Any]:
        return list(self._page_layouts.get(key, ()))

    def keep_page_layout(self, key: tuple[Any, ...], layout: Any, limit: int = 4) -> None:
        """Keep `layout` first among those for `key` (at most `limit` per key,
        and at most 16 keys: the oldest go first)."""
        layouts = [known for known in self._page_layouts.pop(key, []) if known is not layout]
        if len(self._page_layouts) >= 16:
            del self._page_layouts[next(iter(self._page_layouts))]
        self._page_layouts[key] = [layout, *layouts][:limit]

    def remember(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """`make()`, or what it gave the last time for `key` (bounded: the oldest go first)."""
        try:
            return self._pieces[key]
        except KeyError:
            pass
        value = make()
        if len(self._pieces) >= self._pieces_limit:
            del self._pieces[next(iter(self._pieces))]
        self._pieces[key] = value
        return value

    def layout(
        self, text: str, bullet: Any, style: ParagraphStyle, width: float
    ) -> tuple[tuple[Any, ...], _Layout | None]:
        self._styles.setdefault(id(style), style)
        key = (text, bullet, id(style), width)
        layout = self._layouts.get(key)
        if layout is None:
            self.misses += 1
        else:
            self.hits += 1
        return key, layout

    def keep(self, key: tuple[Any, ...], height: float) -> _Layout:
        if len(self._layouts) >= self._limit:
            del self._layouts[next(iter(self._layouts))]
        layout = self._layouts[key] = _Layout(height)
        return layout

    def reuses(self, paragraph: Paragraph) -> bool:
        """Whether every character `paragraph` (made with a cache) can draw has
        the same code in every document: ASCII or fixed. Tags, and the
        entities for &, <, > and the no-break space, are ASCII, so the
        characters drawn are those of its markup and its bullet."""
        text, bullet = paragraph._source
        return isinstance(bullet, str | None) and (set(text) | set(bullet or "")) <= self._reusable

    def __len__(self) -> int:
        return len(self._layouts)


def remembered(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """`make()`, kept by the active cache under `key` when there is one."""
    cache = _ACTIVE.get()
    return make() if cache is None else cache.remember(key, make)


@contextmanager
def using(cache: ParagraphCache | None) -> Iterator[None]:
    """Paragraphs made inside the block use `cache` (None: no cache)."""
    token = _ACTIVE.set(cache)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def give_fixed_codes(canvas: Canvas, fonts: tuple[str, ...], characters: str) -> None:
    """Give `characters` their codes in each of `fonts`, in order, before
    anything is drawn: the same codes in every document. A character a font
    lacks is left out of that font."""
    if not characters:
        return
    document = internals.pdf_document(canvas)
    for name in fonts:
        pdfmetrics.getFont(name).splitString(characters, document)


def _parsed(name: str) -> property:
    """An attribute ReportLab's Paragraph constructor sets from the parsed
    markup: with a cache, the markup is parsed when it is first read (a
    reused layout never reads it)."""

    def get(self: Paragraph) -> Any:
        values = self.__dict__
        if name not in values:
            arguments = values.pop("_arguments", None)
            if arguments is None:
                raise AttributeError(name)
            ReportLabParagraph.__init__(self, *arguments)
        return values[name]

    def put(self: Paragraph, value: Any) -> None:
        self.__dict__[name] = value

    return property(get, put)


def content_key(flowable: Any) -> tuple[Any, ...] | None:
    """What decides a paragraph's drawing (markup, bullet, style), for one made
    with a cache; None for any other."""
    source = getattr(flowable, "_source", None)
    if not isinstance(flowable, Paragraph) or source is None:
        return None
    return ("paragraph", *source, id(flowable._given_style))


@dataclass(frozen=True)
class Watch:
    """What a drawing can change, noted before it starts (see `drawing_since`)."""

    start: int  # operators on the page so far
    codes: tuple[int, ...]  # characters each TrueType font has given a code
    effects: tuple[int, ...]  # objects, annotations, form XObjects


def watch(canvas: Canvas) -> Watch:
    document = internals.pdf_document(canvas)
    return Watch(len(internals.drawn_so_far(canvas)), _font_codes(document), internals.side_effects(canvas))


def drawing_since(canvas: Canvas, before: Watch) -> Drawn | None:
    """The operators drawn since `before`, if another document can take them
    as they are: nothing but operators was added (a link or an image would be
    left out of a replay), no font gave a character a new code, and every
    font they set is an embedded subset this document knows; else None."""
    document = internals.pdf_document(canvas)
    drawn = tuple(internals.drawn_so_far(canvas)[before.start :])
    if internals.side_effects(canvas) != before.effects or _font_codes(document) != before.codes:
        return None
    subsets = subsets_named(drawn, document)
    return None if subsets is None else Drawn(drawn, subsets)


def _font_codes(document: Any) -> tuple[int, ...]:
    return tuple(internals.font_codes_given(font, document) for font in _dynamic_fonts())


class Paragraph(ReportLabParagraph):
    """ReportLab's Paragraph, reusing line breaks and drawing from the active
    `ParagraphCache` (and exactly ReportLab's when none is active)."""

    text = _parsed("text")
    frags = _parsed("frags")
    bulletText = _parsed("bulletText")
    debug = _parsed("debug")
    caseSensitive = _parsed("caseSensitive")
    encoding = _parsed("encoding")

    def __init__(
        self,
        text: str | None,
        style: ParagraphStyle | None = None,
        bulletText: Any = None,  # ReportLab's argument names: split() passes them by keyword
        frags: Any = None,
        caseSensitive: int = 1,
        encoding: str = "utf8",
    ) -> None:
        cache = _ACTIVE.get()
        self._layout: _Layout | None = None
        self._reused = False
        if cache is None or frags is not None or text is None or style is None:
            self._cache = None
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            return
        self._cache = cache
        # Parsed on first use (see _parsed): a reused layout never needs it.
        self._arguments = (text, style, bulletText, frags, caseSensitive, encoding)
        self._given_style = self.style = style
        self._source = (text, bulletText or getattr(style, "bulletText", None))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        cache = self._cache
        self._layout, self._reused = None, False
        if cache is None or availWidth < 1e-8:
            return super().wrap(availWidth, availHeight)
        key, layout = cache.layout(*self._source, self._given_style, availWidth)
        if layout is not None:
            self.width, self.height = availWidth, layout.height
            self._layout, self._reused = layout, True
            self.__dict__.pop("blPara", None)
            return availWidth, layout.height
        width, height = super().wrap(availWidth, availHeight)
        if self.style is self._given_style:  # else its markup changed its style: not kept
            self._layout = cache.keep(key, height)
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        self._lay_out_for_real()
        return super().split(availWidth, availHeight)

    def minWidth(self) -> float:
        self.frags  # noqa: B018 (parses it)
        return super().minWidth()

    def _lay_out_for_real(self) -> None:
        """Break the lines for real where a kept layout stood in (to split or draw it)."""
        if self._reused:
            self._reused = False
            super().wrap(self.width, 0x7FFFFFFF)

    def draw(self) -> None:
        layout = self._layout
        if layout is None:
            super().draw()
            return
        if layout.drawn is not None and replay_drawing(self.canv, layout.drawn):
            return
        self._lay_out_for_real()
        if layout.drawn is None and layout.drawable:
            self._record(layout)
        else:
            super().draw()

    def _record(self, layout: _Layout) -> None:
        cache = self._cache
        assert cache is not None
        before = watch(self.canv)
        super().draw()
        drawn = drawing_since(self.canv, before) if cache.reuses(self) else None
        if drawn is not None:
            layout.drawn = drawn
        else:
            layout.drawable = False


def _dynamic_fonts() -> list[Any]:
    """Every registered font that gives character codes per document (TrueType)."""
    fonts = (pdfmetrics.getFont(name) for name in pdfmetrics.getRegisteredFontNames())
    return [font for font in fonts if getattr(font, "_dynamicFont", False)]


def subsets_named(operators: tuple[str, ...], document: Any) -> tuple[tuple[str, int, str], ...] | None:
    """Which font subsets the operators name, as (font, subset, PDF name);
    None if one is not a subset of a font this document knows."""
    by_pdf_name = {pdf_name.lstrip("/"): font for font, pdf_name in internals.font_pdf_names(document).items()}
    found: dict[str, tuple[str, int, str]] = {}
    for operator in operators:
        # A font that is not a subset of an embedded font (a standard font)
        # could be named otherwise in another document, unchecked.
        if any(not _SUBSET_NAME.fullmatch(name) for name in _FONT_SET.findall(operator)):
            return None
        for match in _SUBSET_FONT.finditer(operator):
            internal, subset = match.group(1), int(match.group(2))
            font = by_pdf_name.get(internal)
            if font is None:
                return None
            found.setdefault(f"{internal}+{subset}", (font, subset, f"/{internal}+{subset}"))
    return tuple(found.values())


def replay_drawing(canvas: Canvas, drawn: Drawn) -> bool:
    """Append a recorded drawing if its fonts have the same names in this
    document (naming them, as drawing would, registers them in order)."""
    document = internals.pdf_document(canvas)
    for font, subset, pdf_name in drawn.subsets:
        try:
            if pdfmetrics.getFont(font).getSubsetInternalName(subset, document) != pdf_name:
                return False
        except IndexError:  # this document has not reached that subset
            return False
    internals.drawn_so_far(canvas).extend(drawn.operators)
    return True


class LayoutCaches:
    """One `ParagraphCache` per form, version, language and clinic page set-up,
    never shared between them; at most `limit` at once (the oldest go first).
    A batch worker holds one for its whole run."""

    def __init__(self, limit: int = 8) -> None:
        self._limit = limit
        self._caches: dict[tuple[Any, ...], ParagraphCache] = {}

    def get(self, key: tuple[Any, ...], fixed_characters: str) -> ParagraphCache:
        full_key = (*key, fixed_characters)
        cache = self._caches.get(full_key)
        if cache is None:
            if len(self._caches) >= self._limit:
                del self._caches[next(iter(self._caches))]
            cache = self._caches[full_key] = ParagraphCache(fixed_characters)
        return cache

    def __len__(self) -> int:
        return len(self._caches)
