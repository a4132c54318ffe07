"""QR code modules for a page code, from the `qrcode` library.

`qrcode` rather than segno: segno imports xml.sax.saxutils, which pulls in
urllib.request, http and email (34 ms of the 0.3 s a whole `consent fill`
may take); `qrcode`'s encoder costs 15 ms to import.

The mask is fixed: choosing the best of the eight masks means encoding the
symbol eight times (about 5 ms a page instead of 2); every mask gives a valid
code, and a printed page has none of the screen glare that masks guard
against most.
"""

from __future__ import annotations

from qrcode.constants import ERROR_CORRECT_M
from qrcode.main import QRCode
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

_MASK = 2


def qr_modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of `text` as a QR code, row by row,
    without the quiet zone (the page's white margin provides it).

    Error correction level M: a page can be creased, stamped or written on
    and still scan.
    """
    code = QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=_MASK)
    # Alphanumeric mode when the text allows it (page codes always do):
    # fewer modules, so each can be larger in the same space.
    alphanumeric = all(character in _ALPHANUMERIC for character in text)
    code.add_data(QRData(text.encode("utf-8"), mode=MODE_ALPHA_NUM if alphanumeric else MODE_8BIT_BYTE))
    code.make(fit=True)
    return code.get_matrix()


_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
