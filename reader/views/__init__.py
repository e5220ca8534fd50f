"""Blueprints: public (readers), auth (sign-in), editor (annotating), desk (what waits for an
editor, assignments), api (W3C JSON)."""

from functools import wraps

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
            if request.method == "GET" and request.blueprint in ("editor", "desk", "auth") and not \
                    request.path.startswith("/editor/api/"):
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(401)
        return view(*args, **kwargs)
    return wrapped
