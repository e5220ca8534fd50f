"""Helpers shared by app tests."""

from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation

FIELDS = ("id", "document_id", "start", "end", "exact", "prefix", "suffix", "orphan", "kind",
          "body", "tags", "status", "relation", "verdict", "creator_id", "creator_name", "via",
          "created_at", "modified_at")


def annotation_fields():
    """Return every stored annotation as a comparable dict, with its source's fields."""
    rows = {}
    for a in db.session.scalars(select(Annotation).where(Annotation.deleted_at.is_(None))):
        row = {field: getattr(a, field) for field in FIELDS}
        if a.source is not None:
            row["source"] = (a.source.speaker, a.source.title, a.source.venue,
                             a.source.occurred_on, a.source.url, a.source.language,
                             a.source.notes)
        rows[a.id] = row
    return rows
