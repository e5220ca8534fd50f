"""Corrections in the open, in the browser: an editor corrects a published fact check's verdict
with a reason, another approves it, and a reader sees the "Corrected" line on the note, opens
the earlier wording, and finds the correction on /corrections; on a desktop and on a phone."""

import pytest

from .helpers import axe_unavailable, axe_violations, expect, note, sign_in

DOC = "002_babb521a0d9bcf18.txt"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# one phrase per run: the live database is shared by the whole session
PHRASES = {"desktop": "Kremlin spokesman Dmitry Peskov has told Sputnik",
           "phone": "the main outlines of our new foreign policy concept"}


def _doc(live):
    return f"/docs/{live.slug(DOC)}"


def _reader_note(page, annotation_id, phone):
    """The note as a reader reads it: in place on a desktop, in the bottom sheet on a phone."""
    if not phone:
        return note(page, annotation_id)
    copy = page.locator(f"#sheet-a-{annotation_id}")
    if not copy.is_visible():
        note(page, annotation_id).click()
    expect(copy).to_be_visible()
    return copy


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_editor_corrects_a_verdict_and_readers_see_the_correction(new_page, live, js_errors,
                                                                     size):
    js_errors.allow_status(422)  # the reason left out on purpose, once
    phone = size == "phone"
    viewport = PHONE if phone else DESKTOP
    phrase = PHRASES[size]
    check = live.annotate(DOC, phrase, kind="factcheck", verdict="misleading",
                          body=f"Correction test ({size}): nobody said so.")
    eddie, frank, reader = new_page(viewport), new_page(), new_page(viewport)

    # eddie changes the verdict and marks the change as a correction, with a reason
    sign_in(eddie, "eddie", then=_doc(live))
    target = note(eddie, check)
    target.scroll_into_view_if_needed()
    if phone:
        target.click()
        eddie.locator(f"#sheet-a-{check}").get_by_role("button", name="Edit").click()
    else:
        target.get_by_role("button", name="Edit").click()
    panel = eddie.locator("#panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#correction-fields")).to_be_visible()
    panel.locator("#verdict").select_option("false")
    panel.get_by_label("A correction: something was wrong").check()
    panel.get_by_role("button", name="Submit change for review").click()
    expect(panel.locator('[data-error-for="reason"]')).to_contain_text("say in one line why")
    panel.get_by_label("Reason").fill("The ministry's transcript has no such words.")
    panel.get_by_role("button", name="Submit change for review").click()
    expect(panel).to_be_hidden()

    # awaiting review: the reader sees nothing of it yet
    reader.goto(_doc(live))
    expect(reader.locator(f"#a-{check} .correction")).to_have_count(0)

    # frank approves; readers now read the correction
    sign_in(frank, "frank", then=_doc(live))
    note(frank, check).get_by_role("button", name="Approve").click()
    expect(note(frank, check).locator(".review-status")).to_have_text("Published")

    reader.goto("about:blank")  # the permalink below then loads the page afresh
    reader.goto(f"{_doc(live)}#a-{check}")
    shown = _reader_note(reader, check, phone)
    line = shown.locator(".correction")
    expect(line).to_contain_text("Corrected")
    expect(line).to_contain_text("verdict changed from Misleading to False")
    expect(line).to_contain_text("Reason: The ministry's transcript has no such words.")
    expect(shown.locator(":scope > header .verdict")).to_have_text("False")
    earlier = line.locator("details.earlier")
    expect(earlier.locator(".note-body")).to_be_hidden()
    earlier.locator("summary").click()
    expect(earlier.locator(".note-body")).to_have_text(f"Correction test ({size}): nobody said so.")
    expect(earlier.locator(".verdict")).to_have_text("Misleading")

    # and on /corrections, linking to the note in place
    reader.goto("/")
    reader.locator("footer.site").get_by_role("link", name="Corrections").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Corrections")
    entry = reader.locator(".correction-entry", has_text=phrase)
    expect(entry).to_contain_text("verdict changed from Misleading to False")
    expect(entry).to_contain_text("Reason: The ministry's transcript has no such words.")
    assert reader.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    entry.get_by_role("link", name="See the note in place").click()
    reader.wait_for_url(f"**{_doc(live)}#a-{check}")
    expect(note(reader, check)).to_be_attached()

    if not axe_unavailable():
        reader.goto("/corrections")
        assert axe_violations(reader) == []
