"""The page codes' QR encoder gives exactly the matrices of the `qrcode`
library (level M, mask 2, one segment, smallest version), for every version
and for any text, and refuses what no QR code can hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError
from qrcode.main import QRCode
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData

from generator.render.qr import QrOverflowError, qr_modules

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def reference_code(text: str) -> QRCode:
    code = QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=2)
    mode = MODE_ALPHA_NUM if all(character in ALPHANUMERIC for character in text) else MODE_8BIT_BYTE
    code.add_data(QRData(text.encode("utf-8"), mode=mode))
    return code


def reference(text: str) -> tuple[list[list[bool]], int]:
    code = reference_code(text)
    code.make(fit=True)
    return code.get_matrix(), code.version


def test_a_page_code_is_the_same_matrix_as_before() -> None:
    text = "C2:LASER-ACNE-SCAR:1.0:000123:2:4:1F3A9C0E5B7D2A64"
    matrix, version = reference(text)
    assert version == 3
    assert qr_modules(text) == matrix


def reference_version(text: str) -> int | None:
    try:
        return reference_code(text).best_fit()
    except (DataOverflowError, ValueError):  # qrcode says "version 41" for some overflows
        return None


@pytest.mark.parametrize("alphanumeric", [True, False], ids=["alphanumeric", "bytes"])
def test_every_version_gives_the_same_matrix_at_the_edges_of_its_capacity(alphanumeric: bool) -> None:
    # For each step up in size (and the step past the largest code), the
    # longest text the smaller symbol holds and the shortest that needs the
    # next, found by bisection.
    letters = ALPHANUMERIC if alphanumeric else "aé€"

    def text_of(length: int) -> str:
        return "".join(letters[(index * 7) % len(letters)] for index in range(length))

    edges = 0
    shorter, version = 0, reference_version("")
    while version is not None:
        longer = shorter + 1
        while reference_version(text_of(longer)) == version:
            shorter, longer = longer, longer * 2
        while longer - shorter > 1:
            middle = (shorter + longer) // 2
            if reference_version(text_of(middle)) == version:
                shorter = middle
            else:
                longer = middle
        assert qr_modules(text_of(shorter)) == reference(text_of(shorter))[0], f"version {version}"
        next_version = reference_version(text_of(longer))
        if next_version is None:
            with pytest.raises(QrOverflowError):
                qr_modules(text_of(longer))
        else:
            assert next_version == version + 1
            assert qr_modules(text_of(longer)) == reference(text_of(longer))[0], f"version {next_version}"
        edges += 1
        shorter, version = longer, next_version
    assert edges == 40


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=ALPHANUMERIC, max_size=120), st.text(max_size=60)))
def test_any_text_gives_the_same_matrix(text: str) -> None:
    assert qr_modules(text) == reference(text)[0]
