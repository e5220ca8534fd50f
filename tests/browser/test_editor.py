"""Editors annotate in the browser: select, write, save, edit, publish, delete, restore.

The live server is shared, so every test works on its own phrase.
"""

import re

from .helpers import (
    expect, marked_text, marks, note, open_panel, saved_note_id, sign_in, sign_out,
)

DOC0 = "000_4407d142b209daaa.txt"
DOC1 = "001_d4a3d1238127169d.txt"
DOC2 = "002_babb521a0d9bcf18.txt"
DOC3 = "003_8961012ef578e7f0.txt"
DOC4 = "004_3a30943cf18cda19.txt"


def doc(live, seed):
    return f"/docs/{live.slug(seed)}"


def test_create_edit_publish_then_readers_see_it(page, live):
    phrase = "around Russian borders, including in the Black Sea region"
    sign_in(page, then=doc(live, DOC0))

    panel = open_panel(page, phrase, via="button")
    expect(panel.get_by_label("Editorial note")).to_be_checked()
    panel.locator("#body").fill("Flow test: the **Black Sea** patrols are *routine*.")
    panel.locator("#tags").fill("flow-test, black sea")
    panel.get_by_role("button", name="Save draft").click()

    # at once, without a reload: the highlight and the draft note
    annotation_id = saved_note_id(page, "Flow test")
    expect(marks(page, annotation_id).first).to_be_visible()
    assert marked_text(page, annotation_id) == phrase
    created = note(page, annotation_id)
    expect(created.locator(".note-body strong")).to_have_text("Black Sea")
    expect(created.locator(".note-body em")).to_have_text("routine")
    expect(created.locator(".badge-draft")).to_have_text("Draft")
    expect(created.locator(".tags li")).to_have_text(["flow-test", "black sea"])

    page.reload()
    expect(created.locator(".note-body strong")).to_have_text("Black Sea")
    assert marked_text(page, annotation_id) == phrase

    created.get_by_role("button", name="Edit").click()
    expect(panel).to_be_visible()
    expect(panel.locator("#body")).to_have_value("Flow test: the **Black Sea** patrols are *routine*.")
    panel.locator("#body").fill("Flow test, revised: patrols in **international waters**.")
    panel.get_by_role("button", name="Save draft").click()
    expect(panel).to_be_hidden()
    expect(created.locator(".note-body")).to_have_text("Flow test, revised: patrols in international waters.")
    expect(created.locator(".note-body strong")).to_have_text("international waters")
    expect(created.locator(".badge-draft")).to_have_count(1)

    created.get_by_role("button", name="Publish").click()
    expect(created.locator(".badge-draft")).to_have_count(0)
    expect(created.get_by_role("button", name="Unpublish")).to_be_visible()

    sign_out(page)
    page.goto(doc(live, DOC0))
    expect(page.locator(".editor-bar")).to_have_count(0)
    expect(created).to_be_visible()
    expect(created.locator(".note-body")).to_have_text("Flow test, revised: patrols in international waters.")
    expect(created.locator(".note-actions")).to_have_count(0)
    expect(marks(page, annotation_id).first).to_be_visible()
    assert marked_text(page, annotation_id) == phrase


def test_keyboard_shortcut_and_a_draft_stays_hidden_from_readers(page, live):
    phrase = "The worsening relations between Russia and the West"
    body = "Shortcut test: a draft nobody should read yet."
    sign_in(page, then=doc(live, DOC0))

    panel = open_panel(page, phrase, via="key")
    expect(panel.get_by_label("Editorial note")).to_be_focused()
    panel.locator("#body").fill(body)
    panel.get_by_role("button", name="Save draft").click()
    annotation_id = saved_note_id(page, "Shortcut test")
    expect(note(page, annotation_id).locator(".badge-draft")).to_be_visible()
    assert marked_text(page, annotation_id) == phrase

    sign_out(page)
    response = page.goto(doc(live, DOC0))
    html = response.text()
    assert body not in html
    assert f'id="a-{annotation_id}"' not in html
    expect(note(page, annotation_id)).to_have_count(0)
    expect(marks(page, annotation_id)).to_have_count(0)
    assert live.annotation(annotation_id)["status"] == "draft"


def test_escape_closes_the_panel_without_saving(page, live):
    sign_in(page, then=doc(live, DOC1))
    notes_before = page.locator(".notes .note").count()

    panel = open_panel(page, "expelled Russian diplomats")
    panel.locator("#body").fill("Escape test: never saved.")
    page.keyboard.press("Escape")

    expect(panel).to_be_hidden()
    expect(page.locator("#annotate-button")).to_be_hidden()
    expect(page.locator(".notes .note")).to_have_count(notes_before)
    page.reload()
    expect(page.locator(".notes .note")).to_have_count(notes_before)
    expect(page.locator("body")).not_to_contain_text("Escape test")


def test_validation_error_shows_next_to_the_field_and_keeps_the_input(page, live, js_errors):
    js_errors.allow_status(422)
    phrase = "the situation is not static"
    sign_in(page, then=doc(live, DOC2))

    panel = open_panel(page, phrase)
    panel.get_by_label("Fact check").check()
    expect(panel.locator("#verdict")).to_be_visible()
    panel.locator("#body").fill("Validation test: the concept was published in 2023.")
    panel.locator("#tags").fill("validation-test")
    panel.get_by_role("button", name="Save draft").click()

    expect(panel).to_be_visible()
    expect(panel.locator('[data-error-for="verdict"]')).to_contain_text(
        "choose one of: Accurate, Mostly accurate, Misleading")  # labels, not keys
    expect(panel.locator("#verdict")).to_have_attribute("aria-invalid", "true")
    expect(panel.locator("#panel-message")).to_contain_text("check the highlighted fields")
    expect(panel.locator("#body")).to_have_value("Validation test: the concept was published in 2023.")
    expect(panel.locator("#tags")).to_have_value("validation-test")
    expect(panel.get_by_label("Fact check")).to_be_checked()
    expect(page.locator(".notes .note", has_text="Validation test")).to_have_count(0)

    panel.locator("#verdict").select_option("unsupported")
    panel.get_by_role("button", name="Save draft").click()
    annotation_id = saved_note_id(page, "Validation test")
    expect(note(page, annotation_id).locator(".verdict")).to_have_text("Unsupported")
    assert marked_text(page, annotation_id) == phrase


def test_two_editors_saving_the_same_note_get_a_conflict(new_page, live, js_errors):
    js_errors.allow_status(409)
    annotation_id = live.annotate(DOC3, "pushing back against accusations of self-imposed isolation",
                                  status="draft", body="Conflict test: original.")
    first, second = new_page(), new_page()
    sign_in(first, "eddie", then=doc(live, DOC3))
    sign_in(second, "frank", then=doc(live, DOC3))
    for page in (first, second):
        note(page, annotation_id).get_by_role("button", name="Edit").click()
        expect(page.locator("#body")).to_have_value("Conflict test: original.")

    first.locator("#body").fill("Conflict test: Eddie's version.")
    first.get_by_role("button", name="Save draft").click()
    expect(first.locator("#panel")).to_be_hidden()
    expect(note(first, annotation_id).locator(".note-body")).to_have_text("Conflict test: Eddie's version.")

    second.locator("#body").fill("Conflict test: Frank's version.")
    second.get_by_role("button", name="Save draft").click()
    message = second.locator("#panel-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Eddie Editor changed this note while you were editing it")
    expect(message).to_contain_text("Nothing was saved")
    expect(second.locator("#panel")).to_be_visible()
    expect(second.locator("#body")).to_have_value("Conflict test: Frank's version.")
    assert live.annotation(annotation_id)["body"] == "Conflict test: Eddie's version."

    # both texts side by side: his own in the form, Eddie's beside it, nothing replaced
    merge = second.locator("#merge")
    expect(merge).to_be_visible()
    expect(merge.locator(".merge-mine #body")).to_have_value("Conflict test: Frank's version.")
    expect(second.locator("#merge-theirs")).to_have_value("Conflict test: Eddie's version.")
    expect(second.get_by_role("button", name="Load their version")).to_have_count(0)
    # swapping puts theirs in the form and keeps his beside it
    merge.get_by_role("button", name="Swap: put their text in the form").click()
    expect(second.locator("#body")).to_have_value("Conflict test: Eddie's version.")
    expect(second.locator("#merge-theirs")).to_have_value("Conflict test: Frank's version.")
    expect(merge).to_contain_text("Your earlier text")
    second.locator("#body").fill("Conflict test: Eddie's version, with Frank's caveat.")
    second.get_by_role("button", name="Save draft").click()
    expect(second.locator("#panel")).to_be_hidden()
    expect(note(second, annotation_id).locator(".note-body")).to_have_text(
        "Conflict test: Eddie's version, with Frank's caveat.")
    assert live.annotation(annotation_id)["body"] == "Conflict test: Eddie's version, with Frank's caveat."
    # the form is whole again for the next note
    note(second, annotation_id).get_by_role("button", name="Edit").click()
    expect(second.locator("#merge")).to_be_hidden()
    expect(second.locator("#body")).to_be_visible()


def test_delete_then_undo_brings_the_note_back(page, live):
    phrase = "Putin’s remarks address a common perception"
    annotation_id = live.annotate(DOC3, phrase, body="Undo test: a note to delete.")
    sign_in(page, then=doc(live, DOC3))
    page.on("dialog", lambda dialog: dialog.accept())
    expect(note(page, annotation_id)).to_be_visible()

    note(page, annotation_id).get_by_role("button", name="Delete", exact=True).click()
    note(page, annotation_id).get_by_label("Why withdraw it?").fill("A test note, not for readers.")
    note(page, annotation_id).get_by_role("button", name="Delete with this reason").click()
    expect(note(page, annotation_id)).to_have_count(0)
    expect(marks(page, annotation_id)).to_have_count(0)

    page.locator(".undo-bar").get_by_role("button", name="Undo").click()
    expect(note(page, annotation_id)).to_be_visible()
    expect(note(page, annotation_id).locator(".note-body")).to_have_text("Undo test: a note to delete.")
    assert marked_text(page, annotation_id) == phrase
    page.reload()
    expect(note(page, annotation_id)).to_be_visible()
    assert live.annotation(annotation_id)["deleted"] is False


def test_delete_then_restore_from_the_deleted_notes_page(page, live):
    phrase = "These actions have formed the backbone of efforts"
    annotation_id = live.annotate(DOC3, phrase, body="Restore test: a note to delete.")
    sign_in(page, then=doc(live, DOC3))
    page.on("dialog", lambda dialog: dialog.accept())

    note(page, annotation_id).get_by_role("button", name="Delete", exact=True).click()
    note(page, annotation_id).get_by_label("Why withdraw it?").fill("A test note, not for readers.")
    note(page, annotation_id).get_by_role("button", name="Delete with this reason").click()
    expect(note(page, annotation_id)).to_have_count(0)

    page.get_by_role("link", name="Deleted notes").click()
    item = page.locator(f"#deleted-{annotation_id}")
    expect(item).to_contain_text("Restore test: a note to delete.")
    item.get_by_role("button", name="Restore").click()

    page.wait_for_url(re.compile(re.escape(doc(live, DOC3)) + f"#a-{annotation_id}$"))
    expect(page.locator(".flashes")).to_contain_text("The note is restored.")
    expect(note(page, annotation_id)).to_be_visible()
    expect(note(page, annotation_id)).to_be_focused()
    assert marked_text(page, annotation_id) == phrase
    page.goto("/editor/deleted")
    expect(page.locator(f"#deleted-{annotation_id}")).to_have_count(0)


def test_selection_across_two_paragraphs_is_one_annotation(page, live):
    phrase = "China and Syria.\nToday, Thursday"
    sign_in(page, then=doc(live, DOC1))

    panel = open_panel(page, phrase)
    panel.locator("#body").fill("Two paragraphs test: one note over a paragraph break.")
    panel.get_by_role("button", name="Save draft").click()

    annotation_id = saved_note_id(page, "Two paragraphs test")
    assert marked_text(page, annotation_id) == phrase
    blocks = page.evaluate(
        """(id) => [...document.querySelectorAll(`[data-doc-text] mark[data-annotations~="${id}"]`)]
             .map((m) => { const b = m.closest("[data-block]"); return b ? b.dataset.block : "gap"; })""",
        annotation_id)
    assert len(set(blocks) - {"gap"}) == 2, blocks
    newline_marked = page.evaluate(
        """(id) => [...document.querySelectorAll(`[data-doc-text] mark[data-annotations~="${id}"]`)]
             .some((m) => m.textContent.includes("\\n"))""", annotation_id)
    assert newline_marked


def test_overlapping_selection_makes_a_second_annotation(page, live):
    first_id = live.annotate(DOC2, "Tensions over Ukraine are continuing to escalate",
                             body="Overlap test: the first note.")
    phrase = "continuing to escalate amid new Western media allegations"
    sign_in(page, then=doc(live, DOC2))

    panel = open_panel(page, phrase)
    panel.locator("#body").fill("Overlap test: the second note.")
    panel.get_by_role("button", name="Save draft").click()

    second_id = saved_note_id(page, "Overlap test: the second")
    assert second_id != first_id
    assert marked_text(page, second_id) == phrase
    assert marked_text(page, first_id) == "Tensions over Ukraine are continuing to escalate"
    both = page.locator(f'[data-doc-text] mark[data-annotations~="{first_id}"]'
                        f'[data-annotations~="{second_id}"]')
    expect(both).to_have_count(1)
    expect(both).to_have_text("continuing to escalate")
    expect(note(page, first_id)).to_be_visible()
    expect(note(page, second_id)).to_be_visible()


def test_a_new_source_is_found_and_cited_from_another_document(page, live):
    title = "Expanded Foreign Ministry board meeting (browser source test)"
    first_phrase = "we understand that our partners are very peculiar"
    second_phrase = "Putin underscored Moscow’s openness to negotiations"
    sign_in(page, then=doc(live, DOC0))

    panel = open_panel(page, first_phrase)
    panel.get_by_label("Source context").check()
    panel.get_by_role("button", name="Create a new source").click()
    panel.get_by_label("Title (the speech, interview or document)").fill(title)
    panel.get_by_label("Speaker", exact=True).fill("Vladimir Putin")
    panel.get_by_label("Date").fill("2021-11-18")
    panel.locator("#relation").select_option("translation")
    panel.locator("#body").fill("Source test: said at the board meeting.")
    panel.get_by_role("button", name="Save and publish").click()

    first_id = saved_note_id(page, "Source test: said at")
    source_link = note(page, first_id).locator(".note-source a", has_text=title)
    expect(source_link).to_be_visible()
    expect(note(page, first_id).locator(".relation")).to_contain_text("a translation")
    source_url = source_link.get_attribute("href")
    assert re.fullmatch(r"/sources/\d+", source_url), source_url

    page.goto(doc(live, DOC3))
    panel = open_panel(page, second_phrase)
    panel.get_by_label("Source context").check()
    panel.locator("#source-search").fill("browser source test")
    option = panel.locator("#source-results li", has_text=title)
    expect(option).to_have_count(1)
    option.click()
    expect(panel.locator("#source-chosen")).to_contain_text(title)
    panel.locator("#relation").select_option("paraphrase")
    panel.locator("#body").fill("Source test: the same meeting, another outlet.")
    panel.get_by_role("button", name="Save and publish").click()

    second_id = saved_note_id(page, "Source test: the same meeting")
    expect(note(page, second_id).locator(".note-source a", has_text=title)).to_have_attribute(
        "href", source_url)

    page.goto(source_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    citations = page.locator(".citations .citation")
    expect(citations).to_have_count(2)
    expect(citations.locator("blockquote")).to_have_text([first_phrase, second_phrase])
    expect(citations.locator(f'a[href$="#a-{first_id}"]')).to_have_count(1)
    expect(citations.locator(f'a[href$="#a-{second_id}"]')).to_have_count(1)


def test_markdown_preview_renders_html_and_never_runs_scripts(page, live):
    sign_in(page, then=doc(live, DOC4))
    page.get_by_role("button", name="Note on the whole document").click()
    panel = page.locator("#panel")
    expect(panel).to_be_visible()

    panel.locator("#body").fill(
        "**bold claim** and a [link](https://example.org)\n\n"
        '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    )
    preview = panel.locator("#preview")
    expect(preview.locator("strong")).to_have_text("bold claim")
    expect(preview.locator('a[href="https://example.org"]')).to_have_text("link")
    expect(preview.locator("[onerror]")).to_have_count(0)
    expect(preview.locator("script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
