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
