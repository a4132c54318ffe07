"""The first check of every request, before a byte of its body is read or a
session is made for it: is it for this desk, from this desk's own pages,
and of a size a form or a day's list can be?

- **Host.** Only the names the desk is reached by are answered (for a desk
  on 127.0.0.1: 127.0.0.1, localhost, ::1; on the network: the names in the
  TLS certificate and this computer's own). Another name is a web page
  trying to reach the desk through DNS rebinding.
- **Other sites.** The browser says where a request comes from
  (`Sec-Fetch-Site`, and `Origin` on a POST). A request from another site
  is refused unless it is someone following a link to the desk: a page
  elsewhere cannot post to the desk, load its files, or fill the server
  with sessions.
- **Size.** A POST must state its length (`Content-Length`, no chunked
  encoding: the two together could hide a larger body) and be at most
  `MAX_BODY`; the bytes read are counted too, and reading stops there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = (10 << 20) + (64 << 10)  # a 10 MB upload and the form around it
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


class Gate:
    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], headers: dict[str, str]) -> None:
        self.app = app
        self.hosts = frozenset(host.lower() for host in hosts)
        self.headers = headers  # the security headers every answer carries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        refusal = self._refusal(scope["method"], headers)
        if refusal is not None:
            status, text = refusal
            await PlainTextResponse(text, status_code=status, headers=self.headers)(scope, receive, send)
            return
        await self.app(scope, _counted(receive) if scope["method"] == "POST" else receive, send)

    def _refusal(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if _name(host) not in self.hosts:
            names = ", ".join(sorted(self.hosts))
            return 400, f"This desk answers only to its own address ({names}). Open it by that address."
        site, mode = headers.get("sec-fetch-site", ""), headers.get("sec-fetch-mode", "")
        if site == "cross-site" and not (method == "GET" and mode == "navigate"):
            return 403, "A page of another site tried to use the desk. Open the desk by its own address."
        if method != "POST":
            return None
        origin = headers.get("origin")
        # A browser sends "null" where it will not name the page (a privacy
        # setting); then its Sec-Fetch-Site must say the post is our own.
        foreign = (
            site not in ("same-origin", "none", "")
            if origin == "null"
            else origin is not None and urlsplit(origin).netloc.lower() != host.lower()
        )
        if foreign:
            return 403, "This form was sent from another site's page, so the desk did nothing with it."
        length = headers.get("content-length", "")
        if "transfer-encoding" in headers or not length.isdecimal() or len(length) > 12:
            return 411, "A form sent to consent must say its length."
        if int(length) > MAX_BODY:
            return 413, (
                "What was sent is larger than 10 MB, far more than a form or a clinic day's list. "
                "Go back and check you chose the right file."
            )
        return None


def _name(host: str) -> str:
    """The name part of a Host header: `desk.lan` of `desk.lan:8750`, `[::1]` of `[::1]:8750`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _counted(receive: Receive) -> Receive:
    """`receive`, stopping the body at MAX_BODY bytes whatever the headers said."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                return {"type": "http.disconnect"}
        return message

    return counted
