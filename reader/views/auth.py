"""Sign-in and sign-out for editors."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import csrf, db, limiter
from ..extensions import login as login_manager
from ..forms import LoginForm, TokenForm
from ..models import ApiToken, User, utcnow
from ..services.users import authenticate, issue_token, user_for_token
from . import editor_required

bp = Blueprint("auth", __name__)
LOGIN_FAILED = "Wrong name or password."


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def bearer_token(req):
    """Return the token of an ``Authorization: Bearer TOKEN`` header, or None."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@login_manager.request_loader
def load_user_from_token(req):
    """Authenticate API calls that carry a bearer token."""
    token = bearer_token(req)
    return user_for_token(token) if token else None


def protect_writes():
    """Check the CSRF token of every write a session authenticates, and of the sign-in form.

    Runs before each request. Writes with a bearer token need none (a page on
    another site cannot set that header); writes with no credentials at all go on
    to their view, which answers 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if request.endpoint == "auth.login":
        csrf.protect()
    elif bearer_token(request) is None and current_user.is_authenticated:
        csrf.protect()


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


@bp.route("/account", methods=["GET", "POST"])
@editor_required
def account():
    """The signed-in editor's API tokens: create one (shown once), revoke them."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = issue_token(current_user, form.label.data.strip())
        db.session.commit()
    tokens = sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template("auth/account.html", form=form, tokens=tokens, new_token=new_token)


@bp.post("/account/tokens/<id:token_id>/revoke")
@editor_required
def token_revoke(token_id):
    """Revoke one of the signed-in editor's tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    flash("The token is revoked.", "info")
    return redirect(url_for("auth.account"))
