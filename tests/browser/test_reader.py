"""Reader foundation in a real browser: the text contract, highlights, permalinks, phones."""

import re

import pytest

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


@pytest.mark.parametrize("path", ["/", "/stats", "/login"])
def test_reader_pages_never_scroll_sideways_on_a_phone(new_page, live, notes, path):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(path)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide on a 390 px phone"
