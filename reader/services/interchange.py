"""W3C JSON in and out: all-or-nothing import and streaming export."""

import json
from collections import namedtuple

import orjson
from sqlalchemy import func, select

from ..config import REPLY
from ..extensions import db
from ..models import Annotation, Document, Source, User
from ..interchange.foreign import pin_span
from ..interchange.spreadsheet import csv_lines, note_row
from ..text.canonical import locate_quote, quote_ambiguity
from ..w3c import (
    ROW_FIELDS, W3CError, annotation_collection, annotation_page, annotation_to_jsonld, doc_iri,
    isoformat, iter_items, parse_annotation, row_to_jsonld, source_to_jsonld,
)
from . import AnnotationImportError, ValidationError
from .annotations import create_annotation, update_annotation
from .bulk import BATCH as BULK_BATCH
from .bulk import NewAnnotations
from .corpus import advance_sequences
from .discussion import add_reply, edit_reply
from .review import keep_pending, pending_view
from .sources import create_source, find_source, live_source, update_source, validate_source
from .users import clean_display_name

EXPORT_BATCH = 1000


def import_annotations(data, base, user=None, only_new=False, partial=False, refused=None):
    """Import every annotation in parsed W3C JSON ``data``; return counts of what happened.

    Every item is checked and written inside one savepoint; if any item is bad the
    savepoint is rolled back and AnnotationImportError lists each bad item by index
    and reason. With ``partial`` the good items are imported and each bad one is
    appended to ``refused`` as ``(index, reason)``. With ``only_new`` an item that is
    already stored is left as it is (an editor may have changed it since). The caller
    commits.
    """
    try:
        items = list(iter_items(data))
    except W3CError as exc:
        raise AnnotationImportError([("-", str(exc))]) from None
    problems = []
    parsed_items = []
    for index, item in items:
        try:
            parsed_items.append((index, parse_annotation(item, base)))
        except W3CError as exc:
            problems.append((index, str(exc)))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    # all or nothing: new notes are checked one by one, then written in bulk; with
    # ``partial`` each item is written on its own, so a bad one can be rolled back alone
    state = _ImportState([parsed for _, parsed in parsed_items], bulk=not partial)
    savepoint = db.session.begin_nested()
    with db.session.no_autoflush:
        for index, parsed in _notes_then_replies(parsed_items):
            item = db.session.begin_nested() if partial else None
            try:
                outcome = _import_one(parsed, user, state, only_new)
            except (W3CError, ValidationError) as exc:
                problems.append((index, str(exc)))
                if item is not None:
                    item.rollback()
                    state.sources.clear()  # a source made for the refused item is gone
                continue
            if item is not None:
                item.commit()
            counts[outcome] += 1
            state.written_one()
        if not problems:
            state.write_new()
    if partial:
        (refused if refused is not None else []).extend(
            sorted(problems, key=lambda p: str(p[0]).zfill(12)))
    elif problems:
        savepoint.rollback()
        raise AnnotationImportError(sorted(problems, key=lambda p: str(p[0]).zfill(12)))
    savepoint.commit()
    advance_sequences(("annotations", "sources"))
    return counts


def _notes_then_replies(parsed_items):
    """Return the items with the notes first, then each comment after the one it answers."""
    notes = [item for item in parsed_items if item[1]["kind"] != REPLY]
    replies = [item for item in parsed_items if item[1]["kind"] == REPLY]
    by_iri = {item[1]["iri"]: item for item in replies if item[1]["iri"]}
    ordered, placed = [], set()
    for item in replies:
        chain, in_chain = [], set()
        while item is not None and item[0] not in placed and item[0] not in in_chain:
            chain.append(item)
            in_chain.add(item[0])
            item = by_iri.get(item[1]["reply_to"])
        for link in reversed(chain):
            placed.add(link[0])
            ordered.append(link)
    return notes + ordered


class _ImportState:
    """What an import looks up once: documents, creators, the annotations it may update,
    sources; and, in bulk, the new notes it writes."""

    FLUSH_EVERY = 1000
    CHUNK = 500

    def __init__(self, parsed_items, bulk=False):
        self.documents = {}
        for slugs in _chunks({p["slug"] for p in parsed_items if p["slug"]}, self.CHUNK):
            for document in db.session.scalars(select(Document).where(Document.slug.in_(slugs))):
                self.documents[document.slug] = document
        self.creators = _Creators(p["creator"] for p in parsed_items)
        self.sources = {}
        self.by_id = self._load(Annotation.id, {p["local_id"] for p in parsed_items
                                                if p["local_id"] is not None})
        vias = {p["iri"] or p["via"] for p in parsed_items if p["local_id"] is None}
        self.by_via = self._load(Annotation.via, vias - {None})
        self._pending = []
        self.new = NewAnnotations() if bulk else None

    def _load(self, column, keys):
        found = {}
        for chunk in _chunks(keys, self.CHUNK):
            for annotation in db.session.scalars(select(Annotation).where(column.in_(chunk))):
                found[getattr(annotation, column.key)] = annotation
        return found

    def _stored(self, found):
        """Return ``found`` as a stored annotation (one queued as a row is written first)."""
        if isinstance(found, dict):
            self.write_new()
            return db.session.get(Annotation, found["id"])
        return found

    def parent(self, parsed):
        """Return the stored annotation a comment answers (ours by id, else by ``via``), or None."""
        local = parsed["reply_to_local"]
        if local is not None:
            return self._stored(self.by_id.get(local)) or db.session.get(Annotation, local)
        iri = parsed["reply_to"]
        return self._stored(self.by_via.get(iri)) or db.session.scalars(
            select(Annotation).filter_by(via=iri)).first()

    def document(self, slug):
        """Return the document a W3C target names, or raise W3CError."""
        document = self.documents.get(slug)
        if document is None:
            raise W3CError(f"there is no document {slug!r}")
        return document

    def existing(self, parsed):
        """Return ``(annotation or None, via IRI)``: ours by id, a foreign one by ``via``."""
        if parsed["local_id"] is not None:
            return self._stored(self.by_id.get(parsed["local_id"])), parsed["via"]
        via = parsed["iri"] or parsed["via"]
        return (self._stored(self.by_via.get(via)) if via else None), via

    def created(self, annotation, via):
        """Remember a new annotation (or a queued row) by its id and ``via``."""
        if isinstance(annotation, dict):
            if annotation["id"] is not None:
                self.by_id[annotation["id"]] = annotation
        else:
            self._pending.append(annotation)
            self.by_id[annotation.id] = annotation  # may be None until flushed; harmless
        if via:
            self.by_via[via] = annotation

    def written_one(self):
        """Flush in batches and forget written rows, so memory stays flat for large files."""
        if self.new is not None and len(self.new) >= BULK_BATCH:
            self.write_new()
        if len(self._pending) >= self.FLUSH_EVERY:
            db.session.flush()
            for annotation in self._pending:
                for revision in annotation.revisions:
                    db.session.expunge(revision)
                db.session.expunge(annotation)
            self._pending.clear()

    def write_new(self):
        """Write the new notes queued in bulk."""
        if self.new is not None:
            self.new.write()


class _Creators:
    """The accounts an import's creators name, looked up together.

    A creator is the account whose shown name (case aside) its ``name`` is, when exactly
    one account shows it (what export writes), else, for older files and other tools,
    the one whose sign-in name is its ``nickname``.
    """

    def __init__(self, creators):
        creators = [c for c in creators if c]
        self.found = {}  # (name, nickname) -> (user or None, name)
        names = {clean_display_name(c["name"]).lower() for c in creators if c["name"]} - {""}
        self.by_display_name = {}
        for chunk in _chunks(names, _ImportState.CHUNK):
            lowered = func.lower(User.display_name)
            for user, key in db.session.execute(select(User, lowered).where(lowered.in_(chunk))):
                self.by_display_name.setdefault(key, []).append(user)
        self.by_name = {}
        for chunk in _chunks({c["nickname"] for c in creators if c["nickname"]},
                             _ImportState.CHUNK):
            self.by_name.update((u.name, u) for u in db.session.scalars(
                select(User).where(User.name.in_(chunk))))

    def get(self, creator):
        """Return ``(user or None, creator name)`` for a parsed creator (or None)."""
        if creator is None:
            return None, ""
        key = (creator["name"], creator["nickname"])
        if key not in self.found:
            self.found[key] = self._find(creator)
        return self.found[key]

    def _find(self, creator):
        user = None
        if creator["name"]:
            name = clean_display_name(creator["name"]).lower()
            found = self.by_display_name.get(name, []) if name else []
            user = found[0] if len(found) == 1 else None
        if user is None and creator["nickname"]:
            user = self.by_name.get(creator["nickname"])
        return user, creator["name"]


def _chunks(keys, size):
    keys = list(keys)
    return [keys[i:i + size] for i in range(0, len(keys), size)]


def _import_one(parsed, user, state, only_new):
    """Create or update one annotation from parsed W3C JSON; return what happened."""
    if parsed["kind"] == REPLY:
        return _import_reply(parsed, state, only_new)
    document = state.document(parsed["slug"])
    existing, via = state.existing(parsed)
    if existing is not None and only_new:
        return "kept"
    data = annotation_data(parsed, document, state.sources, user=user, keep_ids=True)
    creator, creator_name = state.creators.get(parsed["creator"])
    if existing is None and state.new is not None and parsed["pending"] is None:
        row = state.new.add(document, data, creator, creator_name=creator_name, via=via,
                            annotation_id=parsed["local_id"], created=parsed["created"],
                            modified=parsed["modified"], extra=kept_parts(parsed, data),
                            require=False)
        row.update(orphan_fields(parsed))
        state.created(row, via)
        return "created"
    if existing is None:
        annotation = create_annotation(
            document, data, creator, creator_name=creator_name, via=via,
            annotation_id=parsed["local_id"], created=parsed["created"],
            modified=parsed["modified"], flush=False, extra=kept_parts(parsed, data),
            require=False,
        )
        keep_orphan(annotation, parsed)
        _keep_pending(annotation, parsed, document, state)
        state.created(annotation, via)
        return "created"
    if existing.document_id != document.id:
        raise W3CError(f"annotation {existing.id} belongs to another document")
    changed = update_annotation(existing, data, creator, modified=parsed["modified"],
                                extra=kept_parts(parsed, data), require=False)
    before = (existing.pending, existing.pending_status)
    _keep_pending(existing, parsed, document, state)
    if (existing.pending, existing.pending_status) != before:
        changed = True
    return "updated" if changed else "unchanged"


def _keep_pending(annotation, parsed, document, state):
    """Restore a published note's unapproved change (``ar:pending``), if the item has one."""
    pending = parsed["pending"]
    if pending is None or annotation.status != "published":
        return
    keep_pending(annotation, annotation_data(pending, document, state.sources),
                 pending["status"])


def _import_reply(parsed, state, only_new):
    """Create or update one editors' comment; its note (or comment) must be stored first."""
    existing, via = state.existing(parsed)
    if existing is not None and only_new:
        return "kept"
    creator, creator_name = state.creators.get(parsed["creator"])
    if existing is None:
        parent = state.parent(parsed)
        if parent is None:
            raise W3CError(f"the note this comment answers is not here: {parsed['reply_to'][:200]}")
        reply = add_reply(parent, parsed["body"], creator, creator_name=creator_name, via=via,
                          annotation_id=parsed["local_id"], created=parsed["created"],
                          modified=parsed["modified"])
        state.created(reply, via)
        return "created"
    if existing.kind != REPLY:
        raise W3CError(f"annotation {existing.id} is a note, not a comment")
    changed = edit_reply(existing, parsed["body"], creator, modified=parsed["modified"],
                         by_import=True)
    return "updated" if changed else "unchanged"


def find_document(slug):
    """Return the document a W3C target names, or raise W3CError."""
    document = db.session.scalars(select(Document).filter_by(slug=slug)).first() if slug else None
    if document is None:
        raise W3CError(f"there is no document {slug!r}")
    return document


def annotation_data(parsed, document, sources=None, strict=False, *, user=None,
                    keep_ids=False):
    """Turn a parsed W3C annotation into the fields the annotation services take.

    The span is placed on ``document``'s text (by position, else by quote); a cited
    source is reused, edited (with a revision, on behalf of ``user``) or created.
    ``sources`` caches sources already resolved. Only a trusted import (``keep_ids``,
    the command line) creates a source under the id it names; over HTTP an id must
    name an existing source, and new sources get the database's next id. With
    ``strict`` (the HTTP API) a position and quote that disagree, or a quote that
    occurs more than once with nothing to say which, are refused (W3CError).
    """
    data = {key: parsed[key] for key in ("kind", "body", "tags", "status", "verdict",
                                          "relation")}
    data.update(_place(document.text, parsed, strict))
    if parsed["source"] is not None and parsed["kind"] == "context":
        data["source_id"] = _import_source(dict(parsed["source"]), {} if sources is None
                                           else sources, user, keep_ids).id
    return data


def kept_parts(parsed, data):
    """Return what is kept of a parsed annotation beyond our fields, tied to its placed span."""
    return pin_span(parsed["extra"], data["start"], data["end"])


def _place(text, parsed, strict=False):
    """Return start/end/exact for the item: its position if it matches, else found by quote."""
    start, end, exact = parsed["start"], parsed["end"], parsed["exact"]
    if parsed["orphan"] or (start is None and exact is None):
        return {"start": None, "end": None, "exact": None}
    fits = start is not None and start < end <= len(text)
    if fits and (exact is None or text[start:end] == exact):
        return {"start": start, "end": end, "exact": text[start:end]}
    if exact is None:
        raise W3CError(f"the position [{start}, {end}) is outside the text and there is no quote")
    if len(exact) > len(text):
        raise W3CError(f"the quote ({len(exact):,} characters) is longer than the document "
                       f"({len(text):,})")
    if strict:
        _refuse_doubt(text, parsed, fits)
    found = locate_quote(text, exact, parsed["prefix"], parsed["suffix"], hint=start)
    if found is None and exact in text:
        raise W3CError(f"the quote {exact[:60]!r} occurs too often to be placed by its words "
                       "alone: give its TextPositionSelector")
    if found is None:
        raise W3CError(f"the quote {exact[:60]!r} is not in the document")
    return {"start": found[0], "end": found[1], "exact": exact}


def _refuse_doubt(text, parsed, fits):
    """Raise W3CError when a position and quote disagree, or the quote cannot say where."""
    start, end, exact = parsed["start"], parsed["end"], parsed["exact"]
    if fits:
        raise W3CError(f"the TextPositionSelector [{start}, {end}) selects "
                       f"{text[start:end][:80]!r}, but the TextQuoteSelector says {exact[:80]!r}")
    if start is not None:
        raise W3CError(f"the TextPositionSelector [{start}, {end}) is outside the text (0 to "
                       f"{len(text)}); the TextQuoteSelector says {exact[:80]!r}")
    count, best = quote_ambiguity(text, exact, parsed["prefix"], parsed["suffix"])
    if best > 1:
        context = " and its prefix and suffix fit" if parsed["prefix"] or parsed["suffix"] else ""
        which = f"{context} {best} of them equally" if context else ""
        raise W3CError(f"the quote {exact[:60]!r} occurs {count} times in the document{which}: "
                       "add a TextPositionSelector, or a prefix or suffix that tells them apart")


def keep_orphan(annotation, parsed):
    """An imported orphan keeps its last quote and its orphan flag."""
    for field, value in orphan_fields(parsed).items():
        setattr(annotation, field, value)


def orphan_fields(parsed):
    """Return the columns an imported orphan sets: its flag and its last quote (else none)."""
    if not parsed["orphan"]:
        return {}
    return {"orphan": True, "anchor_state": "orphaned", "exact": parsed["exact"] or "",
            "prefix": parsed["prefix"], "suffix": parsed["suffix"]}


def _import_source(data, cache, user=None, keep_ids=False):
    """Return the source an annotation cites: a known one (updated if its fields differ,
    with a revision), an identical one, or a new one. See ``annotation_data``."""
    local = data.pop("local_id")
    key = (local,) if local is not None else tuple(sorted(
        (k, str(v)) for k, v in validate_source(data).items()))
    if key in cache:
        return cache[key]
    stored = db.session.get(Source, local) if local is not None else None
    if stored is not None:
        source = live_source(local)
        if source is None:
            raise W3CError(f"source {local} is deleted: restore it, or leave out its id")
        # fields sent with the id of a merged source describe that source, not the survivor
        if source is stored and any(data.get(field) for field in data):
            update_source(source, data, user, note="imported" if keep_ids else "")
    elif local is not None and not keep_ids:
        raise W3CError(f"there is no source {local}: leave out its id to add a new source")
    else:
        source = find_source(validate_source(data)) or create_source(data, user, source_id=local)
    cache[key] = source
    return source


def export_query(document=None, include_drafts=False):
    """Return the select of the annotations an export holds, in a stable order."""
    query = select(Annotation).where(Annotation.deleted_at.is_(None))
    if document is not None:
        query = query.where(Annotation.document_id == document.id)
    if not include_drafts:
        query = query.where(Annotation.status == "published")
    return query


def count_export(document=None, include_drafts=False):
    """Return how many annotations ``export_query`` selects."""
    inner = export_query(document, include_drafts).subquery()
    return db.session.scalar(select(func.count()).select_from(inner))


# what a CSV export needs of each annotation's row (spreadsheet.note_row)
EXPORT_COLUMNS = ("id", "kind", "body", "tags", "status", "start", "end", "exact", "prefix",
                  "suffix", "orphan", "verdict", "relation", "source_id", "creator_id",
                  "creator_name", "via", "extra", "reply_to_id", "pending", "created_at",
                  "modified_at")

# a row with what it refers to attached, read by attribute as an Annotation is
_ExportRow = namedtuple("_ExportRow", (*EXPORT_COLUMNS, "slug", "source", "creator",
                                       "pending_view"))


def iter_export(document=None, include_drafts=False):
    """Yield ``(annotation-like row, slug)`` for a CSV export, streamed in batches.

    Rows are plain columns, not ORM objects, so memory stays flat and each row costs
    little; the (few) sources and users are loaded once, a batch's pending changes
    (editors' exports) together.
    """
    inner = export_query(document, include_drafts).subquery()
    query = (select(*(inner.c[name] for name in EXPORT_COLUMNS), Document.slug.label("slug"))
             .join(Document, Document.id == inner.c.document_id)
             .order_by(inner.c.id))
    sources = {s.id: s for s in db.session.scalars(select(Source))}
    users = {u.id: u for u in db.session.scalars(select(User))}
    result = db.session.connection().execute(query.execution_options(stream_results=True))
    for batch in result.partitions(EXPORT_BATCH):
        pending = _pending_views(row.id for row in batch if row.pending) if include_drafts \
            else {}
        for row in batch:
            yield _ExportRow(*row, sources.get(row.source_id), users.get(row.creator_id),
                             pending.get(row.id)), row.slug


def _pending_views(ids):
    """Return ``{id: pending_view}`` for the annotations ``ids``, loaded in one query."""
    ids = list(ids)
    if not ids:
        return {}
    return {a.id: pending_view(a) for a in db.session.scalars(
        select(Annotation).where(Annotation.id.in_(ids)))}


def dumps(value):
    """Return ``value`` as compact JSON text (orjson; the standard library for what it refuses,
    such as integers past 64 bits in a foreign annotation's kept parts)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# what a W3C export reads of each annotation, as stored: w3c.ROW_FIELDS (with the times
# as the database keeps them), then what it looks up; the document's slug comes last
W3C_COLUMNS = (*ROW_FIELDS[:-2], "created_at", "modified_at", "creator_id", "source_id",
               "pending")
TAGS_REMEMBERED = 4096  # distinct tag lists kept parsed during an export, at most


def stream_export(base, document=None, include_drafts=False, progress=None):
    """Yield the JSON text of an AnnotationCollection holding every exported annotation.

    The collection embeds one page with all the items, written as they are read, in
    chunks of EXPORT_BATCH annotations. ``progress`` is called with each annotation
    written (its W3C object).

    Each item is what ``w3c.annotation_to_jsonld`` makes of the annotation, built from
    the row as the database driver returns it: no object per row, times cut from
    SQLite's text rather than parsed, the few tag lists parsed once, each account's
    name and each source's object made once.
    """
    total = count_export(document, include_drafts)
    if document is not None:
        collection_iri = f"{base}/docs/{document.slug}/annotations.json"
        label = f"Annotations on {document.title}"
    else:
        collection_iri = f"{base}/annotations/"
        label = "Annotated Reader: all annotations"
    page = annotation_page(f"{collection_iri}#export", [], {"id": collection_iri},
                           with_context=False)
    head = annotation_collection(collection_iri, label, total, page)
    if not total:
        yield json.dumps(head, ensure_ascii=False, indent=1) + "\n"
        return
    text_head = json.dumps(head, ensure_ascii=False)
    yield text_head[: text_head.rindex("[]")] + "[\n"
    for number, items in enumerate(_item_batches(base, document, include_drafts, progress)):
        if number:
            yield ",\n"
        yield ",\n".join(items)
        items.clear()  # memory: one batch's texts at a time
    yield "\n]}}\n"


def _item_batches(base, document, include_drafts, progress):
    """Yield the exported annotations' JSON texts in lists of up to EXPORT_BATCH."""
    dialect = db.session.get_bind().dialect
    rfc3339 = _stored_time_writer(dialect)
    read_json = _reader(Annotation.__table__.c.tags, dialect)
    user_names = {u.id: u.public_name for u in db.session.scalars(select(User))}
    sources = {s.id: source_to_jsonld(s, base) for s in db.session.scalars(select(Source))}
    document_iris, tag_lists = {}, {}
    inner = export_query(document, include_drafts).subquery()
    query = (select(*(inner.c[name] for name in W3C_COLUMNS), Document.slug)
             .join(Document, Document.id == inner.c.document_id)
             .order_by(inner.c.id))
    for batch in _driver_rows(query):
        pending = _pending_views(row[0] for row in batch if row[-2] is not None
                                 and read_json(row[-2])) if include_drafts else {}
        items = []
        for row in batch:
            (annotation_id, kind, body, tags, status, start, end, exact, prefix, suffix, orphan,
             verdict, relation, creator_name, via, extra, reply_to_id, created, modified,
             creator_id, source_id, _, slug) = row
            if type(tags) is str:  # SQLite's text; PostgreSQL's driver gives it parsed
                parsed = tag_lists.get(tags)
                if parsed is None:
                    if len(tag_lists) >= TAGS_REMEMBERED:
                        tag_lists.clear()
                    parsed = tag_lists[tags] = read_json(tags)
                tags = parsed
            document_iri = document_iris.get(slug)
            if document_iri is None:
                document_iri = document_iris[slug] = doc_iri(base, slug)
            item = row_to_jsonld(
                (annotation_id, kind, body, tags, status, start, end, exact, prefix, suffix,
                 orphan, verdict, relation, creator_name, via, extra and read_json(extra),
                 reply_to_id, rfc3339(created), rfc3339(modified)),
                base, document_iri, user_names.get(creator_id), sources.get(source_id))
            view = pending.get(annotation_id) if pending else None
            if view is not None:  # editors' data: never in a readers' export
                item["ar:pending"] = annotation_to_jsonld(view, base, slug, with_context=False)
            items.append(dumps(item))  # text: orjson's bytes keep a buffer of 4 KiB each
            if progress:
                progress(item)
        batch.clear()  # memory: the rows go before the next batch is read
        yield items


def _driver_rows(query):
    """Yield the rows of ``query`` in lists of EXPORT_BATCH, as the database driver gives them.

    Plain tuples from the DBAPI cursor, with no conversion per value (times and JSON as
    stored); on PostgreSQL from a server-side cursor, so memory stays flat there too.
    The query runs on the session's connection, in its transaction.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    state = query.compile(dialect=dialect).construct_expanded_state()
    parameters = state.parameters if state.positiontup is None else state.positional_parameters
    driver = connection.connection.driver_connection
    cursor = driver.cursor(name="annotation_export") if dialect.name == "postgresql" \
        else driver.cursor()
    try:
        cursor.execute(state.statement, parameters)
        while batch := cursor.fetchmany(EXPORT_BATCH):
            yield batch
    finally:
        cursor.close()


def _reader(column, dialect):
    """Return what turns ``column``'s value as the driver gives it into the model's value."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


def _stored_time_writer(dialect):
    """Return a function writing a stored time as ``w3c.isoformat`` writes the model's value.

    SQLite keeps times as text in UTC, "2024-01-31 12:00:00.000000": that is cut into
    "2024-01-31T12:00:00Z" without making a datetime; any other value (PostgreSQL's, a
    year before 1000, another shape) is read as the model reads it.
    """
    read = _reader(Annotation.__table__.c.created_at, dialect)

    def rfc3339(value):
        if type(value) is str and len(value) in (19, 26) and value[10] == " " \
                and value[0] != "0":
            return f"{value[:10]}T{value[11:19]}Z"
        return isoformat(read(value))
    return rfc3339


def stream_csv(base, document=None, include_drafts=False, progress=None):
    """Yield CSV text with one row per exported note (interchange/spreadsheet.py)."""
    def rows():
        for annotation, slug in iter_export(document, include_drafts):
            yield note_row(annotation, slug, f"{doc_iri(base, slug)}#a-{annotation.id}",
                           isoformat)
            if progress:
                progress(annotation)
    yield from csv_lines(rows())
