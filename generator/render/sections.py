"""The sections consent adds to every form, drawn the same on every one:
"Check your understanding" (the form's teach-back questions, a box for the
clinician to tick beside each, and a box for their initials) and, where the
form asks it, consent to photographs (agree or do not agree, for the medical
record and for teaching).

Each box is drawn on the page, so it prints clearly and can be ticked with a
pen, and carries a form field of the same size, so it can be ticked on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from generator.document import Photographs, TeachBack
from generator.render.fields import add_checkbox_field, add_text_field
from generator.render.paragraphs import Paragraph
from generator.render.typesetting import INK, Styles, markup

BOX = 4.6 * mm  # a tick box: big enough to tick with a pen
LINE_GAP = 5 * mm


@dataclass(frozen=True)
class Option:
    """One tick box: its field's name, the words beside it, and the field's tooltip."""

    field_name: str
    label: str
    tooltip: str


class _ChoiceRow(Flowable):
    """A question or statement with tick boxes on its right, each labelled."""

    def __init__(self, text: str, options: tuple[Option, ...], option_width: float, styles: Styles) -> None:
        super().__init__()
        self._text = Paragraph(markup(text), styles.bullet, bulletText="\u2022")
        self._options = options
        self._labels = [Paragraph(markup(option.label), styles.printed) for option in options]
        self._option_width = option_width

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        text_width = available_width - self._option_width * len(self._options) - LINE_GAP
        _, self._text_height = self._text.wrap(text_width, available_height)
        label_width = self._option_width - BOX - 2 * mm
        self._label_height = max(label.wrap(label_width, available_height)[1] for label in self._labels)
        self.height = max(self._text_height, BOX, self._label_height) + 3 * mm
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        top = self.height - 1.5 * mm
        self._text.drawOn(canvas, 0, top - self._text_height)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        x = self.width - self._option_width * len(self._options)
        box_bottom = top - BOX
        for option, label in zip(self._options, self._labels, strict=True):
            canvas.rect(x, box_bottom, BOX, BOX)
            add_checkbox_field(canvas, option.field_name, option.tooltip, x, box_bottom, BOX)
            label.drawOn(canvas, x + BOX + 2 * mm, box_bottom + (BOX - label.height) / 2)
            x += self._option_width


class _InitialsRow(Flowable):
    """Words on the left, a box on the right to write initials in."""

    BOX_WIDTH = 24 * mm
    BOX_HEIGHT = 11 * mm

    def __init__(self, text: str, field_name: str, styles: Styles) -> None:
        super().__init__()
        self._text = Paragraph(markup(text), styles.signer)
        self._field_name = field_name
        self._tooltip = text

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, self._text_height = self._text.wrap(available_width - self.BOX_WIDTH - LINE_GAP, available_height)
        self.height = max(self._text_height, self.BOX_HEIGHT) + 3 * mm
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        top = self.height - 1.5 * mm
        box_bottom = top - self.BOX_HEIGHT
        self._text.drawOn(canvas, 0, box_bottom + (self.BOX_HEIGHT - self._text_height) / 2)
        box_left = self.width - self.BOX_WIDTH
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.rect(box_left, box_bottom, self.BOX_WIDTH, self.BOX_HEIGHT)
        add_text_field(
            canvas,
            self._field_name,
            self._tooltip,
            box_left + 0.8 * mm,
            box_bottom + 0.6 * mm,
            self.BOX_WIDTH - 1.6 * mm,
            self.BOX_HEIGHT - 1.2 * mm,
            max_length=8,
        )


def teach_back_flowables(teach_back: TeachBack, styles: Styles) -> list[Flowable]:
    """The heading, what the clinician does, each question with its tick box,
    then the clinician's initials. Fields: teach_back_<question id>, teach_back_initials."""
    option_width = 30 * mm
    rows: list[Flowable] = [
        _ChoiceRow(
            question.text,
            (Option(f"teach_back_{question.id}", teach_back.tick_label, f"{teach_back.tick_label}: {question.text}"),),
            option_width,
            styles,
        )
        for question in teach_back.questions
    ]
    initials = _InitialsRow(teach_back.initials_label, "teach_back_initials", styles)
    return [*_opening(teach_back.heading, teach_back.instructions, rows, styles), initials, Spacer(0, 2 * mm)]


def photographs_flowables(photographs: Photographs, styles: Styles) -> list[Flowable]:
    """The heading, the instructions, and each question with agree and do-not-agree
    boxes. Fields: photographs_<choice>_agree, photographs_<choice>_decline."""
    option_width = 34 * mm
    rows: list[Flowable] = [
        _ChoiceRow(
            choice.text,
            (
                Option(f"photographs_{choice.id}_agree", photographs.agree, f"{photographs.agree}: {choice.text}"),
                Option(
                    f"photographs_{choice.id}_decline", photographs.decline, f"{photographs.decline}: {choice.text}"
                ),
            ),
            option_width,
            styles,
        )
        for choice in photographs.choices
    ]
    return [*_opening(photographs.heading, photographs.instructions, rows, styles), Spacer(0, 2 * mm)]


def _opening(heading: str, instructions: str, rows: list[Flowable], styles: Styles) -> list[Flowable]:
    """The heading and instructions stay on the page of the first question."""
    first = [Paragraph(markup(heading), styles.heading), Paragraph(markup(instructions), styles.body), *rows[:1]]
    return [KeepTogether(first), *rows[1:]]
