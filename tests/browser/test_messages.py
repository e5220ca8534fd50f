"""Readers write to the editors: select words, ask us to check them; the editor accepts the
message in the inbox and replies; readers see the reply under the note. Desktop and phone."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from .helpers import axe_unavailable, axe_violations, select_text, sign_in

DOC3 = "003_8961012ef578e7f0.txt"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PHRASES = {  # a note of its own per size: the live server's database is shared
    "desktop": ("severed diplomatic ties, and an informal communication boycott",
                "an informal communication boycott"),
    "phone": ("would welcome discussions aimed at re-establishing diplomatic relations",
              "re-establishing diplomatic relations"),
}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _axe_clean(page):
    if axe_unavailable():
        pytest.skip(axe_unavailable())
    assert axe_violations(page) == [], page.url


@pytest.mark.parametrize("size", SIZES)
def test_a_reader_asks_to_check_words_and_reads_the_editors_reply(live, new_page, size):
    phrase, words = PHRASES[size]
    note_id = live.annotate(DOC3, phrase, kind="factcheck", verdict="accurate",
                            body=f"Sanctions and a boycott followed ({size}).")
    asked = f"Was the boycott formal? {uuid.uuid4().hex[:8]} <script>alert(1)</script>"
    slug = live.slug(DOC3)

    reader = new_page(SIZES[size])
    reader.goto(f"/docs/{slug}")
    select_text(reader, words)
    bar = reader.locator(".ask-bar")
    expect(bar).to_be_visible()
    if size == "phone":  # docked along the bottom, inside the screen
        box = bar.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    bar.get_by_role("link", name="Ask us to check this").click()
    reader.wait_for_url(re.compile(r"/messages/new\?"))
    expect(reader.locator(".message-about .quote")).to_have_text(words)
    expect(reader.get_by_label("Ask us to check this")).to_be_checked()
    _no_sideways_scroll(reader)
    _axe_clean(reader)
    reader.get_by_label("Your message").fill(asked)
    reader.get_by_label("Your email (optional)").fill("reader@example.org")
    reader.get_by_role("button", name="Send to the editors").click()
    expect(reader.get_by_role("heading", level=1)).to_contain_text("your message is with the editors")
    _no_sideways_scroll(reader)
    _axe_clean(reader)

    editor = new_page(SIZES[size])
    sign_in(editor, then="/editor/inbox")
    item = editor.locator(".item-message", has_text=asked)
    expect(item).to_be_visible()
    expect(item.locator(".quote")).to_have_text(words)
    expect(item).to_contain_text("reader@example.org")
    assert editor.locator("script", has_text="alert(1)").count() == 0
    _no_sideways_scroll(editor)
    _axe_clean(editor)
    item.get_by_role("button", name="Accept").click()
    expect(editor.locator(".flash")).to_contain_text("accepted")
    editor.goto("/editor/inbox?status=accepted")
    item = editor.locator(".item-message", has_text=asked)
    item.get_by_label("Our reply (Markdown)").fill("It was **informal**: no decree was issued.")
    item.get_by_label("Show it under").select_option(note_id)
    item.get_by_role("button", name="Publish the reply").click()
    expect(editor.locator(".flash")).to_contain_text("published under its note")
    _axe_clean(editor)

    reader.goto(f"/docs/{slug}")
    note = reader.locator(f"#a-{note_id}")
    if size == "phone":  # the note below its paragraph is a preview: a tap opens it whole
        reader.locator(f'[data-doc-text] mark[data-annotations~="{note_id}"]').first.click()
        note = reader.locator(f"#sheet-a-{note_id}")
    reply = note.locator(".reader-replies")
    expect(reply).to_be_visible()
    expect(reply).to_contain_text("Readers asked us to check this.")
    expect(reply.locator("strong", has_text="informal")).to_be_visible()
    expect(reply).not_to_contain_text("Was the boycott formal")  # the reader's words stay private
    assert "reader@example.org" not in reader.content()
    _no_sideways_scroll(reader)
    _axe_clean(reader)


NOTE_PHRASES = {"desktop": "Following the Kremlin’s military intervention",
                "phone": "that he is avoiding dialogue with Western leaders"}
KEY_PHRASES = {"desktop": "curtail Russia’s influence",
               "phone": "frequently cited as"}


@pytest.mark.parametrize("size", SIZES)
def test_an_opened_note_offers_both_ways_to_write_to_the_editors(live, new_page, size):
    note_id = live.annotate(DOC3, NOTE_PHRASES[size], body=f"A note readers may question ({size}).")
    slug = live.slug(DOC3)
    page = new_page(SIZES[size])
    page.goto(f"/docs/{slug}")
    note = page.locator(f"#a-{note_id}")
    expect(note.locator(".note-ask")).to_have_count(0)  # the page carries the links once
    page.locator(f'[data-doc-text] mark[data-annotations~="{note_id}"]').first.click()
    if size == "phone":  # the whole note opens in the sheet
        note = page.locator(f"#sheet-a-{note_id}")
    ask = note.locator(".note-ask")
    form = f"/docs/{slug}/messages/new?annotation={note_id}"
    expect(ask.get_by_role("link", name="Suggest a correction")).to_have_attribute("href", form)
    expect(ask.get_by_role("link", name="Ask us to check this")).to_have_attribute(
        "href", form + "&kind=check")
    expect(ask).to_be_in_viewport()
    _no_sideways_scroll(page)
    _axe_clean(page)
    page.emulate_media(media="print")
    expect(ask).to_be_hidden()
    page.emulate_media(media="screen")
    ask.get_by_role("link", name="Ask us to check this").click()
    page.wait_for_url(re.compile(r"/messages/new\?"))
    expect(page.locator(".message-about")).to_contain_text(f"A note readers may question ({size}).")
    expect(page.get_by_label("Ask us to check this")).to_be_checked()


@pytest.mark.parametrize("size", SIZES)
def test_keyboard_readers_reach_the_links_in_a_note(live, new_page, size):
    note_id = live.annotate(DOC3, KEY_PHRASES[size], body=f"A note for the keyboard ({size}).")
    page = new_page(SIZES[size])
    page.goto(f"/docs/{live.slug(DOC3)}#a-{note_id}")  # a permalink opens the note, focused
    note = page.locator(f"#a-{note_id}")
    expect(note).to_be_focused()
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] == "Ask us to check this":
            break
    assert reached[-2:] == ["Suggest a correction", "Ask us to check this"], reached
    assert page.evaluate("document.activeElement.closest('.note')?.id") == f"a-{note_id}"
    _axe_clean(page)


def test_without_javascript_a_notes_share_page_leads_to_the_form(live, browser):
    note_id = live.annotate(DOC3, "Putin underscored Moscow’s openness to negotiations",
                            body="A note readers may question.")
    context = browser.new_context(base_url=live.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/docs/{live.slug(DOC3)}")
        page.locator(f"#a-{note_id} > footer").get_by_role("link").click()  # its date
        expect(page).to_have_url(f"{live.url}/a/{note_id}")
        expect(page.get_by_role("link", name="Ask us to check this")).to_be_visible()
        page.get_by_role("link", name="Suggest a correction").click()
        expect(page.locator(".message-about")).to_contain_text("A note readers may question.")
        expect(page.get_by_label("Suggest a correction")).to_be_checked()
        page.get_by_label("Your message").fill("The summit was in Kazan, not Moscow.")
        page.get_by_role("button", name="Send to the editors").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("your message is with the editors")
        page.get_by_role("link", name=re.compile("Back to")).click()
        assert page.url.endswith(f"#a-{note_id}")
    finally:
        context.close()
