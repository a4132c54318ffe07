"""consent's version: printed by `consent --version`, written into every PDF
(its Creator), and read by `consent verify` to know what a form carries."""

__version__ = "0.6.0"
