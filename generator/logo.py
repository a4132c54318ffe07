"""The clinic's logo: read once, checked when the settings are loaded, and
scaled into the title block keeping its proportions."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image

from generator.errors import ConfigError
from generator.fonts import load_fonts

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

LOGO_MAX_WIDTH = 45 * mm
LOGO_MAX_HEIGHT = 20 * mm


@lru_cache(maxsize=4)
def logo_size(path: Path) -> tuple[float, float]:
    """The logo's size scaled to fit the title block, keeping its proportions.

    Raises ConfigError if the file is not a picture that can be read.
    """
    if path.suffix.lower() == ".svg":
        drawing = _svg_drawing(path)
        width, height = drawing.width, drawing.height
    else:
        from PIL import Image as PillowImage
        from PIL import UnidentifiedImageError

        try:
            with PillowImage.open(path) as picture:
                picture.load()
                width, height = picture.size
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise ConfigError(f"The logo {path} is not a PNG or JPEG picture that can be read ({error}).") from None
    scale = min(LOGO_MAX_WIDTH / width, LOGO_MAX_HEIGHT / height)
    return width * scale, height * scale


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

    drawing = svg2rlg(str(path))
    if drawing is None or not drawing.width or not drawing.height:
        raise ConfigError(f"The logo {path} is not an SVG drawing that can be read.")
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
