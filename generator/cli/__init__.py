"""The `consent` command line: the only stage that imports click, and the top
of the code. Owns reading what staff type and turning results into messages
and exit codes; it may import every other stage, and nothing imports it.

`app` holds the command group and what commands share; `desk` is `consent
fill`, `day` is `consent batch`, `checks` the commands that check rather than
make (forms, check-form, verify, seal).

Exit codes (part of the contract, documented in the README):
  0  done (fill: saved, or the same form was already there; batch: every
     row done; verify: every file intact)
  1  input refused (a field, the form, the settings, or the output place);
     nothing written. Batch: nothing could be done (unreadable list,
     missing column). Verify: a file is changed, untrusted or not a form
  2  usage error (unknown option, malformed command line)
  3  batch finished, but some rows were refused (the rest are done)
  4  the PDF (or bundle) was written, but printing it failed
  5  fill: a different file is already at the PDF's name (a signed or
     filled form, or an unsigned one without --replace); it was kept and
     nothing was written
  6  batch stopped part way (a full disk, a bundle that cannot be written):
     the forms it saved are listed in manifest.json, the rest in errors.csv
"""

from generator.cli import checks, day, desk, serve  # noqa: F401 (each registers its commands)
from generator.cli.app import main

__all__ = ["main"]
