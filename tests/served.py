"""A real `consent serve`, started by a test on a free port, and a small
HTTP client with its own cookie jar (one client is one browser)."""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running `consent serve`; `log` is what it printed (its access log)."""

    process: subprocess.Popen[bytes]
    base: str
    out_dir: Path
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    work: Path, *, settings: str | None = None, host: str = "127.0.0.1", scheme: str = "http", env: dict | None = None
) -> Server:
    """`consent serve` in `work` (forms to work/out), ready to answer."""
    port = free_port()
    arguments = [sys.executable, "-m", "generator"]
    if settings is not None:
        (work / "consent.toml").write_text(settings, encoding="utf-8")
        arguments += ["--config", str(work / "consent.toml")]
    arguments += ["serve", "--host", host, "--port", str(port), "--out-dir", str(work / "out")]
    log_path = work / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            arguments, cwd=work, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    server = Server(process, f"{scheme}://127.0.0.1:{port}", work / "out", log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"consent serve ended at start:\n{server.log}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"consent serve did not start in 30 s:\n{server.log}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *arguments: object, **options: object) -> None:  # type: ignore[override]
        return None


class _From(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, request: urllib.request.Request) -> object:
        connect = functools.partial(http.client.HTTPConnection, source_address=(self.address, 0))
        return self.do_open(connect, request)  # type: ignore[arg-type]


class Client:
    """One browser: a cookie jar, and the CSRF token of the last page seen."""

    def __init__(self, base: str, context: object = None, source: str | None = None) -> None:
        """`source`: the local address to connect from (127.0.0.2 is another computer, to the server)."""
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        if source is not None:
            handlers.append(_From(source))
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))  # type: ignore[arg-type]
        self.opener = urllib.request.build_opener(*handlers)
        self.csrf = ""

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                answer = Answer(response.status, _lower(response.headers), response.read(), response.url)
                answer.cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as problem:
            answer = Answer(problem.code, _lower(problem.headers), problem.read(), self.base + path)
            answer.cookies = problem.headers.get_all("Set-Cookie") or []
        html = answer.headers.get("content-type", "").startswith("text/html")
        token = re.search(r'name="csrf_token" value="([^"]+)"', answer.text) if html else None
        if token:
            self.csrf = token.group(1)
        return answer

    def get(self, path: str) -> Answer:
        return self.request(path)

    def follow(self, answer: Answer) -> Answer:
        """The page a 303 answer sends the browser to."""
        assert answer.status == 303, (answer.status, answer.text[:500])
        return self.get(answer.headers["location"])

    def post(self, path: str, fields: dict[str, str], *, csrf: bool = True) -> Answer:
        body = dict(fields)
        if csrf:
            body.setdefault("csrf_token", self.csrf)
        data = urllib.parse.urlencode(body).encode()
        return self.request(path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path: str, field_name: str, file_name: str, content: bytes, *, csrf: bool = True) -> Answer:
        boundary = secrets.token_hex(16)
        parts = []
        if csrf:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{self.csrf}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{file_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


_VOID = {"br", "input", "img", "meta", "link", "hr"}


class _ById(HTMLParser):
    def __init__(self, wanted: str) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted, self.depth, self.parts = wanted, 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.wanted:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text of the element with `element_id`, spaces collapsed; None if absent."""
    parser = _ById(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.parts else None


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}  # type: ignore[attr-defined]
