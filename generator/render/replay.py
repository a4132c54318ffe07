"""Whole forms laid out once per form version: page breaks and positions
recorded, then replayed for the next patient, drawing only what differs.

`paragraphs` reuses each paragraph's drawing, but ReportLab's layout loop
still ran for every patient: frames, keep-together groups, splits, and
each flowable's wrap and draw. Here the first document of a page geometry
and story shape is laid out normally while a `Recorder` watches its frame:
for each flowable placed on each page, either the operators it drew (a
paragraph or spacer of the form's own text, see `paragraphs`) or, for
anything else (the patient's details, initials boxes, signature blocks,
any field or image), where the frame stood before and after it.

A later patient's document is then made by `replay`: each page is begun as
ReportLab begins it (its header and footer drawn afresh), recorded
drawings are appended if the story holds the same paragraph in the same
place, and everything else is placed by the frame itself from the
recorded position, which must then end where it ended before. Any
difference (a name that wraps onto another line, a different paragraph, a
font named otherwise) raises `Mismatch` before the document is finished,
and the caller throws it away and lays the form out normally: a mismatch
costs one full layout, never a wrong page. `tests/test_layout_cache.py`
requires byte-identical PDFs either way.

A layout is only kept if the recording accounts for every operator of
every page, and every flowable it must place again is one of the story's
own (not a piece ReportLab split off one).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, BinaryIO

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, Spacer
from reportlab.platypus import Paragraph as ReportLabParagraph

from generator.render import reportlab_internals as internals
from generator.render.paragraphs import (
    Drawn,
    ParagraphCache,
    Watch,
    content_key,
    drawing_since,
    replay_drawing,
    watch,
)

Path = tuple[int, ...]


class Mismatch(Exception):
    """This document does not lay out as the recorded one did."""


@dataclass(frozen=True)
class _Replayed:
    """A flowable drawn from its recorded operators when the story holds the
    same one; otherwise (a paragraph that names the patient) placed by the
    frame like any other, if it is one of the story's own."""

    source: Path  # the story's flowable (or the one it was split from)
    content: tuple[Any, ...]
    drawn: Drawn
    placed: _Placed | None


@dataclass(frozen=True)
class _Placed:
    """A flowable placed by the frame again, from where the frame stood."""

    path: Path
    before: tuple[Any, ...]
    after: tuple[Any, ...]


@dataclass(frozen=True)
class PageLayout:
    pages: tuple[tuple[_Replayed | _Placed, ...], ...]


def story_paths(story: list[Flowable]) -> dict[Path, Flowable]:
    """Every flowable of the story, and of its keep-together groups, by place."""
    paths: dict[Path, Flowable] = {}

    def walk(flowables: list[Flowable], prefix: Path) -> None:
        for index, flowable in enumerate(flowables):
            paths[(*prefix, index)] = flowable
            if isinstance(flowable, KeepTogether):
                walk(internals.kept_together(flowable), (*prefix, index))

    walk(story, ())
    return paths


def story_shape(paths: dict[Path, Flowable]) -> tuple[tuple[Any, ...], ...]:
    """The kind of flowable in each place, and what besides its height decides
    where ReportLab breaks pages around it: a recorded layout is only tried on
    a story of the same shape. (A subheading and a bullet of the same height
    differ in keeping with what follows: found in review.)"""
    return tuple((path, type(flowable).__name__, *_breaking(flowable)) for path, flowable in paths.items())


def _breaking(flowable: Flowable) -> tuple[Any, ...]:
    style = flowable.style if isinstance(flowable, ReportLabParagraph) else None
    return (flowable.getKeepWithNext(), flowable.getSpaceBefore(), flowable.getSpaceAfter(), id(style))


def _content(flowable: Flowable) -> tuple[Any, ...] | None:
    if type(flowable) is Spacer:
        return ("spacer", flowable.width, flowable.height)
    return content_key(flowable)


class Recorder:
    """Watches a normal layout (through `RecordingFrame` and the page hooks)
    and makes its `PageLayout`, or finds that it cannot."""

    def __init__(self, story: list[Flowable], cache: ParagraphCache) -> None:
        self._by_path = story_paths(story)
        self._paths = {id(flowable): path for path, flowable in self._by_path.items()}
        self._keep_alive: list[Flowable] = []  # split pieces, so that their ids stay theirs
        self._origins: dict[int, Path] = {}
        self._cache = cache
        self._pages: list[list[_Replayed | _Placed]] = []
        self._expected = -1
        self.complete = True

    def layout(self) -> PageLayout | None:
        if not self.complete or not self._pages:
            return None
        return PageLayout(tuple(tuple(page) for page in self._pages))

    def page_begun(self, canvas: Canvas) -> None:
        """After a page's header and footer: the frame's flowables come next."""
        self._pages.append([])
        self._expected = len(internals.drawn_so_far(canvas))

    def page_ending(self, canvas: Canvas) -> None:
        if len(internals.drawn_so_far(canvas)) != self._expected:
            self.complete = False  # something drew outside the frame's flowables

    def split_into(self, flowable: Flowable, pieces: list[Flowable]) -> None:
        origin = self._paths.get(id(flowable)) or self._origins.get(id(flowable))
        self._keep_alive += pieces
        if origin is not None:
            for piece in pieces:
                if id(piece) not in self._paths:
                    self._origins[id(piece)] = origin

    def before(self, frame: Frame, canvas: Canvas) -> tuple[Watch, tuple[Any, ...]]:
        if len(internals.drawn_so_far(canvas)) != self._expected or not self._pages:
            self.complete = False
        return watch(canvas), internals.frame_state(frame)

    def after(self, frame: Frame, flowable: Flowable, canvas: Canvas, before: tuple[Watch, tuple[Any, ...]]) -> None:
        noted, state_before = before
        self._expected = len(internals.drawn_so_far(canvas))
        if getattr(flowable, "frameAction", None):
            if self._expected != noted.start:
                self.complete = False
            return
        if not self._pages:
            self.complete = False
            return
        path = self._paths.get(id(flowable))
        source = path or self._origins.get(id(flowable))
        origin = None if source is None else self._by_path.get(source)
        content = None if origin is None else _content(origin)
        drawn = drawing_since(canvas, noted)
        if (
            source is not None
            and origin is not None
            and content is not None
            and drawn is not None
            and (content[0] == "spacer" or self._cache.reuses(origin))
        ):
            placed = None if path is None else _Placed(path, state_before, internals.frame_state(frame))
            self._pages[-1].append(_Replayed(source, content, drawn, placed))
        elif path is not None:
            self._pages[-1].append(_Placed(path, state_before, internals.frame_state(frame)))
        else:
            self.complete = False  # a piece split off a flowable that is drawn afresh


class RecordingFrame(Frame):
    """A frame that tells its `recorder` (when it has one) what it places."""

    recorder: Recorder | None = None

    def _add(self, flowable: Flowable, canv: Canvas, trySplit: int = 0) -> int:  # ReportLab's argument names
        recorder = self.recorder
        if recorder is None:
            return Frame._add(self, flowable, canv, trySplit)
        before = recorder.before(self, canv)
        placed: int = Frame._add(self, flowable, canv, trySplit)
        if placed:
            recorder.after(self, flowable, canv, before)
        return placed

    add = _add

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordingFrame:
        # ReportLab deep-copies the frame to measure a keep-together group: the
        # copy must not record (nor copy the recorder), and numbers and names
        # need no copying.
        clone = copy.copy(self)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            if not isinstance(value, int | float | str | bool | type(None)) and name != "recorder":
                setattr(clone, name, copy.deepcopy(value, memo))
        clone.recorder = None
        return clone

    def split(self, flowable: Flowable, canv: Canvas) -> list[Flowable]:
        pieces: list[Flowable] = Frame.split(self, flowable, canv)
        if self.recorder is not None:
            self.recorder.split_into(flowable, pieces)
        return pieces


def replay(
    layout: PageLayout, template: BaseDocTemplate, story: list[Flowable], stream: BinaryIO, canvasmaker: Any
) -> None:
    """Make the document `template` would make of `story` from `layout`;
    raises Mismatch (the document is then to be thrown away) where it differs."""
    paths = story_paths(story)
    canvas = internals.start_build(template, stream, canvasmaker)
    for number, page in enumerate(layout.pages):
        if number:
            internals.next_page(template)
        for placement in page:
            if isinstance(placement, _Replayed):
                flowable = paths.get(placement.source)
                if flowable is not None and _content(flowable) == placement.content:
                    if not replay_drawing(canvas, placement.drawn):
                        raise Mismatch("a font is named otherwise")
                    continue
                if placement.placed is None:
                    raise Mismatch(f"a different flowable at {placement.source}, split across pages")
                placement = placement.placed
            frame = template.frame
            internals.set_frame_state(frame, placement.before)
            if not frame._add(paths[placement.path], canvas) or internals.frame_state(frame) != placement.after:
                raise Mismatch(f"the flowable at {placement.path} takes other room")
    internals.end_build(template)
