"""The library keeps to itself: importing or using `generator` changes no
other library's state, no logging configuration, and leaves no file open."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from tests.conftest import ADULT, TESTS, TODAY


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=TESTS.parent)


def test_importing_generator_leaves_uharfbuzz_importable():
    result = run_python("import generator, sys; import uharfbuzz; print(uharfbuzz.__name__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "uharfbuzz"


def test_filling_a_form_changes_neither_uharfbuzz_nor_reportlab_for_others():
    code = f"""
from datetime import date
import generator
from reportlab.pdfbase import ttfonts
original = ttfonts.makeToUnicodeCMap
generator.fill("laser-acne-scar", {dict(ADULT)}, today=date(2026, 11, 24))
import uharfbuzz
assert ttfonts.makeToUnicodeCMap is original, "ReportLab's function was replaced"
assert ttfonts.uharfbuzz is uharfbuzz, "ReportLab was kept from seeing uharfbuzz"
print("ok")
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_consent_command_still_keeps_reportlab_from_importing_uharfbuzz():
    """The command owns its process and skips that import (~10 ms); its PDFs
    are the same either way, since consent's fonts are never shaped by ReportLab."""
    code = """
import sys
from generator import entry
sys.argv = ["consent", "--version"]
try:
    entry.main()
except SystemExit:
    pass
from reportlab.pdfbase import ttfonts
print(ttfonts.uharfbuzz)
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"consent, version {__import__('generator').__version__}", "None"]


def test_the_same_form_is_byte_identical_with_and_without_uharfbuzz_seen_by_reportlab(tmp_path):
    script = "\n".join(
        [
            "from datetime import date",
            "import generator, hashlib",
            f"made = generator.fill('laser-acne-scar', {dict(ADULT)}, today=date(2026, 11, 24))",
            "print(hashlib.sha256(made.pdf).hexdigest())",
        ]
    )
    seen = run_python(script)
    hidden = run_python("import sys\nsys.modules['uharfbuzz'] = None\n" + script)
    assert seen.returncode == hidden.returncode == 0, seen.stderr + hidden.stderr
    assert len(seen.stdout.strip()) == 64 and seen.stdout == hidden.stdout


def _descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_three_in_process_batches_leave_no_file_open(tmp_path):
    from generator.records.batch import run_batch

    before = _descriptors()
    for number in range(3):
        result = run_batch(TESTS / "data" / "tomorrow.csv", tmp_path / f"day{number}", today=TODAY, workers=1)
        assert result.made
    assert _descriptors() == before


def test_verify_leaves_every_logger_as_it_found_it(tmp_path):
    from generator import fill
    from generator.verify.verification import verify_file

    def loggers() -> dict[str, tuple]:
        names = ["", *sorted(logging.root.manager.loggerDict)]
        return {
            name: (logger.level, list(logger.handlers), logger.propagate, logger.disabled)
            for name in names
            if isinstance(logger := logging.getLogger(name), logging.Logger)
        }

    path = tmp_path / "form.pdf"
    path.write_bytes(fill("laser-acne-scar", dict(ADULT), today=TODAY).pdf)
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(path.read_bytes()[:-200])
    verify_file(path)  # the first call imports pyHanko and pypdf, which make their loggers
    verify_file(damaged)
    before = loggers()
    for _ in range(3):
        verify_file(path)
        verify_file(damaged)
    assert loggers() == before
