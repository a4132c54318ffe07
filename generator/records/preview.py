"""Pictures of a finished form's pages, for staff to check on screen before printing.

Drawn with PDFium (pypdfium2), the engine Chromium uses to show PDFs, so
the preview looks as the PDF will. PDFium is not safe to call from two
threads at once; one lock serialises it.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

_PDFIUM = threading.Lock()
PREVIEW_DPI = 100


def page_png(path: Path, page: int, dpi: int = PREVIEW_DPI) -> bytes:
    """Page `page` (1 is the first) of the PDF at `path`, as PNG bytes.
    Raises IndexError for a page the PDF does not have."""
    import pypdfium2

    with _PDFIUM:
        document = pypdfium2.PdfDocument(str(path))
        try:
            if not 1 <= page <= len(document):
                raise IndexError(page)
            bitmap = document[page - 1].render(scale=dpi / 72)
            image = bitmap.to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
