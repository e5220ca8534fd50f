"""Sources: validate, create, find again, edit, merge, delete and restore, keeping every revision."""

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ..config import MAX_ID
from ..extensions import db
from ..fields import strip_invisible
from ..models import Annotation, Source, SourceRevision, utcnow
from . import ServiceError, StaleVersionError, ValidationError

SOURCE_LIMITS = {"speaker": 200, "title": 300, "venue": 300, "url": 2000, "language": 35,
                 "notes": 5000}
# fields a revision snapshot keeps and an editor can change
SOURCE_FIELDS = ("speaker", "title", "venue", "occurred_on", "url", "language", "notes")
MAX_MERGE_HOPS = 50  # a chain of merges longer than this is broken data, not a real history


class SourceError(ServiceError):
    """A source cannot do what was asked (merge into itself, delete while cited…)."""


class SourceInUseError(SourceError):
    """A source still cited by notes cannot be deleted; ``count`` says by how many."""

    def __init__(self, count):
        self.count = count
        super().__init__(f"{count} note{'s' if count != 1 else ''} still cite this source: "
                         "merge it into another source instead, or change the notes first")


def check_url(value, field, errors):
    """Return ``value`` stripped (of invisible characters too) if it is empty or an http(s) URL;
    else record an error."""
    value = strip_invisible(value or "").strip()
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
    """Return the cleaned fields of a source from ``data`` or raise ValidationError.

    Invisible and direction-changing characters are removed from every field.
    """
    errors = {}
    clean = {}
    for field, limit in SOURCE_LIMITS.items():
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[f"source.{field}"] = "must be text"
            continue
        value = strip_invisible(value).strip()
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
    """Return a live source with the same speaker, title, date and URL, or None."""
    query = select(Source).filter_by(
        speaker=clean["speaker"], title=clean["title"],
        occurred_on=clean["occurred_on"], url=clean["url"], deleted_at=None,
    ).order_by(Source.id)
    return db.session.scalars(query).first()


def live_source(source_id):
    """Return the live source ``source_id`` names, following merges to the survivor.

    Returns None when there is no such source, or it is deleted (and not merged).
    """
    if not isinstance(source_id, int) or not 0 < source_id <= MAX_ID:
        return None
    source = db.session.get(Source, source_id)
    for _ in range(MAX_MERGE_HOPS):
        if source is None or source.merged_into_id is None:
            break
        source = source.merged_into
    return source if source is not None and source.deleted_at is None else None


def source_snapshot(source):
    """Return a revision snapshot of ``source``: every editable field, as JSON values."""
    out = {field: getattr(source, field) for field in SOURCE_FIELDS}
    out["occurred_on"] = source.occurred_on.isoformat() if source.occurred_on else None
    out["deleted"] = source.deleted_at is not None
    out["merged_into"] = source.merged_into_id
    return out


def _record(source, action, changed, user, note=""):
    """Write ``source``'s changes and keep a revision of it as it is now.

    Raises StaleVersionError when another request saved the source in between.
    """
    if source.id is not None:
        based_on = source.version
        try:
            db.session.flush()  # the version counter is bumped on flush (a new source starts at 1)
        except StaleDataError:
            raise StaleVersionError(based_on + 1, based_on) from None
    source.revisions.append(SourceRevision(
        version=source.version or 1, action=action, changed=list(changed),
        snapshot=source_snapshot(source), note=note[:300],
        user_id=user.id if user else None, created_at=source.modified_at or utcnow(),
    ))
    db.session.flush()


def create_source(data, user=None, *, source_id=None):
    """Create a source from ``data`` (validated here) and return it.

    ``source_id`` keeps an id given by a trusted import (the command line); over HTTP
    the database chooses every id.
    """
    source = Source(**validate_source(data))
    if source_id is not None:
        source.id = source_id
    source.created_at = source.modified_at = utcnow()
    db.session.add(source)
    db.session.flush()
    _record(source, "created", [], user)
    return source


def find_or_create_source(data, user=None):
    """Return the live source with the same speaker, title, date and URL, else a new one."""
    return find_source(validate_source(data)) or create_source(data, user)


def update_source(source, data, user=None, *, based_on=None, note=""):
    """Overwrite a source's fields from ``data`` (validated here) and keep a revision.

    Returns the names of the changed fields (nothing is written when none changed).
    Raises ValidationError, or StaleVersionError if ``based_on`` is not the current version.
    """
    _check_version(source, based_on)
    clean = validate_source(data)
    changed = [field for field in SOURCE_FIELDS if getattr(source, field) != clean[field]]
    for field in changed:
        setattr(source, field, clean[field])
    if changed:
        source.modified_at = utcnow()
        _record(source, "edited", changed, user, note)
    return changed


def _check_version(source, based_on):
    if based_on is not None and int(based_on) != source.version:
        raise StaleVersionError(source.version, int(based_on))


def citation_counts(source_ids):
    """Return ``{source_id: {"published": n, "draft": n}}`` counting notes that are not deleted."""
    counts = {source_id: {"published": 0, "draft": 0} for source_id in source_ids}
    if not counts:
        return counts
    rows = db.session.execute(
        select(Annotation.source_id, Annotation.status, func.count())
        .where(Annotation.source_id.in_(list(counts)), Annotation.deleted_at.is_(None))
        .group_by(Annotation.source_id, Annotation.status))
    for source_id, status, n in rows:
        key = "published" if status == "published" else "draft"
        counts[source_id][key] += n
    return counts


def is_public(source):
    """True if readers may see ``source``: a published note that is not deleted cites it."""
    if source.deleted_at is not None:
        return False
    return db.session.scalar(
        select(Annotation.id).where(Annotation.source_id == source.id,
                                    Annotation.status == "published",
                                    Annotation.deleted_at.is_(None)).limit(1)) is not None


def merge_sources(source, survivor, user=None):
    """Merge ``source`` into ``survivor``: every note citing it cites the survivor instead.

    Deleted notes move too (so restoring one cites the survivor). Each moved note gets
    a history entry; both sources get one; ``source`` is kept, marked merged, and its
    page redirects. Returns the number of notes moved. Raises SourceError.
    """
    if source.id == survivor.id:
        raise SourceError("a source cannot be merged into itself")
    if source.deleted_at is not None or survivor.deleted_at is not None:
        raise SourceError("both sources must exist (neither deleted nor merged already)")
    from .annotations import record_revision  # annotations import this module
    now = utcnow()
    moved = db.session.scalars(select(Annotation).where(Annotation.source_id == source.id)
                               .order_by(Annotation.id)).all()
    for annotation in moved:
        annotation.source_id = survivor.id
        annotation.modified_at = now
        record_revision(annotation, "source merged", ["source_id"], user)
    # earlier merges into ``source`` now lead straight to the survivor
    for earlier in db.session.scalars(select(Source).filter_by(merged_into_id=source.id)):
        earlier.merged_into_id = survivor.id
    source.merged_into_id = survivor.id
    source.deleted_at = source.modified_at = now
    _record(source, "merged", ["merged_into"], user,
            note=f"merged into source {survivor.id}: {survivor.title}")
    survivor.modified_at = now
    flag_modified(survivor, "modified_at")  # always an UPDATE: its version moves, and is checked
    _record(survivor, "merged", ["citations"], user,
            note=f"took over {len(moved)} citation{'s' if len(moved) != 1 else ''} "
                 f"of source {source.id}: {source.title}")
    return len(moved)


def delete_source(source, user=None):
    """Delete ``source`` softly (listed for editors, restorable); refused while notes cite it."""
    if source.deleted_at is not None:
        return
    cited = db.session.scalar(select(func.count()).where(Annotation.source_id == source.id,
                                                         Annotation.deleted_at.is_(None)))
    if cited:
        raise SourceInUseError(cited)
    source.deleted_at = source.modified_at = utcnow()
    _record(source, "deleted", ["deleted"], user)


def restore_source(source, user=None):
    """Undo a soft delete; a merged source stays merged (its citations are the survivor's)."""
    if source.merged_into_id is not None:
        raise SourceError("this source was merged into another one; it cannot come back alone")
    if source.deleted_at is not None:
        source.deleted_at = None
        source.modified_at = utcnow()
        _record(source, "restored", ["deleted"], user)


def _matching(query):
    """The condition for sources whose speaker, title or venue contains ``query`` literally."""
    escaped = strip_invisible(query).strip()  # NUL too, which PostgreSQL refuses in a query
    for char in ("\\", "%", "_"):
        escaped = escaped.replace(char, "\\" + char)
    pattern = f"%{escaped}%"
    return (Source.title.ilike(pattern, escape="\\") | Source.speaker.ilike(pattern, escape="\\")
            | Source.venue.ilike(pattern, escape="\\"))


def list_sources(query="", offset=0, limit=50, exclude=None):
    """Return ``(sources, total)``: live sources matching ``query``, by title, one page of them."""
    stmt = select(Source).where(Source.deleted_at.is_(None))
    if query.strip():
        stmt = stmt.where(_matching(query))
    if exclude is not None:
        stmt = stmt.where(Source.id != exclude)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    sources = db.session.scalars(stmt.order_by(func.lower(Source.title), Source.id)
                                 .offset(offset).limit(limit)).all()
    return sources, total


def search_sources(query, limit=20):
    """Return live sources whose speaker, title or venue contains ``query``, newest first."""
    stmt = (
        select(Source)
        .where(Source.deleted_at.is_(None), _matching(query))
        .order_by(Source.occurred_on.desc().nulls_last(), Source.id.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()
