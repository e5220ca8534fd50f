"""The desk in the browser: two editors hand a note over; a revised text flags a note until an
editor confirms it.

The live server is shared, so each test works on a document of its own and finds its rows
on the desk by their ids.
"""

from reader.extensions import db
from reader.services.annotations import create_annotation
from reader.services.documents import create_document

from .helpers import axe_unavailable, axe_violations, expect, note, sign_in

TEXT = ("Council meeting\n\nJust a week earlier, at the operational meeting of the permanent "
        "members of the Security Council, the main outlines were considered.\n\n"
        "The minister said the talks were constructive.\n")
QUOTE = "the operational meeting of the permanent members of the Security Council"


def _document_with_note(live, title, words, **fields):
    with live.app.app_context():
        document = create_document(TEXT, {"title": title})
        start = TEXT.index(words)
        annotation = create_annotation(document, {
            "kind": "note", "body": "Which talks?", "status": "published", "start": start,
            "end": start + len(words), "exact": words, **fields})
        db.session.commit()
        return document.slug, str(annotation.id)


def test_an_editor_assigns_a_note_and_the_other_finds_it_on_the_desk_and_marks_it_done(
        new_page, live):
    slug, note_id = _document_with_note(live, "Desk test: assignment", "the talks were constructive")
    eddie = new_page()
    sign_in(eddie, "eddie", then=f"/docs/{slug}")
    note(eddie, note_id).get_by_role("link", name="Assign").click()
    expect(eddie.get_by_role("heading", level=1)).to_contain_text("Desk test: assignment")
    eddie.get_by_label("Assign to").select_option(label="Frank Factchecker")
    eddie.get_by_label("Message").fill("Which talks? Check the date against the readout.")
    eddie.get_by_role("button", name="Assign").click()
    expect(eddie.locator(".flash")).to_have_text("Frank Factchecker is asked to review this note.")
    expect(note(eddie, note_id).locator(".note-assigned")).to_have_text(
        "Review asked of Frank Factchecker")

    if axe_unavailable() is None:
        assert axe_violations(eddie) == []  # the document page with the assignment forms

    frank = new_page()
    sign_in(frank, "frank", then="/editor")
    expect(frank.locator("header.site .desk-link .nav-count")).to_be_visible()
    if axe_unavailable() is None:
        assert axe_violations(frank) == []
    item = frank.locator("#assigned-to-me .assignment", has_text="Desk test: assignment")
    expect(item).to_have_count(1)
    expect(item.locator(".assignment-message")).to_have_text(
        "Which talks? Check the date against the readout.")
    expect(item).to_contain_text("from Eddie Editor")
    expect(item.locator(".quote")).to_have_text("the talks were constructive")
    item.get_by_role("button", name="Mark done").click()
    expect(frank.locator(".flash")).to_have_text("Marked done.")
    expect(frank.locator("#assigned-to-me .assignment", has_text="Desk test: assignment")) \
        .to_have_count(0)
    expect(frank.locator("#recent-activity .event").first).to_contain_text(
        "Frank Factchecker marked done: review an editorial note on Desk test: assignment")

    eddie.reload()
    expect(note(eddie, note_id).locator(".note-assigned")).to_have_count(0)


def test_a_revised_text_flags_a_note_on_the_desk_and_confirming_clears_it(page, live):
    slug, note_id = _document_with_note(live, "Desk test: revision", QUOTE, kind="factcheck",
                                        verdict="accurate",
                                        body="The readout of the meeting confirms it.")
    sign_in(page, "eddie", then=f"/editor/docs/{slug}/text")
    page.locator("textarea[name=text]").fill(TEXT.replace("permanent", "standing"))
    page.locator("input[name=note]").fill("translation: standing members")
    page.get_by_role("button", name="Save a new revision").click()
    expect(page.locator(".flash")).to_contain_text("found again on slightly changed words")
    expect(note(page, note_id).locator(".badge-check")).to_have_text("Words changed: check")

    page.goto("/editor")
    item = page.locator(f"#desk-note-{note_id}")
    expect(item.locator(".words-changed del")).to_have_text("permanent")
    expect(item.locator(".words-changed ins")).to_have_text("standing")
    item.get_by_role("link", name="History").click()
    entry = page.locator(".revision", has_text="re-anchored onto changed words")
    expect(entry.locator(".reanchor div", has_text="Words before").locator("del")) \
        .to_have_text(QUOTE)
    expect(entry.locator(".reanchor div", has_text="What changed").locator("ins")) \
        .to_have_text("standing")
    expect(entry.locator(".reanchor")).to_contain_text("fuzzy, score 0.")

    page.goto(f"/docs/{slug}#a-{note_id}")
    note(page, note_id).get_by_role("button", name="Confirm").click()
    expect(note(page, note_id).locator(".badge-check")).to_have_count(0)
    expect(note(page, note_id).get_by_role("button", name="Confirm")).to_have_count(0)
    page.goto("/editor")
    expect(page.locator(f"#desk-note-{note_id}")).to_have_count(0)
    expect(page.locator("#recent-activity")).to_contain_text(
        "Eddie Editor confirmed the new words of a fact check on Desk test: revision")
