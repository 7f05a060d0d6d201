"""The staff console's pages: the login page, the console and their script and stylesheet.

The pages are public (they hold no data); everything they show comes from the
/api/console endpoints, which require a signed-in member of staff. Same strict headers
as the worker's pages (api/pages/widget.py): no inline script or style, nothing from
another origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response

from api.pages.serving import STATIC_DIR, serve_file

router = APIRouter(tags=["pages"])

CONSOLE_DIR: Path = STATIC_DIR / "console"

# The only files served, with their content types: nothing else is read from the disk.
PAGES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "login.html": "text/html; charset=utf-8",
    "admin.html": "text/html; charset=utf-8",
    "accounts.html": "text/html; charset=utf-8",
}
ASSETS: dict[str, str] = {
    "accounts.js": "text/javascript; charset=utf-8",
    "admin-audit.js": "text/javascript; charset=utf-8",
    "admin-diff.js": "text/javascript; charset=utf-8",
    "admin-drafts.js": "text/javascript; charset=utf-8",
    "admin-entry.js": "text/javascript; charset=utf-8",
    "admin-history.js": "text/javascript; charset=utf-8",
    "admin-list.js": "text/javascript; charset=utf-8",
    "admin-model.js": "text/javascript; charset=utf-8",
    "admin.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "chart.js": "text/javascript; charset=utf-8",
    "console-cases.js": "text/javascript; charset=utf-8",
    "console-conversation.js": "text/javascript; charset=utf-8",
    "console-conversations.js": "text/javascript; charset=utf-8",
    "console-gaps.js": "text/javascript; charset=utf-8",
    "console-labels.js": "text/javascript; charset=utf-8",
    "console-lists.js": "text/javascript; charset=utf-8",
    "console-quality.js": "text/javascript; charset=utf-8",
    "console-queue.js": "text/javascript; charset=utf-8",
    "console-search.js": "text/javascript; charset=utf-8",
    "console-texts.js": "text/javascript; charset=utf-8",
    "console-transcript.js": "text/javascript; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "dom.js": "text/javascript; charset=utf-8",
    "format.js": "text/javascript; charset=utf-8",
    "keys.js": "text/javascript; charset=utf-8",
    "login.js": "text/javascript; charset=utf-8",
    "notice.js": "text/javascript; charset=utf-8",
    "quality-figures.js": "text/javascript; charset=utf-8",
    "session.js": "text/javascript; charset=utf-8",
    "single-flight.js": "text/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}


def _serve(name: str, media_type: str, request: Request) -> Response:
    return serve_file(CONSOLE_DIR / name, media_type, request)


@router.api_route("/console", methods=["GET", "HEAD"], include_in_schema=False)
def console(request: Request) -> Response:
    return _serve("index.html", PAGES["index.html"], request)


@router.api_route("/console/login", methods=["GET", "HEAD"], include_in_schema=False)
def login(request: Request) -> Response:
    return _serve("login.html", PAGES["login.html"], request)


@router.api_route("/console/admin", methods=["GET", "HEAD"], include_in_schema=False)
def admin(request: Request) -> Response:
    """The knowledge administration for editors (the data comes from /api/admin, editors only)."""
    return _serve("admin.html", PAGES["admin.html"], request)


@router.api_route("/console/admin/answers/new", methods=["GET", "HEAD"], include_in_schema=False)
def new_answer(request: Request) -> Response:
    """The same page, opening a new approved answer (``?question=`` fills in its first question)."""
    return _serve("admin.html", PAGES["admin.html"], request)


@router.api_route("/console/accounts", methods=["GET", "HEAD"], include_in_schema=False)
def accounts(request: Request) -> Response:
    """One's own password, and for admins every account (the data comes from /api/admin/accounts)."""
    return _serve("accounts.html", PAGES["accounts.html"], request)


@router.api_route("/console/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def asset(name: str, request: Request) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail="Not Found")
    return _serve(name, media_type, request)
