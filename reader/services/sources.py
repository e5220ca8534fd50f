"""Sources: validate, create, find again, update."""

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..models import Source, utcnow
from . import ValidationError

SOURCE_LIMITS = {"speaker": 200, "title": 300, "venue": 300, "url": 2000, "language": 35,
                 "notes": 5000}


def check_url(value, field, errors):
    """Return ``value`` stripped if it is empty or an http(s) URL; else record an error."""
    value = (value or "").strip()
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            errors[field] = "must be an http:// or https:// address"
    return value


def check_date(value, field, errors):
    """Return ``value`` (a date, ISO string or empty) as a date or None; else record an error."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors[field] = "must be a valid date (YYYY-MM-DD)"
        return None


def validate_source(data):
    """Return the cleaned fields of a source from ``data`` or raise ValidationError."""
    errors = {}
    clean = {}
    for field, limit in SOURCE_LIMITS.items():
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[f"source.{field}"] = "must be text"
            continue
        value = value.strip()
        if len(value) > limit:
            errors[f"source.{field}"] = f"at most {limit} characters"
        clean[field] = value
    if not clean.get("title"):
        errors["source.title"] = "a source needs a title (e.g. the speech or interview)"
    clean["url"] = check_url(clean.get("url"), "source.url", errors)
    clean["occurred_on"] = check_date(data.get("occurred_on"), "source.occurred_on", errors)
    if errors:
        raise ValidationError(errors)
    return clean


def find_source(clean):
    """Return an existing source with the same speaker, title, date and URL, or None."""
    query = select(Source).filter_by(
        speaker=clean["speaker"], title=clean["title"],
        occurred_on=clean["occurred_on"], url=clean["url"],
    )
    return db.session.scalars(query).first()


def create_source(data, source_id=None):
    """Create a source from ``data`` (validated here) and return it."""
    source = Source(**validate_source(data))
    if source_id is not None:
        source.id = source_id
    db.session.add(source)
    db.session.flush()
    return source


def update_source(source, data):
    """Overwrite a source's fields from ``data`` (validated here); return True if any changed."""
    clean = validate_source(data)
    changed = False
    for field, value in clean.items():
        if getattr(source, field) != value:
            setattr(source, field, value)
            changed = True
    if changed:
        source.modified_at = utcnow()
    return changed


def search_sources(query, limit=20):
    """Return sources whose speaker, title or venue contains ``query``, newest first."""
    pattern = f"%{query.strip()}%"
    stmt = (
        select(Source)
        .where(Source.title.ilike(pattern) | Source.speaker.ilike(pattern)
               | Source.venue.ilike(pattern))
        .order_by(Source.occurred_on.desc().nulls_last(), Source.id.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()
