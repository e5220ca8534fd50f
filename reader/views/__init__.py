"""Blueprints: public (readers), auth (sign-in), editor (annotating), desk (what waits for an
editor, assignments), api (W3C JSON), admin, sources."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from ..config import MAX_ID


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id in a URL; one past SQL's INTEGER range matches nothing (404).

    PostgreSQL refuses such a number outright (an error, not "no row"), where SQLite
    would simply find nothing.
    """

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


def refuse_nul(endpoint, values):
    """404 for an address with a NUL character in it: nothing is named so, and PostgreSQL
    refuses NUL in a query."""
    if values and any(isinstance(v, str) and "\x00" in v for v in values.values()):
        abort(404)


def base_url():
    """Return the base of our IRIs over HTTP: the request's own scheme and host."""
    return request.host_url.rstrip("/")


def is_editor():
    """True when the signed-in user may see drafts and edit."""
    return current_user.is_authenticated


def editor_required(view):
    """Editors and admins only: a page asks others to sign in; any other call gets 401."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            if request.method == "GET" and request.blueprint in (
                    "editor", "desk", "auth", "admin", "sources", "messages") and not \
                    request.path.startswith("/editor/api/"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(401)
        return view(*args, **kwargs)
    return wrapped


def session_required(view):
    """Editors signed in through the browser: a request with an Authorization header gets 403.

    For what an API token must not do: change a password, manage accounts.
    """
    @wraps(view)
    @editor_required
    def wrapped(*args, **kwargs):
        if "Authorization" in request.headers:
            abort(403, description="this needs a signed-in browser session, not a token")
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    """Admins signed in through the browser only; other editors get 403."""
    @wraps(view)
    @session_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, description="only admins manage accounts")
        return view(*args, **kwargs)
    return wrapped


def form_errors(form, exc):
    """Show a service's ValidationError on the form's fields (or above the form)."""
    for field, message in exc.errors.items():
        target = getattr(form, field, None)
        (target.errors if target is not None and hasattr(target, "errors")
         else form.form_errors).append(message)


def local_path(target):
    """Return ``target`` if it is a path on this site, else None.

    Browsers read ``//host`` as another site, a backslash as a slash (so ``/\\host``
    too), and drop tabs and line breaks from an address (so ``/<tab>/host`` too): a
    path here has one leading slash, no backslash and only printable characters.
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target
