"""Two editors in two browsers take a fact check from draft through discussion and review to
readers, and a later change stays invisible to readers until it is approved."""

from .helpers import expect, note, open_panel, saved_note_id, sign_in

DOC = "002_babb521a0d9bcf18.txt"
PHRASE = "many years of difficult positional confrontations"


def _doc(live):
    return f"/docs/{live.slug(DOC)}"


def _discussion(page, annotation_id):
    found = note(page, annotation_id).locator("details.discussion")
    if found.get_attribute("open") is None:
        found.locator("summary").click()
    return found


def test_draft_discussion_review_changes_approval_and_a_later_change(new_page, live):
    eddie, frank, reader = new_page(), new_page(), new_page()
    sign_in(eddie, "eddie", then=_doc(live))
    sign_in(frank, "frank", then=_doc(live))

    # Eddie drafts a fact check: a reviewed kind is submitted, never published by its author
    panel = open_panel(eddie, PHRASE)
    panel.get_by_label("Fact check").check()
    expect(panel.get_by_role("button", name="Save and publish")).to_have_count(0)
    panel.locator("#verdict").select_option("misleading")
    panel.locator("#body").fill("Desk test: the talks had stalled for years.")
    panel.get_by_role("button", name="Save draft").click()
    check = saved_note_id(eddie, "Desk test")
    expect(note(eddie, check).locator(".review-status")).to_have_text("Draft")

    # he asks Frank in the discussion, with a mention
    thread = _discussion(eddie, check)
    thread.get_by_role("button", name="Comment").click()
    thread.locator(".note-form textarea").fill("@frank is *misleading* the right verdict?")
    thread.get_by_role("button", name="Post comment").click()
    expect(_discussion(eddie, check).locator(".comment")).to_have_count(1)
    expect(_discussion(eddie, check).locator(".comment-body em")).to_have_text("misleading")
    note(eddie, check).get_by_role("button", name="Submit for review").click()
    expect(note(eddie, check).locator(".badge-review")).to_have_text("Awaiting review")
    expect(note(eddie, check).get_by_role("button", name="Approve")).to_have_count(0)
    live_state = live.annotation(check)
    assert live_state["status"] == "review"

    # Frank sees the question and sends it back with a request
    frank.reload()
    expect(_discussion(frank, check).locator(".comment")).to_contain_text("@frank is misleading")
    note(frank, check).get_by_role("button", name="Request changes").click()
    note(frank, check).locator(".note-form textarea").fill("Say which talks, @eddie.")
    note(frank, check).get_by_role("button", name="Send back").click()
    expect(note(frank, check).locator(".badge-changes")).to_have_text("Changes requested")
    assert live.annotation(check)["status"] == "draft"

    # Eddie reads the request, edits and submits again from the panel
    eddie.reload()
    expect(note(eddie, check).locator(".badge-changes")).to_be_visible()
    expect(_discussion(eddie, check).locator(".comment")).to_have_count(2)
    expect(_discussion(eddie, check).locator(".comment").nth(1)).to_contain_text("Say which talks")
    note(eddie, check).get_by_role("button", name="Edit").click()
    eddie.locator("#body").fill("Desk test: the arms-control talks had stalled for years.")
    eddie.locator("#panel").get_by_role("button", name="Submit for review").click()
    expect(eddie.locator("#panel")).to_be_hidden()
    expect(note(eddie, check).locator(".badge-review")).to_have_text("Awaiting review")

    # nothing reaches readers before the approval
    reader.goto(_doc(live))
    expect(note(reader, check)).to_have_count(0)

    frank.reload()
    note(frank, check).get_by_role("button", name="Approve").click()
    expect(note(frank, check).locator(".review-status")).to_have_text("Published")
    reader.reload()
    expect(note(reader, check).locator(".note-body")).to_have_text(
        "Desk test: the arms-control talks had stalled for years.")
    expect(note(reader, check).locator(".discussion, .review-step")).to_have_count(0)

    # a later change waits, beside the published words, while readers keep the approved ones
    eddie.reload()
    note(eddie, check).get_by_role("button", name="Edit").click()
    expect(eddie.locator("#panel").get_by_role("button", name="Submit change for review")).to_be_visible()
    eddie.locator("#verdict").select_option("false")
    eddie.locator("#body").fill("Desk test, later: no talks took place at all.")
    eddie.locator("#panel").get_by_role("button", name="Submit change for review").click()
    expect(eddie.locator("#panel")).to_be_hidden()
    pending = note(eddie, check).locator(".pending-change")
    expect(pending).to_contain_text("Desk test, later: no talks took place at all.")
    expect(pending.locator(".verdict")).to_have_text("False")
    expect(note(eddie, check).locator(".note-body").first).to_have_text(
        "Desk test: the arms-control talks had stalled for years.")
    reader.reload()
    expect(note(reader, check).locator(".note-body")).to_have_text(
        "Desk test: the arms-control talks had stalled for years.")
    expect(note(reader, check).locator(".verdict")).to_have_text("Misleading")
    expect(reader.locator("body")).not_to_contain_text("no talks took place")

    frank.reload()
    expect(note(frank, check).locator(".pending-change")).to_contain_text("no talks took place")
    note(frank, check).get_by_role("button", name="Approve").click()
    expect(note(frank, check).locator(".pending-change")).to_have_count(0)
    reader.reload()
    expect(note(reader, check).locator(".note-body")).to_have_text(
        "Desk test, later: no talks took place at all.")
    expect(note(reader, check).locator(".verdict")).to_have_text("False")

    # every step is in the history
    frank.goto(f"/editor/annotations/{check}/history")
    history = frank.locator(".history")
    for step in ("submitted for review", "sent back: changes requested", "Say which talks",
                 "approved and published", "change proposed"):
        expect(history).to_contain_text(step)
