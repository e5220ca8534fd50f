"""Any conformant annotation in, and back out unchanged (reader/interchange/foreign.py via w3c.py).

Each annotation below is read as an import reads it, stored as the columns would hold
it, and exported again: what it said beyond our fields comes back as it was, and the
export still passes the W3C suite. A kept part that stands for a field an editor
changed gives way to that field, in our own form.
"""

import json
import subprocess
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from reader.interchange.foreign import pin_span
from reader.w3c import ANNO_CONTEXT, W3CError, annotation_to_jsonld, parse_annotation
from tests.conftest import W3C_VALIDATOR

BASE = "http://example.test"
SLUG = "a-speech"
DOC = f"{BASE}/docs/{SLUG}"
TEXT = "The minister said the talks had failed. The minister left."
SPAN = {"type": "TextQuoteSelector", "exact": "the talks had failed", "prefix": "said ",
        "suffix": "."}
POSITION = {"type": "TextPositionSelector", "start": 18, "end": 38}
TARGET = {"source": DOC, "selector": [SPAN, POSITION]}


def _anno(**fields):
    """A conformant annotation from another system on our document's words."""
    return {"@context": ANNO_CONTEXT, "id": "http://other.example/anno/7",
            "type": "Annotation", "target": TARGET, **fields}


def _store(parsed):
    """What the columns hold after an import of ``parsed`` (the span as placed)."""
    start, end = parsed["start"], parsed["end"]
    creator = parsed["creator"] or {}
    moment = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    return SimpleNamespace(
        id=12, kind=parsed["kind"], body=parsed["body"], tags=parsed["tags"],
        status=parsed["status"], start=start, end=end,
        exact=TEXT[start:end] if start is not None else "", prefix="said ", suffix=".",
        orphan=False, verdict=parsed["verdict"], relation=None, source=None, creator=None,
        creator_name=creator.get("name") or "", via=parsed["via"],
        created_at=parsed["created"] or moment, modified_at=parsed["modified"] or moment,
        extra=pin_span(parsed["extra"], start, end))


def _round_trip(obj):
    """Import ``obj`` and export it again: ``(stored, exported)``."""
    stored = _store(parse_annotation(json.loads(json.dumps(obj)), BASE))
    return stored, annotation_to_jsonld(stored, BASE, SLUG)


KEPT = [
    pytest.param(_anno(bodyValue="Which talks?"), ["bodyValue"], id="bodyValue"),
    pytest.param(_anno(body={"type": "TextualBody", "value": "Quels pourparlers ?",
                             "language": "fr", "format": "text/plain"}), ["body"],
                 id="body-with-language"),
    pytest.param(_anno(body=[{"type": "TextualBody", "value": "Which talks?", "language": "en"},
                             {"type": "TextualBody", "value": "Какие переговоры?",
                              "language": "ru"}]), ["body"], id="bodies-in-two-languages"),
    pytest.param(_anno(body="http://example.org/fact-check/12"), ["body"], id="link-body-iri"),
    pytest.param(_anno(body={"type": "SpecificResource", "source": "http://example.org/page",
                             "purpose": "describing"}), ["body"],
                 id="link-body-specific-resource"),
    pytest.param(_anno(bodyValue="x", canonical="urn:uuid:dbfb1861-0ecf-41ad-be94-a584e5c4f1df"),
                 ["canonical"], id="canonical"),
    pytest.param(_anno(bodyValue="x", rights="https://creativecommons.org/licenses/by/4.0/"),
                 ["rights"], id="rights"),
    pytest.param(_anno(**{"@context": [ANNO_CONTEXT, {"schema": "http://schema.org/"}],
                          "bodyValue": "x",
                          "audience": {"type": "schema:EducationalAudience",
                                       "schema:educationalRole": "teacher"}}),
                 ["audience"], id="audience"),
    pytest.param(_anno(**{"@context": [ANNO_CONTEXT, {"dc": "http://purl.org/dc/terms/"}],
                          "bodyValue": "x", "dc:publisher": "Newsroom desk",
                          "http://example.org/ns#reviewed": True}),
                 ["dc:publisher", "http://example.org/ns#reviewed"],
                 id="properties-under-other-namespaces"),
    pytest.param(_anno(motivation="questioning", bodyValue="Which talks?"), ["motivation"],
                 id="questioning"),
    pytest.param(_anno(motivation="highlighting"), ["motivation"], id="highlighting-no-body"),
    pytest.param(_anno(motivation=["commenting", "classifying"], bodyValue="x"),
                 ["motivation"], id="several-motivations"),
    pytest.param(_anno(motivation="assessing", bodyValue="Not what the transcript says."),
                 ["motivation", "bodyValue"], id="assessing-without-verdict"),
    pytest.param(_anno(bodyValue="x", created="2024-05-01T11:00:00+03:00",
                       modified="2024-05-02T09:30:00.250Z"), ["created", "modified"],
                 id="own-time-zone"),
    pytest.param(_anno(bodyValue="x", creator={"id": "http://example.org/people/ana",
                                               "type": "Person", "name": "Ana",
                                               "email": "mailto:ana@example.org"}),
                 ["creator"], id="creator-with-id-and-email"),
    pytest.param(_anno(bodyValue="x", type=["Annotation"]), ["type"], id="type-as-a-list"),
    pytest.param(_anno(bodyValue="x", stylesheet={
        "type": "CssStylesheet", "value": ".underline { text-decoration: underline }"}, target={
        "type": "SpecificResource", "source": DOC, "styleClass": "underline",
        "selector": [SPAN, POSITION, {"type": "FragmentSelector", "value": "para5"}]}),
        ["target", "stylesheet"], id="target-properties-and-other-selectors"),
]


@pytest.mark.parametrize("obj, keys", KEPT)
def test_what_we_have_no_field_for_comes_back_unchanged(obj, keys):
    _, exported = _round_trip(obj)
    for key in keys:
        assert exported[key] == obj[key], key
    assert exported["via"] == obj["id"]  # the foreign id, as always


def test_a_foreign_context_comes_back_beside_ours():
    obj = KEPT[7].values[0]
    _, exported = _round_trip(obj)
    assert exported["@context"][0] == ANNO_CONTEXT
    assert {"schema": "http://schema.org/"} in exported["@context"]


def test_a_via_comes_back_after_the_foreign_id():
    _, exported = _round_trip(_anno(bodyValue="x", via="http://first.example/a/1"))
    assert exported["via"] == ["http://other.example/anno/7", "http://first.example/a/1"]


def test_unknown_motivations_are_notes_and_assessing_without_verdict_a_fact_check():
    stored, _ = _round_trip(_anno(motivation="questioning", bodyValue="Which talks?"))
    assert (stored.kind, stored.body) == ("note", "Which talks?")
    stored, exported = _round_trip(_anno(motivation="assessing", bodyValue="Unclear."))
    assert (stored.kind, stored.verdict) == ("factcheck", None)
    assert "ar:verdict" not in exported


def test_link_bodies_show_as_links_in_the_note():
    stored, _ = _round_trip(_anno(body=["http://example.org/a", {
        "type": "SpecificResource", "source": "http://example.org/b", "purpose": "describing"}]))
    assert stored.body == "<http://example.org/a>\n\n<http://example.org/b>"


def test_several_targets_keep_the_others_in_their_places():
    others = ["http://example.com/original-article",
              {"source": "http://example.com/video", "selector": {
                  "type": "FragmentSelector", "value": "t=30,60"}}]
    obj = _anno(bodyValue="Both report it.", target=[others[0], TARGET, others[1]])
    stored, exported = _round_trip(obj)
    assert (stored.start, stored.end) == (18, 38)
    assert [exported["target"][0], exported["target"][2]] == others
    assert exported["target"][1]["source"] == DOC


def test_a_one_item_target_list_stays_a_list():
    _, exported = _round_trip(_anno(bodyValue="x", target=[TARGET]))
    assert isinstance(exported["target"], list) and len(exported["target"]) == 1


@pytest.mark.parametrize("targets", [
    pytest.param([TARGET, {"source": f"{BASE}/docs/other", "selector": SPAN}],
                 id="two-documents"),
    pytest.param([TARGET, TARGET], id="the-same-words-twice"),
])
def test_several_targets_on_documents_are_refused_with_the_reason(targets):
    with pytest.raises(W3CError, match="2 targets are documents here.*one annotation per target"):
        parse_annotation(_anno(bodyValue="x", target=targets), BASE)


def _edited(stored, **changes):
    for name, value in changes.items():
        setattr(stored, name, value)
    return annotation_to_jsonld(stored, BASE, SLUG)


def test_an_edited_text_is_written_in_our_form_not_the_stale_original():
    stored, _ = _round_trip(_anno(bodyValue="Which talks?", canonical="urn:x:1"))
    exported = _edited(stored, body="Which talks? The Geneva ones.")
    assert "bodyValue" not in exported
    assert exported["body"][0]["value"] == "Which talks? The Geneva ones."
    assert exported["canonical"] == "urn:x:1"  # what the edit did not touch stays


def test_a_changed_kind_drops_the_kept_motivation():
    stored, _ = _round_trip(_anno(motivation="questioning", bodyValue="Which talks?"))
    exported = _edited(stored, kind="factcheck", verdict="false")
    assert exported["motivation"] == "assessing"


def test_words_moved_by_a_revision_lose_the_target_parts_of_the_old_words():
    stored, _ = _round_trip(KEPT[-1].values[0])
    exported = _edited(stored, start=40, end=52)
    assert exported["target"] == {"source": DOC, "selector": [
        {"type": "TextQuoteSelector", "exact": "the talks had failed", "prefix": "said ",
         "suffix": "."},
        {"type": "TextPositionSelector", "start": 40, "end": 52}]}


def test_a_later_time_replaces_the_kept_original():
    stored, _ = _round_trip(_anno(bodyValue="x", modified="2024-05-02T09:30:00+03:00"))
    exported = _edited(stored, modified_at=datetime(2024, 6, 1, tzinfo=UTC))
    assert exported["modified"] == "2024-06-01T00:00:00Z"


def test_times_and_vias_that_would_not_conform_are_not_kept():
    parsed = parse_annotation(_anno(bodyValue="x", created="2024-05-01 11:00:00+03:00",
                                    via=["not an iri", "http://a.example/1"]), BASE)
    assert "created" not in parsed["extra"]
    assert parsed["extra"]["via"] == ["http://a.example/1"]


def test_every_export_of_a_foreign_annotation_passes_the_w3c_suite(tmp_path):
    exported = [_round_trip(param.values[0])[1] for param in KEPT]
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), "utf-8")
    done = subprocess.run([sys.executable, str(W3C_VALIDATOR), str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(KEPT)} passed, 0 failed" in done.stdout
