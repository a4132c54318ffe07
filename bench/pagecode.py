"""How many page codes decode after a photocopy: consent's page code beside
the page code of consent 0.2 (0.45 mm modules, byte mode), in the same run.

Forms are rendered with pypdfium2 at 200 and 150 dpi, their bottom-right
corner degraded as a photocopier would (grey, a 0.3 mm blur, speckle and
noise, a 2 degree tilt: tests/photocopy.py) and decoded with zxing-cpp.

Run:  python bench/pagecode.py [--forms 40]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
import zxingcpp  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402
from qrcode.main import QRCode  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402

import generator.render.page as page  # noqa: E402
import generator.render.pdf as render  # noqa: E402
from generator import fill  # noqa: E402
from generator.render.pagecode import decode_page_code  # noqa: E402
from tests.photocopy import photocopy  # noqa: E402

ADULT = {
    "given_name": "Ana",
    "family_name": "Ruiz",
    "date_of_birth": "1990-03-07",
    "procedure_date": "2026-12-01",
    "clinician": "Dr Lee",
}


def old_design() -> None:
    """consent 0.2's page code: byte mode, 0.45 mm modules in a 15 mm square."""

    def modules(text: str) -> list[list[bool]]:
        old_text = "CONSENT1|" + "|".join(text.split(":")[1:])
        code = QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=2)
        code.add_data(old_text.encode("utf-8"), optimize=0)
        code.make(fit=True)
        return code.get_matrix()

    # The page (page.py) draws the code; the layout (pdf.py) leaves room for it.
    page.qr_modules = modules
    page.CODE_MODULE = 0.45 * mm
    for module in (page, render):
        module.CODE_SIZE = 15 * mm
        module.FOOTER_RULE_Y = page.CODE_BOTTOM + 15 * mm + 2.5 * mm


def decode_rate(forms: int, dpi: int) -> tuple[int, int]:
    from datetime import date

    rng = random.Random(dpi)
    decoded = pages = 0
    for index in range(forms):
        record = f"{index:05d}"
        pdf = fill("laser-acne-scar", {**ADULT, "record_number": record}, today=date(2026, 11, 24)).pdf
        document = pdfium.PdfDocument(pdf)
        for number in range(len(document)):
            image = document[number].render(scale=dpi / 72).to_pil()
            width, height = image.size
            corner = image.crop((int(width * 0.65), int(height * 0.85), width, height))
            found = [decode_page_code(code.text) for code in zxingcpp.read_barcodes(photocopy(corner, dpi, rng))]
            pages += 1
            decoded += any(code is not None and code.record_number == record for code in found)
        document.close()
    return decoded, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=40, help="forms per design and resolution (3 pages each)")
    arguments = parser.parse_args()
    results = {}
    for design in ("consent (0.9 mm, alphanumeric)", "consent 0.2 (0.45 mm, byte mode)"):
        if "0.2" in design:
            old_design()
        for dpi in (200, 150):
            results[design, dpi] = decode_rate(arguments.forms, dpi)
    print(f"{'page code':<36} {'dpi':>4} {'decoded':>9} {'rate':>7}")
    for (design, dpi), (decoded, pages) in results.items():
        print(f"{design:<36} {dpi:>4} {decoded:>4}/{pages:<4} {decoded / pages:>7.1%}")


if __name__ == "__main__":
    main()
