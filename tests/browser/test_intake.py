"""An editor uploads a saved web page, checks the details found, and reads the new document."""

from pathlib import Path

from .helpers import expect, sign_in

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"


def test_upload_a_saved_page_confirm_its_details_and_see_the_header(page, live, tmp_path):
    sign_in(page, then="/editor/docs/new")
    page.get_by_label("Upload a file").set_input_files(str(PAGES / "wire_story.html"))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check the details")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(
        "Kremlin says foreign policy concept being updated to reflect new realities")
    expect(page.get_by_label("Outlet")).to_have_value("Global Wire Service")
    expect(page.get_by_label("Published on")).to_have_value("2022-02-14")
    expect(page.locator(".preview-text")).to_contain_text("MOSCOW, Feb 14 (GWS)")
    expect(page.locator(".preview-text")).not_to_contain_text("Read Next")
    page.get_by_label("Author").fill("Anna Petrova, Moscow bureau")
    page.get_by_role("button", name="Add document").click()

    expect(page).to_have_url(f"{live.url}/docs/kremlin-says-foreign-policy-concept-being-updated-to-reflect-new-realities")
    header = page.locator("header.doc-meta")
    expect(header.get_by_role("heading", level=1)).to_have_text(
        "Kremlin says foreign policy concept being updated to reflect new realities")
    expect(header.locator(".byline")).to_contain_text("Global Wire Service")
    expect(header.locator(".byline")).to_contain_text("By Anna Petrova, Moscow bureau")
    expect(header.locator(".byline time")).to_have_text("14 February 2022")
    expect(header.get_by_role("link", name="original")).to_have_attribute(
        "href", "https://globalwire.example/world/europe/kremlin-foreign-policy-concept-2022-02-14/")
    text = page.locator("[data-doc-text]")
    expect(text).to_contain_text("The last version of the concept was approved in 2016.")
    assert page.evaluate("document.querySelector('[data-doc-text]').textContent").startswith(
        "MOSCOW, Feb 14 (GWS) - The Kremlin said on Monday")

    with page.context.expect_page() as opened:
        header.get_by_role("link", name="archived copy").click(modifiers=["Control"])
    archived = opened.value
    archived.wait_for_load_state()
    expect(archived.get_by_role("heading", level=1)).to_have_text(
        "Kremlin says foreign policy concept being updated to reflect new realities")
