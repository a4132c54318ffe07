"""The clinic's logo: read once, checked when the settings are loaded, and
scaled into the title block keeping its proportions."""

from __future__ import annotations

import copy
import io
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image

from generator.errors import ConfigError
from generator.render.fonts import load_fonts

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

LOGO_MAX_WIDTH = 45 * mm
LOGO_MAX_HEIGHT = 20 * mm

# Bounds checked before a logo is decoded: a letterhead logo is a few
# hundred kilobytes, and a picture past these would take the memory or the
# time of a whole clinic day (a "decompression bomb", an SVG nested
# thousands of groups deep).
MAX_LOGO_BYTES = 5 << 20
MAX_LOGO_PIXELS = 25_000_000  # e.g. 5000 x 5000
MAX_SVG_DEPTH = 64
MAX_SVG_ELEMENTS = 20_000
_REFERENCE_ATTRIBUTES = ("href", "{http://www.w3.org/1999/xlink}href", "src")


@lru_cache(maxsize=4)
def logo_size(path: Path) -> tuple[float, float]:
    """The logo's size scaled to fit the title block, keeping its proportions.

    Raises ConfigError if the file is not a picture that can be read.
    """
    if path.suffix.lower() == ".svg":
        drawing = _svg_drawing(path)
        width, height = drawing.width, drawing.height
    else:
        data = _logo_bytes(path)
        from PIL import Image as PillowImage
        from PIL import UnidentifiedImageError

        try:
            with PillowImage.open(io.BytesIO(data)) as picture:
                width, height = picture.size  # from the header: nothing is decoded yet
                if width * height > MAX_LOGO_PIXELS:
                    raise ConfigError(
                        f"The logo {path} is {width} x {height} pixels: far more pixels than a letterhead needs "
                        f"(at most {MAX_LOGO_PIXELS // 1_000_000} million pixels). Save it smaller, e.g. 1000 pixels "
                        "wide."
                    )
                picture.load()
        except ConfigError:
            raise
        except PillowImage.DecompressionBombError:
            # Pillow refuses at open what is far past its own limit.
            raise ConfigError(
                f"The logo {path} has far more pixels than a letterhead needs (at most "
                f"{MAX_LOGO_PIXELS // 1_000_000} million). Save it smaller, e.g. 1000 pixels wide."
            ) from None
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise ConfigError(f"The logo {path} is not a PNG or JPEG picture that can be read ({error}).") from None
    scale = min(LOGO_MAX_WIDTH / width, LOGO_MAX_HEIGHT / height)
    return width * scale, height * scale


def _logo_bytes(path: Path) -> bytes:
    from generator.reading import UnreadableFileError, read_regular_file

    try:
        return read_regular_file(path, limit=MAX_LOGO_BYTES)
    except UnreadableFileError as problem:
        raise ConfigError(f"The logo {path} cannot be used: {problem.reason}") from None


def _check_svg(path: Path, data: bytes) -> None:
    """Refuse, before svglib sees it, an SVG that is too deep or too large,
    declares entities, or refers to any file or address: a logo is drawn
    from its own bytes, never from anything else on the computer."""
    import xml.etree.ElementTree as ElementTree

    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ConfigError(f"The logo {path} declares a DOCTYPE or entities, which a logo never needs. Export it again.")
    depth = elements = 0
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            elements += 1
            if depth > MAX_SVG_DEPTH or elements > MAX_SVG_ELEMENTS:
                raise ConfigError(
                    f"The logo {path} is nested {depth} levels deep with {elements} or more elements; a logo "
                    f"needs at most {MAX_SVG_DEPTH} levels and {MAX_SVG_ELEMENTS:,} elements. Simplify it in "
                    "your drawing program."
                )
            for attribute in _REFERENCE_ATTRIBUTES:
                target = (element.get(attribute) or "").strip()
                if target and not target.startswith("#") and not target.startswith("data:image/"):
                    raise ConfigError(
                        f'The logo {path} refers to "{target[:80]}": a logo may not use other files or '
                        "addresses. Embed the picture in the SVG, or convert it to PNG."
                    )
            style = (element.get("style") or "") + (element.text or "" if element.tag.endswith("style") else "")
            if "@import" in style or ("url(" in style and "url(#" not in style.replace(" ", "")):
                raise ConfigError(f"The logo {path} loads a style or picture from elsewhere; a logo may not.")
    except ElementTree.ParseError as error:
        raise ConfigError(f"The logo {path} is not an SVG drawing that can be read ({error}).") from None


def logo_flowable(path: Path) -> Flowable:
    """The logo, at `logo_size`, to place in the title block."""
    width, height = logo_size(path)
    if path.suffix.lower() != ".svg":
        return Image(str(path), width=width, height=height)
    drawing = copy.deepcopy(_svg_drawing(path))
    scale = width / drawing.width
    drawing.scale(scale, scale)
    drawing.width, drawing.height = width, height
    return drawing


@lru_cache(maxsize=4)
def _svg_drawing(path: Path) -> Drawing:
    # svglib (and lxml, and ReportLab's graphics) are only imported for a
    # clinic whose logo is an SVG.
    from svglib.svglib import svg2rlg

    data = _logo_bytes(path)
    _check_svg(path, data)
    # The bytes checked are the bytes drawn; and svglib itself is told to
    # follow no reference out of an empty folder, should one slip past.
    drawing = svg2rlg(io.BytesIO(data), external_reference_root=str(Path(__file__).parent / "no-references"))
    if drawing is None or not all(
        isinstance(size, (int, float)) and math.isfinite(size) and 0 < size < 100_000
        for size in (drawing.width, drawing.height)
    ):
        raise ConfigError(
            f"The logo {path} is not an SVG drawing that can be read (its width or height is not a size)."
        )
    _embed_logo_text(drawing)
    drawing.initialFontName = load_fonts().regular  # else the renderer starts in Helvetica
    return drawing


def _embed_logo_text(node: object) -> None:
    """Set any text in an SVG logo in the embedded font: svglib would use an
    unembedded base-14 font (Helvetica) for most font families."""
    from reportlab.graphics.shapes import String

    if isinstance(node, String):
        node.fontName = load_fonts().regular
    for child in getattr(node, "contents", ()):
        _embed_logo_text(child)
