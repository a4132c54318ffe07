"""Starting `consent serve`: what must be in place first, and the server itself.

On 127.0.0.1 (the default) only this computer's browser reaches the desk.
Any other address lets other computers in, so consent then refuses to
start without TLS (certificate and key) and staff sign-in, naming what is
missing: patients' names must not cross a network in clear, nor be open to
whoever finds the address.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from generator.config import Settings
from generator.errors import ConfigError
from generator.serve.accounts import Accounts


@dataclass(frozen=True)
class Listening:
    host: str
    port: int
    certificate: Path | None
    key: Path | None

    @property
    def tls(self) -> bool:
        return self.certificate is not None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_can_serve(host: str, port: int, settings: Settings) -> tuple[Listening, Accounts | None]:
    """What the server listens on, and who may sign in; a ConfigError
    naming everything missing when `host` is not safe to serve."""
    serve = settings.serve
    where = f"the settings file {settings.source}" if settings.source else "a settings file (consent.toml)"
    if not is_loopback(host):
        missing = []
        if serve.certificate is None:
            missing.append('TLS: [serve] certificate = "desk.crt" and key = "desk.key" (PEM files)')
        if serve.users is None:
            missing.append('staff sign-in: [serve] users = "staff.users", made with consent serve add-user NAME')
        if missing:
            raise ConfigError(
                f"consent serve will not listen on {host}: other computers could reach patients' details. It needs, "
                f"in {where}: " + "; and ".join(missing) + ". Or leave out --host to serve this computer only."
            )
    accounts = Accounts(serve.users) if serve.users is not None else None
    if accounts is not None and not len(accounts):
        raise ConfigError(
            f"The staff sign-in file {serve.users} names nobody, so no one could sign in. Add staff with "
            "consent serve add-user NAME."
        )
    if serve.certificate is not None and serve.key is not None:
        _check_tls(serve.certificate, serve.key)
    _check_port_free(host, port)
    return Listening(host, port, serve.certificate, serve.key), accounts


def _check_tls(certificate: Path, key: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certificate, key)
    except (ssl.SSLError, OSError) as problem:
        raise ConfigError(
            f"The TLS certificate {certificate} and key {key} cannot be used together ({problem}). Check both are "
            "PEM files, the key is not protected by a password, and the key belongs to the certificate."
        ) from None


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as problem:
            raise ConfigError(
                f"consent serve cannot listen on {host} port {port}: {problem.strerror}. Is it already running? "
                "Open it in the browser, or choose another port with --port."
            ) from None


def desk_names(listening: Listening) -> frozenset[str]:
    """The names browsers may reach the desk by (their Host header): this
    computer's own names, the address it listens on, and every name and
    address in its TLS certificate."""
    from generator.serve.gate import LOOPBACK_NAMES

    names = set(LOOPBACK_NAMES)
    if not is_loopback(listening.host):
        names |= {socket.gethostname(), socket.getfqdn()}
        if listening.host not in ("0.0.0.0", "::"):
            names.add(f"[{listening.host}]" if ":" in listening.host else listening.host)
    if listening.certificate is not None:
        names |= _certificate_names(listening.certificate)
    return frozenset(name.lower() for name in names if name)


def _certificate_names(path: Path) -> set[str]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    names = {str(attribute.value) for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)}
    try:
        alternatives = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return names
    names |= set(alternatives.get_values_for_type(x509.DNSName))
    for address in alternatives.get_values_for_type(x509.IPAddress):
        names.add(f"[{address}]" if address.version == 6 else str(address))
    return names


def run(app: object, listening: Listening) -> None:
    """Serve until stopped (Ctrl-C). The access log shows method, path and
    status only; no page's path carries a patient's detail."""
    import uvicorn

    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=listening.host,
        port=listening.port,
        ssl_certfile=str(listening.certificate) if listening.certificate else None,
        ssl_keyfile=str(listening.key) if listening.key else None,
        server_header=False,
        proxy_headers=False,
        log_level="info",
        timeout_graceful_shutdown=5,
        # A desk has a handful of reception PCs: past this many open
        # connections, more are answered 503 rather than starving the rest.
        limit_concurrency=200,
    )
