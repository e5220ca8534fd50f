"""Sessions and accounts: a signed-out session is dead, passwords, sign-in links, admins' pages."""

import re

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import ApiToken, AuditEvent, User
from reader.services.users import add_user, issue_token
from tests.conftest import PASSWORD, csrf_token, login

NEW_PASSWORD = "a brand new passphrase"


def _cookie(client, name="session"):
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _replay(app, cookies):
    """A new client holding only ``cookies`` (name -> value), as a thief who copied them."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value, domain="localhost")
    return thief


def _form_token(client, path="/account"):
    return csrf_token(client, path)


def _post(client, path, data=None, token_from="/account"):
    return client.post(path, data={"csrf_token": _form_token(client, token_from), **(data or {})})


def _may_create_a_token(client):
    """True if ``client`` can open /account and create an API token there."""
    page = client.get("/account")
    if page.status_code != 200:
        return False
    before = db.session.query(ApiToken).count()
    client.post("/account", data={"csrf_token": _form_token(client), "label": "stolen"})
    db.session.expire_all()
    return db.session.query(ApiToken).count() == before + 1


# --- a signed-out session is dead -------------------------------------------------------

def test_a_session_cookie_replayed_after_sign_out_opens_nothing(app, client, editor):
    login(client)
    stolen = {"session": _cookie(client)}
    assert _may_create_a_token(_replay(app, stolen))  # the copy works while the session lives
    _post(client, "/logout")
    thief = _replay(app, stolen)
    assert thief.get("/account").status_code == 302
    assert not _may_create_a_token(thief)
    assert thief.get("/editor/api/sources").status_code == 401


def test_sign_out_ends_the_accounts_other_sessions_too(app, editor):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    _post(laptop, "/logout")
    assert phone.get("/account").status_code == 302


def test_the_remember_me_cookie_differs_per_sign_in_and_dies_at_sign_out(app, editor):
    cookies = []
    for _ in range(2):
        browser = app.test_client()
        browser.post("/login", data={"name": "eddie", "password": PASSWORD, "remember": "y",
                                     "csrf_token": csrf_token(browser)})
        cookies.append(_cookie(browser, "remember_token"))
    assert None not in cookies and cookies[0] != cookies[1]
    # the remember-me cookie alone signs in again, until the account signs out
    assert _replay(app, {"remember_token": cookies[0]}).get("/account").status_code == 200
    _post(browser, "/logout")
    for cookie in cookies:
        assert _replay(app, {"remember_token": cookie}).get("/account").status_code == 302


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, client, editor):
    client.post("/login", data={"name": "eddie", "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(client)})
    old = {"session": _cookie(client), "remember_token": _cookie(client, "remember_token")}
    other = app.test_client()
    login(other)
    response = _post(client, "/account/password", {
        "current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert _cookie(client, "remember_token") not in (None, old["remember_token"])
    assert other.get("/account").status_code == 302
    assert _replay(app, old).get("/account").status_code == 302
    assert _replay(app, {"remember_token": old["remember_token"]}).get("/account").status_code == 302
    assert login(app.test_client(), "eddie", PASSWORD).status_code == 401
    assert login(app.test_client(), "eddie", NEW_PASSWORD).status_code == 302
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor.name, event.target.name) == ("password changed", "eddie", "eddie")


@pytest.mark.parametrize("sent, field, message", [
    ({"current": "wrong password", "new": NEW_PASSWORD, "again": NEW_PASSWORD}, "current",
     "that is not your current password"),
    ({"current": PASSWORD, "new": "short", "again": "short"}, "new", "at least 8 characters"),
    ({"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD + "!"}, "again",
     "the two new passwords differ"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(editor_client, sent, field,
                                                                message):
    response = _post(editor_client, "/account/password", sent)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert editor_client.get("/account").status_code == 200
    assert login(editor_client.application.test_client()).status_code == 302  # old password


def test_the_csrf_token_changes_at_sign_in(client, editor):
    before = csrf_token(client)
    response = client.post("/login", data={"name": "eddie", "password": PASSWORD,
                                           "csrf_token": before})
    assert response.status_code == 302
    after = csrf_token(client, "/account")
    assert after != before
    # a token planted before sign-in (session fixation of the CSRF secret) is refused after it
    refused = client.post("/account", data={"csrf_token": before, "label": "x"})
    assert refused.status_code == 400


def test_a_junk_bearer_token_next_to_a_session_is_a_401_not_a_session_write(editor_client, app):
    headers = {"Authorization": "Bearer junk"}
    response = editor_client.post("/editor/api/preview", json={"body": "x"}, headers=headers)
    assert response.status_code == 401
    assert editor_client.get("/account", headers=headers).status_code == 302
    basic = editor_client.post("/account", data={"label": "x"},
                               headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert basic.status_code == 401


def test_a_good_token_next_to_another_accounts_session_acts_as_the_tokens_owner(client, editor,
                                                                                admin):
    token = issue_token(editor, "script")
    db.session.commit()
    login(client, "ada")
    response = client.get("/editor/api/sources", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    page = client.get("/account", headers={"Authorization": f"Bearer {token}"})
    assert "Signed in as <code>eddie</code>" in page.get_data(as_text=True)


# --- admins manage accounts ---------------------------------------------------------------

@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert login(client, "ada").status_code == 302
    return client


def _link_from(html):
    return re.search(r'id="sign-in-link">([^<]+)<', html).group(1)


def test_an_admin_adds_an_editor_who_signs_in_once_by_link(app, admin_client):
    response = _post(admin_client, "/admin/users", {
        "name": "maria", "display_name": "Maria Reporter", "role": "editor"},
        token_from="/admin/users")
    assert response.status_code == 200
    link = _link_from(response.get_data(as_text=True))
    assert link.startswith("http://localhost/welcome/")
    maria = app.test_client()
    assert maria.get(link).status_code == 200
    done = _post(maria, link, {"new": NEW_PASSWORD, "again": NEW_PASSWORD}, token_from=link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    assert "Signed in as <code>maria</code>" in maria.get("/account").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404  # used once: dead
    assert login(app.test_client(), "maria", NEW_PASSWORD).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["added", "password set by sign-in link"]


def test_adding_a_taken_name_or_shown_name_is_refused_with_the_reason(admin_client, editor):
    taken = _post(admin_client, "/admin/users", {
        "name": "eddie", "display_name": "Someone", "role": "editor"}, token_from="/admin/users")
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)
    shown = _post(admin_client, "/admin/users", {
        "name": "eddie2", "display_name": "eddie EDITOR", "role": "editor"},
        token_from="/admin/users")
    assert shown.status_code == 422
    assert "another account shows this name" in shown.get_data(as_text=True)
    assert db.session.query(User).count() == 2


def test_an_admin_changes_a_role_and_the_shown_name(admin_client, editor):
    response = _post(admin_client, f"/admin/users/{editor.id}",
                     {"display_name": "Eddie E.", "role": "admin"},
                     token_from=f"/admin/users/{editor.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert (editor.role, editor.display_name) == ("admin", "Eddie E.")
    log = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "role changed" in log and "editor → admin" in log and "display name changed" in log


@pytest.mark.parametrize("action", ["disable", "sign-out"])
def test_disabling_or_signing_out_everywhere_ends_the_editors_sessions(app, admin_client, editor,
                                                                       action):
    victim = app.test_client()
    victim.post("/login", data={"name": "eddie", "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(victim)})
    kept = {"remember_token": _cookie(victim, "remember_token")}
    token = issue_token(editor, "script")
    db.session.commit()
    response = _post(admin_client, f"/admin/users/{editor.id}/{action}",
                     token_from=f"/admin/users/{editor.id}")
    assert response.status_code == 302
    assert victim.get("/account").status_code == 302
    assert _replay(app, kept).get("/account").status_code == 302
    token_works = app.test_client().get(
        "/editor/api/sources", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token_works is (action == "sign-out")  # disabling revokes tokens too
    signed_in = login(app.test_client()).status_code == 302
    assert signed_in is (action == "sign-out")
    log = admin_client.get("/admin/audit").get_data(as_text=True)
    assert ("disabled" if action == "disable" else "signed out everywhere") in log


def test_enable_and_revoke_tokens(app, admin_client, editor):
    issue_token(editor, "script")
    db.session.commit()
    page = f"/admin/users/{editor.id}"
    _post(admin_client, f"{page}/disable", token_from=page)
    _post(admin_client, f"{page}/enable", token_from=page)
    assert login(app.test_client()).status_code == 302
    issue_token(editor, "another")
    db.session.commit()
    _post(admin_client, f"{page}/revoke-tokens", token_from=page)
    assert db.session.scalars(select(ApiToken).filter_by(revoked_at=None)).all() == []
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["disabled", "enabled", "tokens revoked"]


def test_a_new_sign_in_link_is_shown_once_and_dies_when_signed_out_everywhere(app, admin_client,
                                                                             editor):
    page = f"/admin/users/{editor.id}"
    response = _post(admin_client, f"{page}/sign-in-link", token_from=page)
    link = _link_from(response.get_data(as_text=True))
    assert link not in admin_client.get(page).get_data(as_text=True)
    assert app.test_client().get(link).status_code == 200
    _post(admin_client, f"{page}/sign-out", token_from=page)
    assert app.test_client().get(link).status_code == 404


@pytest.mark.parametrize("change", ["demote", "disable"])
def test_the_last_admin_cannot_demote_or_disable_themselves(admin_client, admin, change):
    page = f"/admin/users/{admin.id}"
    if change == "demote":
        response = _post(admin_client, page, {"display_name": "Ada Admin", "role": "editor"},
                         token_from=page)
        assert response.status_code == 409
        assert "at least one active admin" in response.get_data(as_text=True)
    else:
        response = _post(admin_client, f"{page}/disable", token_from=page)
        assert response.status_code == 302
        assert "at least one active admin" in admin_client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert (admin.role, admin.disabled) == ("admin", False)
    assert admin_client.get("/admin/users").status_code == 200


def test_with_a_second_admin_an_admin_may_step_down(admin_client, admin):
    add_user("bea", PASSWORD, "admin", "Bea Admin")
    db.session.commit()
    page = f"/admin/users/{admin.id}"
    response = _post(admin_client, page, {"display_name": "Ada Admin", "role": "editor"},
                     token_from=page)
    assert response.status_code == 302
    assert admin_client.get("/admin/users").status_code == 403  # an editor now


def test_editors_and_tokens_cannot_manage_accounts(app, editor_client, editor, admin):
    assert editor_client.get("/admin/users").status_code == 403
    refused = editor_client.post(f"/admin/users/{admin.id}/disable",
                                 data={"csrf_token": _form_token(editor_client)})
    assert refused.status_code == 403
    token = issue_token(admin, "script")
    db.session.commit()
    by_token = app.test_client().get("/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert by_token.status_code == 403
    db.session.expire_all()
    assert not admin.disabled


def test_the_audit_log_pages_back_by_entry(app, admin_client, admin, editor):
    from reader.services.users import record
    for n in range(60):
        record(admin, "signed out everywhere", editor, f"round {n}")
    db.session.commit()
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "round 59" in first and "round 10" in first and "round 9<" not in first
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first).group(1)
    second = admin_client.get(older).get_data(as_text=True)
    assert "round 9<" in second and "round 0<" in second and "round 10<" not in second
    assert "before=" not in second.split("Newest")[1]


def test_private_pages_are_never_stored_by_a_cache(admin_client, seeded):
    for path in ("/account", "/admin/users", "/admin/audit", "/editor/deleted",
                 "/editor/api/sources", "/login"):
        assert admin_client.get(path).headers["Cache-Control"] == "no-store", path
    assert admin_client.get("/annotations/").headers["Cache-Control"] == "private, no-store"


def test_https_adds_strict_transport_security(make_app, client):
    https = make_app(HTTPS=True).test_client()
    for path in ("/", "/login", "/healthz"):
        assert https.get(path).headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- readers see the name shown on notes, never a sign-in name ---------------------------

def _note(document, user, status="published"):
    """An editorial note (a kind published without review) by ``user``."""
    from reader.services.annotations import create_annotation
    start = document.text.index("Russia")
    annotation = create_annotation(document, {
        "kind": "note", "body": "Context is missing.",
        "status": status, "start": start, "end": start + 6, "exact": "Russia"}, user)
    db.session.commit()
    return annotation


def test_readers_see_the_shown_name_and_never_the_sign_in_name(seeded, client, runner, editor):
    from reader.models import Document
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    note = _note(document, editor)
    nameless = add_user("zq-login", PASSWORD, "editor")
    other = _note(document, nameless)
    paths = [f"/docs/{document.slug}", f"/docs/{document.slug}/annotations.json",
             f"/docs/{document.slug}/claimreview.json", "/annotations/",
             f"/annotations/{note.id}", f"/annotations/{other.id}"]
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        assert not re.search(r"\b(eddie|zq-login)\b", body), path
    assert client.get(f"/annotations/{note.id}").get_json()["creator"] == {
        "type": "Person", "name": "Eddie Editor"}
    assert client.get(f"/annotations/{other.id}").get_json()["creator"]["name"] == \
        f"Editor {nameless.id}"
    assert f"Editor {nameless.id}" in client.get(f"/docs/{document.slug}").get_data(as_text=True)
    exported = runner.invoke(args=["annotations", "export", "--include-drafts"]).output
    assert "Eddie Editor" in exported and not re.search(r"\b(eddie|zq-login)\b", exported)


@pytest.mark.parametrize("creator, expected", [
    ({"type": "Person", "name": "Eddie Editor"}, "eddie"),  # what export writes
    ({"type": "Person", "name": "EDDIE editor"}, "eddie"),
    ({"type": "Person", "nickname": "eddie"}, "eddie"),  # older files, other tools
    ({"type": "Person", "name": "Someone Else"}, None),
])
def test_import_gives_a_note_to_the_account_its_creator_names(seeded, editor, creator, expected):
    from reader.models import Annotation, Document
    from reader.services.interchange import import_annotations
    from reader.w3c import annotation_to_jsonld
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    item = annotation_to_jsonld(_note(document, None), "http://localhost", document.slug)
    item.update(id="https://elsewhere.example/notes/1", creator=creator)
    import_annotations(item, "http://localhost")
    db.session.commit()
    imported = db.session.scalars(select(Annotation).filter_by(
        via="https://elsewhere.example/notes/1")).one()
    assert (imported.creator.name if imported.creator else None) == expected
    if expected is None:
        assert imported.creator_name == "Someone Else"


# --- what each role may change ---------------------------------------------------------------

@pytest.mark.parametrize("status, who, allowed", [
    ("draft", "another editor", True),
    ("published", "its author", True),
    ("published", "another editor", False),
    ("published", "an admin", True),
])
def test_only_its_author_or_an_admin_changes_a_published_note(seeded, app, editor, admin, status,
                                                              who, allowed):
    from reader.models import Annotation, Document
    frank = add_user("frank", PASSWORD, "editor", "Frank Factchecker")
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    note = _note(document, editor, status)
    client = app.test_client()
    login(client, {"its author": "eddie", "another editor": "frank", "an admin": "ada"}[who])
    headers = {"X-CSRFToken": _form_token(client)}
    edit = client.put(f"/editor/api/annotations/{note.id}", headers=headers,
                      json={"version": note.version, "body": "Rewritten."})
    assert edit.status_code == (200 if allowed else 403)
    token = issue_token(db.session.get(User, {"its author": editor.id, "another editor": frank.id,
                                              "an admin": admin.id}[who]), "script")
    db.session.commit()
    scripted, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    etag = scripted.get(f"/annotations/{note.id}", headers=auth).headers["ETag"]
    deleted = scripted.delete(f"/annotations/{note.id}", headers={**auth, "If-Match": etag},
                              json={"ar:reason": "A duplicate."})
    assert deleted.status_code == (204 if allowed else 403)
    db.session.expire_all()
    stored = db.session.get(Annotation, note.id)
    assert (stored.body == "Rewritten.") is allowed
    assert (stored.deleted_at is not None) is allowed


LEAVING = ("//evil.example/", "/\\evil.example/", "/\\\\evil.example", "\\/evil.example",
           "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", " //evil.example",
           "/%09/evil.example\t", "https://evil.example/", "javascript:alert(1)",
           "\\\\evil.example", "/\x0b/evil.example", "/\u2028/evil.example")


@pytest.mark.parametrize("target", LEAVING)
def test_signing_in_never_sends_the_editor_to_another_site(app, editor, target):
    client = app.test_client()
    response = client.post("/login", query_string={"next": target}, data={
        "name": "eddie", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    again = client.get("/login", query_string={"next": target})  # already signed in
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_signing_in_goes_on_to_a_page_of_this_site(app, editor):
    client = app.test_client()
    response = client.post("/login", query_string={"next": "/editor/deleted?page=2"}, data={
        "name": "eddie", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/editor/deleted?page=2"
