"""reader/w3c.py: W3C Web Annotation JSON-LD out and back in, and the W3C's own checks."""

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.w3c import (
    ANNO_CONTEXT, W3CError, annotation_collection, annotation_page, annotation_to_jsonld,
    iter_items, parse_annotation,
)
from tests.conftest import W3C_VALIDATOR

BASE = "http://example.test"
SLUG = "some-slug"
DOC = f"{BASE}/docs/{SLUG}"

CREATED = datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)
MODIFIED = datetime(2024, 3, 2, 17, 0, 0, tzinfo=UTC)


def make_source(**changes):
    """A fake Source with every field set."""
    fields = dict(
        id=7, speaker="Vladimir Putin", title="Expanded meeting of the Foreign Ministry Board",
        venue="Moscow, Ministry of Foreign Affairs", url="http://en.kremlin.ru/events/67123",
        language="ru", notes="Official transcript; the English text is the Kremlin’s.",
        occurred_on=date(2021, 11, 18),
    )
    return SimpleNamespace(**(fields | changes))


def make_annotation(**changes):
    """A fake Annotation: a published note by a known editor on a span with astral text."""
    fields = dict(
        id=42, kind="note", body="Says **who**? See <https://example.com/a>.",
        tags=["red lines", "NATO"], status="published",
        start=280, end=292, exact="‘West 𝔘 red’", prefix="said:\n\n", suffix=" lines😀",
        orphan=False, verdict=None, relation=None, source=None,
        creator=SimpleNamespace(name="alice", label="Alice Editor", public_name="Alice Editor"),
        creator_name="",
        via=None, created_at=CREATED, modified_at=MODIFIED,
    )
    return SimpleNamespace(**(fields | changes))


ROUND_TRIPS = [
    pytest.param(make_annotation(), id="note"),
    pytest.param(make_annotation(status="draft", tags=[]), id="draft-note-without-tags"),
    pytest.param(make_annotation(
        kind="context", relation="translation", source=make_source(),
        body="The Kremlin transcript words it differently.", creator=None,
        creator_name="Imported Desk", via="https://other.example/anno/9"), id="context"),
    pytest.param(make_annotation(
        kind="context", relation="not_found", source=make_source(
            id=8, speaker="", venue="", url="", language="", notes="", occurred_on=None),
        creator=None), id="context-with-sparse-source"),
    pytest.param(make_annotation(kind="factcheck", verdict="misleading", tags=["check"]),
                 id="factcheck"),
    pytest.param(make_annotation(start=None, end=None, exact="", prefix="", suffix=""),
                 id="whole-document"),
    pytest.param(make_annotation(orphan=True, start=None, end=None), id="orphan"),
    pytest.param(make_annotation(body="", tags=["only", "tags"]), id="tags-only"),
    pytest.param(make_annotation(
        creator=None, created_at=CREATED.astimezone(timezone(timedelta(hours=3)))),
        id="anonymous-created-in-moscow-time"),
]


def _transport(value):
    """What a client would receive: the value through JSON text."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _expected_creator(ann):
    if ann.creator is not None:  # the shown name only: a sign-in name is never published
        return {"nickname": None, "name": ann.creator.public_name}
    if ann.creator_name:
        return {"nickname": None, "name": ann.creator_name}
    return None


def _expected_source(source):
    if source is None:
        return None
    fields = {name: getattr(source, name) for name in
              ("speaker", "title", "venue", "url", "language", "notes")}
    return fields | {"occurred_on": source.occurred_on.isoformat() if source.occurred_on
                     else None, "local_id": source.id}


@pytest.mark.parametrize("ann", ROUND_TRIPS)
def test_export_then_import_restores_every_field(ann):
    parsed = parse_annotation(_transport(annotation_to_jsonld(ann, BASE, SLUG)), BASE)
    has_quote = ann.start is not None or ann.orphan
    assert parsed == {
        "iri": f"{BASE}/annotations/{ann.id}",
        "local_id": ann.id,
        "slug": SLUG,
        "kind": ann.kind,
        "body": ann.body,
        "tags": ann.tags,
        "status": ann.status,
        "start": ann.start,
        "end": ann.end,
        "exact": ann.exact if has_quote else None,
        "prefix": ann.prefix,
        "suffix": ann.suffix,
        "orphan": ann.orphan,
        "verdict": ann.verdict,
        "relation": ann.relation,
        "source": _expected_source(ann.source),
        "creator": _expected_creator(ann),
        "created": ann.created_at,
        "modified": ann.modified_at,
        "via": ann.via,
        "extra": None,  # nothing foreign: our own export is held by the columns
        "status_given": True,
        "reply_to": None,
        "pending": None,
    }


def make_reply(**changes):
    """A fake editors' comment answering annotation 42."""
    return make_annotation(**({"id": 43, "kind": "reply", "body": "@bob which **talks**?",
                               "tags": [], "status": "draft", "start": None, "end": None,
                               "exact": "", "prefix": "", "suffix": "", "reply_to_id": 42}
                              | changes))


@pytest.mark.parametrize("reply", [
    pytest.param(make_reply(), id="comment"),
    pytest.param(make_reply(creator=None, creator_name="Desk", via="https://x.example/r/1"),
                 id="imported-comment"),
])
def test_a_comment_is_a_w3c_reply_to_the_notes_iri_and_round_trips(reply):
    exported = _transport(annotation_to_jsonld(reply, BASE, SLUG))
    assert exported["motivation"] == "replying"
    assert exported["target"] == f"{BASE}/annotations/42"
    assert "ar:status" not in exported  # never published: readers never see it
    parsed = parse_annotation(exported, BASE)
    assert (parsed["kind"], parsed["body"], parsed["reply_to"], parsed["reply_to_local"]) == (
        "reply", reply.body, f"{BASE}/annotations/42", 42)
    assert (parsed["created"], parsed["modified"], parsed["via"], parsed["creator"]) == (
        reply.created_at, reply.modified_at, reply.via, _expected_creator(reply))


@pytest.mark.parametrize("target, kind, reply_to", [
    ({"source": f"{BASE}/annotations/9"}, "reply", f"{BASE}/annotations/9"),
    ([DOC, "http://elsewhere.example/annotations/3"], "reply", "http://elsewhere.example/annotations/3"),
    (DOC, "note", None),  # replying to a document: a note, as motivation alone cannot say more
])
def test_a_reply_is_recognised_by_its_motivation_and_an_annotation_target(target, kind, reply_to):
    parsed = parse_annotation({"type": "Annotation", "motivation": "replying",
                               "bodyValue": "x", "target": target}, BASE)
    assert (parsed["kind"], parsed["reply_to"]) == (kind, reply_to)


@pytest.mark.parametrize("kind, motivation", [
    ("note", "commenting"), ("context", "describing"), ("factcheck", "assessing"),
])
def test_export_maps_kinds_onto_w3c_motivations(kind, motivation):
    exported = annotation_to_jsonld(make_annotation(kind=kind), BASE, SLUG)
    assert exported["motivation"] == motivation
    assert exported["created"] == "2024-03-01T09:30:05Z"


def test_export_targets_the_document_with_both_selectors():
    exported = annotation_to_jsonld(make_annotation(), BASE, SLUG)
    assert exported["target"] == {"source": DOC, "selector": [
        {"type": "TextQuoteSelector", "exact": "‘West 𝔘 red’", "prefix": "said:\n\n",
         "suffix": " lines😀"},
        {"type": "TextPositionSelector", "start": 280, "end": 292},
    ]}


def test_an_orphan_keeps_its_quote_but_no_position():
    exported = annotation_to_jsonld(make_annotation(orphan=True, start=None, end=None),
                                    BASE, SLUG)
    assert exported["target"]["selector"]["type"] == "TextQuoteSelector"
    assert exported["ar:orphan"] is True


# --- import of what others write --------------------------------------------------------

def _plain(**changes):
    """A minimal conformant annotation from another system, on our document."""
    return {"@context": ANNO_CONTEXT, "id": "http://other.example/anno/1", "type": "Annotation",
            "body": {"type": "TextualBody", "value": "Plain note"}, "target": DOC} | changes


QUOTE = {"type": "TextQuoteSelector", "exact": "red lines", "prefix": "of ", "suffix": "."}


@pytest.mark.parametrize("obj, expected", [
    pytest.param(_plain(), {"status": "published", "kind": "note", "body": "Plain note",
                            "tags": [], "local_id": None, "iri": "http://other.example/anno/1",
                            "slug": SLUG, "start": None, "exact": None, "orphan": False},
                 id="plain-annotation-is-published"),
    pytest.param(_plain(body=None, bodyValue="Just text"), {"body": "Just text", "tags": []},
                 id="bodyValue"),
    pytest.param(_plain(body=[{"type": "TextualBody", "value": "a"},
                              {"type": "TextualBody", "value": "b"},
                              {"type": "TextualBody", "value": "nato", "purpose": "tagging"}]),
                 {"body": "a\n\nb", "tags": ["nato"]}, id="several-bodies-and-a-tag"),
    pytest.param(_plain(target={"source": DOC, "selector": QUOTE}),
                 {"exact": "red lines", "prefix": "of ", "suffix": ".", "start": None},
                 id="single-target-object"),
    pytest.param(_plain(target={"source": f"https://elsewhere.example/docs/{SLUG}/",
                                "selector": {"type": "TextPositionSelector", "start": 3,
                                             "end": 9}}),
                 {"slug": SLUG, "start": 3, "end": 9, "exact": None},
                 id="any-host-trailing-slash"),
    pytest.param(_plain(target=["http://elsewhere.example/page",
                                {"source": DOC, "selector": [QUOTE]}]),
                 {"slug": SLUG, "exact": "red lines"}, id="target-list"),
    pytest.param(_plain(motivation="linking"), {"kind": "context"}, id="linking"),
    pytest.param(_plain(motivation="describing"), {"kind": "context"}, id="describing"),
    pytest.param(_plain(motivation="assessing"), {"kind": "factcheck"}, id="assessing"),
    pytest.param(_plain(motivation="commenting"), {"kind": "note"}, id="commenting"),
    pytest.param(_plain(motivation=["bookmarking", "assessing"]), {"kind": "factcheck"},
                 id="motivation-list"),
    pytest.param(_plain(motivation="highlighting"), {"kind": "note"}, id="other-motivation"),
    pytest.param(_plain(motivation=[["assessing"], {"id": "x"}, "linking"]), {"kind": "context"},
                 id="odd-motivation-values-skipped"),
    pytest.param(_plain(type=["Annotation", {"id": "x"}]), {"kind": "note"},
                 id="odd-type-values-skipped"),
    pytest.param(_plain(), {"kind": "note"}, id="no-motivation"),
    pytest.param(_plain(id=f"{BASE}/annotations/42"), {"local_id": 42}, id="our-id"),
    pytest.param(_plain(id="http://other.host/annotations/42"), {"local_id": None},
                 id="foreign-id-with-our-path"),
    pytest.param(_plain(via="http://first.example/a/1"),
                 {"via": "http://other.example/anno/1",
                  "extra": {"via": ["http://first.example/a/1"],
                            "body": {"key": "body", "value": {"type": "TextualBody",
                                                              "value": "Plain note"},
                                     "text": "Plain note", "tags": []}}},
                 id="via"),
    pytest.param(_plain(id=None, via="http://first.example/a/1"),
                 {"via": "http://first.example/a/1"}, id="via-without-id"),
    pytest.param(_plain(created="2024-03-01T12:30:05+03:00"),
                 {"created": CREATED, "modified": CREATED}, id="offset-time-to-utc"),
    pytest.param(_plain(creator="Jane Doe"), {"creator": {"nickname": None, "name": "Jane Doe"}},
                 id="creator-as-a-string"),
    pytest.param(_plain(creator=[{"type": "Person", "nickname": "bob"}]),
                 {"creator": {"nickname": "bob", "name": "bob"}}, id="creator-list"),
])
def test_import_accepts_any_conformant_annotation(obj, expected):
    obj = {key: value for key, value in obj.items() if value is not None}
    parsed = parse_annotation(obj, BASE)
    assert {key: parsed[key] for key in expected} == expected


@pytest.mark.parametrize("obj, message", [
    pytest.param([], "must be a JSON object", id="list"),
    pytest.param("http://example.test/annotations/1", "must be a JSON object", id="string"),
    pytest.param(_plain(type="AnnotationPage"), '"type" must be "Annotation"',
                 id="wrong-type"),
    pytest.param(_plain(type=None), '"type" must be "Annotation"', id="no-type"),
    pytest.param(_plain(id=42), '"id" must be an IRI string', id="numeric-id"),
    pytest.param(_plain(target=f"{BASE}/sources/3"), r"/docs/<slug>", id="not-a-document"),
    pytest.param(_plain(target=None), r"/docs/<slug>", id="no-target"),
    pytest.param(_plain(target=["http://a.example/x", "http://b.example/y"]),
                 "no target is a document", id="no-target-of-ours"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextPositionSelector", "start": -1, "end": 4}}),
        "non-negative integer", id="negative-start"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextPositionSelector", "start": 1.5, "end": 4}}),
        "non-negative integer", id="float-start"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextPositionSelector", "start": True, "end": 4}}),
        "non-negative integer", id="bool-start"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextPositionSelector", "start": "1", "end": 4}}),
        "non-negative integer", id="string-start"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextPositionSelector", "start": 1}}),
        "non-negative integer", id="missing-end"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextQuoteSelector", "prefix": "of "}}),
        "TextQuoteSelector needs a non-empty string exact", id="quote-without-exact"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "TextQuoteSelector", "exact": ""}}),
        "TextQuoteSelector needs a non-empty string exact", id="quote-with-empty-exact"),
    pytest.param(_plain(target={"source": DOC, "selector": QUOTE | {"prefix": 3}}),
                 "prefix must be a string", id="numeric-prefix"),
    pytest.param(_plain(target={"source": DOC, "selector": {
        "type": "FragmentSelector", "value": "xpointer(/p[1])"}}),
        "no TextQuoteSelector or TextPositionSelector", id="unknown-selector"),
    pytest.param(_plain(created="2024-03-01T09:30:05"), "created needs a time zone",
                 id="naive-created"),
    pytest.param(_plain(modified="2024-03-01 09:30"), "modified needs a time zone",
                 id="naive-modified"),
    pytest.param(_plain(created="last Tuesday"), "created is not a date-time",
                 id="not-a-date"),
    pytest.param(_plain(motivation={"id": "commenting"}), "motivation must be a string",
                 id="motivation-object"),
    pytest.param(_plain(body=42), "a body must be an object or an IRI", id="numeric-body"),
    pytest.param(_plain(body=None, bodyValue=["a"]), "bodyValue must be a string",
                 id="bodyValue-list"),
    pytest.param(_plain(**{"ar:source": "Kremlin"}), "ar:source must be an object",
                 id="source-not-an-object"),
])
def test_import_rejects_what_it_cannot_store_with_the_reason(obj, message):
    if isinstance(obj, dict):
        obj = {key: value for key, value in obj.items() if value is not None}
    with pytest.raises(W3CError, match=message) as caught:
        parse_annotation(obj, BASE)
    assert "\n" not in str(caught.value)  # one line, fit for an import report


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False),
    st.sampled_from(["", "x", DOC, "Annotation", "AnnotationPage", "AnnotationCollection",
                     "TextQuoteSelector", "TextPositionSelector", "tagging", "assessing",
                     "2024-01-01T00:00:00Z", "2024-01-01T00:00:00", f"{BASE}/annotations/1"]),
)
_KEYS = st.sampled_from([
    "type", "id", "target", "source", "selector", "start", "end", "exact", "prefix", "suffix",
    "body", "bodyValue", "value", "purpose", "motivation", "created", "modified", "creator",
    "name", "nickname", "via", "ar:source", "ar:orphan", "first", "items", "next", "total",
])
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=5)), max_leaves=12)
_NEAR_ANNOTATIONS = st.fixed_dictionaries(
    {"type": st.just("Annotation"), "target": st.one_of(st.just(DOC), _JSON)},
    optional={key: _JSON for key in ("id", "body", "bodyValue", "motivation", "created",
                                     "modified", "creator", "via", "ar:source", "ar:orphan")},
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_JSON, _NEAR_ANNOTATIONS))
def test_malformed_json_gets_a_reason_never_a_crash(data):
    for read in (lambda: parse_annotation(data, BASE), lambda: list(iter_items(data))):
        try:
            read()
        except W3CError:
            pass


# --- iter_items ---------------------------------------------------------------------------

def _anno(n):
    return _plain(id=f"http://other.example/anno/{n}")


def _page(items, **extra):
    return {"type": "AnnotationPage", "id": "http://x.example/p", "items": items} | extra


@pytest.mark.parametrize("data, ids", [
    pytest.param(_anno(1), [1], id="annotation"),
    pytest.param([_anno(1), _anno(2)], [1, 2], id="list"),
    pytest.param([], [], id="empty-list"),
    pytest.param(_page([_anno(1), _anno(2)]), [1, 2], id="page"),
    pytest.param({"type": "AnnotationCollection", "total": 2,
                  "first": _page([_anno(1), _anno(2)])}, [1, 2], id="collection"),
    pytest.param({"type": "AnnotationCollection", "total": 3,
                  "first": _page([_anno(1)], next=_page([_anno(2), _anno(3)]))}, [1, 2, 3],
                 id="collection-with-embedded-next-page"),
    pytest.param({"type": "AnnotationCollection", "total": 0}, [], id="empty-collection"),
    pytest.param({"type": ["AnnotationCollection"], "total": 1, "first": _page([_anno(1)])},
                 [1], id="type-as-a-list"),
])
def test_iter_items_finds_every_annotation(data, ids):
    items = list(iter_items(data))
    assert [index for index, _ in items] == list(range(len(ids)))
    assert [item["id"] for _, item in items] == [f"http://other.example/anno/{n}" for n in ids]


@pytest.mark.parametrize("data, message", [
    pytest.param(42, "expected a JSON object or list", id="number"),
    pytest.param({"type": "Person"}, "expected an Annotation, AnnotationPage or", id="other"),
    pytest.param({"type": "AnnotationCollection", "total": 5, "first": "http://x.example/p1"},
                 "links to a page it does not embed", id="page-not-embedded"),
    pytest.param(_page({"a": 1}), "a page's items must be a list", id="items-not-a-list"),
    pytest.param({"type": "AnnotationCollection", "total": "5", "first": "http://x.example/p1"},
                 "links to a page it does not embed", id="page-not-embedded-odd-total"),
])
def test_iter_items_rejects_other_json(data, message):
    with pytest.raises(W3CError, match=message):
        list(iter_items(data))


# --- the W3C conformance suite ------------------------------------------------------------

@pytest.fixture(scope="module")
def validate(tmp_path_factory):
    """Run the W3C suite's validate.py on ``{file name: JSON value}``; return (code, output)."""
    def run(files):
        folder = tmp_path_factory.mktemp("w3c")
        paths = []
        for name, value in files.items():
            paths.append(folder / name)
            paths[-1].write_text(json.dumps(value, ensure_ascii=False, indent=1), "utf-8")
        done = subprocess.run([sys.executable, str(W3C_VALIDATOR), *map(str, paths)],
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout + done.stderr

    return run


def _export_collection(annotations):
    """The shape of /docs/<slug>/annotations.json: a collection with its first page embedded."""
    collection_iri = f"{DOC}/annotations.json"
    items = [annotation_to_jsonld(ann, BASE, SLUG, with_context=False) for ann in annotations]
    part_of = {"id": collection_iri, "label": "Annotations", "total": len(items)}
    page = annotation_page(f"{collection_iri}?page=0", items, part_of, with_context=False)
    return _transport(annotation_collection(collection_iri, "Annotations", len(items), page,
                                            last_iri=f"{collection_iri}?page=0"))


ANNOTATIONS = [param.values[0] for param in ROUND_TRIPS]


def test_exports_pass_the_w3c_conformance_suite(validate):
    # standalone (as /annotations/<id> serves them): one of each target shape
    shapes = [ann for ann in ANNOTATIONS if ann.start is not None][:1] + [
        ann for ann in ANNOTATIONS if ann.start is None]
    standalone = [_transport(annotation_to_jsonld(ann, BASE, SLUG))
                  for ann in shapes + [make_reply()]]
    code, output = validate({"collection.json": _export_collection(ANNOTATIONS + [make_reply()]),
                             "standalone.json": standalone})
    assert code == 0, output
    assert f"{len(ANNOTATIONS) + len(shapes) + 2} passed, 0 failed" in output
    assert "collections/pages: 2 passed, 0 failed" in output


def _break_id(item):
    item["id"] = "/annotations/42"  # url_for without _external=True


def _break_start(item):
    item["target"]["selector"][1]["start"] = -1


def _break_quote(item):
    del item["target"]["selector"][0]["exact"]


def _break_created(item):
    item["created"] = "2024-03-01T09:30:05"  # a naive datetime's isoformat()


DAMAGES = [_break_id, _break_start, _break_quote, _break_created]


@pytest.fixture(scope="module")
def broken_report(validate):
    """One validator run over one export per kind of damage: a bad item, then a good one."""
    files = {}
    for damage in DAMAGES:
        collection = _export_collection(ANNOTATIONS[:2])
        damage(collection["first"]["items"][0])
        files[f"{damage.__name__}.json"] = collection
    return validate(files)


def test_the_conformance_check_fails_on_broken_exports(broken_report):
    code, output = broken_report
    assert code == 1, output
    assert f"{len(DAMAGES)} passed, {len(DAMAGES)} failed" in output


@pytest.mark.parametrize("damage", DAMAGES)
def test_the_conformance_check_names_the_broken_annotation(broken_report, damage):
    _, output = broken_report
    failing = [line for line in output.splitlines()
               if f"{damage.__name__}.json" in line and line.endswith(": FAIL")]
    assert len(failing) == 1, output
    assert ".first.items[0] " in failing[0]
