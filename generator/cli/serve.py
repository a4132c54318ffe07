"""`consent serve`: the desk in a browser; `consent serve add-user`: staff sign-in."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from generator.cli.app import _search_path, _settings, _today, main
from generator.errors import ConfigError


@main.group("serve", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. Any address other "
              "than this computer's own (127.0.0.1) needs TLS and staff sign-in in the settings.")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), default=8750, show_default=True, help="Port to listen on.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the forms made, the audit log and uploaded day lists (created if absent).",
)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, out_dir: Path) -> None:
    """The desk in a browser: fill, preview, print and download forms, make
    today's list, verify a form.

    \b
    One reception PC (only this computer's browser can reach it):
      consent serve --out-dir forms
      then open http://127.0.0.1:8750/
    \b
    Several reception PCs: name a TLS certificate and key, and a staff
    sign-in file, in the settings ([serve] section; see README), add staff,
    then listen on the network:
      consent serve add-user j.smith
      consent serve --host 0.0.0.0 --out-dir forms

    Forms are made by the same rules as consent fill and consent batch, and
    each is recorded in the audit log under the member of staff signed in.
    Stop the server with Ctrl-C.
    """
    if ctx.invoked_subcommand is not None:
        return
    from generator.serve.app import make_app
    from generator.serve.desk import Desk, DeskSettings
    from generator.serve.server import check_can_serve, desk_names, is_loopback, run

    settings = _settings()
    if host.strip().lower().rstrip(".") == "localhost":
        host = "127.0.0.1"  # not whatever the name resolves to
    listening, accounts = check_can_serve(host, port, settings)
    out_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
    desk = Desk(DeskSettings(out_dir=out_dir.resolve(), search_path=_search_path(), settings=settings, today=_today))
    app = make_app(desk, accounts=accounts, tls=listening.tls, hosts=desk_names(listening))
    sign_in = f", staff sign in ({len(accounts)} names)" if accounts else ""
    click.echo(f"consent serve: open {listening.address} in the browser{sign_in}. Forms go to {desk.settings.out_dir}.")
    if not is_loopback(host):
        click.echo(
            f"From the reception PCs, open {listening.address.replace(host, socket.getfqdn(), 1)} (this computer's "
            "name; it must be the name in the TLS certificate)."
        )
    click.echo("Stop with Ctrl-C.")
    run(app, listening)


@serve_command.command("add-user")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking (for scripts).",
)
def add_user_command(name: str, password_stdin: bool) -> None:
    """Let NAME sign in to consent serve, or give NAME a new password.

    The sign-in file is the one named in the settings ([serve] users); it
    holds only scrypt hashes of passwords, and only its owner can read it.

    \b
    Example:
      consent serve add-user j.smith
    """
    from generator.serve.accounts import MIN_PASSWORD, add_user, check_name

    users = _settings().serve.users
    if users is None:
        raise ConfigError(
            'No sign-in file is named in the settings. Add to consent.toml:\n  [serve]\n  users = "staff.users"\n'
            "then run this again."
        )
    check_name(name)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password for {name} (at least {MIN_PASSWORD} characters)", hide_input=True, confirmation_prompt=True
        )
    new = add_user(users, name, password)
    click.echo(f"{'Added' if new else 'New password for'} {name} in {users}; it counts from the next sign-in.")


@serve_command.command("remove-user")
@click.argument("name")
def remove_user_command(name: str) -> None:
    """Stop NAME signing in to consent serve; if NAME is signed in now,
    their next click signs them out.

    \b
    Example:
      consent serve remove-user j.smith
    """
    from generator.serve.accounts import remove_user

    users = _settings().serve.users
    if users is None:
        raise ConfigError("No sign-in file is named in the settings ([serve] users), so there is nobody to remove.")
    if not remove_user(users, name):
        raise ConfigError(f"{name} is not in {users}: nothing was changed.")
    click.echo(f"Removed {name} from {users}.")
