"""`python -m generator` runs the `consent` command."""

from generator.entry import main

main()
