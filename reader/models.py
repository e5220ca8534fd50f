"""Document, Annotation, Source, User and their revision tables; the accounts' audit log."""

import secrets
from datetime import UTC, date, datetime

from flask_login import UserMixin
from markupsafe import Markup
from sqlalchemy import (
    JSON, CheckConstraint, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint,
    false, func, select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, WriteOnlyMapped, deferred, mapped_column, relationship, validates

from .extensions import db
from .intake.identity import text_fingerprint, url_key
from .sanitize import render_markdown


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

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        general = super().bind_processor(dialect)

        def process(value):
            # what SQLAlchemy's SQLite DateTime writes, without its per-field formatting
            if type(value) is datetime and value.tzinfo is not None:
                return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            return general(value) if general else value
        return process

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        general = super().result_processor(dialect, coltype)

        def process(value):
            # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff": read in C, not by a regular expression
            if type(value) is str:
                try:
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    moment = None
                if moment is not None and moment.tzinfo is None:
                    return moment.replace(tzinfo=UTC)
            return general(value) if general else value
        return process


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
    # bumped by sign-out, a password change, disabling and "sign out everywhere": every
    # session and remember-me cookie names the generation it was issued under
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    @property
    def is_active(self):
        return not self.disabled

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def label(self):
        """The name editors know this account by (the login name when there is no display name)."""
        return self.display_name or self.name

    @property
    def public_name(self):
        """The name readers see on notes and in exports: never the login name."""
        return self.display_name or f"Editor {self.id}"

    def get_id(self):
        """Flask-Login's session id: ``"<id>:<session generation>:<random>"``.

        The random part makes every sign-in's session and remember-me cookie different;
        the generation lets one bump end them all (``auth.load_user`` compares it).
        """
        return f"{self.id}:{self.session_generation}:{secrets.token_urlsafe(9)}"


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
    # the index's orders and filters (catalog.py)
    __table_args__ = (Index("ix_documents_published_on", "published_on", "id"),
                      Index("ix_documents_title", "title", "id"),
                      Index("ix_documents_outlet", "outlet"),
                      Index("ix_documents_author", "author"),
                      # what the corpus's matching is kept under, read without the texts
                      Index("ix_documents_revision", "revision", "modified_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    outlet: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    published_on: Mapped[date | None]
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    # the outlet that published it first, when ``outlet`` republished it
    original_outlet: Mapped[str] = mapped_column(String(200), default="", server_default=sql_text("''"))
    language: Mapped[str] = mapped_column(String(35), default="", server_default=sql_text("''"))
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    # file name it was imported from; a re-import of that name revises this document
    source_file: Mapped[str | None] = mapped_column(String(255), unique=True)
    # what finds the same article again: its text's words, its canonical URL (intake/identity.py)
    text_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    url_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # when a published note of it last left readers' view (unpublished, deleted): the
    # readers' Last-Modified must move then too, though no published note changed
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    revisions: Mapped[list["DocumentRevision"]] = relationship(
        back_populates="document", order_by="DocumentRevision.number",
        cascade="all, delete-orphan",
    )
    # write-only: adding a note must not load a document's thousands of notes
    annotations: WriteOnlyMapped["Annotation"] = relationship(back_populates="document",
                                                              passive_deletes=True)

    @validates("text")
    def _keep_text_hash(self, key, value):
        self.text_hash = text_fingerprint(value or "")
        return value

    @validates("source_url")
    def _keep_url_key(self, key, value):
        self.url_key = url_key(value)
        return value


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


class Intake(db.Model):
    """A page, PDF or text an editor brought in: pending (``token`` set) until confirmed,
    then kept with the document it became, the original as its archived copy."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)  # while pending
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int | None]  # the document's revision its text became
    kind: Mapped[str] = mapped_column(String(10))  # html, pdf, text
    media_type: Mapped[str] = mapped_column(String(100))
    charset: Mapped[str] = mapped_column(String(40), default="")  # an HTML original's
    filename: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")  # where it was fetched from
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # the original bytes (pages and PDFs); deferred: listing intakes never loads them
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    text: Mapped[str] = mapped_column(Text, default="")  # the extracted text, while pending
    found: Mapped[dict] = mapped_column(JSON, default=dict)  # metadata as found
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    document: Mapped[Document | None] = relationship()


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
    # counts saves, for stale-edit checks (the server default fills rows older than it)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set when merged into another source: its citations moved there, its page redirects
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    annotations: WriteOnlyMapped["Annotation"] = relationship(back_populates="source")
    revisions: Mapped[list["SourceRevision"]] = relationship(
        back_populates="source", order_by="SourceRevision.version",
        cascade="all, delete-orphan",
    )
    merged_into: Mapped["Source | None"] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}


class SourceRevision(db.Model):
    """A snapshot of a source after one change: who, when, what changed."""

    __tablename__ = "source_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"),
                                           index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # created, edited, merged, deleted…
    changed: Mapped[list] = mapped_column(JSON, default=list)  # names of changed fields
    snapshot: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(300), default="")  # e.g. which source merged in
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Source] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()


def _sparse(name, column, *more):
    """An index of the rows where ``column`` is set (partial, in SQLite and PostgreSQL)."""
    where = sql_text(f"{column} IS NOT NULL")
    return Index(name, *more, column, sqlite_where=where, postgresql_where=where)


class Annotation(db.Model):
    """An editor's note on a span of a document (or on the whole document).

    ``start``/``end`` are code points of the document's current text; both are None
    for a whole-document note and for an orphan, which keeps its last quote.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_document_status", "document_id", "status"),
        Index("ix_annotations_creator_status", "creator_id", "status"),
        # status first, then id: "the published notes in id order" reads the index in order
        Index("ix_annotations_status_id", "status", "id"),
        # the editors' list of sources counts each one's notes by status from this alone
        Index("ix_annotations_source_status", "source_id", "status", "deleted_at"),
        # partial: only the few rows where the column is set. A full index on a column that
        # is NULL almost everywhere lures SQLite's planner into reading nearly every row
        # for "IS NULL" (replies, deletions, pending changes: see _sparse)
        *(_sparse(f"ix_annotations_{column}", column) for column in (
            "reply_to_id", "deleted_at", "pending_status", "changes_requested_at")),
        _sparse("ix_annotations_creator_pending", "pending_status", "creator_id"),
    )

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
    # the body as sanitize.py renders it, set whenever the body is: pages show this and
    # never render on a reader's request
    body_html: Mapped[str] = mapped_column(Text, default="", server_default=sql_text("''"))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(20))  # context: span vs. source
    verdict: Mapped[str | None] = mapped_column(String(30))  # factcheck only
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    creator_name: Mapped[str] = mapped_column(String(200), default="")
    via: Mapped[str | None] = mapped_column(String(2000), unique=True)  # a foreign IRI
    # what an imported W3C annotation held beyond these columns (unknown motivations,
    # bodyValue, other terms...), kept to export it back unchanged: see interchange/foreign.py
    extra: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # an editors' comment (kind "reply") answers this note or comment; readers never see it
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"))
    # review (services/review.py): an unapproved change to a published note, as the fields
    # that differ from the published ones; readers keep seeing the columns above meanwhile
    pending: Mapped[dict | None] = mapped_column(JSON)
    pending_status: Mapped[str | None] = mapped_column(String(20))  # draft or review
    # ids of the editors who changed the words since the last approval: none may approve
    change_authors: Mapped[list | None] = mapped_column(JSON)
    changes_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the pending change marked as a correction or clarification: {"kind", "reason"}; made
    # public on the approval revision (services/corrections.py)
    pending_correction: Mapped[dict | None] = mapped_column(JSON)

    document: Mapped[Document] = relationship(back_populates="annotations")
    source: Mapped[Source | None] = relationship(back_populates="annotations")
    creator: Mapped[User | None] = relationship()
    reply_to: Mapped["Annotation | None"] = relationship(remote_side=[id])
    revisions: Mapped[list["AnnotationRevision"]] = relationship(
        back_populates="annotation", order_by="AnnotationRevision.version",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("body")
    def _render_body(self, key, body):
        """Render a new body once, as it is set, into ``body_html``; return the body."""
        if body != self.body or self.body_html is None:
            self.body_html = render_markdown(body)
        return body

    @property
    def html(self):
        """The body as safe HTML (sanitize.py's output, stored when the body was saved)."""
        return Markup(self.body_html or "")

    @property
    def is_whole_document(self):
        return self.start is None and not self.orphan

    @property
    def byline(self):
        """Who wrote it, as readers see it: the account's public name (a sign-in name is
        never published), else the name stored with it (imported notes); may be empty."""
        return self.creator.public_name if self.creator else self.creator_name

    @property
    def visible(self):
        return self.status == "published" and self.deleted_at is None

    @property
    def is_reply(self):
        return self.reply_to_id is not None


class AnnotationRevision(db.Model):
    """A snapshot of an annotation after one save: who, when, what changed."""

    __tablename__ = "annotation_revisions"
    # the public entries, newest first (/corrections): only their rows are in it
    __table_args__ = (Index("ix_annotation_revisions_public", "created_at", "id",
                            sqlite_where=sql_text("correction IS NOT NULL"),
                            postgresql_where=sql_text("correction IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # created, edited, published, deleted…
    changed: Mapped[list] = mapped_column(JSON, default=list)  # names of changed fields
    snapshot: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)  # a reviewer's request, an override's reason
    # set on the revision that made a change public: correction, clarification or
    # withdrawal (the note left readers), with the reason readers read and ``earlier``,
    # the published fields before (plus the source's title): see services/corrections.py
    correction: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    earlier: Mapped[dict | None] = mapped_column(JSON)
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


class AuditEvent(db.Model):
    """One thing done to an account: who did it, what, to whom, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: command line
    action: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target: Mapped[User | None] = relationship(foreign_keys=[target_id])


class Mention(db.Model):
    """An ``@name`` of an editor in a comment, kept so the editor can find it."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("annotation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    annotation: Mapped[Annotation] = relationship()
    user: Mapped[User] = relationship()


class ContentVersion(db.Model):
    """Rows whose sum changes with every write to what readers see (see pagecache.py).

    Database triggers on documents, annotations, sources and users bump one row inside
    the writing transaction, so every writer (the app, the CLI, raw SQL) moves the sum,
    and only when the write commits. SQLite has one row; PostgreSQL one per slot, so
    concurrent writers do not queue for one row. Read it with ``content_version()``.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(db.BigInteger, default=0)


class PassageMatch(db.Model):
    """A sentence of one document that another document reports too, with its counterpart.

    Each match is stored twice, once from each side, so a document's rows are one indexed
    lookup. Rewritten when documents are imported or revised (services/reports.py).
    """

    __tablename__ = "passage_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                          index=True)
    start: Mapped[int]  # code points of this document's text
    end: Mapped[int]
    other_start: Mapped[int]  # code points of the other document's text
    other_end: Mapped[int]
    score: Mapped[float] = mapped_column(Float)


class DocumentCounts(db.Model):
    """A document's notes that readers see, by kind and verdict, kept by triggers (counts.py).

    ``document_id`` 0 and below are the whole corpus (one row on SQLite, a few on
    PostgreSQL: read their sum, ``counts.corpus_totals``); its ``changes`` and
    ``changed_at`` move with every write the index and the stats show.
    """

    __tablename__ = "document_counts"
    __table_args__ = (Index("ix_document_counts_notes", "notes", "document_id"),)

    document_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # every published, undeleted annotation (orphans and replies too): what the W3C
    # container lists; the other counts are of the notes readers see on the page
    published: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[int] = mapped_column(default=0, server_default="0")
    kind_note: Mapped[int] = mapped_column(default=0, server_default="0")
    kind_context: Mapped[int] = mapped_column(default=0, server_default="0")
    kind_factcheck: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_accurate: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_mostly_accurate: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_misleading: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_false: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_unsupported: Mapped[int] = mapped_column(default=0, server_default="0")
    verdict_unverifiable: Mapped[int] = mapped_column(default=0, server_default="0")
    changes: Mapped[int] = mapped_column(db.BigInteger, default=0, server_default="0")
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnnotationPositions(db.Model):
    """How many annotations the W3C container lists (published, undeleted) among each
    block of ids, kept by triggers (counts.py): the container finds its page N by adding
    up blocks instead of skipping N pages of rows.

    ``block`` is ``id // counts.BLOCK``. On PostgreSQL a block is spread over ``slot``
    rows (one per writing connection, as the corpus's counts are): read their sum.
    """

    __tablename__ = "annotation_positions"

    block: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=0,
                                      server_default="0")
    published: Mapped[int] = mapped_column(default=0, server_default="0")


class SourceCounts(db.Model):
    """The published notes citing a source, kept by triggers (counts.py)."""

    __tablename__ = "source_counts"
    __table_args__ = (Index("ix_source_counts_citations", "citations", "source_id"),)

    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    citations: Mapped[int] = mapped_column(default=0, server_default="0")


class ReaderMessage(db.Model):
    """A reader's message to the editors: a correction to suggest or words to check.

    Plain text, never shown to readers; an editor may accept it and publish a reply
    (Markdown, rendered through sanitize.py) under its note. The reader's own words
    go public only if the editor says so with the reply (``reply_shows_message``).
    """

    __tablename__ = "reader_messages"
    __table_args__ = (Index("ix_reader_messages_status_created", "status", "created_at"),
                      Index("ix_reader_messages_document_replied", "document_id", "replied_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # correction, check
    message: Mapped[str] = mapped_column(Text)  # plain text, shown escaped
    email: Mapped[str] = mapped_column(String(254), default="")  # editors only
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"), index=True)
    # the words the reader selected, and where (code points) in the text as it then was
    exact: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[int | None]
    end: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    address_hash: Mapped[str] = mapped_column(String(64), default="", index=True)  # keyed HMAC
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the editors' public answer (Markdown source and its sanitised HTML), once accepted
    reply: Mapped[str] = mapped_column(Text, default="")
    reply_html: Mapped[str] = mapped_column(Text, default="")
    reply_public: Mapped[bool] = mapped_column(default=False, server_default=false())
    reply_shows_message: Mapped[bool] = mapped_column(default=False, server_default=false())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # to the microsecond
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
    annotation: Mapped[Annotation | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    @validates("reply")
    def _render_reply(self, key, reply):
        """Render a new reply once, as it is set, into ``reply_html``; return the reply."""
        self.reply_html = render_markdown(reply)
        return reply

    @property
    def reply_safe_html(self):
        """The reply as safe HTML (sanitize.py's output, stored when the reply was saved)."""
        return Markup(self.reply_html or "")


def content_version():
    """Return the query for the current content version (a number; None without rows)."""
    return select(func.sum(ContentVersion.version))
