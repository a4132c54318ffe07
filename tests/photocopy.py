"""A page as it comes back from a photocopier or a fax: what a page code
must survive. Pillow only, seeded, so a run can be repeated exactly."""

from __future__ import annotations

import functools
import random

from PIL import Image, ImageChops, ImageFilter

BLUR_MM = 0.3
TILT_DEGREES = 2.0


def photocopy(image: Image.Image, dpi: int, rng: random.Random) -> Image.Image:
    """Grey toner on grey paper with speckle, a 0.3 mm blur, a little sensor
    noise, and a 2 degree tilt one way or the other."""
    grey = image.convert("L").point(lambda value: 60 + value * 140 // 255)  # black -> 60, white -> 200
    # Image.effect_noise is centred on 128; it is seeded from `rng` by
    # drawing it at a size that depends on nothing else.
    speckled = ImageChops.add(grey, _noise(grey.size, 30, rng), scale=1.0, offset=-128)
    blurred = speckled.filter(ImageFilter.GaussianBlur(radius=BLUR_MM / 25.4 * dpi))
    noisy = ImageChops.add(blurred, _noise(blurred.size, 8, rng), scale=1.0, offset=-128)
    tilt = TILT_DEGREES if rng.random() < 0.5 else -TILT_DEGREES
    return noisy.rotate(tilt, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=200)


_TILE = 1024


def _noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Gaussian noise around 128: a window, at a place `rng` picks, of a tile
    made once per sigma (drawing every pixel anew would cost seconds a page)."""
    width, height = size
    if width > _TILE or height > _TILE:
        raise ValueError(f"noise for {size} is larger than the {_TILE}-pixel tile")
    left, top = rng.randrange(_TILE - width + 1), rng.randrange(_TILE - height + 1)
    return _tile(sigma).crop((left, top, left + width, top + height))


@functools.lru_cache(maxsize=4)
def _tile(sigma: float) -> Image.Image:
    rng = random.Random(sigma)
    values = bytes(max(0, min(255, round(rng.gauss(128, sigma)))) for _ in range(_TILE * _TILE))
    return Image.frombytes("L", (_TILE, _TILE), values)
