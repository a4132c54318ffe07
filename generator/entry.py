"""The `consent` command's entry point: what a process running consent sets up
for itself, before the command line is read.

The library (`import generator`) changes no process-wide state; the command,
which owns its process, does two things here:

- ReportLab imports uharfbuzz, when it is installed, as its font module
  loads, for shaping consent never asks of it (consent's fonts are not
  shapable; `generator.render.scripts` shapes right-to-left runs itself and imports
  uharfbuzz when a name needs it). That import is ~10 ms of the 0.3 s a
  whole `consent fill` may take, so ReportLab is kept from seeing it.
- pyHanko and pypdf log what they find wrong in a damaged or altered PDF,
  with tracebacks; `consent verify` reports each finding in plain words, so
  their records go nowhere (see `generator.cli`).
"""

from __future__ import annotations

import sys


def main() -> None:
    sys.modules.setdefault("uharfbuzz", None)  # type: ignore[arg-type]
    from generator.cli import main as command

    command(prog_name="consent")
