"""The authorization matrix, built from the app's url_map: every route and method, for
anonymous readers, editors, admins, a bad token, a session write without its CSRF token,
a session cookie replayed after sign-out, and a junk token sent next to a live session.

A route added without an entry in RULES fails ``test_every_route_has_a_rule``.
"""

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation, ApiToken, Document, ReaderMessage, Source
from reader.services.assignments import assign
from reader.services.desk import SECTIONS
from reader.services.intake import receive
from reader.services.users import issue_token, sign_in_link_token
from tests.conftest import csrf_token, login

READ, PAGE, EDITOR_JSON, WRITE = "read", "page", "editor-json", "write"
PAGE_HTML = (b"<html><head><title>A page</title></head><body><article>"
             + b"<p>A paragraph about diplomacy that is long enough to be an article.</p>" * 8
             + b"</article></body></html>")
SIGN_IN_PAGE, LOGIN, LOGOUT = "sign-in page", "login", "logout"
QUERY = "read with a query"  # a reader's GET that needs its query string (400 without)
ADMIN_PAGE, ADMIN_WRITE, SESSION_WRITE = "admin page", "admin write", "session write"
WELCOME, WELCOME_POST = "sign-in link", "sign-in link form"
READER_POST = "reader's form"
RULES = {
    ("public.index", "GET"): READ, ("public.document", "GET"): READ,
    ("public.source", "GET"): READ, ("public.search_page", "GET"): READ,
    ("public.stats", "GET"): READ, ("static", "GET"): READ, ("healthz", "GET"): READ,
    ("public.compare", "GET"): READ,
    ("api.container", "GET"): READ, ("api.annotation", "GET"): READ,
    ("api.document_annotations", "GET"): READ, ("api.document_claimreviews", "GET"): READ,
    ("api.document_annotations_csv", "GET"): READ,
    ("api.openapi", "GET"): READ,
    ("auth.login", "GET"): SIGN_IN_PAGE, ("auth.login", "POST"): LOGIN, ("auth.logout", "POST"): LOGOUT,
    ("auth.account", "GET"): PAGE, ("auth.account", "POST"): WRITE,
    ("auth.token_revoke", "POST"): WRITE,
    ("editor.history", "GET"): PAGE, ("editor.deleted", "GET"): PAGE,
    ("editor.document_edit", "GET"): PAGE, ("editor.document_edit", "POST"): WRITE,
    ("editor.document_new", "GET"): PAGE, ("editor.document_new", "POST"): WRITE,
    ("editor.intake_confirm", "GET"): PAGE, ("editor.intake_confirm", "POST"): WRITE,
    ("editor.original", "GET"): PAGE,
    ("editor.document_text", "GET"): PAGE, ("editor.document_text", "POST"): WRITE,
    ("editor.revisions", "GET"): PAGE, ("editor.link", "POST"): WRITE,
    ("editor.restore", "POST"): WRITE,
    ("editor.annotation_get", "GET"): EDITOR_JSON, ("editor.sources", "GET"): EDITOR_JSON,
    ("editor.annotation_update", "PUT"): WRITE, ("editor.annotation_action", "POST"): WRITE,
    ("editor.annotation_create", "POST"): WRITE, ("editor.preview", "POST"): WRITE,
    ("api.annotation_create", "POST"): WRITE, ("api.annotation_replace", "PUT"): WRITE,
    ("api.annotation_delete", "DELETE"): WRITE,
    ("desk.dashboard", "GET"): PAGE, ("desk.section", "GET"): PAGE,
    ("desk.document_assignments", "GET"): PAGE, ("desk.document_assignments", "POST"): WRITE,
    ("desk.annotation_assignments", "GET"): PAGE, ("desk.annotation_assignments", "POST"): WRITE,
    ("desk.assignment_action", "POST"): WRITE, ("desk.confirm", "POST"): WRITE,
    ("auth.password", "POST"): SESSION_WRITE, ("auth.display_name", "POST"): SESSION_WRITE,
    ("auth.welcome", "GET"): WELCOME, ("auth.welcome", "POST"): WELCOME_POST,
    ("admin.users", "GET"): ADMIN_PAGE, ("admin.user", "GET"): ADMIN_PAGE,
    ("admin.audit", "GET"): ADMIN_PAGE, ("admin.users", "POST"): ADMIN_WRITE,
    ("admin.user", "POST"): ADMIN_WRITE, ("admin.user_action", "POST"): ADMIN_WRITE,
    ("sources.index", "GET"): PAGE, ("sources.history", "GET"): PAGE,
    ("sources.edit", "GET"): PAGE, ("sources.edit", "POST"): WRITE,
    ("sources.merge", "GET"): PAGE, ("sources.merge", "POST"): WRITE,
    ("sources.delete", "POST"): WRITE, ("sources.restore", "POST"): WRITE,
    ("api.annotation_approval", "POST"): WRITE, ("editor.comment_create", "POST"): WRITE,
    ("share.note", "GET"): READ, ("share.embed", "GET"): READ, ("share.oembed", "GET"): QUERY,
    ("corrections.index", "GET"): READ, ("corrections.feed", "GET"): READ,
    ("messages.new", "GET"): READ, ("messages.thanks", "GET"): READ,
    ("messages.create", "POST"): READER_POST, ("messages.inbox", "GET"): PAGE,
    ("messages.message_decide", "POST"): WRITE, ("messages.message_reply", "POST"): WRITE,
    ("messages.message_withdraw", "POST"): WRITE,
}
# a signed-out session replayed, or a junk token next to a live one: as good as no credentials
DEAD = ("replayed session", "junk token + session")
# expected status per identity; None: anything but 401, 403 and 5xx (the request itself may be
# incomplete, but the caller was let in)
EXPECTED = {
    READ: {"anonymous": 200, "editor": 200, "admin": 200, "bad token": 200,
           **dict.fromkeys(DEAD, 200)},
    PAGE: {"anonymous": 302, "editor": 200, "admin": 200, "bad token": 302,
           **dict.fromkeys(DEAD, 302)},
    EDITOR_JSON: {"anonymous": 401, "editor": 200, "admin": 200, "bad token": 401,
                  **dict.fromkeys(DEAD, 401)},
    WRITE: {"anonymous": 401, "bad token": 401, "missing CSRF": 400, "admin token": None,
            **dict.fromkeys(DEAD, 401)},
    SESSION_WRITE: {"anonymous": 401, "bad token": 401, "missing CSRF": 400, "admin token": 403,
                    "editor + CSRF": None, **dict.fromkeys(DEAD, 401)},
    SIGN_IN_PAGE: {"anonymous": 200, "editor": 302, "admin": 302, "bad token": 200,
                   **dict.fromkeys(DEAD, 200)},
    LOGIN: {"anonymous": 400, "missing CSRF": 400, **dict.fromkeys(DEAD, 400)},
    LOGOUT: {"anonymous": 302, "missing CSRF": 400, **dict.fromkeys(DEAD, 302)},
    ADMIN_PAGE: {"anonymous": 302, "editor": 403, "admin": 200, "bad token": 302,
                 "admin token": 403, **dict.fromkeys(DEAD, 302)},
    ADMIN_WRITE: {"anonymous": 401, "bad token": 401, "missing CSRF": 400, "admin token": 403,
                  "editor + CSRF": 403, "admin + CSRF": None, **dict.fromkeys(DEAD, 401)},
    # the link is the credential: anyone holding it may use it (the form needs its CSRF token)
    WELCOME: {"anonymous": 200, "editor": 200, "bad token": 200},
    WELCOME_POST: {"anonymous": 400, "missing CSRF": 400},
    QUERY: {"anonymous": 400, "editor": 400, "admin": 400, "bad token": 400,
            **dict.fromkeys(DEAD, 400)},
    # anyone may write to the editors, with the form's CSRF token (the matrix sends none)
    READER_POST: {"anonymous": 400, "missing CSRF": 400, "bad token": 400,
                  **dict.fromkeys(DEAD, 400)},
}


def _routes(app):
    return sorted((rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def test_every_route_has_a_rule(app):
    missing = [(e, m) for e, m, _ in _routes(app) if (e, m) not in RULES]
    assert not missing, f"routes without an authorization rule: {missing}"


def _values(rule, editor):
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    annotation = db.session.scalars(select(Annotation).filter_by(status="published")
                                    .order_by(Annotation.id)).first()
    token = db.session.scalars(select(ApiToken).filter_by(user_id=editor.id)).first()
    other = db.session.scalars(select(Document).where(Document.id != document.id)).first()
    values = {"slug": document.slug, "slug_a": document.slug, "slug_b": other.slug,
              "annotation_id": annotation.id,
              "action": "sign-out" if rule.endpoint.startswith("admin.") else "publish",
              "source_id": db.session.scalars(select(Source.id)).first(),
              "token_id": token.id, "filename": "reader.css", "user_id": editor.id,
              "key": SECTIONS[0].key, "decision": "accept"}
    if rule.endpoint.startswith("messages.message_"):
        message = ReaderMessage(kind="check", message="matrix", document=document,
                                annotation=annotation, status="accepted")
        db.session.add(message)
        db.session.commit()
        values["message_id"] = message.id
    if rule.endpoint == "desk.assignment_action":
        values["action"] = "done"
        values["assignment_id"] = assign(document, editor.name, "matrix", editor).id
        db.session.commit()
    if rule.endpoint.startswith("editor."):  # an added page waiting for its details
        intake = receive("page.html", PAGE_HTML, editor, max_bytes=len(PAGE_HTML))
        db.session.commit()
        values.update({"token": intake.token, "intake_id": intake.id})
    else:  # a one-time sign-in link
        values["token"] = sign_in_link_token(editor, "test secret")
    return {name: values[name] for name in rule.arguments}


def _sign_in_as(client, identity):
    """Give ``client`` the credentials ``identity`` names; return the headers to send."""
    headers = {}
    if identity in ("editor", "missing CSRF", "editor + CSRF", "replayed session"):
        assert login(client).status_code == 302
    elif identity in ("admin", "admin + CSRF", "junk token + session"):
        assert login(client, "ada").status_code == 302
    if identity in ("editor + CSRF", "admin + CSRF"):
        headers["X-CSRFToken"] = csrf_token(client, "/account")
    elif identity in ("bad token", "junk token + session"):
        headers["Authorization"] = "Bearer not-a-token"
    if identity == "replayed session":
        kept = client.get_cookie("session").value
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
        client.set_cookie("session", kept, domain="localhost")
    return headers


@pytest.mark.parametrize("endpoint, method", sorted(RULES))
def test_authorization_matrix(seeded, editor, admin, endpoint, method):
    [rule] = [r for e, m, r in _routes(seeded) if (e, m) == (endpoint, method)]
    issue_token(editor, "matrix")
    admin_token = issue_token(admin, "matrix")
    db.session.commit()
    with seeded.test_request_context():
        url = rule.build(_values(rule, editor), append_unknown=False)[1]
    for identity, expected in EXPECTED[RULES[endpoint, method]].items():
        client = seeded.test_client()
        headers = _sign_in_as(client, identity)
        if identity == "admin token":
            headers["Authorization"] = f"Bearer {admin_token}"
        response = client.open(url, method=method, headers=headers,
                               json={} if method in ("POST", "PUT") else None)
        response.close()
        label = f"{method} {url} as {identity}"
        if expected is None:
            assert response.status_code not in (401, 403) and response.status_code < 500, label
        else:
            assert response.status_code == expected, f"{label}: {response.status_code}"
