"""What every page shares: the templates (Jinja2, escaping everything), the
posted form checked for its CSRF token, and who is at the desk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from generator._version import __version__
from generator.serve.sessions import Session

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_MAX_FIELDS = 60


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def staff_name(request: Request) -> str | None:
    """Who the audit log names: the signed-in member of staff; None on a
    single reception PC without sign-in, where the audit log names the login
    that started the server, as for every command (records.audit)."""
    return session_of(request).user


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = session_of(request)
    html = _TEMPLATES.get_template(template).render(
        csrf_token=session.csrf,
        user=session.user,
        sign_in=request.app.state.sign_in,
        path=request.url.path,
        version=__version__,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


async def posted(request: Request, *, files: int = 1) -> FormData:
    """The posted form, once its CSRF token is checked: a form sent from
    another site's page (or a stale one) changes nothing. At most `files`
    uploads are taken."""
    form = await request.form(max_files=files, max_fields=_MAX_FIELDS)
    sent = form.get("csrf_token")
    if not session_of(request).csrf_matches(sent if isinstance(sent, str) else None):
        await form.close()
        raise HTTPException(
            403,
            "This form did not come from this consent page, or it has expired (the server restarted, or you "
            "signed in again). Go back, reload the page and try again.",
        )
    return form


def text_fields(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name in names if isinstance(value := form.get(name), str)}
