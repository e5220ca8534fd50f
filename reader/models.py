"""Document, Annotation, Source, User and their revision tables."""

from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from .extensions import db


def utcnow():
    """Return the current time as an aware UTC datetime, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class UTCDateTime(db.TypeDecorator):
    """A timestamp stored naive in UTC and always read back as aware UTC."""

    impl = db.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class User(UserMixin, db.Model):
    """An editor or admin; readers have no account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="editor")
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    @property
    def is_active(self):
        return not self.disabled

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def label(self):
        return self.display_name or self.name


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class Document(db.Model):
    """A text readers annotate; ``text`` is the canonical text of its latest revision."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    outlet: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    published_on: Mapped[date | None]
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    # file name it was imported from; a re-import of that name revises this document
    source_file: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revisions: Mapped[list["DocumentRevision"]] = relationship(
        back_populates="document", order_by="DocumentRevision.number",
        cascade="all, delete-orphan",
    )
    # write-only: adding a note must not load a document's thousands of notes
    annotations: WriteOnlyMapped["Annotation"] = relationship(back_populates="document",
                                                              passive_deletes=True)


class DocumentRevision(db.Model):
    """One version of a document's canonical text; every earlier one is kept."""

    __tablename__ = "document_revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(300), default="")

    document: Mapped[Document] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()


class Source(db.Model):
    """Where a statement comes from: one speech, interview or document, cited from many spans."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    venue: Mapped[str] = mapped_column(String(300), default="")
    occurred_on: Mapped[date | None]  # when the statement was made
    url: Mapped[str] = mapped_column(String(2000), default="")
    language: Mapped[str] = mapped_column(String(35), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    annotations: WriteOnlyMapped["Annotation"] = relationship(back_populates="source")


class Annotation(db.Model):
    """An editor's note on a span of a document (or on the whole document).

    ``start``/``end`` are code points of the document's current text; both are None
    for a whole-document note and for an orphan, which keeps its last quote.
    """

    __tablename__ = "annotations"
    __table_args__ = (Index("ix_annotations_document_status", "document_id", "status"),
                      Index("ix_annotations_creator_status", "creator_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int | None]
    end: Mapped[int | None]
    exact: Mapped[str] = mapped_column(Text, default="")
    prefix: Mapped[str] = mapped_column(Text, default="")
    suffix: Mapped[str] = mapped_column(Text, default="")
    orphan: Mapped[bool] = mapped_column(default=False)
    # how the span landed when the text last changed: unchanged, moved, fuzzy, orphaned
    anchor_state: Mapped[str] = mapped_column(String(20), default="unchanged")
    anchor_score: Mapped[float | None]
    # re-anchored onto changed words (fuzzy) or orphaned: an editor should look, then
    # confirm or re-attach it
    needs_check: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown source
    tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(20))  # context: span vs. source
    verdict: Mapped[str | None] = mapped_column(String(30))  # factcheck only
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    creator_name: Mapped[str] = mapped_column(String(200), default="")
    via: Mapped[str | None] = mapped_column(String(2000), unique=True)  # a foreign IRI
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(back_populates="annotations")
    source: Mapped[Source | None] = relationship(back_populates="annotations")
    creator: Mapped[User | None] = relationship()
    revisions: Mapped[list["AnnotationRevision"]] = relationship(
        back_populates="annotation", order_by="AnnotationRevision.version",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_whole_document(self):
        return self.start is None and not self.orphan

    @property
    def visible(self):
        return self.status == "published" and self.deleted_at is None


class AnnotationRevision(db.Model):
    """A snapshot of an annotation after one save: who, when, what changed."""

    __tablename__ = "annotation_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # created, edited, published, deleted…
    changed: Mapped[list] = mapped_column(JSON, default=list)  # names of changed fields
    snapshot: Mapped[dict] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    annotation: Mapped[Annotation] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()


class Assignment(db.Model):
    """A task given to an editor: annotate a document, or review a note; with a message.

    Exactly one of ``document_id`` and ``annotation_id`` is set. It is open until it is
    marked done (``done_at``) or cancelled (``cancelled_at``, an unassignment or a
    reassignment, which opens a new one that ``replaces`` it).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("(document_id IS NULL) <> (annotation_id IS NULL)", name="one_target"),
        Index("ix_assignments_assignee_open", "assignee_id", "done_at", "cancelled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # done or cancelled it
    # a reassignment: the assignment this one took over from
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))

    document: Mapped[Document | None] = relationship()
    annotation: Mapped[Annotation | None] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self):
        return self.done_at is None and self.cancelled_at is None

    @property
    def task(self):
        """What the assignee is asked to do: ``annotate`` a document or ``review`` a note."""
        return "annotate" if self.document_id is not None else "review"


class ContentVersion(db.Model):
    """One row whose number changes with every write to what readers see (see pagecache.py).

    Database triggers on documents, annotations, sources and users bump it inside the
    writing transaction, so every writer (the app, the CLI, raw SQL) moves it, and
    only when the write commits.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(db.BigInteger, default=0)
