"""Page codes survive the paper's way back: printed, photocopied, scanned.

Real forms are rendered with pypdfium2, their page code corners degraded as a
photocopier would (tests/photocopy.py) and decoded with zxing-cpp. At least
99% of pages must decode, at 200 dpi and at 150 dpi."""

from __future__ import annotations

import random

import pypdfium2 as pdfium
import pytest
import zxingcpp

from generator import fill
from generator.render.pagecode import decode_page_code
from tests.conftest import ADULT, TODAY
from tests.photocopy import photocopy

FORMS = 20  # 3 pages each: 60 pages at each resolution


@pytest.fixture(scope="module")
def forms() -> list[bytes]:
    return [
        fill("laser-acne-scar", {**ADULT, "record_number": f"{index:05d}"}, today=TODAY).pdf for index in range(FORMS)
    ]


def corner(page: pdfium.PdfPage, dpi: int):
    """The bottom-right corner of a page, where its code is, as scanned."""
    image = page.render(scale=dpi / 72).to_pil()
    width, height = image.size
    return image.crop((int(width * 0.65), int(height * 0.85), width, height))


@pytest.mark.parametrize("dpi", [200, 150])
def test_page_codes_decode_after_a_photocopy(forms, dpi):
    rng = random.Random(dpi)
    decoded = pages = 0
    for index, pdf in enumerate(forms):
        document = pdfium.PdfDocument(pdf)
        for number in range(len(document)):
            pages += 1
            found = [
                decode_page_code(code.text)
                for code in zxingcpp.read_barcodes(photocopy(corner(document[number], dpi), dpi, rng))
            ]
            if any(
                code is not None and code.record_number == f"{index:05d}" and code.page == number + 1 for code in found
            ):
                decoded += 1
        document.close()
    print(f"{dpi} dpi: {decoded} of {pages} pages decoded after a photocopy")
    assert pages >= 60
    assert decoded >= 0.99 * pages, f"{decoded} of {pages}"
