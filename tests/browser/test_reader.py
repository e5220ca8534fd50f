"""Reader foundation in a real browser: the text contract, highlights, permalinks, phones."""

import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document

from .helpers import SEEDS, canonical_text, expect, marks, note, wait_until

SEED_FILES = sorted(SEEDS.glob("*.txt"))
DOC = "004_3a30943cf18cda19.txt"  # the reader tests' own notes live on this document
FIRST = "Russia is part of the greater world"
OVERLAP = "the greater world. We do not wish to and cannot isolate ourselves from it"
LAST = "guided by the principles of equal and mutually respectful partnership"
ACTIVE = re.compile(r"\bis-active\b")


@pytest.fixture(scope="module")
def notes(live):
    """Published notes on DOC: two that overlap near the top, one near the end."""
    return {
        "first": live.annotate(DOC, FIRST, body="Reader test: the **opening** claim."),
        "overlap": live.annotate(DOC, OVERLAP, kind="factcheck", verdict="misleading",
                                 body="Reader test: isolation is a matter of degree."),
        "last": live.annotate(DOC, LAST, body="Reader test: the closing condition."),
    }


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_doc_text_is_the_canonical_text(page, live, seed):
    page.goto(f"/docs/{live.slug(seed.name)}")
    assert page.locator("[data-doc-text]").count() == 1
    text = page.evaluate("document.querySelector('[data-doc-text]').textContent")
    assert text == canonical_text(seed)


def test_clicking_a_highlight_activates_every_note_over_it(page, live, notes):
    page.goto(f"/docs/{live.slug(DOC)}")
    both = page.locator(f'[data-doc-text] mark[data-annotations~="{notes["first"]}"]'
                        f'[data-annotations~="{notes["overlap"]}"]')
    expect(both).to_have_count(1)
    expect(both).to_have_text("the greater world")
    ids = both.get_attribute("data-annotations").split()
    assert {notes["first"], notes["overlap"]} <= set(ids)

    both.click()

    expect(both).to_have_class(ACTIVE)
    for annotation_id in ids:
        expect(note(page, annotation_id)).to_have_class(ACTIVE)
        expect(note(page, annotation_id)).to_be_in_viewport()
    expect(note(page, notes["last"])).not_to_have_class(ACTIVE)


def test_permalink_opens_its_note(page, live, notes):
    target = note(page, notes["last"])

    page.goto(f"/docs/{live.slug(DOC)}#a-{notes['last']}")

    expect(target).to_have_class(ACTIVE)
    expect(target).to_be_focused()
    expect(target).to_be_in_viewport()
    expect(target.locator(".note-body")).to_have_text("Reader test: the closing condition.")
    expect(marks(page, notes["last"]).first).to_have_class(ACTIVE)
    expect(note(page, notes["first"])).not_to_have_class(ACTIVE)


SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# a seed note halfway down its document, and one on words in the middle of a long paragraph
PERMALINKED = [("002_babb521a0d9bcf18.txt", "the main outlines of our new foreign policy"),
               ("000_4407d142b209daaa.txt", "wedge between Moscow and Beijing")]


def _seed_note(live, seed_name, phrase):
    with live.app.app_context():
        return str(db.session.scalars(select(Annotation.id).join(Document).where(
            Document.slug == live.slug(seed_name), Annotation.reply_to_id.is_(None),
            Annotation.exact.contains(phrase))).one())


@pytest.mark.parametrize("seed_name, phrase", PERMALINKED, ids=["mid-document", "long-paragraph"])
@pytest.mark.parametrize("size", SIZES)
def test_a_permalink_shows_the_words_and_the_note_together(new_page, live, size, seed_name,
                                                            phrase):
    annotation_id = _seed_note(live, seed_name, phrase)
    page = new_page(viewport=SIZES[size])  # a fresh browser: nothing cached, fonts to load

    page.goto(f"/docs/{live.slug(seed_name)}#a-{annotation_id}")
    wait_until(page, "document.readyState === 'complete' && document.fonts.status === 'loaded'")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    target = note(page, annotation_id)
    expect(target).to_have_class(ACTIVE)
    expect(target).to_be_focused()
    boxes = page.evaluate("""(id) => {
      const box = (e) => e.getBoundingClientRect().toJSON();
      return {mark: box(document.querySelector(`[data-doc-text] mark[data-annotations~="${id}"]`)),
              note: box(document.getElementById(`a-${id}`)), height: innerHeight,
              scrollY: scrollY};
    }""", annotation_id)
    mark, card, height = boxes["mark"], boxes["note"], boxes["height"]
    assert boxes["scrollY"] > 0, "the page scrolled to the note"
    assert 16 <= mark["top"] and mark["bottom"] <= height, f"the words are off screen: {boxes}"
    if max(card["bottom"], mark["bottom"]) - mark["top"] <= height - 56:  # both fit: with room
        assert mark["top"] >= 40, f"the words are at the top edge: {boxes}"
        assert 0 <= card["top"] and card["bottom"] <= height, f"the note is off screen: {boxes}"
    else:  # a long note under long words: its beginning shows
        assert 0 <= card["top"] <= height - 90, f"the note is off screen: {boxes}"
    if size == "desktop":
        assert card["left"] >= mark["right"] - 1, "the note is beside its words"
        assert abs(card["top"] - mark["top"]) < 40, "the note is level with its words"
    else:
        assert card["top"] >= mark["bottom"], "the note is under its paragraph"
        expect(page.locator("#note-sheet")).to_be_hidden()
        expect(target.locator(":scope > footer")).to_be_visible()  # the whole note, not a preview


def test_unknown_slug_shows_the_not_found_page(page, js_errors):
    js_errors.allow_status(404)
    response = page.goto("/docs/no-such-document-here")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("[data-doc-text]")).to_have_count(0)


def test_on_a_phone_notes_sit_below_their_paragraph(new_page, live, notes):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(f"/docs/{live.slug(DOC)}")
    wait_until(page, "document.fonts.status === 'loaded'")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    placed = page.locator(".notes .note")
    assert placed.count() >= 3
    for annotation_id in notes.values():
        target = note(page, annotation_id)
        target.scroll_into_view_if_needed()
        expect(target).to_be_visible()
        expect(target).to_be_in_viewport()
    # notes drawn on the way are measured on the next frame: let it pass
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    boxes = page.evaluate("""() => {
      const box = (e) => { const r = e.getBoundingClientRect();
        return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right}; };
      const root = document.querySelector("[data-doc-text]");
      return {
        width: document.documentElement.clientWidth,
        scrollWidth: document.documentElement.scrollWidth,
        blocks: Object.fromEntries([...root.querySelectorAll("[data-block]")]
          .map((b) => [b.dataset.block, box(b)])),
        // a note's paragraph: the one that holds the first highlight of its words
        notes: [...document.querySelectorAll(".notes .note")].map((n) => {
          const id = n.id.slice(2);
          const mark = [...root.querySelectorAll("mark")]
            .find((m) => m.dataset.annotations.split(" ").includes(id));
          return {id, block: mark.closest("[data-block]").dataset.block, ...box(n)};
        }),
      };
    }""")
    assert boxes["scrollWidth"] <= boxes["width"], "the page scrolls sideways"
    for n in boxes["notes"]:
        paragraph = boxes["blocks"][n["block"]]
        assert n["top"] >= paragraph["bottom"] - 1, f"note {n['id']} is not below its paragraph"
        assert n["left"] >= 0 and n["right"] <= boxes["width"] + 1, f"note {n['id']} sticks out"
        for number, block in boxes["blocks"].items():
            overlaps = (n["top"] < block["bottom"] - 1 and block["top"] < n["bottom"] - 1
                        and n["left"] < block["right"] and block["left"] < n["right"])
            assert not overlaps, f"note {n['id']} covers the text of block {number}"


@pytest.mark.parametrize("path", ["/", "/stats", "/login", "/search?q=foreign+policy",
                                  "permalink", "share page", "embed"])
def test_reader_pages_never_scroll_sideways_on_a_phone(new_page, live, notes, path):
    page = new_page(viewport={"width": 390, "height": 844})
    seed_name, phrase = PERMALINKED[0]
    slug = live.slug(seed_name)
    path = {"permalink": lambda: f"/docs/{slug}#a-{_seed_note(live, seed_name, phrase)}",
            "share page": lambda: f"/a/{_seed_note(live, seed_name, phrase)}",
            "embed": lambda: f"/docs/{slug}/embed"}.get(path, lambda: path)()
    page.goto(path)
    wait_until(page, "document.readyState === 'complete'")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide on a 390 px phone"


def _annotated_sentences(live, count, title, fields):
    """A document of ``count`` sentences with a published note on "statement" in each, its
    other columns from ``fields(i, start, document)``: (slug, the notes' ids in text order)."""
    from reader.services.documents import create_document

    text = "".join(f"Sentence {i} says a statement about the talks.{chr(10) if i % 8 == 7 else ' '}"
                   for i in range(count))
    with live.app.app_context():
        document = create_document(text, {"title": title})
        db.session.flush()
        pos, rows = 0, []
        for i in range(count):
            pos = text.index("statement", pos)
            rows.append({"document_id": document.id, "start": pos, "end": pos + 9,
                         "exact": "statement", "prefix": text[max(0, pos - 32):pos],
                         "suffix": text[pos + 9:pos + 41], "status": "published", "version": 1,
                         "orphan": False, "anchor_state": "unchanged", **fields(i, pos, document)})
            pos += 1
        db.session.execute(Annotation.__table__.insert(), rows)
        db.session.commit()
        ids = db.session.scalars(db.select(Annotation.id).filter_by(document_id=document.id)
                                 .order_by(Annotation.start)).all()
        return document.slug, [str(i) for i in ids]


@pytest.fixture(scope="module")
def heavy(live):
    """A document of 1,000 sentences with a published note on a word of each: (slug, ids)."""
    return _annotated_sentences(live, 1_000, "A heavily annotated text", lambda i, start, document: {
        "kind": ("note", "context", "factcheck")[i % 3], "body": f"Heavy note {i}.",
        "body_html": f"<p>Heavy note {i}.</p>", "creator_name": "Bench"})


@pytest.mark.parametrize("width", [1280, 800])
def test_a_click_on_a_highlight_opens_its_note_among_a_thousand(new_page, live, heavy, width):
    slug, ids = heavy
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(f"/docs/{slug}")
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    assert page.locator(".notes .note").count() == 1_000
    for position in (500, 999, 3):
        target = marks(page, ids[position])
        target.scroll_into_view_if_needed()
        target.click()
        shown = note(page, ids[position])
        expect(shown).to_have_class(ACTIVE)
        expect(shown).to_be_in_viewport()
        expect(shown.locator(".note-body")).to_have_text(f"Heavy note {position}.")
        expect(shown.locator(".note-body")).to_be_visible()
        assert page.locator(".note.is-active").count() == 1
        if width >= 1000:  # beside the text: the note sits level with its words
            assert abs(shown.bounding_box()["y"] - target.bounding_box()["y"]) <= 2


@pytest.fixture(scope="module")
def many_kinds(live):
    """A document with 160 published notes of every shape a compact note can take: each
    kind, fact checks with and without a verdict, edited or not, with and without an author,
    tags with markup characters and non-Latin letters, overlapping words. (slug, ids)"""
    from datetime import timedelta

    verdicts = (None, "accurate", "misleading", "false", None, "unsupported")
    tags = (["bench"], [], ["<b>&amp;\"'", "Россия"], ["ΟΔΟΣ"], ["bench", "t1", "t2"])

    def fields(i, start, document):
        kind = ("note", "context", "factcheck")[i % 3]
        created = document.created_at - timedelta(days=i)
        return {"end": start + (len("statement about the talks") if i % 5 == 0 else 9),
                "kind": kind, "body": f"Shape {i}.",
                "body_html": f'<p>Shape {i} <em>is</em> <a href="https://example.org/{i}" '
                             'rel="nofollow">here</a>.</p>',
                "tags": tags[i % len(tags)],
                "creator_name": "" if i % 7 == 3 else f"Editor {i % 4}",
                "verdict": verdicts[i % len(verdicts)] if kind == "factcheck" else None,
                "created_at": created,
                "modified_at": created + timedelta(days=2) if i % 4 == 1 else created}

    return _annotated_sentences(live, 160, "Notes of every shape", fields)


SNAPSHOT = """() => ({
  notes: [...document.querySelectorAll('.notes .note-group > article')].map((n) =>
    [n.id, n.className.replace(/ ?is-\\S+/g, ''), n.dataset.verdict || '', n.hidden, n.innerHTML]),
  marks: [...document.querySelectorAll('[data-doc-text] mark')].map((m) =>
    [m.dataset.annotations, [...m.classList].sort().join(' '), m.dataset.fn || '']),
})"""


@pytest.mark.parametrize("query", ["", "?kind=factcheck&tag=bench"])
def test_notes_past_the_first_hundred_read_as_the_first_hundred(new_page, live, many_kinds, monkeypatch,
                                                                 query):
    """The notes past the first hundred come as their words alone and a table; once the
    script has written them, every note and highlight is what the server writes for the
    first hundred: head, verdict, tags, author, dates, share link, the highlights' kinds,
    the print numbers, the filters' choice."""
    from reader.views import parts

    slug, ids = many_kinds
    html = live.app.test_client().get(f"/docs/{slug}{query}").get_data(as_text=True)
    compact = re.findall(r'<article id="a-(\d+)"', html)
    # the 60 past the first hundred but for the 12 whose tag needs its filter key written
    assert len(compact) == 48 and 'id="notes-data"' in html
    assert f'<article id="a-{ids[150]}"' in html and '<p>Shape 150 <em>is</em>' in html
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"/docs/{slug}{query}")
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    written = page.evaluate(SNAPSHOT)
    monkeypatch.setattr(parts, "FULL_NOTES", 1_000)
    page.goto(f"/docs/{slug}?{query.lstrip('?')}&whole=1")  # another address: not the kept page
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    served = page.evaluate(SNAPSHOT)
    assert len(written["notes"]) == 160 and len(written["marks"]) == len(served["marks"])
    for mine, theirs in zip(written["notes"], served["notes"]):
        assert mine == theirs
    assert written["marks"] == served["marks"]
    expect(note(page, ids[150]).locator(":scope > footer a")).to_have_attribute("href", f"/a/{ids[150]}")


def test_a_note_open_among_a_thousand_keeps_its_place_for_the_keyboard_and_filters(
        new_page, live, heavy):
    slug, ids = heavy
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"/docs/{slug}")
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    target = marks(page, ids[500])
    target.scroll_into_view_if_needed()
    target.click()
    opened = note(page, ids[500])
    expect(opened).to_have_class(ACTIVE)
    assert abs(opened.bounding_box()["y"] - target.bounding_box()["y"]) <= 2
    # the next and previous notes in text order, from the open one
    page.keyboard.press("j")
    expect(note(page, ids[501])).to_be_focused()
    expect(note(page, ids[501])).to_be_in_viewport()
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(note(page, ids[499])).to_be_focused()
    expect(note(page, ids[499])).to_have_class(ACTIVE)
    # a filter that keeps the open note's kind keeps it open, and counts every note
    page.locator("details.filters summary").click()
    kind = note(page, ids[499]).evaluate("(n) => n.className.match(/note-(note|context|factcheck)/)[1]")
    page.locator(f'.facet-kind input[value="{kind}"]').check()
    expect(note(page, ids[499])).to_have_class(ACTIVE)
    expect(page.locator("[data-filter-count]")).to_have_text(re.compile(r"of 1000 shown"))
    page.locator("[data-filter-clear]").click()
    page.keyboard.press("Escape")
    expect(page.locator(".note.is-active")).to_have_count(0)
    # closed, every note is back in its column, in text order, with none left floating
    order = page.evaluate("[...document.querySelectorAll('.notes .note')].map((n) => n.id.slice(2))")
    assert order == ids
    assert page.locator(".notes .note:not(.note-group .note)").count() == 0

