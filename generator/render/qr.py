"""QR code modules for a page code: a small encoder for the one kind of code
consent prints.

Every page carries a code, so a clinic day encodes thousands. The `qrcode`
library spent about as long on them as on the rest of a page's drawing
(polynomial objects for Reed-Solomon, one bit at a time into a buffer, the
function patterns copied per code). This encoder does the same steps for
one error-correction level and one mask, with the function patterns and the
order of the data modules worked out once per symbol size, and gives the
very same matrices: `tests/test_qr.py` compares it with `qrcode` for every
version and many payloads. Import cost: none beyond the standard library.

Fixed choices (as before, with `qrcode`):
- error correction M: a page can be creased, stamped or written on and still
  scan;
- mask 2 (a dark module where the column is a multiple of 3): choosing the
  best of the eight masks means encoding the symbol eight times, and every
  mask gives a valid code; a printed page has none of the screen glare that
  masks guard against most;
- alphanumeric mode when the text allows it (page codes always do), else
  bytes: fewer modules, so each can be larger in the same space; one segment,
  the smallest version it fits.
"""

from __future__ import annotations

import functools

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALPHANUMERIC_VALUE = {character: value for value, character in enumerate(_ALPHANUMERIC)}
_MODE_ALPHANUMERIC = 0b0010
_MODE_BYTES = 0b0100
_MASK = 2
# Error-correction level M, by version 1-40: codewords per block, and blocks
# (ISO/IEC 18004, table 9).
_EC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28,
                 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28)  # fmt: skip
_BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28,
           29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip
_PADDING = (0xEC, 0x11)


class QrOverflowError(ValueError):
    """The text is too long for any QR code at level M."""


def qr_modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of `text` as a QR code, row by row,
    without the quiet zone (the page's white margin provides it)."""
    alphanumeric = all(character in _ALPHANUMERIC_VALUE for character in text)
    data = text if alphanumeric else text.encode("utf-8")
    version = _smallest_version(len(data), alphanumeric)
    codewords = _with_error_correction(_data_codewords(data, alphanumeric, version), version)
    symbol = _symbol(version)
    rows = [row[:] for row in symbol.template]
    bits = [(byte >> shift) & 1 for byte in codewords for shift in range(7, -1, -1)]
    bits += [0] * (len(symbol.data_positions) - len(bits))  # the remainder bits
    for (row, column), bit, flip in zip(symbol.data_positions, bits, symbol.mask, strict=True):
        rows[row][column] = bool(bit) != flip
    return rows


def _count_bits(version: int, alphanumeric: bool) -> int:
    if version <= 9:
        return 9 if alphanumeric else 8
    if version <= 26:
        return 11 if alphanumeric else 16
    return 13 if alphanumeric else 16


def _payload_bits(length: int, alphanumeric: bool, version: int) -> int:
    body = 11 * (length // 2) + 6 * (length % 2) if alphanumeric else 8 * length
    return 4 + _count_bits(version, alphanumeric) + body


def _data_capacity(version: int) -> int:
    """Data codewords a version holds at level M."""
    return _raw_modules(version) // 8 - _EC_PER_BLOCK[version] * _BLOCKS[version]


def _smallest_version(length: int, alphanumeric: bool) -> int:
    for version in range(1, 41):
        if _payload_bits(length, alphanumeric, version) <= 8 * _data_capacity(version):
            return version
    raise QrOverflowError(f"{length} characters do not fit in a QR code")


def _data_codewords(data: str | bytes, alphanumeric: bool, version: int) -> list[int]:
    # The bit stream, as one big integer: mode, count, data, terminator, then
    # zero bits to a whole byte and the alternating pad bytes.
    value = _MODE_ALPHANUMERIC if alphanumeric else _MODE_BYTES
    size = 4
    count_bits = _count_bits(version, alphanumeric)
    value = (value << count_bits) | len(data)
    size += count_bits
    if isinstance(data, str):
        for start in range(0, len(data) - 1, 2):
            value = (value << 11) | (_ALPHANUMERIC_VALUE[data[start]] * 45 + _ALPHANUMERIC_VALUE[data[start + 1]])
            size += 11
        if len(data) % 2:
            value = (value << 6) | _ALPHANUMERIC_VALUE[data[-1]]
            size += 6
    else:
        value = (value << (8 * len(data))) | int.from_bytes(data, "big")
        size += 8 * len(data)
    capacity = _data_capacity(version)
    terminator = min(4, 8 * capacity - size)
    size += terminator
    whole = -size % 8
    value <<= terminator + whole
    size += whole
    codewords = list(value.to_bytes(size // 8, "big"))
    codewords += [_PADDING[index % 2] for index in range(capacity - len(codewords))]
    return codewords


def _with_error_correction(data: list[int], version: int) -> list[int]:
    blocks = _BLOCKS[version]
    ec_length = _EC_PER_BLOCK[version]
    short_length = len(data) // blocks
    long_blocks = len(data) % blocks
    data_blocks, ec_blocks = [], []
    start = 0
    for index in range(blocks):
        length = short_length + (index >= blocks - long_blocks)
        block = data[start : start + length]
        start += length
        data_blocks.append(block)
        ec_blocks.append(_remainder(block, ec_length))
    interleaved = [block[index] for index in range(short_length + 1) for block in data_blocks if index < len(block)]
    interleaved += [block[index] for index in range(ec_length) for block in ec_blocks]
    return interleaved


# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


@functools.cache
def _remainder_table(degree: int) -> tuple[int, ...]:
    """For each byte value f, f times the Reed-Solomon generator polynomial of
    `degree` (leading term dropped), as one integer of `degree` bytes."""
    coefficients = [1]
    for root in range(degree):
        product = [0] * (len(coefficients) + 1)
        for index, coefficient in enumerate(coefficients):
            product[index] ^= coefficient
            if coefficient:
                product[index + 1] ^= _EXP[_LOG[coefficient] + root]
        coefficients = product
    logs = [_LOG[coefficient] for coefficient in coefficients[1:]]
    table = [0]
    for factor in range(1, 256):
        products = bytes(_EXP[_LOG[factor] + log] for log in logs)
        table.append(int.from_bytes(products, "big"))
    return tuple(table)


def _remainder(block: list[int], degree: int) -> list[int]:
    """The error-correction codewords of `block`: the remainder of its
    polynomial divided by the generator, one byte of long division at a time."""
    table = _remainder_table(degree)
    shift = 8 * (degree - 1)
    mask = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in block:
        factor = byte ^ (remainder >> shift)
        remainder = ((remainder << 8) & mask) ^ table[factor]
    return list(remainder.to_bytes(degree, "big"))


def _raw_modules(version: int) -> int:
    """Modules left for data and error correction once the function patterns are drawn."""
    result = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        result -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            result -= 36
    return result


class _Symbol:
    """What every code of one version shares: the function patterns (with the
    format and version information for level M and mask 2), and the data
    modules in placement order with the mask's value at each."""

    def __init__(self, version: int) -> None:
        size = 4 * version + 17
        self.template: list[list[bool]] = [[False] * size for _ in range(size)]
        self._reserved = [[False] * size for _ in range(size)]
        for index in range(size):
            self._set(6, index, index % 2 == 0)
            self._set(index, 6, index % 2 == 0)
        for row, column in ((3, 3), (3, size - 4), (size - 4, 3)):
            self._finder(row, column)
        positions = _alignment_positions(version, size)
        last = len(positions) - 1
        for i, row in enumerate(positions):
            for j, column in enumerate(positions):
                if not ((i == 0 and j == 0) or (i == 0 and j == last) or (i == last and j == 0)):
                    for dy in range(-2, 3):
                        for dx in range(-2, 3):
                            self._set(row + dy, column + dx, max(abs(dx), abs(dy)) != 1)
        self._format(size)
        if version >= 7:
            self._version(version, size)
        self.data_positions = self._zigzag(size)
        self.mask = [column % 3 == 0 for _, column in self.data_positions]

    def _set(self, row: int, column: int, dark: bool) -> None:
        self.template[row][column] = dark
        self._reserved[row][column] = True

    def _finder(self, row: int, column: int) -> None:
        size = len(self.template)
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                y, x = row + dy, column + dx
                if 0 <= y < size and 0 <= x < size:
                    self._set(y, x, max(abs(dx), abs(dy)) not in (2, 4))

    def _format(self, size: int) -> None:
        data = (0 << 3) | _MASK  # level M's two format bits are 00
        remainder = data
        for _ in range(10):
            remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
        bits = ((data << 10) | remainder) ^ 0x5412
        bit = [(bits >> index) & 1 == 1 for index in range(15)]
        for index in range(6):
            self._set(index, 8, bit[index])
        self._set(7, 8, bit[6])
        self._set(8, 8, bit[7])
        self._set(8, 7, bit[8])
        for index in range(9, 15):
            self._set(8, 14 - index, bit[index])
        for index in range(8):
            self._set(8, size - 1 - index, bit[index])
        for index in range(8, 15):
            self._set(size - 15 + index, 8, bit[index])
        self._set(size - 8, 8, True)  # the dark module

    def _version(self, version: int, size: int) -> None:
        remainder = version
        for _ in range(12):
            remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25)
        bits = (version << 12) | remainder
        for index in range(18):
            dark = (bits >> index) & 1 == 1
            a, b = size - 11 + index % 3, index // 3
            self._set(a, b, dark)
            self._set(b, a, dark)

    def _zigzag(self, size: int) -> list[tuple[int, int]]:
        positions = []
        right = size - 1
        while right >= 1:
            if right == 6:
                right = 5
            for vertical in range(size):
                for offset in range(2):
                    column = right - offset
                    upward = ((right + 1) & 2) == 0
                    row = size - 1 - vertical if upward else vertical
                    if not self._reserved[row][column]:
                        positions.append((row, column))
            right -= 2
        return positions


def _alignment_positions(version: int, size: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6, *reversed([size - 7 - index * step for index in range(count - 1)])]


@functools.cache
def _symbol(version: int) -> _Symbol:
    return _Symbol(version)
