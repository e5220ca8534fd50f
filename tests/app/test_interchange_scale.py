"""Large W3C exports and imports: the work (SQL statements) grows by batches, never per
annotation; a bad item at the end of a large file leaves nothing behind; notes written in
bulk are stored, indexed for search and counted exactly as notes written one by one."""

import json
from contextlib import nullcontext

import pytest
from sqlalchemy import func, select, text

from reader import pagecache
from reader.counts import COUNT_COLUMNS, corpus_totals
from reader.extensions import db
from reader.models import Annotation, AnnotationRevision, DocumentCounts, Source, SourceCounts
from reader.search import search
from reader.services import bulk
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.users import add_user
from tests.app.test_pagecache import statements
from tests.conftest import BASE, driver_statements

WORD = "statement"
DOC = f"{BASE}/docs/many"


def _text(n):
    return "Many\n\n" + "".join(f"Sentence {i} has a {WORD} in it. " for i in range(n))


@pytest.fixture
def many(app):
    """A document with room for 3,000 notes, each on its own sentence's word."""
    document = create_document(_text(3000), {"title": "Many"})
    db.session.commit()
    return document


def _item(text, i, **more):
    start = text.index(f"Sentence {i} ") + len(f"Sentence {i} has a ")
    item = {"type": "Annotation", "motivation": "commenting", "created": "2024-05-01T10:00:00Z",
            "body": [{"type": "TextualBody", "value": f"Note {i}", "format": "text/markdown"},
                     {"type": "TextualBody", "value": "bulk", "purpose": "tagging"}],
            "target": {"source": DOC, "selector": [
                {"type": "TextQuoteSelector", "exact": WORD},
                {"type": "TextPositionSelector", "start": start, "end": start + len(WORD)}]}}
    item.update(more)
    return item


def _items(document, n, start=0):
    """n notes of several kinds, creators and sources, as a foreign tool writes them."""
    text, items = document.text, []
    for i in range(start, start + n):
        extra = {}
        if i % 3 == 0:
            extra["creator"] = {"type": "Person", "name": "Eddie Editor"}  # an account's name
        elif i % 3 == 1:
            extra["creator"] = {"type": "Person", "name": f"Guest {i % 7}"}
        if i % 5 == 0:
            extra.update({"motivation": "describing", "ar:relation": "paraphrase",
                          "ar:source": {"type": "ar:Source", "ar:title": f"Speech {i % 4}"}})
        if i % 11 == 0:
            extra["id"] = f"urn:uuid:note-{i}"
        items.append(_item(text, i, **extra))
    return items


def _import(runner, tmp_path, items, *args):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(items), "utf-8")
    return runner.invoke(args=["annotations", "import", *args, str(path)])


def _count(model=Annotation):
    return db.session.scalar(select(func.count()).select_from(model))


def _empty():
    db.session.execute(AnnotationRevision.__table__.delete())
    db.session.execute(Annotation.__table__.delete())
    db.session.commit()


def _writing(app, runner, tmp_path, items):
    with statements(app) as seen:
        result = _import(runner, tmp_path, items)
    assert result.exit_code == 0, result.output
    assert f"{len(items)} created" in result.output
    return len(seen)


def test_an_import_runs_as_many_statements_for_1000_notes_as_for_10(
        app, runner, tmp_path, many):
    add_user("eddie", "correct horse battery", display_name="Eddie Editor")
    db.session.commit()
    small = _writing(app, runner, tmp_path, _items(many, 10))
    _empty()
    large = _writing(app, runner, tmp_path, _items(many, 1000))
    assert _count() == 1000 and _count(AnnotationRevision) == 1000
    assert large - small <= 2, (small, large)
    _empty()
    larger = _writing(app, runner, tmp_path, _items(many, 2500))
    # batches of 1,000: three for 2,500 notes. Each is a savepoint, the INSERTs of notes
    # and of revisions and, on SQLite, the per-row triggers set aside, their work done
    # for the whole batch (the search index, the counts, the content version) and the
    # triggers back: a score of statements, whatever the batch's size
    assert larger - large <= 2 * 20, (large, larger)


def test_an_export_runs_as_many_statements_for_1000_notes_as_for_10(
        app, runner, tmp_path, many):
    def exporting(n):
        _empty()
        assert _import(runner, tmp_path, _items(many, n)).exit_code == 0
        out = tmp_path / "out.json"
        db.session.commit()  # the export takes its connection from the pool: watched
        # counted by the driver: the export reads its rows through a cursor of the
        # driver's own, which SQLAlchemy's statement events never see
        with driver_statements() as seen:
            result = runner.invoke(args=["annotations", "export", "--include-drafts",
                                         "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert len(json.loads(out.read_text())["first"]["items"]) == n
        assert any("slug" in statement and "annotations" in statement
                   for statement in seen)  # the rows' own query is counted too
        return len(seen)

    assert exporting(1000) == exporting(10)


def test_a_bad_item_at_the_end_of_a_large_file_leaves_nothing_imported(
        runner, tmp_path, many):
    items = _items(many, 2500)
    items.append(_item(many.text, 2500, target=f"{BASE}/docs/elsewhere"))
    result = _import(runner, tmp_path, items)
    assert result.exit_code == 1
    assert "error: item 2500: there is no document 'elsewhere'" in result.output
    assert "1 bad item(s); nothing was imported" in result.output
    assert _count() == 0 and _count(AnnotationRevision) == 0 and _count(Source) == 0


def _stored():
    """Every column of every note and of its first revision, but ids and times of the run."""
    notes = []
    for note in db.session.scalars(select(Annotation).order_by(Annotation.start)):
        columns = {c.key: getattr(note, c.key) for c in Annotation.__table__.columns
                   if c.key not in ("id", "source_id")}
        [revision] = note.revisions
        snapshot = dict(revision.snapshot, source_id=None)
        notes.append((columns, note.source.title if note.source else None, revision.version,
                      revision.action, revision.changed, snapshot, revision.user_id,
                      revision.created_at))
    return notes


def test_notes_written_in_bulk_are_stored_as_notes_written_one_by_one(
        runner, tmp_path, many):
    add_user("eddie", "correct horse battery", display_name="Eddie Editor")
    db.session.commit()
    items = _items(many, 40)
    items.append(_item(many.text, 40, **{"ar:orphan": True, "created": "2024-05-01T11:00:00Z"}))
    items.append(_item(many.text, 41, target=DOC, bodyValue="A *whole* document note"))
    items.append(_item(many.text, 42, motivation="assessing", **{"ar:verdict": "false",
                                                                  "ar:status": "draft"}))
    assert _import(runner, tmp_path, items).exit_code == 0  # all or nothing: in bulk
    in_bulk = _stored()
    _empty()
    assert _import(runner, tmp_path, items, "--partial").exit_code == 0  # one by one
    assert _stored() == in_bulk
    assert len(in_bulk) == 43
    assert any(columns["orphan"] for columns, *_ in in_bulk)
    assert any(columns["creator_id"] for columns, *_ in in_bulk)


def _varied(document, n):
    """n notes as ``_items`` makes them, with drafts, orphans and verdicts among them, and
    a few written one by one amid the bulk ones (changes awaiting review)."""
    items = _items(document, n)
    for i, item in enumerate(items):
        if i % 7 == 3:
            item["ar:status"] = "draft"
        elif i % 7 == 4:
            item.update({"motivation": "assessing", "ar:verdict": ("false", "misleading")[i % 2]})
        elif i % 13 == 6:
            item["ar:orphan"] = True
        elif i % 97 == 5:  # a published note with a change awaiting review: not in bulk
            item["ar:pending"] = {"bodyValue": f"Proposed {i}", "ar:status": "review"}
    return items


def _triggers():
    if db.engine.dialect.name != "sqlite":
        return []
    return db.session.execute(text("SELECT name, sql FROM sqlite_master"
                                   " WHERE type = 'trigger' ORDER BY name")).all()


def _what_readers_get():
    """What search, the index, the stats and the page cache show of the notes, by place."""
    place = dict(db.session.execute(select(Annotation.id, Annotation.start)).all())
    found = {query: sorted((place[hit.annotation.id], str(hit.html))
                           for hit in search(query, limit=500).notes)
             for query in ("note", "bulk", "note 12", "5", "12", "1000")}
    documents = db.session.execute(
        select(DocumentCounts.document_id, *(getattr(DocumentCounts, c) for c in COUNT_COLUMNS))
        .where(DocumentCounts.document_id > 0).order_by(DocumentCounts.document_id)).all()
    titles = dict(db.session.execute(select(Source.id, Source.title)).all())
    sources = sorted((titles[row.source_id], row.citations)
                     for row in db.session.scalars(select(SourceCounts)))
    corpus = corpus_totals()
    return {"found": found, "documents": documents, "sources": sources,
            "corpus": tuple(getattr(corpus, c) for c in COUNT_COLUMNS),
            "triggers": _triggers()}


def _empty_with_sources():
    """Every note gone, and the sources they cited, so the next import makes them again."""
    _empty()
    db.session.execute(SourceCounts.__table__.delete())
    db.session.execute(Source.__table__.delete())
    db.session.commit()


def _import_and_look(runner, tmp_path, items, *args):
    """Import ``items``; return what readers get and how far the import moved the
    corpus's change counter and the page cache's content version."""
    changes, version = corpus_totals().changes, db.session.scalar(pagecache.VERSION_QUERY)
    result = _import(runner, tmp_path, items, *args)
    assert result.exit_code == 0, result.output
    seen = _what_readers_get()
    moved = db.session.scalar(pagecache.VERSION_QUERY) - version
    # PostgreSQL's trigger moves the version once per statement, and a bulk INSERT
    # writes many rows a statement: that it moved is what the page cache reads
    seen["moved"] = (corpus_totals().changes - changes,
                     moved if db.engine.dialect.name == "sqlite" else moved > 0)
    return seen


def test_notes_written_in_bulk_are_found_and_counted_as_notes_written_row_by_row(
        runner, tmp_path, many, monkeypatch):
    add_user("eddie", "correct horse battery", display_name="Eddie Editor")
    db.session.commit()
    items = _varied(many, 1100)  # two batches
    before = _triggers()
    in_bulk = _import_and_look(runner, tmp_path, items)  # the triggers' work done per batch
    _empty_with_sources()
    with monkeypatch.context() as patch:  # the triggers left to run for each row
        patch.setattr(bulk, "_per_row_work_deferred", lambda *args: nullcontext())
        row_by_row = _import_and_look(runner, tmp_path, items)
    assert in_bulk == row_by_row
    _empty_with_sources()
    one_by_one = _import_and_look(runner, tmp_path, items, "--partial")  # each on its own
    # in bulk, a note written on its own amid a batch takes its id after the batch: the
    # newest notes matching words found in over a thousand of them are not quite the same
    wide = ("note", "bulk")
    for seen in (in_bulk, one_by_one):
        seen["found"] = {query: hits for query, hits in seen["found"].items() if query not in wide}
    assert in_bulk == one_by_one
    assert in_bulk["triggers"] == before  # the triggers set aside are back, as they were
    assert in_bulk["moved"][0] > 800 and in_bulk["moved"][1]
    assert len(row_by_row["found"]["bulk"]) > 400 and in_bulk["found"]["note 12"]
    assert in_bulk["sources"] and in_bulk["corpus"][0] > 800
    counts = dict(zip(COUNT_COLUMNS, in_bulk["corpus"], strict=True))
    assert counts["verdict_false"] and counts["verdict_misleading"]
    assert counts["published"] > counts["notes"]  # the orphans are published, not shown


def test_notes_written_in_bulk_are_still_found_and_counted_when_changed_later(
        runner, tmp_path, many):
    assert _import(runner, tmp_path, _items(many, 30)).exit_code == 0
    note = db.session.scalars(select(Annotation).where(Annotation.body == "Note 12")).one()
    note.body = "Changed twelve"
    db.session.commit()
    assert [hit.annotation.id for hit in search("twelve").notes] == [note.id]
    assert not search("note 12").notes
    published = corpus_totals().published
    db.session.delete(note)
    db.session.commit()
    assert corpus_totals().published == published - 1
    assert not search("twelve").notes
    start = many.text.index(WORD)
    added = create_annotation(many, {"kind": "note", "body": "Added thirteen", "status": "published",
                                     "start": start, "end": start + len(WORD), "exact": WORD})
    db.session.commit()
    assert [hit.annotation.id for hit in search("thirteen").notes] == [added.id]
    assert corpus_totals().published == published


def test_an_import_failing_while_it_writes_leaves_search_and_counts_working(
        runner, tmp_path, many, monkeypatch):
    def fail(*args):
        raise RuntimeError("the disk is full")
    monkeypatch.setitem(bulk.SQLITE_INSERT_TRIGGERS, "counts_annotation_insert", fail)
    monkeypatch.setattr(bulk.counts, "count_inserted", fail)
    before, published = _triggers(), corpus_totals().published
    result = _import(runner, tmp_path, _items(many, 1500))
    assert result.exit_code != 0 and "the disk is full" in repr(result.exception)
    db.session.rollback()
    assert _count() == 0 and _triggers() == before
    monkeypatch.undo()
    assert _import(runner, tmp_path, _items(many, 20)).exit_code == 0
    assert corpus_totals().published == published + 20
    assert len(search("bulk").notes) == 20


def _foreign(i, obj):
    """A foreign annotation of the round-trip suite, with an id of its own."""
    return {**obj, "id": f"http://other.example/anno/{i}"}


def _every_kind_of_note(editor):
    """Notes of every shape an export writes: the seeds (sources, kinds, drafts), an
    editor's note with an unapproved change, comments, orphans, whole-document notes,
    foreign annotations with kept parts, JSON nulls in JSON columns, a deleted note."""
    from reader.services.annotations import create_annotation, delete_annotation
    from reader.services.discussion import add_reply
    from reader.services.interchange import import_annotations
    from reader.services.review import keep_pending
    from tests.unit.test_foreign import KEPT, TEXT
    speech = create_document(TEXT, {"title": "A speech"}, slug="a-speech")
    db.session.commit()
    foreign = [_foreign(i, param.values[0]) for i, param in enumerate(KEPT)]
    foreign.append(_foreign(99, {**KEPT[0].values[0], "ar:orphan": True}))
    foreign.append({"type": "Annotation", "target": f"{BASE}/docs/a-speech",
                    "bodyValue": "The whole speech", "ar:status": "draft"})
    import_annotations(foreign, BASE)
    start = TEXT.index("minister")
    note = create_annotation(speech, {"kind": "note", "body": "Which one?", "tags": ["who"],
                                      "status": "published", "start": start,
                                      "end": start + 8, "exact": "minister"}, editor)
    db.session.flush()
    keep_pending(note, {**{f: getattr(note, f) for f in ("kind", "tags", "verdict",
                                                          "relation", "source_id")},
                        "body": "Which minister?", "start": start, "end": start + 8,
                        "exact": "minister"}, "review")
    comment = add_reply(note, "Ask the desk.", editor)
    add_reply(comment, "Asked.", creator_name="Guest")
    gone = create_annotation(speech, {"kind": "note", "body": "Gone", "status": "published",
                                      "start": start, "end": start + 8, "exact": "minister"})
    db.session.flush()
    delete_annotation(gone, editor, reason="A duplicate")
    db.session.commit()
    # a JSON column set back to None holds JSON null, not SQL NULL
    ids = db.session.scalars(select(Annotation.id).where(
        Annotation.kind == "note", Annotation.pending.is_(None)).order_by(Annotation.id)).all()
    db.session.execute(Annotation.__table__.update().where(Annotation.id == ids[0])
                       .values(pending=None, tags=None))
    db.session.commit()


def test_a_streamed_export_holds_each_note_as_the_api_writes_it(seeded, editor):
    from reader.models import Document
    from reader.services.interchange import export_query, stream_export
    from reader.services.review import pending_view
    from reader.w3c import annotation_to_jsonld
    _every_kind_of_note(editor)
    speech = db.session.scalars(select(Document).filter_by(slug="a-speech")).one()
    for document in (None, speech):
        for drafts in (False, True):
            expected = []
            for note in db.session.scalars(export_query(document, drafts).order_by(Annotation.id)):
                item = annotation_to_jsonld(note, BASE, note.document.slug, with_context=False)
                if drafts and note.pending:
                    item["ar:pending"] = annotation_to_jsonld(
                        pending_view(note), BASE, note.document.slug, with_context=False)
                expected.append(item)
            text = "".join(stream_export(BASE, document, drafts))
            items = json.loads(text)["first"]["items"]
            assert json.dumps(items) == json.dumps(expected)  # the same keys in the same order
            kinds = {item["motivation"] if isinstance(item["motivation"], str) else "list"
                     for item in items}
            assert {"commenting", "list"} <= kinds
            assert drafts == ("replying" in kinds)
            assert drafts == any("ar:pending" in item for item in items)
