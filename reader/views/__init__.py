"""Blueprints: public (readers), auth (sign-in), editor (annotating), api (W3C JSON)."""

from functools import wraps

from flask import abort, request
from flask_login import current_user


def base_url():
    """Return the base of our IRIs over HTTP: the request's own scheme and host."""
    return request.host_url.rstrip("/")


def is_editor():
    """True when the signed-in user may see drafts and edit."""
    return current_user.is_authenticated


def editor_required(view):
    """Let signed-in editors and admins through; 401 for anonymous callers."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)
    return wrapped
