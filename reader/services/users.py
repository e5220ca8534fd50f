"""Users and API tokens: add, authenticate, disable, issue and revoke tokens."""

import hashlib
import re
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import ROLES
from ..extensions import db
from ..models import ApiToken, User, utcnow
from . import ValidationError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,80}$")
MIN_PASSWORD = 8
# compared against when the name is unknown, so both failures take the same time
_DUMMY_HASH = generate_password_hash("not a password")


def add_user(name, password, role="editor", display_name=""):
    """Create a user; raise ValidationError for a bad or taken name, weak password, unknown role."""
    errors = {}
    if not NAME_PATTERN.match(name or ""):
        errors["name"] = "2 to 80 letters, digits, dots, hyphens or underscores"
    elif find_user(name) is not None:
        errors["name"] = f"a user named {name!r} already exists"
    if role not in ROLES:
        errors["role"] = f"choose one of: {', '.join(ROLES)}"
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"at least {MIN_PASSWORD} characters"
    if errors:
        raise ValidationError(errors)
    user = User(name=name, role=role, display_name=display_name.strip()[:120],
                password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user, password):
    """Give ``user`` a new password; raise ValidationError if it is too short."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError({"password": f"at least {MIN_PASSWORD} characters"})
    user.password_hash = generate_password_hash(password)


def find_user(name):
    """Return the user called ``name`` or None."""
    return db.session.scalars(select(User).filter_by(name=name)).first()


def authenticate(name, password):
    """Return the active user with this name and password, or None."""
    user = find_user(name)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or user.disabled:
        return None
    return user


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
    row = db.session.scalars(
        select(ApiToken).filter_by(token_hash=_hash_token(token), revoked_at=None)
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
