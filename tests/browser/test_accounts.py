"""An admin manages accounts in the browser; the new editor signs in in another browser."""

import re

from .helpers import expect, sign_in

NEW_PASSWORD = "a passphrase of her own"


def test_an_admin_adds_an_editor_who_signs_in_and_is_then_signed_out_everywhere(new_page,
                                                                                js_errors):
    js_errors.allow_status(404)  # the used link, opened again
    admin = new_page()
    sign_in(admin, "ada", then="/admin/users")
    admin.get_by_label("Sign-in name").fill("nina")
    admin.get_by_label("Name shown on notes").fill("Nina Newcomer")
    expect(admin.get_by_role("radio", name=re.compile("^Editor"))).to_be_checked()
    admin.get_by_role("button", name="Add the account").click()
    link = admin.locator("#sign-in-link").inner_text()
    assert "/welcome/" in link
    expect(admin.get_by_role("row", name=re.compile("Nina Newcomer"))).to_contain_text("nina")

    # the new editor, in a browser of her own
    nina = new_page(viewport={"width": 390, "height": 844})
    nina.goto(link)
    nina.get_by_label("Choose a password").fill(NEW_PASSWORD)
    nina.get_by_label("The same password again").fill(NEW_PASSWORD)
    nina.get_by_role("button", name="Set the password and sign in").click()
    nina.wait_for_url(re.compile(r"/account$"))
    expect(nina.locator("header.site")).to_contain_text("Nina Newcomer")
    nina.goto(link)  # the link worked once
    expect(nina.get_by_role("heading", level=1)).to_have_text("This sign-in link no longer works")

    # the admin signs her out everywhere: her next page asks her to sign in
    admin.get_by_role("link", name="Nina Newcomer").click()
    admin.get_by_role("button", name="Sign out everywhere").click()
    expect(admin.locator(".flashes")).to_contain_text("Nina Newcomer is signed out everywhere")
    nina.goto("/account")
    nina.wait_for_url(re.compile(r"/login\?next="))
    expect(nina.get_by_role("heading", name="Editor sign-in")).to_be_visible()

    admin.get_by_role("navigation", name="Administration").get_by_role("link", name="Audit log").click()
    rows = admin.locator("table.audit tbody tr")
    expect(rows.nth(0)).to_contain_text("signed out everywhere")
    expect(rows.nth(1)).to_contain_text("password set by sign-in link")
    expect(rows.nth(2)).to_contain_text("added")
    expect(rows.nth(2)).to_contain_text("Ada Admin")
