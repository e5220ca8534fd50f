"""Sign-in and sign-out for editors."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..extensions import login as login_manager
from ..forms import LoginForm
from ..models import User
from ..services.users import authenticate, user_for_token

bp = Blueprint("auth", __name__)
LOGIN_FAILED = "Wrong name or password."


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(req):
    """Authenticate API calls that carry ``Authorization: Bearer TOKEN``."""
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return user_for_token(token.strip())
    return None


def _account_key():
    return "login:" + (request.form.get("name") or "").strip().lower()


def _safe_next(target):
    """Return ``target`` if it is a path on this site, else the index."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("20 per hour", methods=["POST"], key_func=_account_key)
def login():
    """Sign an editor in; one message for a wrong name or a wrong password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.name.data.strip(), form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(LOGIN_FAILED)
    status = 200 if request.method == "GET" or not form.errors else 401
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so no page can sign you out)."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.index"))
