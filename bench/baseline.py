"""What the bare-ReportLab baselines of bench/fill.py and bench/batch.py share."""

# Prepended to each baseline script: the same page code as consent's (same
# library, same settings), drawn with canvas path calls.
PAGE_CODE_SOURCE = """
from qrcode.constants import ERROR_CORRECT_M
from qrcode.main import QRCode

def page_code(canvas, text):
    code = QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=2)
    code.add_data(text.encode("utf-8"), optimize=0)
    code.make(fit=True)
    rows = code.get_matrix()
    path = canvas.beginPath()
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                path.rect(530 + start * 1.27, 20 + (len(rows) - y) * 1.27, (x - start) * 1.27, 1.27)
            else:
                x += 1
    canvas.drawPath(path, stroke=0, fill=1)
"""
