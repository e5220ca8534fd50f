"""Sharing in Chromium: the Share link, a share page, the embed inside another site's page."""

import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, Document

from .helpers import (
    axe_unavailable, axe_violations, canonical_text, expect, marks, note, wait_until, SEEDS,
)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SEED = "002_babb521a0d9bcf18.txt"
PHRASE = "the main outlines of our new foreign policy"
ACTIVE = re.compile(r"\bis-active\b")


def _seed_note(live, seed_name=SEED, phrase=PHRASE):
    with live.app.app_context():
        return str(db.session.scalars(select(Annotation.id).join(Document).where(
            Document.slug == live.slug(seed_name), Annotation.reply_to_id.is_(None),
            Annotation.exact.contains(phrase))).one())


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


def _axe_clean(page):
    if axe_unavailable():
        pytest.skip(axe_unavailable())
    assert axe_violations(page) == []


def test_the_share_link_copies_the_notes_share_page(browser, live, js_errors):
    context = browser.new_context(base_url=live.url, viewport=SIZES["desktop"],
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        js_errors.watch(page)
        annotation_id = _seed_note(live)
        page.goto(f"/docs/{live.slug(SEED)}")
        wait_until(page, "performance.getEntriesByName('reader-ready').length > 0")
        # a note gets its Share link when it opens (a page of thousands holds it once)
        expect(note(page, annotation_id).locator("a[data-share]")).to_have_count(0)
        marks(page, annotation_id).first.click()
        expect(note(page, annotation_id).get_by_role("link", name="Share", exact=True)).to_be_visible()
        link = note(page, annotation_id).locator("a[data-share]")
        expect(link).to_have_attribute("href", f"/a/{annotation_id}")
        link.click()
        expect(link).to_have_text("Link copied")
        expect(page.locator("#reader-status")).to_have_text("The link to this note is copied.")
        assert page.evaluate("navigator.clipboard.readText()") == f"{live.url}/a/{annotation_id}"
        assert page.url.endswith(f"/docs/{live.slug(SEED)}"), "the page stayed"
        expect(link).to_have_text("Share", timeout=5000)  # back to its label
    finally:
        context.close()


def test_without_javascript_the_notes_date_opens_the_share_page(browser, live):
    context = browser.new_context(base_url=live.url, java_script_enabled=False)
    try:
        page = context.new_page()
        annotation_id = _seed_note(live)
        page.goto(f"/docs/{live.slug(SEED)}")
        note(page, annotation_id).locator("footer").get_by_role("link").click()
        expect(page).to_have_url(f"{live.url}/a/{annotation_id}")
        expect(page.get_by_role("link", name="Read it in place")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_share_page_shows_the_note_and_sends_readers_to_it_in_place(new_page, live, size):
    page = new_page(viewport=SIZES[size])
    annotation_id = _seed_note(live)
    page.goto(f"/a/{annotation_id}")
    with live.app.app_context():
        title = db.session.scalars(select(Document.title).filter_by(slug=live.slug(SEED))).one()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".share-quote")).to_contain_text(PHRASE)
    expect(page.locator(".share-note")).to_contain_text("Putin approved the new Foreign Policy")
    assert "Putin approved" in page.locator('meta[property="og:description"]').get_attribute(
        "content")
    _no_sideways_scroll(page)
    _axe_clean(page)

    page.get_by_role("link", name="Read it in place").click()

    expect(page).to_have_url(f"{live.url}/docs/{live.slug(SEED)}#a-{annotation_id}")
    wait_until(page, "document.readyState === 'complete' && document.fonts.status === 'loaded'")
    expect(note(page, annotation_id)).to_have_class(ACTIVE)
    expect(note(page, annotation_id)).to_be_in_viewport()
    expect(marks(page, annotation_id).first).to_be_in_viewport()


def _framing_page(live, page_server, url, width=640, height=600):
    """A publisher's page on another origin with the oEmbed answer's iframe for ``url``."""
    with live.app.test_client() as client:
        host = live.url.split("//", 1)[1]
        answer = client.get("/oembed", base_url=live.url, query_string={
            "url": url, "maxwidth": width, "maxheight": height}, headers={"Host": host}).json
    page_server.add("/article", ("<!doctype html><html lang='en'><head><title>A publisher"
                                 "</title></head><body><h1>An article</h1>"
                                 f"{answer['html']}</body></html>").encode())
    return answer


@pytest.mark.parametrize("size", SIZES)
def test_the_embed_shows_the_annotated_document_inside_another_sites_page(
        new_page, live, page_server, size):
    page = new_page(viewport=SIZES[size])
    annotation_id = _seed_note(live)
    width = 640 if size == "desktop" else 360
    answer = _framing_page(live, page_server, f"{live.url}/a/{annotation_id}", width=width)
    assert f'width="{width}"' in answer["html"]

    page.goto(page_server.url("/article", host="localhost"))  # another origin, allowed

    frame = page.frame_locator("iframe")
    expect(frame.locator("[data-doc-text]")).to_have_count(1)
    handle = page.locator("iframe").element_handle().content_frame()
    wait_until(handle, "document.readyState === 'complete' && document.fonts.status === 'loaded'")
    assert handle.evaluate("document.querySelector('[data-doc-text]').textContent") \
        == canonical_text(SEEDS / SEED)
    # the permalink's note is open, beside or under its words, inside the frame
    expect(frame.locator(f"#a-{annotation_id}")).to_have_class(ACTIVE)
    box = handle.evaluate(f"""() => {{
        const m = document.querySelector('mark[data-annotations~="{annotation_id}"]').getBoundingClientRect();
        const n = document.getElementById('a-{annotation_id}').getBoundingClientRect();
        return {{markTop: m.top, noteTop: n.top, height: innerHeight,
                 width: document.documentElement.scrollWidth, inner: innerWidth}};
    }}""")
    assert 0 <= box["markTop"] < box["height"] and 0 <= box["noteTop"] < box["height"], box
    assert box["width"] <= box["inner"], "the embed scrolls sideways"
    # a highlight opens its notes inside the frame
    other = frame.locator("[data-doc-text] mark[data-annotations]").first
    other.click()
    expect(other).to_have_class(ACTIVE)
    # the opened note offers the readers' links, which open in a new tab like every link
    ask = frame.locator(".note-ask a:visible", has_text="Suggest a correction").first
    with page.context.expect_page() as opened:
        ask.click()
    opened.value.wait_for_load_state()
    assert f"/docs/{live.slug(SEED)}/messages/new?annotation=" in opened.value.url
    expect(opened.value.locator(".message-about")).to_be_visible()
    opened.value.close()
    # the document's title opens the full page in a new tab, leaving the publisher's page
    with page.context.expect_page() as opened:
        frame.locator(".embed-title a").click()
    opened.value.wait_for_load_state()
    assert opened.value.url == f"{live.url}/docs/{live.slug(SEED)}"
    assert page.url == page_server.url("/article", host="localhost")


def test_other_sites_cannot_frame_the_embed_nor_any_other_page(browser, live, page_server):
    context = browser.new_context()  # unwatched: Chromium logs each refused frame as an error
    page = context.new_page()
    slug = live.slug(SEED)
    page_server.add("/frames", (
        "<!doctype html><html lang='en'><head><title>Frames</title></head><body>"
        f"<iframe id='page' src='{live.url}/docs/{slug}' title='a page'></iframe>"
        f"<iframe id='share' src='{live.url}/a/{_seed_note(live)}' title='a share page'></iframe>"
        f"<iframe id='embed' src='{live.url}/docs/{slug}/embed' title='the embed'></iframe>"
        "</body></html>").encode())

    for host, embed_allowed in (("localhost", True), ("127.0.0.1", False)):
        page.goto(page_server.url("/frames", host=host))
        page.wait_for_load_state("load")
        for name in ("page", "share", "embed"):
            frame = page.locator(f"#{name}").element_handle().content_frame()
            allowed = embed_allowed and name == "embed"
            shown = frame.evaluate("!!document.querySelector('main, [data-doc-text]')") \
                if not frame.url.startswith("chrome-error:") else False
            assert shown == allowed, f"{name} framed by {host}"
    context.close()


@pytest.mark.parametrize("path", ["share", "embed"])
@pytest.mark.parametrize("size", SIZES)
def test_the_new_pages_are_accessible_and_fit_the_screen(new_page, live, path, size):
    page = new_page(viewport=SIZES[size])
    url = {"share": f"/a/{_seed_note(live)}", "embed": f"/docs/{live.slug(SEED)}/embed"}[path]
    page.goto(url)
    wait_until(page, "document.readyState === 'complete'")
    _no_sideways_scroll(page)
    _axe_clean(page)
