"""Accounts: add, authenticate, passwords, roles, disabling, sessions, API tokens, the audit log.

Every session and remember-me cookie names the account's ``session_generation``
(see ``User.get_id``); bumping it ends them all at once.
"""

import hashlib
import re
import secrets
import unicodedata

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import ROLES
from ..extensions import db
from ..models import ApiToken, AuditEvent, User, utcnow
from . import ServiceError, ValidationError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200
DISPLAY_NAME_LENGTH = 120
SIGN_IN_LINK_DAYS = 7
_LINK_SALT = "reader.sign-in-link"
# compared against when the name is unknown, so both failures take the same time
_DUMMY_HASH = generate_password_hash("not a password")


class LastAdminError(ServiceError):
    """The change would leave no active admin to manage the accounts."""

    def __init__(self):
        super().__init__("there must stay at least one active admin")


def clean_display_name(value):
    """Return a display name without control, bidi-override or zero-width characters, spaces folded."""
    kept = "".join(c for c in value or "" if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def _check_display_name(display_name, errors, user=None):
    """Return the cleaned display name; record an error if it is too long or someone else's."""
    display_name = clean_display_name(display_name)
    if len(display_name) > DISPLAY_NAME_LENGTH:
        errors["display_name"] = f"at most {DISPLAY_NAME_LENGTH} characters"
    elif display_name:
        # readers tell editors apart by this name, and imports match creators by it
        taken = select(User.id).where(func.lower(User.display_name) == display_name.lower())
        if user is not None and user.id is not None:
            taken = taken.where(User.id != user.id)
        if db.session.scalar(taken) is not None:
            errors["display_name"] = "another account shows this name"
    return display_name


def _check_password(password, errors, field="password"):
    if len(password or "") < MIN_PASSWORD:
        errors[field] = f"at least {MIN_PASSWORD} characters"
    elif len(password) > MAX_PASSWORD:
        errors[field] = f"at most {MAX_PASSWORD} characters"


def add_user(name, password, role="editor", display_name=""):
    """Create a user; raise ValidationError for a bad or taken name, weak password, unknown role.

    ``password`` None gives the account no usable password: it signs in first
    through a sign-in link (``sign_in_link_token``).
    """
    errors = {}
    if not NAME_PATTERN.match(name or ""):
        errors["name"] = "2 to 80 letters, digits, dots, hyphens or underscores"
    elif find_user(name) is not None:
        errors["name"] = f"a user named {name!r} already exists"
    if role not in ROLES:
        errors["role"] = f"choose one of: {', '.join(ROLES)}"
    display_name = _check_display_name(display_name, errors)
    if password is not None:
        _check_password(password, errors)
    if errors:
        raise ValidationError(errors)
    user = User(name=name, role=role, display_name=display_name,
                password_hash=generate_password_hash(password or secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user, password):
    """Give ``user`` a new password (ends its sessions); raise ValidationError if it is bad."""
    errors = {}
    _check_password(password, errors)
    if errors:
        raise ValidationError(errors)
    _set_password(user, password)


def find_user(name):
    """Return the user called ``name`` or None."""
    return db.session.scalars(select(User).filter_by(name=name)).first()


def find_by_display_name(display_name):
    """Return the one user showing ``display_name`` (case aside), or None."""
    display_name = clean_display_name(display_name)
    if not display_name:
        return None
    found = db.session.scalars(select(User).where(
        func.lower(User.display_name) == display_name.lower()).limit(2)).all()
    return found[0] if len(found) == 1 else None


def authenticate(name, password):
    """Return the active user with this name and password, or None."""
    user = find_user(name)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled:
        return None
    return user


def session_user(session_id):
    """Return the active user a session id (``User.get_id``) names, or None if it is stale."""
    user_id, _, rest = str(session_id).partition(":")
    generation = rest.partition(":")[0]
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii()
            and generation.isdigit()) or len(user_id) > 10:
        return None  # also a session from before generations: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or user.disabled or user.session_generation != int(generation):
        return None
    return user


def end_sessions(user):
    """Sign ``user`` out everywhere: every session, remember-me cookie and sign-in link dies."""
    # incremented by the database, so two of these at once still both move it on
    user.session_generation = User.session_generation + 1
    db.session.flush()


def change_password(user, current, new, again):
    """Change ``user``'s own password; raise ValidationError. Ends every session."""
    errors = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current"] = "that is not your current password"
    _check_password(new, errors, "new")
    if not errors and new != again:
        errors["again"] = "the two new passwords differ"
    if errors:
        raise ValidationError(errors)
    _set_password(user, new)
    record(user, "password changed", user)


def set_password_by_link(user, new, again):
    """Set the password of ``user``, who came by a sign-in link; ends every other session."""
    errors = {}
    _check_password(new, errors, "new")
    if not errors and new != again:
        errors["again"] = "the two passwords differ"
    if errors:
        raise ValidationError(errors)
    _set_password(user, new)
    record(user, "password set by sign-in link", user)


def _set_password(user, password):
    user.password_hash = generate_password_hash(password)
    end_sessions(user)


def set_display_name(user, display_name, actor):
    """Change the name readers see on ``user``'s notes; raise ValidationError."""
    errors = {}
    display_name = _check_display_name(display_name, errors, user)
    if errors:
        raise ValidationError(errors)
    if display_name != user.display_name:
        record(actor, "display name changed", user, f"{user.display_name!r} → {display_name!r}")
        user.display_name = display_name


def set_role(user, role, actor):
    """Make ``user`` an editor or an admin; raise ValidationError or LastAdminError."""
    if role not in ROLES:
        raise ValidationError({"role": f"choose one of: {', '.join(ROLES)}"})
    if role == user.role:
        return
    if user.role == "admin":
        _keep_an_admin(user)
    record(actor, "role changed", user, f"{user.role} → {role}")
    user.role = role


def disable_user(user, actor=None):
    """Disable ``user``: no sign-in, sessions ended, tokens revoked; raise LastAdminError."""
    if user.disabled:
        return
    if user.is_admin:
        _keep_an_admin(user)
    user.disabled = True
    end_sessions(user)
    count = revoke_tokens(user)
    record(actor, "disabled", user, f"{count} token(s) revoked")


def enable_user(user, actor=None):
    """Let a disabled ``user`` sign in again (their old sessions and tokens stay dead)."""
    if user.disabled:
        user.disabled = False
        record(actor, "enabled", user)


def _keep_an_admin(user):
    """Raise LastAdminError unless an active admin other than ``user`` remains.

    The active admins' rows are locked (in id order, so two such changes at once
    wait for each other rather than deadlock): two admins demoting each other at
    the same moment cannot both succeed.
    """
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.disabled.is_(False))
        .order_by(User.id).with_for_update()).all()
    if not any(admin_id != user.id for admin_id in admins):
        raise LastAdminError()


def sign_in_link_token(user, secret):
    """Return a token for a one-time sign-in link: it sets a password and signs ``user`` in.

    It dies when used (the password changes), when the account is signed out
    everywhere, and after SIGN_IN_LINK_DAYS.
    """
    serializer = URLSafeTimedSerializer(secret, salt=_LINK_SALT)
    return serializer.dumps([user.id, _link_fingerprint(user)])


def user_for_sign_in_link(token, secret):
    """Return the active user a sign-in link's token is still good for, or None."""
    serializer = URLSafeTimedSerializer(secret, salt=_LINK_SALT)
    try:
        user_id, fingerprint = serializer.loads(token, max_age=SIGN_IN_LINK_DAYS * 86400)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.disabled or not secrets.compare_digest(
            fingerprint, _link_fingerprint(user)):
        return None
    return user


def _link_fingerprint(user):
    """What a sign-in link is bound to: the password and the session generation it was made under."""
    seed = f"{user.password_hash}:{user.session_generation}".encode()
    return hashlib.sha256(seed).hexdigest()[:24]


def record(actor, action, target=None, detail=""):
    """Add an audit log entry: ``actor`` (None: the command line) did ``action`` to ``target``."""
    db.session.add(AuditEvent(actor=actor, action=action, target=target, detail=detail[:300]))


def _hash_token(token):
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, label=""):
    """Create an API token for ``user``; return the token itself (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_hash_token(token), label=label[:80]))
    return token


def user_for_token(token):
    """Return the active user owning the unrevoked ``token``, or None."""
    row = db.session.scalars(  # the user in the same query: one round trip per API request
        select(ApiToken).filter_by(token_hash=_hash_token(token), revoked_at=None)
        .options(joinedload(ApiToken.user))
    ).first()
    if row is None or row.user.disabled:
        return None
    return row.user


def revoke_tokens(user):
    """Revoke every token of ``user``; return how many were live."""
    live = [t for t in user.tokens if t.revoked_at is None]
    for token in live:
        token.revoked_at = utcnow()
    return len(live)
