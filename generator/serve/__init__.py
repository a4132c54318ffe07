"""`consent serve`: the front desk in a browser.

Pages, sessions, sign-in and the server, on Starlette and uvicorn. Every
form is made, filed and logged by the same code as `consent fill` and
`consent batch` (`generator.api`, `generator.records`); nothing here lays
out a page, writes a PDF or parses a list itself. May import from every
stage below the command line; only `generator.cli.serve` imports it.
"""
