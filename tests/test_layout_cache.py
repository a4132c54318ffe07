"""Reusing laid-out paragraphs across patients changes no byte of any form.

Every built-in and example form, in every language it has, on three page
set-ups (no letterhead; the example clinic's letterhead and SVG logo; a
clinic on Letter paper with a PNG logo and accented name), for patients
chosen to change the layout: long names that wrap, a guardian, an
interpreter, right-to-left and CJK names, markup in a name, an awkward
record number. Each form is made without a cache and with a batch
worker's caches, in order and then in reverse (so a warm cache meets each
patient), and the PDFs must be identical.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, PageTemplate

from generator.api import make_form
from generator.compose import compose
from generator.config import Clinic
from generator.definitions.forms import Form, load_form
from generator.document import Letterhead, document_id
from generator.intake.patient import Patient
from generator.render.fonts import load_fonts
from generator.render.paragraphs import LayoutCaches, ParagraphCache, give_fixed_codes, using
from generator.render.paragraphs import Paragraph as CachedParagraph
from generator.render.replay import Recorder, RecordingFrame

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FORMS = ROOT / "examples" / "clinic" / "forms"
DAY = date(2026, 12, 1)


def patients(language: str) -> list[Patient]:
    adult = date(1980, 5, 17)
    long_family = "de los Santos Łukasiewicz-Nguyễn de la Torre y Fernández-Ochoa"
    return [
        Patient("Ana", "Ruiz", adult, "00123", DAY, "Dr Lee", language=language),
        Patient("María José Fernanda Alejandra", long_family, adult, "000456", DAY, "Dr Siobhán Ní Bhriain",
                language=language),
        Patient("Tom", "O'Brien", date(2012, 2, 29), "00789", DAY, "Dr Lee", language=language,
                guardian="Zoë O'Brien-Åberg", guardian_relationship="mother"),
        Patient("Jürgen", "Müller", adult, "01002", DAY, "Dr Lee", language=language,
                interpreter="Ngozi Okafor", interpreter_language="Polish"),
        Patient("محمد", "العلي", adult, "01003", DAY, "Dr Lee", language=language),
        Patient("דוד", "כהן", adult, "01004", DAY, "Dr Lee", language=language),
        Patient("小明", "王", adult, "01005", DAY, "Dr 李", language=language),
        Patient("<b>Bob</b> {{7*7}}", "&amp; *Smith*", adult, "01006", DAY, "Dr Lee", language=language),
        Patient("Élodie", "Dupont", adult, "REC/2026:ÅÄÖ-0001%23", DAY, "Dr Lee", language=language),
        # The header is as for Ana, but the details block is taller: a recorded
        # layout must not be replayed below it.
        Patient("Ana", "Ruiz", adult, "00124", DAY, "Dr Maria-Fernanda de los Santos Łukasiewicz y Ochoa",
                language=language),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def clinics(tmp_path_factory) -> dict[str, Clinic | None]:
    folder = tmp_path_factory.mktemp("logo")
    image = Image.new("RGB", (400, 160), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 150, 150), fill=(31, 111, 120))
    image.save(folder / "logo.png")
    return {
        "no letterhead": None,
        "example clinic": Clinic(name="Riverside Skin Clinic", address=("12 River Street", "London N1 2AB"),
                                 phone="020 7946 0000", logo=ROOT / "examples" / "clinic" / "riverside-logo.svg"),
        "letter paper": Clinic(name="Clínica Dermatológica São João", address=("Rua Álvares 5",), paper="letter",
                               logo=folder / "logo.png"),
    }  # fmt: skip


def every_form() -> list[Form]:
    forms = [load_form("laser-acne-scar"), load_form("wart-cryotherapy", [EXAMPLE_FORMS])]
    return forms


@pytest.mark.parametrize(
    ("form", "language"),
    [(form, language) for form in every_form() for language in form.languages],
    ids=lambda value: value.id if isinstance(value, Form) else value,
)
@pytest.mark.parametrize("setup", ["no letterhead", "example clinic", "letter paper"])
def test_the_same_bytes_with_the_layout_cache_and_without(form: Form, language: str, setup: str, clinics) -> None:
    clinic = clinics[setup]
    seal_field = setup == "example clinic"  # a sealed clinic's forms carry the seal's field
    caches = LayoutCaches()
    everyone = patients(language)
    fresh = [make_form(form, patient, clinic, seal_field=seal_field).pdf for patient in everyone]
    cached = [make_form(form, patient, clinic, seal_field=seal_field, caches=caches).pdf for patient in everyone]
    for patient, expected, made in zip(everyone, fresh, cached, strict=True):
        assert made == expected, f"{patient.full_name}: the cache changed the form"
    warm = [make_form(form, patient, clinic, seal_field=seal_field, caches=caches).pdf for patient in everyone[::-1]]
    assert warm == fresh[::-1]
    # The cache was used, not bypassed: one cache for this form, and most
    # paragraphs came from it.
    assert len(caches) == 1
    (cache,) = caches._caches.values()
    assert cache.hits > 3 * cache.misses
    # Whole page layouts were replayed, and some refused (a name wrapping
    # onto another line, a guardian's block): each fell back to a full layout.
    assert cache.replays >= len(everyone) // 2, (cache.replays, cache.replays_refused)
    assert cache.replays_refused > 0


def test_caches_are_never_shared_between_forms_languages_or_clinics(clinics) -> None:
    laser, wart = every_form()
    caches = LayoutCaches(limit=3)
    ana = patients("en")[0]
    make_form(laser, ana, caches=caches)
    make_form(laser, ana, clinics["example clinic"], caches=caches)
    make_form(wart, ana, caches=caches)
    assert len(caches) == 3
    make_form(laser, patients("fr")[0], caches=caches)
    assert len(caches) == 3  # bounded: the oldest went


def test_a_cache_holds_at_most_its_limit_of_paragraphs() -> None:
    cache = ParagraphCache("", limit=5)
    style = ParagraphStyle("body", fontName=load_fonts().regular)
    with using(cache):
        for number in range(12):
            CachedParagraph(f"Paragraph {number}", style).wrap(200, 100)
    assert len(cache) == 5


def drawn(paragraph: CachedParagraph, canvas: Canvas) -> str:
    paragraph.wrap(300, 500)
    paragraph.drawOn(canvas, 50, 400)
    canvas.showPage()
    return canvas.getpdfdata().decode("latin-1")


def test_a_drawing_whose_fonts_are_named_otherwise_is_drawn_afresh(tmp_path: Path) -> None:
    fonts = load_fonts()
    style = ParagraphStyle("body", fontName=fonts.regular)
    text = "Bullets • and dashes — in <b>bold</b> too"
    cache = ParagraphCache("•—")

    def canvas(bold_first: bool) -> Canvas:
        made = Canvas(str(tmp_path / "x.pdf"), invariant=1)
        give_fixed_codes(made, (fonts.regular, fonts.bold), "—•")
        if bold_first:  # the bold font is named first (F1) in this document
            made.setFont(fonts.bold, 10)
            made.drawString(10, 10, "x")
        return made

    with using(cache):
        recorded = drawn(CachedParagraph(text, style), canvas(bold_first=False))
        reused = drawn(CachedParagraph(text, style), canvas(bold_first=True))
    assert cache.hits == 1
    with using(None):
        assert recorded == drawn(CachedParagraph(text, style), canvas(bold_first=False))
        assert reused == drawn(CachedParagraph(text, style), canvas(bold_first=True))


@pytest.mark.parametrize(
    ("fixed", "given_first"),
    [
        # "é" is not one of the form's characters: the code it has depends on
        # what the document drew before (here its first use was elsewhere).
        ("", "é"),
        # "é" is one of the form's characters, but this document never gave it
        # its code up front, so drawing the paragraph gives it one.
        ("é", ""),
    ],
    ids=["a character only a patient brings", "a form character without its fixed code"],
)
def test_a_drawing_that_depends_on_what_came_before_is_never_reused(
    tmp_path: Path, fixed: str, given_first: str
) -> None:
    fonts = load_fonts()
    style = ParagraphStyle("body", fontName=fonts.regular)
    cache = ParagraphCache(fixed)

    def canvas(first: str) -> Canvas:
        made = Canvas(str(tmp_path / "x.pdf"), invariant=1)
        if first:
            made.setFont(fonts.regular, 10)
            made.drawString(10, 10, first)
        return made

    with using(cache):
        drawn(CachedParagraph("Café", style), canvas(given_first))
        reused = drawn(CachedParagraph("Café", style), canvas("ß"))
    assert cache.hits == 1
    with using(None):
        assert reused == drawn(CachedParagraph("Café", style), canvas("ß"))


def test_the_document_id_is_still_the_digest_of_everything_the_document_says() -> None:
    # document_id no longer calls dataclasses.asdict (its deep copy was a
    # tenth of a batch form's layout); the id must not change with it.
    for form in every_form():
        for language in form.languages:
            for patient in patients(language):
                document = compose(form, patient, Letterhead("Clínica Río", ("1 Road",), "020"))
                canonical = json.dumps(asdict(document), sort_keys=True, ensure_ascii=False, default=str)
                assert document_id(document) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@pytest.mark.parametrize("boundary", [False, True], ids=["plain frame", "frame with a drawn boundary"])
def test_a_layout_is_kept_only_if_the_recording_accounts_for_every_operator(boundary: bool) -> None:
    # A frame boundary is drawn by ReportLab between the page's header and its
    # first flowable: a replay would leave it out, so nothing may be kept.
    style = ParagraphStyle("body", fontName=load_fonts().regular)
    cache = ParagraphCache("")
    with using(cache):
        story = [CachedParagraph(f"Paragraph {number}", style) for number in range(3)]
    frame = RecordingFrame(50, 50, 400, 700, showBoundary=1 if boundary else 0)
    recorder = Recorder(story, cache)
    frame.recorder = recorder
    template = BaseDocTemplate(io.BytesIO())
    template.addPageTemplates([PageTemplate(frames=[frame], onPage=lambda canvas, doc: recorder.page_begun(canvas))])

    with using(cache):
        template.build(story, canvasmaker=Canvas)
    assert (recorder.layout() is None) == boundary


@pytest.mark.parametrize("words", [546, 553, 686, 693])
def test_a_branch_that_changes_only_keep_with_next_is_laid_out_afresh(tmp_path: Path, words: int) -> None:
    # A clinic's template chooses, by clinician, a one-line bullet or a one-line
    # subheading: the same height and spacing, but the subheading keeps with
    # the paragraph after it. Replaying one's page breaks for the other would
    # leave the subheading alone at the foot of a page (found in review).
    body = (ROOT / "examples/clinic/forms/wart-cryotherapy/en/body.md.j2").read_text(encoding="utf-8")
    section = (
        "## Healing\n\n" + " ".join(["word"] * words) + ".\n\n"
        '{% if clinician == "Dr Lee" %}\n- Older skin heals more slowly.\n{% else %}\n### Healing time\n{% endif %}\n\n'
        "Most people heal within two weeks of each session.\n\n"
    )
    folder = tmp_path / "forms" / "kwn-demo"
    shutil.copytree(EXAMPLE_FORMS / "wart-cryotherapy", folder)
    (folder / "en" / "body.md.j2").write_text(body.replace("## Your consent", section + "## Your consent"))
    toml = folder / "form.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('id = "wart-cryotherapy"', 'id = "kwn-demo"'))
    form = load_form("kwn-demo", [tmp_path / "forms"])
    heading = Patient("Ana", "Ruiz", date(1980, 5, 17), "00123", DAY, "Dr Lea")
    bullet = Patient("Ana", "Ruiz", date(1980, 5, 17), "00123", DAY, "Dr Lee")
    for first, second in ((heading, bullet), (bullet, heading)):
        caches = LayoutCaches()
        make_form(form, first, caches=caches)
        assert make_form(form, second, caches=caches).pdf == make_form(form, second).pdf


@pytest.mark.parametrize(
    ("markup", "font"),
    [('Read <a href="https://example.org/leaflet">the leaflet</a>', None), ("Plain text", "Helvetica")],
    ids=["a link (an annotation, not an operator)", "a standard font (not a subset whose name is checked)"],
)
def test_a_drawing_that_is_more_than_subset_text_is_never_reused(tmp_path: Path, markup: str, font: str | None) -> None:
    style = ParagraphStyle("body", fontName=font or load_fonts().regular)
    cache = ParagraphCache("")

    def canvas(first_font: str | None) -> Canvas:
        made = Canvas(str(tmp_path / "x.pdf"), invariant=1)
        for name in (load_fonts().regular, first_font):  # the regular font's codes begun, as in a form
            if name:  # another standard font named first: Helvetica is /F3 here
                made.setFont(name, 10)
                made.drawString(10, 10, "x")
        return made

    with using(cache):
        drawn(CachedParagraph(markup, style), canvas(None))
        reused = drawn(CachedParagraph(markup, style), canvas("Courier"))
    with using(None):
        assert reused == drawn(CachedParagraph(markup, style), canvas("Courier"))
