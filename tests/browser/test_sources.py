"""Editors manage sources in the browser: two records of one speech merged into one."""

import re

from reader.extensions import db
from reader.services.sources import create_source

from .helpers import expect, sign_in

DOC3 = "003_8961012ef578e7f0.txt"


def _source(live, **fields):
    with live.app.app_context():
        source = create_source(fields)
        db.session.commit()
        return source.id


def test_merging_two_records_of_one_speech(page, live):
    duplicate = _source(live, title="Kazan press remarks (merge test)", speaker="V. Putin")
    survivor = _source(live, title="Press conference at the BRICS Summit (merge test)",
                       speaker="Vladimir Putin", occurred_on="2024-10-24")
    moved = live.annotate(DOC3, "that is a lie", kind="context", source_id=duplicate,
                          relation="translation")
    live.annotate(DOC3, "would welcome discussions", kind="context", source_id=survivor,
                  relation="paraphrase")
    sign_in(page, then=f"/sources/{duplicate}")

    page.get_by_role("link", name="Merge into another source").click()
    page.get_by_label("Find the source to keep").fill("BRICS")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("radio", name=re.compile("Press conference at the BRICS Summit")).check()
    page.get_by_role("button", name="Review the merge").click()

    expect(page.locator(".merge-from h2")).to_have_text("Kazan press remarks (merge test)")
    expect(page.locator(".merge-into h2")).to_have_text(
        "Press conference at the BRICS Summit (merge test)")
    expect(page.locator(".merge-confirm")).to_contain_text("1 note will cite")
    page.get_by_role("button", name="Merge the two sources").click()

    page.wait_for_url(re.compile(rf"/sources/{survivor}$"))
    expect(page.locator(".flash")).to_contain_text("Merged: 1 citation moved")
    expect(page.locator(".citations .citation")).to_have_count(2)
    expect(page.locator(".citations blockquote")).to_contain_text(
        ["that is a lie", "would welcome discussions"])

    page.goto(f"/sources/{duplicate}")  # the old address leads to the kept source
    page.wait_for_url(re.compile(rf"/sources/{survivor}$"))
    page.goto(f"/docs/{live.slug(DOC3)}#a-{moved}")
    expect(page.locator(f"#a-{moved} .note-source a")).to_have_text(
        "Press conference at the BRICS Summit (merge test)")
    page.goto(f"/editor/sources/{duplicate}/history")
    expect(page.locator(".revision").first).to_contain_text(
        f"merged into source {survivor}: Press conference at the BRICS Summit")
