"""Accounts in the browser, for admins: add, rename, change roles, disable, sign out, the audit log."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..config import MAX_ID
from ..extensions import db
from ..forms import NewUserForm, UserForm
from ..models import ApiToken, AuditEvent, User
from ..services import ValidationError
from ..services.users import (
    SIGN_IN_LINK_DAYS, LastAdminError, add_user, disable_user, enable_user, end_sessions, record,
    revoke_tokens, set_display_name, set_role, sign_in_link_token,
)
from . import admin_required, form_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 50
ACCOUNT_EVENTS = 20  # the latest audit entries shown on an account's page


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _user(user_id):
    return db.session.get(User, user_id) or abort(404, description=f"there is no account {user_id}")


def _sign_in_link(user):
    token = sign_in_link_token(user, current_app.config["SECRET_KEY"])
    return url_for("auth.welcome", token=token, _external=True)


def _live_tokens():
    """Live API tokens per account id."""
    return dict(db.session.execute(
        select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)).all())


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    """Every account, and a form to add one: its owner gets a one-time sign-in link."""
    form = NewUserForm()
    added = link = None
    status = 200
    if form.validate_on_submit():
        try:
            added = add_user(form.name.data.strip(), None, form.role.data, form.display_name.data)
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
            status = 422
        else:
            record(current_user, "added", added, f"as {added.role}; sign-in link issued")
            db.session.commit()
            link = _sign_in_link(added)
            form = NewUserForm(formdata=None)
    elif request.method == "POST":
        status = 422
    accounts = db.session.scalars(select(User).order_by(func.lower(User.name))).all()
    return render_template("admin/users.html", form=form, accounts=accounts, added=added,
                           link=link, link_days=SIGN_IN_LINK_DAYS,
                           live_tokens=_live_tokens()), status


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@admin_required
def user(user_id):
    """One account: change its shown name and role; sign it out, revoke, disable, new link."""
    account = _user(user_id)
    form = UserForm(obj=account)
    status = 200
    if form.validate_on_submit():
        try:
            set_display_name(account, form.display_name.data, current_user)
            set_role(account, form.role.data, current_user)
        except ValidationError as exc:
            db.session.rollback()
            form_errors(form, exc)
            status = 422
        except LastAdminError as exc:
            db.session.rollback()
            form.role.errors.append(f"Not changed: {exc}.")
            status = 409
        else:
            db.session.commit()
            flash("Saved.", "info")
            return redirect(url_for("admin.user", user_id=account.id))
    elif request.method == "POST":
        status = 422
    return _user_page(account, form), status


def _user_page(account, form=None, link=None):
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == account.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc()).limit(ACCOUNT_EVENTS)).all()
    return render_template("admin/user.html", account=account, form=form or UserForm(obj=account),
                           events=events, link=link, link_days=SIGN_IN_LINK_DAYS,
                           live_tokens=_live_tokens().get(account.id, 0))


@bp.post('/users/<id:user_id>/<any(disable, enable, "revoke-tokens", "sign-out", "sign-in-link"):action>')
@admin_required
def user_action(user_id, action):
    """Disable, enable, revoke every token, sign out everywhere, or issue a new sign-in link."""
    account = _user(user_id)
    actor = current_user._get_current_object()
    myself = account.id == actor.id
    try:
        if action == "disable":
            disable_user(account, actor)
            message = f"{account.label} is disabled: signed out everywhere, tokens revoked."
        elif action == "enable":
            enable_user(account, actor)
            message = f"{account.label} can sign in again."
        elif action == "revoke-tokens":
            count = revoke_tokens(account)
            record(actor, "tokens revoked", account, f"{count} token(s)")
            message = f"{count} token(s) of {account.label} revoked."
        elif action == "sign-out":
            end_sessions(account)
            record(actor, "signed out everywhere", account)
            message = f"{account.label} is signed out everywhere."
        else:
            record(actor, "sign-in link issued", account)
            db.session.commit()
            return _user_page(account, link=_sign_in_link(account))
    except LastAdminError as exc:
        db.session.rollback()
        flash(f"Not done: {exc}.", "error")
        return redirect(url_for("admin.user", user_id=account.id))
    db.session.commit()
    flash(message, "info")
    if myself and action in ("disable", "sign-out"):
        logout_user()  # this session ended with the others
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.user", user_id=account.id))


@bp.get("/audit")
@admin_required
def audit():
    """The audit log: who did what to which account, and when; newest first.

    Paged by ``?before=ID`` (the entries older than entry ID), so any page costs
    the same however far back it is.
    """
    before = request.args.get("before", type=int)
    query = select(AuditEvent).options(selectinload(AuditEvent.actor),
                                       selectinload(AuditEvent.target))
    if before is not None:
        if not 0 < before <= MAX_ID:
            abort(404)
        query = query.where(AuditEvent.id < before)
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1)).all()
    more = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    return render_template("admin/audit.html", events=events, before=before,
                           older=events[-1].id if more else None)
