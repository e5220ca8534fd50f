"""Sign-in and sign-out for editors, their account page, and one-time sign-in links.

A session lives only as long as its account's session generation: signing out,
changing the password, being disabled or signed out everywhere by an admin ends
every session and remember-me cookie of the account (``services.users``). A request
with an ``Authorization`` header is judged by that header alone.
"""

from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_user, logout_user

from ..extensions import csrf, db, limiter
from ..extensions import login as login_manager
from ..forms import DisplayNameForm, LoginForm, PasswordForm, TokenForm, WelcomeForm
from ..models import ApiToken, utcnow
from ..services import ValidationError
from ..services.users import (
    authenticate, change_password, end_sessions, issue_token, session_user, set_display_name,
    set_password_by_link, user_for_sign_in_link, user_for_token,
)
from ..throttle import SignInThrottle
from . import editor_required, form_errors, local_path, session_required

bp = Blueprint("auth", __name__)
LOGIN_FAILED = "Wrong name or password."
_NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # the page's URL holds its sign-in link


@login_manager.user_loader
def load_user(session_id):
    """The user of a session or remember-me cookie, if its session generation is current.

    With an ``Authorization`` header the cookies count for nothing: the header alone
    decides (so a junk token next to a session is a 401, not a session write).
    """
    if "Authorization" in request.headers:
        return load_user_from_header(request)
    return session_user(session_id)


def bearer_token(req):
    """Return the token of an ``Authorization: Bearer TOKEN`` header, or None."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@login_manager.request_loader
def load_user_from_header(req):
    """Authenticate API calls that carry a bearer token."""
    token = bearer_token(req)
    return user_for_token(token) if token else None


def protect_writes():
    """Check the CSRF token of every write a session authenticates, and of the sign-in forms.

    Runs before each request. Writes with an ``Authorization`` header need none (a
    page on another site cannot set that header, and the cookies are then ignored);
    writes with no credentials at all go on to their view, which answers 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if request.endpoint in ("auth.login", "auth.welcome"):
        csrf.protect()
    elif "Authorization" not in request.headers and current_user.is_authenticated:
        csrf.protect()


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target):
    """Return ``target`` if it is a path on this site (see views.local_path), else the index."""
    return local_path(target) or url_for("public.index")


def _throttle():
    """The sign-in throttle on the rate limiter's storage, or None when limits are off."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return SignInThrottle(limiter.storage)


def _sign_in(user, remember=False):
    """Start a session for ``user`` with a fresh CSRF secret (none from before sign-in survives)."""
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop("csrf_token", None)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign an editor in; one message for a wrong name or a wrong password.

    Failures make that name wait longer and longer from that address, and cap the
    failures of one address (``throttle``); the right password is refused too while
    it waits.
    """
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        name, address = form.name.data.strip(), request.remote_addr or ""
        throttle = _throttle()
        wait = throttle.wait_seconds(name, address) if throttle else 0
        if wait:
            form.password.errors.append(
                f"Too many failed sign-ins from your address. "
                f"Try again in {wait} second{'s' if wait != 1 else ''}.")
            status, headers = 429, {"Retry-After": str(wait)}
        else:
            user = authenticate(name, form.password.data)
            if user is not None:
                if throttle:
                    throttle.succeeded(name, address)
                _sign_in(user, remember=form.remember.data)
                return redirect(_safe_next(request.args.get("next")))
            if throttle:
                throttle.failed(name, address)
            form.password.errors.append(LOGIN_FAILED)
    if request.method == "POST" and form.errors and status == 200:
        status = 401
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST with the CSRF token, so no page can sign you out).

    The account's session generation moves on: this session, its remember-me cookie
    and any copy of them stop working, on every device.
    """
    if current_user.is_authenticated and "Authorization" not in request.headers:
        end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    flash("You are signed out.", "info")
    return redirect(url_for("public.index"))


def _account_page(token_form=None, password_form=None, name_form=None, new_token=None,
                  status=200):
    tokens = sorted(current_user.tokens, key=lambda t: t.created_at, reverse=True)
    return render_template(
        "auth/account.html", form=token_form or TokenForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        name_form=name_form or DisplayNameForm(formdata=None,
                                               display_name=current_user.display_name),
        tokens=tokens, new_token=new_token), status


@bp.route("/account", methods=["GET", "POST"])
@editor_required
def account():
    """The signed-in editor's account: API tokens (create, shown once; revoke), password, name."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = issue_token(current_user, form.label.data.strip())
        db.session.commit()
    return _account_page(token_form=form, new_token=new_token)


@bp.post("/account/password")
@session_required
def password():
    """Change your own password: every other session ends; this one goes on."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.new.data, form.again.data)
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
        else:
            db.session.commit()
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") \
                in request.cookies
            _sign_in(user, remember=remembered)
            flash("Your password is changed. You are signed out everywhere else.", "info")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.post("/account/name")
@session_required
def display_name():
    """Change the name readers see on your notes."""
    form = DisplayNameForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            set_display_name(user, form.display_name.data, user)
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
        else:
            db.session.commit()
            flash("Readers now see your notes signed " + user.public_name + ".", "info")
            return redirect(url_for("auth.account"))
    return _account_page(name_form=form, status=422)


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


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token):
    """A one-time sign-in link from an admin: choose a password, and you are signed in."""
    user = user_for_sign_in_link(token[:500], current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("auth/welcome.html", form=None), 404, _NO_REFERRER
    form = WelcomeForm()
    if form.validate_on_submit():
        try:
            set_password_by_link(user, form.new.data, form.again.data)
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
        else:
            db.session.commit()
            logout_user()
            _sign_in(user)
            flash(f"Welcome, {user.label}. Your password is set; you are signed in.", "info")
            return redirect(url_for("auth.account"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/welcome.html", form=form, user=user), status, _NO_REFERRER
