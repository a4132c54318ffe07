"""`python -m generator` runs the `consent` command."""

from generator.cli import main

main(prog_name="consent")
