"""The document index in a browser: filters, pages, a phone, accessibility."""

from datetime import date, timedelta

import pytest

from reader.catalog import PER_PAGE
from reader.extensions import db
from reader.models import Document
from reader.services.documents import create_document

from .helpers import axe_unavailable, axe_violations, expect

OUTLET = "Archive Weekly"
ARCHIVED = PER_PAGE + 2


@pytest.fixture(scope="module")
def archive(live):
    """PER_PAGE + 2 more documents from one outlet, dated before any other; gone afterwards."""
    with live.app.app_context():
        ids = [create_document(f"Archived report {i}\n\nTalks on grain and ports, number {i}.\n",
                               {"title": f"Archived report {i:02d}", "outlet": OUTLET,
                                "author": "A. Archivist",
                                "published_on": date(1990, 1, 1) + timedelta(days=i)}).id
               for i in range(ARCHIVED)]
        db.session.commit()
    yield ids
    with live.app.app_context():
        db.session.execute(db.delete(Document).where(Document.id.in_(ids)))
        db.session.commit()


def test_filtering_by_outlet_and_paging_keep_the_filter(page, live, archive):
    page.goto("/")
    page.get_by_label("Outlet", exact=True).select_option(label=f"{OUTLET} ({ARCHIVED})")
    page.get_by_label("Sort", exact=True).select_option("title")
    page.get_by_role("button", name="Show documents").click()
    expect(page.locator(".index-summary")).to_contain_text(
        f"1–{PER_PAGE} of {ARCHIVED} documents matching the filters")
    expect(page.locator(".doc-card h2").first).to_have_text("Archived report 00")
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".doc-card")).to_have_count(2)
    expect(page.locator(".doc-card h2").last).to_have_text(f"Archived report {ARCHIVED - 1:02d}")
    expect(page.get_by_label("Outlet", exact=True)).to_have_value(OUTLET)
    assert "page=2" in page.url and "outlet=Archive+Weekly" in page.url
    page.get_by_label("Published from", exact=True).fill("1990-01-02")
    page.get_by_label("Published until", exact=True).fill("1990-01-03")
    page.get_by_role("button", name="Show documents").click()
    expect(page.locator(".doc-card")).to_have_count(2)
    page.get_by_role("link", name="Clear the filters").click()
    expect(page.locator(".index-summary")).not_to_contain_text("matching")


def test_no_match_and_a_bad_date_say_so(page, live, archive, js_errors):
    page.goto("/?outlet=Nobody")
    expect(page.locator(".index-summary")).to_have_text("No documents match these filters.")
    js_errors.allow_status(400)
    assert page.goto("/?from=soon").status == 400
    expect(page.get_by_role("alert")).to_contain_text("“soon” is not a date")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_index_fits_the_screen_and_passes_axe(new_page, live, archive, width):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(f"/?outlet={OUTLET}")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], f"the index is {widths[0]} px wide at {width} px"
    for control in page.locator(".index-form select, .index-form input, .index-form button").all():
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, "a control sticks out"
    page.get_by_label("Author", exact=True).select_option("A. Archivist")
    page.get_by_role("button", name="Show documents").click()
    expect(page.locator(".index-summary")).to_contain_text("matching the filters")
    reason = axe_unavailable()
    if reason:
        pytest.skip(reason)
    assert axe_violations(page) == []


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_first_document_is_on_the_first_screen_without_javascript(
        browser, live, archive):
    """The filters fold under "Filter and sort" on a phone, with no script: the first
    document shows on the first screen; once filters are on, the form stays open."""
    context = browser.new_context(base_url=live.url, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        title = page.locator(".doc-card h2").first.bounding_box()
        assert title and title["y"] + title["height"] <= PHONE["height"], \
            f"the first document's title ends at {title} px, below the first screen"
        outlet = page.get_by_label("Outlet", exact=True)
        expect(outlet).to_be_hidden()
        page.get_by_text("Filter and sort", exact=True).click()
        outlet.select_option(label=f"{OUTLET} ({ARCHIVED})")
        page.get_by_role("button", name="Show documents").click()
        expect(page.locator(".index-summary")).to_contain_text("matching the filters")
        expect(page.get_by_label("Outlet", exact=True)).to_be_visible()
        expect(page.get_by_label("Outlet", exact=True)).to_have_value(OUTLET)
    finally:
        context.close()


def test_on_a_wide_screen_the_filters_show_unfolded(page, live, archive):
    page.goto("/")
    expect(page.get_by_label("Outlet", exact=True)).to_be_visible()
    expect(page.get_by_text("Filter and sort", exact=True)).to_be_hidden()


def test_the_folded_filters_pass_axe_on_a_phone(new_page, live, archive):
    reason = axe_unavailable()
    if reason:
        pytest.skip(reason)
    page = new_page(viewport=PHONE)
    page.goto("/")
    expect(page.get_by_label("Outlet", exact=True)).to_be_hidden()
    assert axe_violations(page) == []
