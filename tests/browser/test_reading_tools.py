"""Readers' tools in Chromium: keyboard, help, filters, search hits, phone sheet, print, dark, axe."""

import re

import pytest

from .helpers import (
    axe_unavailable, axe_violations, canonical_text, expect, marks, note, open_panel, sign_in,
    wait_until,
    SEEDS,
)

DOC = "000_4407d142b209daaa.txt"  # seven seed notes: one on the whole text, six on spans
ACTIVE = re.compile(r"\bis-active\b")
PHONE = {"width": 360, "height": 740}
TEXT_JS = "document.querySelector('[data-doc-text]').textContent"
ORDER_JS = """[...document.querySelectorAll(
    '.whole-slot .note:not([hidden]), .notes-slot .note:not([hidden])')].map((n) => n.id.slice(2))"""
KIND_JS = "(n) => n.className.match(/\\bnote-(note|context|factcheck)\\b/)[1]"


def _open(page, live, query=""):
    page.goto(f"/docs/{live.slug(DOC)}{query}")
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")


def _hidden_notes(page):
    return page.evaluate("[...document.querySelectorAll('.note[hidden]')].map((n) => n.id.slice(2))")


# --- keyboard -------------------------------------------------------------------------------

def test_j_k_n_p_move_through_the_notes_in_text_order(page, live):
    _open(page, live)
    order = page.evaluate(ORDER_JS)
    assert len(order) >= 4
    for key, index in [("j", 0), ("j", 1), ("n", 2), ("k", 1), ("p", 0)]:
        page.keyboard.press(key)
        current = note(page, order[index])
        expect(current).to_be_focused()
        expect(current).to_have_class(ACTIVE)
        expect(current).to_be_in_viewport()
    page.keyboard.press("j")
    expect(marks(page, order[1]).first).to_have_class(ACTIVE)
    outline = note(page, order[1]).evaluate("(n) => getComputedStyle(n).outlineStyle")
    assert outline != "none", "the focused note shows its focus"
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(note(page, order[0])).to_be_focused()
    expect(page.locator("#reader-status")).to_have_text(re.compile("first note"))
    page.keyboard.press("Escape")
    expect(page.locator(".is-active")).to_have_count(0)


def test_enter_and_o_open_a_note_at_its_words(page, live):
    _open(page, live)
    order = page.evaluate(ORDER_JS)
    placed = page.evaluate("[...document.querySelectorAll('.notes-slot .note')].map((n) => n.id.slice(2))")
    target = placed[-1]
    steps = order.index(target) + 1
    for _ in range(steps):
        page.keyboard.press("j")
    expect(note(page, target)).to_be_focused()
    page.evaluate("window.scrollTo(0, 0)")
    page.keyboard.press("o")
    expect(marks(page, target).first).to_be_in_viewport()
    expect(marks(page, target).first).to_have_class(re.compile(r"\bis-flashing\b"))
    page.evaluate("window.scrollTo(0, 0)")
    page.keyboard.press("Enter")
    expect(marks(page, target).first).to_be_in_viewport()
    expect(note(page, target)).to_be_focused()


def test_question_mark_opens_a_help_dialog_that_keeps_the_focus(page, live):
    _open(page, live)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.getElementById('keys-help').open")
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('keys-help').contains(document.activeElement)")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.getElementById('keys-help').contains(document.activeElement)")
    page.keyboard.press("j")  # no note moves behind a modal dialog
    expect(page.locator(".note.is-active")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_typing_in_the_search_box_triggers_no_shortcut(page, live):
    _open(page, live)
    box = page.locator("#site-q")
    box.click()
    page.keyboard.type("j?k")
    expect(box).to_have_value("j?k")
    expect(page.locator("#keys-help")).to_be_hidden()
    expect(page.locator(".note.is-active")).to_have_count(0)


def test_editors_keep_their_a_shortcut_beside_j_and_k(page, live):
    sign_in(page, then=f"/docs/{live.slug(DOC)}")
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    order = page.evaluate(ORDER_JS)
    page.keyboard.press("j")
    expect(note(page, order[0])).to_be_focused()
    page.keyboard.press("Escape")
    panel = open_panel(page, "keynote address", via="key")
    page.keyboard.press("j")  # typing-free keys inside the open panel are the editor's
    expect(note(page, order[0])).not_to_have_class(ACTIVE)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


# --- filters ----------------------------------------------------------------------------------

def test_filters_toggle_without_a_reload_and_go_into_the_url(page, live):
    _open(page, live)
    text = page.evaluate(TEXT_JS)
    page.evaluate("window.sameDocument = true")
    page.locator(".filters summary").click()
    page.locator(".facet-kind label", has_text="Fact check").click()
    expect(page).to_have_url(re.compile(r"\?kind=factcheck$"))
    assert page.evaluate("window.sameDocument === true"), "no reload"
    kinds = page.evaluate("Object.fromEntries([...document.querySelectorAll('.note')]"
                          f".map((n) => [n.id.slice(2), ({KIND_JS})(n)]))")
    hidden = set(_hidden_notes(page))
    assert hidden == {i for i, k in kinds.items() if k != "factcheck"}
    muted = page.evaluate("""[...document.querySelectorAll('[data-doc-text] mark')].map((m) =>
        [m.dataset.annotations.split(' '), m.classList.contains('is-filtered')])""")
    for ids, is_muted in muted:
        assert is_muted == all(kinds[i] != "factcheck" for i in ids)
    first_muted = page.locator("[data-doc-text] mark.is-filtered").first
    assert first_muted.evaluate("(m) => getComputedStyle(m).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert page.evaluate(TEXT_JS) == text
    expect(page.locator("[data-filter-count]")).to_have_text(re.compile(r"\d+ of \d+ shown"))

    page.locator(".facet-kind label", has_text="Fact check").click()
    expect(page).to_have_url(re.compile(rf"/docs/{live.slug(DOC)}$"))
    assert _hidden_notes(page) == []
    expect(page.locator("[data-doc-text] mark.is-filtered")).to_have_count(0)


def test_a_shared_filtered_url_shows_what_the_toggles_show(page, live):
    _open(page, live)
    tag = page.locator(".facet-tag input").first.get_attribute("value")
    page.locator(".filters summary").click()
    page.locator(".facet-kind input[value='factcheck']").check()
    page.locator(f".facet-tag input[value='{tag}']").check()
    toggled = sorted(_hidden_notes(page))
    url = page.url
    assert "kind=factcheck" in url and "tag=" in url
    page.goto(url)
    wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
    assert sorted(_hidden_notes(page)) == toggled
    expect(page.locator(".facet-kind input[value='factcheck']")).to_be_checked()
    page.get_by_role("link", name="Show all notes").click()
    assert _hidden_notes(page) == []


def test_filters_work_without_javascript(browser, live):
    context = browser.new_context(base_url=live.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/docs/{live.slug(DOC)}")
        page.locator(".filters summary").click()
        page.locator(".facet-kind input[value='context']").check()
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"\?kind=context$"))
        for element in page.locator(".notes-slot .note").all():
            assert element.is_visible() == ("note-context" in element.get_attribute("class").split())
    finally:
        context.close()


# --- search hits ---------------------------------------------------------------------------------

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _settled(page):
    """Wait until the page, its fonts and the reader's script are done, and two frames more."""
    wait_until(page, "document.readyState === 'complete' && document.fonts.status === 'loaded'"
                     " && performance.getEntriesByName('reader-ready').length > 0")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


@pytest.mark.parametrize("size", SIZES)
def test_a_search_hit_opens_the_document_at_its_words(new_page, live, size):
    page = new_page(viewport=SIZES[size])
    page.goto("/search?q=migrant")  # once near the end of a long text: the page must scroll
    slug = live.slug(DOC)
    place = page.locator(f'a.place[href^="/docs/{slug}?"]').last
    href = place.get_attribute("href")
    start, end = map(int, re.search(r"hl=(\d+)-(\d+)", href).groups())
    assert start > len(live.text(DOC)) / 2, "the hit is far down its text"
    place.click()
    _settled(page)
    wait_until(page, "CSS.highlights.has('search-hit')")
    found = page.evaluate("""() => {
        const range = [...CSS.highlights.get('search-hit')][0];
        const rect = range.getBoundingClientRect();
        return {text: range.toString(), top: rect.top, bottom: rect.bottom, height: innerHeight};
    }""")
    assert found["text"] == live.text(DOC)[start:end]
    assert found["text"].lower().startswith("migrant")
    # with room above: not at the top edge, nor low on the screen
    assert found["height"] * 0.2 <= found["top"] <= found["height"] * 0.5, found
    assert page.evaluate(TEXT_JS) == live.text(DOC)


# --- pictures ------------------------------------------------------------------------------------

def test_the_margin_strip_links_to_notes(page, live):
    _open(page, live)
    link = page.locator(".strip-vertical a").first
    expect(link).to_be_visible()
    target = re.search(r"#a-(\d+)", link.get_attribute("href")).group(1)
    link.click()
    expect(note(page, target)).to_have_class(ACTIVE)
    expect(note(page, target)).to_be_in_viewport()


def test_the_index_strip_links_into_a_document(page, live):
    page.goto("/")
    link = page.locator(".strip-horizontal a").first
    target = re.search(r"#a-(\d+)", link.get_attribute("href")).group(1)
    link.click()
    expect(note(page, target)).to_have_class(ACTIVE)


# --- phone, print, dark ------------------------------------------------------------------------------

def test_on_a_360px_phone_a_tapped_highlight_opens_a_bottom_sheet(new_page, live):
    page = new_page(viewport=PHONE)
    _open(page, live)
    layout = page.evaluate("""() => {
        const text = document.querySelector('[data-doc-text]');
        return {scroll: document.documentElement.scrollWidth, width: innerWidth,
                text: text.getBoundingClientRect().width,
                font: parseFloat(getComputedStyle(text).fontSize)};
    }""")
    assert layout["scroll"] <= layout["width"], "nothing scrolls sideways"
    assert layout["text"] >= 320 and layout["font"] >= 16
    mark = page.locator("[data-doc-text] mark.hl").first
    ids = mark.get_attribute("data-annotations").split()
    mark.click()
    sheet = page.locator("#note-sheet")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert abs(box["y"] + box["height"] - PHONE["height"]) <= 1 and box["width"] == PHONE["width"]
    assert box["height"] <= PHONE["height"] * 0.6 + 1
    shown = sheet.locator(".note")
    expect(shown).to_have_count(len(ids))
    assert {n.get_attribute("id").removeprefix("sheet-a-") for n in shown.all()} == set(ids)
    expect(mark).to_be_in_viewport()
    assert page.evaluate("document.querySelectorAll('[id^=\"a-\"]').length") == \
        page.evaluate("new Set([...document.querySelectorAll('[id^=\"a-\"]')].map((e) => e.id)).size")
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_be_hidden()
    mark.click()
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()


def test_print_turns_notes_into_numbered_footnotes(page, live):
    page.emulate_media(media="print")
    _open(page, live)
    assert page.evaluate(TEXT_JS) == canonical_text(SEEDS / DOC)
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator(".reader-tools")).to_be_hidden()
    found = page.evaluate("""() => {
        const text = document.querySelector('[data-doc-text]').getBoundingClientRect();
        const notes = [...document.querySelectorAll('.notes-slot .note')];
        const marks = [...document.querySelectorAll('[data-doc-text] mark[data-fn]')];
        return {
          textBottom: text.bottom,
          notes: notes.map((n) => ({top: n.getBoundingClientRect().top,
                                     position: getComputedStyle(n).position,
                                     number: getComputedStyle(n, '::before').content})),
          marks: marks.map((m) => getComputedStyle(m, '::after').content),
        };
    }""")
    assert found["notes"], "the notes print"
    assert all(n["position"] == "static" and n["top"] >= found["textBottom"] for n in found["notes"])
    # each note numbers itself: a counter over the notes shown, in text order
    assert {n["number"] for n in found["notes"]} == {'counter(fn) "."'}
    numbers = sorted(int(x) for content in found["marks"] for x in content.strip('"').split())
    assert numbers == list(range(1, len(found["notes"]) + 1))


def test_dark_mode_is_dark_and_legible(page, live):
    page.emulate_media(color_scheme="dark")
    _open(page, live)
    colours = page.evaluate("""() => {
        const rgb = (s) => s.match(/\\d+/g).slice(0, 3).map(Number);
        return {paper: rgb(getComputedStyle(document.documentElement).backgroundColor),
                ink: rgb(getComputedStyle(document.body).color)};
    }""")
    assert sum(colours["paper"]) < 120 and sum(colours["ink"]) > 600
    if axe_unavailable() is None:
        assert axe_violations(page) == []


# --- accessibility ---------------------------------------------------------------------------------

@pytest.fixture
def _axe():
    reason = axe_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("path", ["/", "doc", "/search?q=nato", "/search?q=", "/stats",
                                  "doc?kind=factcheck"])
def test_axe_finds_no_serious_problem(page, live, _axe, path):
    page.goto(path.replace("doc", f"/docs/{live.slug(DOC)}", 1))
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/search?q=nato", "/stats"])
def test_axe_finds_no_serious_problem_in_dark_mode(page, live, _axe, path):
    page.emulate_media(color_scheme="dark")
    page.goto(path)
    assert axe_violations(page) == []


def test_axe_finds_no_serious_problem_for_an_editor_or_in_the_open_dialogs(page, live, _axe):
    sign_in(page, then=f"/docs/{live.slug(DOC)}")
    assert axe_violations(page) == []
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    assert axe_violations(page) == []


def test_axe_finds_no_serious_problem_in_the_phone_sheet(new_page, live, _axe):
    page = new_page(viewport=PHONE)
    _open(page, live)
    page.locator("[data-doc-text] mark.hl").first.click()
    expect(page.locator("#note-sheet")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [360, 800, 1280])
def test_every_highlight_can_be_clicked_at_any_width(new_page, live, width):
    page = new_page(viewport={"width": width, "height": 800})
    _open(page, live)
    last = page.locator("[data-doc-text] mark.hl").last
    ids = last.get_attribute("data-annotations").split()
    last.click()  # nothing (the notes' column above it) may take the click
    expect(note(page, ids[0])).to_have_class(ACTIVE)
    if width == 360:
        expect(page.locator("#note-sheet")).to_be_visible()


def _with_csp(route):
    response = route.fetch()
    headers = {**response.headers,
               "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'"}
    route.fulfill(response=response, headers=headers)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_the_reader_runs_under_the_content_security_policy(new_page, live, viewport):
    page = new_page(viewport=viewport)  # js_errors fails the test on any CSP violation
    page.route("**/*", _with_csp)
    _open(page, live, "?kind=factcheck&hl=10-40")
    page.locator("[data-doc-text] mark.hl:not(.is-filtered)").first.click()
    page.keyboard.press("j")
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    page.goto("/stats")
    page.goto("/search?q=nato")
    page.goto("/")
    page.unroute_all(behavior="ignoreErrors")  # nothing may still be in flight at the close
