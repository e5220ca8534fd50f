"""Readers write to the editors: the form, its limits and honeypot, the inbox, public replies."""

import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation, AuditEvent, ContentVersion, ReaderMessage
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.messages import MAX_MESSAGE, address_hash, selection
from tests.conftest import ROOT, csrf_token, get_statements, login

TEXT = ("Talks\n\nThe minister said the talks were constructive.\n\n"
        "He added that sanctions had failed and that Европа would see it soon.\n")
WORDS = "sanctions had failed"
SCRIPT = "<script>alert('x')</script><b>bold</b>"


@pytest.fixture
def doc(app, editor):
    document = create_document(TEXT, {"title": "Talks"})
    db.session.flush()
    start = TEXT.index(WORDS)
    create_annotation(document, {"kind": "factcheck", "body": "The sanctions **did** bite.",
                                 "status": "published", "verdict": "misleading",
                                 "start": start, "end": start + len(WORDS), "exact": WORDS},
                      editor, require=False)
    db.session.commit()
    return document


@pytest.fixture
def note(doc):
    return db.session.scalars(select(Annotation).filter_by(document_id=doc.id)).one()


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _form_path(doc, **query):
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/docs/{doc.slug}/messages/new" + (f"?{args}" if args else "")


def _send(client, doc, headers=None, form_path=None, **fields):
    """Post the message form as a reader's browser does: the form's own CSRF token."""
    data = {"kind": "correction", "message": "The date is wrong.", "email": "",
            "website": "", "annotation": "", "start": "", "end": "", "exact": "",
            "csrf_token": csrf_token(client, form_path or _form_path(doc))}
    data.update(fields)
    return client.post(f"/docs/{doc.slug}/messages", data=data, headers=headers or {})


def _messages():
    return db.session.scalars(select(ReaderMessage).order_by(ReaderMessage.id)).all()


# --- the reader's side -----------------------------------------------------------------


def test_every_published_note_offers_both_messages_without_javascript(client, doc, note):
    """The page holds the two links once (with Share), for reader.js to give a note that
    opens; the note's date leads to its share page, which has both links of its own."""
    page = client.get(f"/docs/{doc.slug}").get_data(as_text=True)
    assert page.count('id="note-ask"') == 1 and page.count("Suggest a correction") == 1
    assert (f'<template id="note-ask" data-href="/docs/{doc.slug}/messages/new" data-share="/a/">'
            '<p class="note-ask"><a data-share>Share</a> '
            '<a data-kind="correction">Suggest a correction</a> '
            '<a data-kind="check">Ask us to check this</a></p></template>') in page
    assert "messages/new?annotation=" not in page  # no copy in every note
    assert re.search(rf'<footer>[^<]* · <a href="/a/{note.id}">\d+ \w+ \d{{4}}</a></footer>', page)
    shared = client.get(f"/a/{note.id}").get_data(as_text=True)
    assert f'href="/docs/{doc.slug}/messages/new?annotation={note.id}">Suggest a correction' in shared
    assert (f'href="/docs/{doc.slug}/messages/new?annotation={note.id}&amp;kind=check">'
            "Ask us to check this") in shared
    form = client.get(_form_path(doc, annotation=note.id, kind="check"))
    assert form.status_code == 200
    text = _text(form)
    assert "About this note" in text and WORDS in text and "did bite" in text
    assert re.search(r"checked[^>]*value=\"check\"", form.get_data(as_text=True))


def test_a_note_message_is_stored_pending_with_its_note_and_thanked(client, doc, note):
    answer = _send(client, doc, form_path=_form_path(doc, annotation=note.id),
                   annotation=str(note.id), email="reader@example.org")
    assert answer.status_code == 302
    thanks = client.get(answer.headers["Location"])
    assert "your message is with the editors" in _text(thanks)
    assert f"#a-{note.id}" in thanks.get_data(as_text=True)
    [message] = _messages()
    assert (message.status, message.kind, message.annotation_id, message.email, message.exact) == \
        ("pending", "correction", note.id, "reader@example.org", WORDS)
    assert len(message.address_hash) == 64 and "127.0.0.1" not in message.address_hash


def test_selected_words_are_checked_against_the_text(client, doc):
    start = TEXT.index("Европа")
    answer = _send(client, doc, kind="check", start=str(start), end=str(start + 6),
                   exact="Европа", message="Is this the word he used?")
    assert answer.status_code == 302
    [message] = _messages()
    assert (message.kind, message.exact, message.start, message.end, message.annotation_id) == \
        ("check", "Европа", start, start + 6, None)


@pytest.mark.parametrize("start, end, exact, expected", [
    (11, 14, "", ("min", 11, 14)),  # positions alone
    (0, 5, "sanctions had failed", ("sanctions had failed", TEXT.index(WORDS),
                                     TEXT.index(WORDS) + len(WORDS))),  # moved: found by words
    (None, None, "not in the text", ("not in the text", None, None)),
    (None, None, "that", ("that", None, None)),  # several places: no position
    (5, 99_999, "", ("", None, None)),
    (None, None, "", ("", None, None)),
])
def test_selection_keeps_a_position_only_where_the_words_are(doc, start, end, exact, expected):
    assert selection(doc, start, end, exact) == expected


def test_the_form_page_shows_the_selected_words(client, doc):
    start = TEXT.index(WORDS)
    page = client.get(_form_path(doc, kind="check", start=start, end=start + len(WORDS),
                                 exact=WORDS.replace(" ", "%20")))
    assert "About these words" in _text(page) and WORDS in _text(page)
    assert f'name="start" type="hidden" value="{start}"' in page.get_data(as_text=True)


@pytest.mark.parametrize("fields, field, status", [
    ({"message": ""}, "Write a few words", 422),
    ({"message": "   \n "}, "Write a few words", 422),
    ({"message": "x" * (MAX_MESSAGE + 1)}, "under 2,000 characters", 422),
    ({"message": "x" * 30_000}, "Field cannot be longer", 422),
    ({"email": "not an address"}, "does not look like an email", 422),
    ({"email": "a@b"}, "does not look like an email", 422),
    ({"email": "x" * 300 + "@example.org"}, "does not look like an email", 422),
    ({"kind": "praise"}, "Not a valid choice", 422),
    ({"message": "nul \x00 here"}, "NUL", 422),
    ({"csrf_token": ""}, "The form had expired", 400),
])
def test_bad_input_is_refused_with_a_message_and_the_words_kept(client, doc, fields, field,
                                                                 status):
    answer = _send(client, doc, **{"message": "Keep these words", **fields})
    assert answer.status_code == status
    assert field in _text(answer)
    if "message" not in fields:
        assert "Keep these words" in answer.get_data(as_text=True)
    assert _messages() == []


def test_a_message_of_exactly_the_limit_is_taken(client, doc):
    assert _send(client, doc, message="é" * MAX_MESSAGE).status_code == 302
    assert len(_messages()[0].message) == MAX_MESSAGE


def test_a_json_post_is_refused_and_stores_nothing(client, doc):
    answer = client.post(f"/docs/{doc.slug}/messages", json={"message": "hi", "kind": "check"})
    assert answer.status_code == 400 and _messages() == []


def test_a_filled_honeypot_is_thanked_like_anyone_and_kept_as_spam(client, doc):
    answer = _send(client, doc, website="http://spam.example", message="Buy now")
    assert answer.status_code == 302 and "/thanks" in answer.headers["Location"]
    [message] = _messages()
    assert message.status == "spam"


def test_a_message_about_a_draft_or_another_documents_note_keeps_no_note(client, doc, editor):
    draft = create_annotation(doc, {"kind": "note", "body": "secret draft words",
                                    "status": "draft"}, editor)
    db.session.commit()
    page = client.get(_form_path(doc, annotation=draft.id))
    assert "secret draft words" not in page.get_data(as_text=True)
    assert _send(client, doc, annotation=str(draft.id)).status_code == 302
    assert _messages()[0].annotation_id is None


def test_unknown_document_is_404(client, doc):
    assert client.get("/docs/nothing/messages/new").status_code == 404
    assert client.post("/docs/nothing/messages", data={}).status_code == 404


# --- limits -----------------------------------------------------------------------------


def test_one_address_is_limited_and_told_when_to_come_back(make_app, doc):
    app = make_app(RATELIMIT_ENABLED=True, PROXY_FIX=True,
                   MESSAGE_RATE_LIMIT="3 per 10 minutes")
    client = app.test_client()
    me, other = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "198.51.100.8"}
    for _ in range(3):
        assert _send(client, doc, headers=me).status_code == 302
    refused = _send(client, doc, headers=me, message="My fourth message")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "My fourth message" in refused.get_data(as_text=True)
    assert "send it again in 10 minutes" in _text(refused)
    # a robot past the limit is thanked and nothing is stored
    assert _send(client, doc, headers=me, website="x").status_code == 302
    assert _send(client, doc, headers=other).status_code == 302
    assert db.session.scalar(select(func.count(ReaderMessage.id))) == 4


def test_an_ipv6_network_counts_as_one_address(app):
    secret = "s"
    assert address_hash("2001:db8:1:2::1", secret) == address_hash("2001:db8:1:2:ffff::9", secret)
    assert address_hash("2001:db8:1:3::1", secret) != address_hash("2001:db8:1:2::1", secret)
    assert address_hash("::ffff:192.0.2.1", secret) == address_hash("192.0.2.1", secret)
    assert address_hash("192.0.2.1", secret) != address_hash("192.0.2.1", "another secret")


# --- the inbox --------------------------------------------------------------------------


def _reader_message(client, doc, note, **fields):
    return _send(client, doc, form_path=_form_path(doc, annotation=note.id),
                 annotation=str(note.id), **fields)


def _act(client, message, action, **data):
    token = csrf_token(client, "/account")
    return client.post(f"/editor/inbox/{message.id}/{action}", data={"csrf_token": token, **data})


def test_the_inbox_shows_messages_by_status_with_counts_and_escapes_them(app, doc, note, editor):
    reader = app.test_client()
    _reader_message(reader, doc, note, message=SCRIPT, email="who@example.org")
    _send(reader, doc, message="Second one")
    editor_client = app.test_client()
    login(editor_client)
    page = editor_client.get("/editor/inbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "<b>bold</b>" not in html
    assert "who@example.org" in html and "Second one" in html
    assert re.search(r"Pending <span[^>]*>2</span>", html)
    [first, second] = _messages()
    assert _act(editor_client, first, "accept").status_code == 302
    assert _act(editor_client, second, "spam").status_code == 302
    assert [m.status for m in _messages()] == ["accepted", "spam"]
    html = editor_client.get("/editor/inbox").get_data(as_text=True)
    assert "Second one" not in html and "No message waits" in _text(editor_client.get("/editor/inbox"))
    assert "Second one" in editor_client.get("/editor/inbox?status=spam").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["reader message accepted", "reader message spam"]
    # the desk counts what waits, and the readers never see the email
    assert "who@example.org" not in reader.get(f"/docs/{doc.slug}").get_data(as_text=True)


def test_the_inbox_pages_in_sql(app, doc, editor):
    db.session.add_all(ReaderMessage(kind="check", message=f"Message {i}", document=doc)
                       for i in range(30))
    db.session.commit()
    client = app.test_client()
    login(client)
    first = client.get("/editor/inbox").get_data(as_text=True)
    assert "Message 29" in first and "Message 4" not in first and "Older" in first
    second = client.get("/editor/inbox?page=2").get_data(as_text=True)
    assert "Message 4" in second and "Message 29" not in second
    assert client.get("/editor/inbox?page=3").status_code == 404
    assert client.get("/editor/inbox?status=nothing").status_code == 404


def test_the_desk_counts_pending_messages(app, doc, note, editor):
    _reader_message(app.test_client(), doc, note, message="Please look")
    client = app.test_client()
    login(client)
    desk = _text(client.get("/editor"))
    assert "Readers' messages" in desk and "Please look" in desk


def test_an_accepted_message_gets_a_public_reply_under_its_note(app, doc, note, editor):
    reader = app.test_client()
    _reader_message(reader, doc, note, message=SCRIPT + " the date")
    [message] = _messages()
    before = reader.get(f"/docs/{doc.slug}")
    assert "Readers asked" not in _text(before) and "the date" not in _text(before)
    client = app.test_client()
    login(client)
    token = csrf_token(client, "/account")
    # not accepted yet: no reply
    refused = client.post(f"/editor/inbox/{message.id}/reply", data={
        "csrf_token": token, f"m{message.id}-reply": "Too early", f"m{message.id}-note": note.id})
    assert refused.status_code == 422 and "Too early" not in _text(reader.get(f"/docs/{doc.slug}"))
    _act(client, message, "accept")
    answer = client.post(f"/editor/inbox/{message.id}/reply", data={
        "csrf_token": token, f"m{message.id}-reply": "We checked: **fixed**. <script>x()</script>",
        f"m{message.id}-note": note.id})
    assert answer.status_code == 302
    page = reader.get(f"/docs/{doc.slug}", headers={"If-None-Match": before.headers["ETag"]})
    assert page.status_code == 200  # the reply moved the page's ETag
    html = page.get_data(as_text=True)
    assert "Readers asked us to correct this." in _text(page)
    assert "<strong>fixed</strong>" in html and "<script>x()" not in html
    assert "the date" not in html  # the reader's words stay private by default
    # the editor chooses to show the reader's message: escaped
    client.post(f"/editor/inbox/{message.id}/reply", data={
        "csrf_token": token, f"m{message.id}-reply": "We checked.",
        f"m{message.id}-note": note.id, f"m{message.id}-shows_message": "y"})
    html = reader.get(f"/docs/{doc.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html and "the date" in html
    # rejecting it later takes the reply away
    _act(client, message, "reject")
    assert "Readers asked" not in _text(reader.get(f"/docs/{doc.slug}"))
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["reader message accepted", "reader message replied",
                       "reader message replied", "reader message rejected"]


def test_a_reply_to_selected_words_goes_under_a_note_over_them(app, doc, note, editor):
    reader = app.test_client()
    start = TEXT.index("had failed")
    _send(reader, doc, kind="check", start=str(start), end=str(start + 10), exact="had failed")
    outside = TEXT.index("minister")
    _send(reader, doc, kind="check", start=str(outside), end=str(outside + 8), exact="minister")
    over, elsewhere = _messages()
    client = app.test_client()
    login(client)
    _act(client, over, "accept")
    _act(client, elsewhere, "accept")
    html = client.get("/editor/inbox?status=accepted").get_data(as_text=True)
    assert f'<option value="{note.id}"' in html
    assert "No published note covers these words yet" in html
    token = csrf_token(client, "/account")
    wrong = client.post(f"/editor/inbox/{elsewhere.id}/reply", data={
        "csrf_token": token, f"m{elsewhere.id}-reply": "Sure", f"m{elsewhere.id}-note": note.id})
    assert wrong.status_code == 422 and "Choose the published note" in _text(wrong)
    assert client.post(f"/editor/inbox/{over.id}/reply", data={
        "csrf_token": token, f"m{over.id}-reply": "Checked: true.",
        f"m{over.id}-note": note.id}).status_code == 302
    assert "Readers asked us to check this. Our reply: Checked: true." in _text(
        reader.get(f"/docs/{doc.slug}"))
    withdraw = _act(client, over, "withdraw")
    assert withdraw.status_code == 302
    assert "Checked: true." not in _text(reader.get(f"/docs/{doc.slug}"))


def test_readers_never_see_messages_that_are_not_answered(app, doc, note, editor):
    reader = app.test_client()
    for text in ("pending words", "accepted words", "rejected words", "spam words"):
        _reader_message(reader, doc, note, message=text)
    client = app.test_client()
    login(client)
    pending, accepted, rejected, spam = _messages()
    _act(client, accepted, "accept")
    _act(client, rejected, "reject")
    _act(client, spam, "spam")
    for path in (f"/docs/{doc.slug}", f"/docs/{doc.slug}/annotations.json",
                 f"/docs/{doc.slug}/messages/new?annotation={note.id}",
                 f"/docs/{doc.slug}/messages/thanks", "/search?q=words"):
        html = reader.get(path).get_data(as_text=True)
        assert not any(w in html for w in ("pending words", "accepted words", "rejected words",
                                           "spam words")), path


def test_editors_actions_need_a_csrf_token(app, doc, note, editor):
    _reader_message(app.test_client(), doc, note)
    [message] = _messages()
    client = app.test_client()
    login(client)
    assert client.post(f"/editor/inbox/{message.id}/accept").status_code == 400
    assert _messages()[0].status == "pending"


# another process: its own app and limiter, the same database and Redis
SEND_MESSAGES = """
import sys
from reader import create_app
from tests.conftest import csrf_token
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "test secret", "TESTING": True,
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[2],
                  "PROXY_FIX": True, "MESSAGE_RATE_LIMIT": "3 per 10 minutes"})
with app.app_context():
    client = app.test_client()
    for i in range(3):
        answer = client.post(f"/docs/{sys.argv[4]}/messages", headers={"X-Forwarded-For": sys.argv[3]},
                             data={"kind": "check", "message": f"From the other process {i}",
                                   "csrf_token": csrf_token(client, f"/docs/{sys.argv[4]}/messages/new")})
        assert answer.status_code == 302, answer.status_code
"""
REDIS_URI = "redis://127.0.0.1:6379/11"


@pytest.fixture
def redis_uri():
    """Redis's address, once it answers; a run under CI needs it, elsewhere it may be missing."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URI).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis does not answer at {REDIS_URI}: {exc}")
    return REDIS_URI


def test_messages_from_one_process_count_against_the_limit_in_another(make_app, doc, redis_uri):
    network = uuid.uuid4().hex
    address = f"2001:db8:{network[:4]}:{network[4:8]}::1"  # a /64 of its own each run
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_uri, PROXY_FIX=True,
                   MESSAGE_RATE_LIMIT="3 per 10 minutes")
    subprocess.run([sys.executable, "-c", SEND_MESSAGES, app.config["DATABASE_URL"], redis_uri,
                    address, doc.slug], cwd=ROOT, check=True, timeout=120)
    client = app.test_client()
    # another address in the same /64 network: the same reader
    neighbour = address.replace("::1", "::2")
    refused = _send(client, doc, headers={"X-Forwarded-For": neighbour}, message="Fourth")
    assert refused.status_code == 429 and "Fourth" in refused.get_data(as_text=True)
    elsewhere = f"2001:db8:{network[8:12]}:{network[12:16]}::1"  # another reader: not limited
    assert _send(client, doc, headers={"X-Forwarded-For": elsewhere}).status_code == 302
    assert db.session.scalar(select(func.count(ReaderMessage.id))) == 4




def _replies(doc, note, n):
    db.session.add_all(ReaderMessage(
        kind="check", message=f"m{i}", document=doc, annotation=note, status="accepted",
        reply=f"Reply number {i}", reply_public=True, replied_at=datetime.now(UTC))
        for i in range(n))
    db.session.commit()


def test_replies_cost_the_page_the_same_statements_however_many(app, doc, note, editor):
    reader = app.test_client()
    _replies(doc, note, 1)
    one = get_statements(reader, f"/docs/{doc.slug}?fresh=1")
    _replies(doc, note, 200)
    many = get_statements(reader, f"/docs/{doc.slug}?fresh=2")
    assert many == one
    assert "Reply number 199" in reader.get(f"/docs/{doc.slug}").get_data(as_text=True)
    editor_client = app.test_client()
    login(editor_client)
    db.session.add_all(ReaderMessage(kind="check", message=f"p{i}", document=doc, annotation=note)
                       for i in range(100))
    db.session.commit()
    few = get_statements(editor_client, "/editor/inbox")
    assert get_statements(editor_client, "/editor/inbox?page=3") <= few + 1


def test_a_reply_reaches_readers_through_the_page_cache_and_a_message_does_not_flush_it(
        app, doc, note, editor):
    version = lambda: db.session.scalar(select(ContentVersion.version))  # noqa: E731
    anonymous = app.test_client()  # no cookie: served from the page cache
    assert "Readers asked" not in _text(anonymous.get(f"/docs/{doc.slug}"))
    before = version()
    _reader_message(app.test_client(), doc, note, message="Check the verdict")
    assert version() == before  # a reader's message changes nothing readers see
    [message] = _messages()
    client = app.test_client()
    login(client)
    _act(client, message, "accept")
    assert version() == before
    client.post(f"/editor/inbox/{message.id}/reply", data={
        "csrf_token": csrf_token(client, "/account"), f"m{message.id}-reply": "Verdict stands.",
        f"m{message.id}-note": note.id})
    assert version() > before
    assert "Our reply: Verdict stands." in _text(anonymous.get(f"/docs/{doc.slug}"))


@pytest.mark.parametrize("junk", ["²", "99999999999999999999", "-1", "1e3", "٣", " 7 "])
def test_junk_numbers_in_the_form_are_ignored(client, doc, junk):
    assert client.get(_form_path(doc, annotation=junk, start=junk, end=junk)).status_code == 200
    assert client.get(f"/docs/{doc.slug}/messages/thanks?annotation={junk}").status_code == 200
    assert _send(client, doc, annotation=junk, start=junk, end=junk).status_code == 302
    assert _messages()[0].annotation_id is None and _messages()[0].start is None


def test_a_refused_reply_comes_back_with_its_words_on_the_messages_own_page(app, doc, note,
                                                                             editor):
    _reader_message(app.test_client(), doc, note, message="The oldest message")
    db.session.add_all(ReaderMessage(kind="check", message=f"Newer {i}", document=doc,
                                     status="accepted") for i in range(30))
    db.session.commit()
    [oldest] = [m for m in _messages() if m.message == "The oldest message"]
    client = app.test_client()
    login(client)
    _act(client, oldest, "accept")
    answer = client.post(f"/editor/inbox/{oldest.id}/reply", data={
        "csrf_token": csrf_token(client, "/account"), f"m{oldest.id}-reply": "x" * 5_001,
        f"m{oldest.id}-note": note.id})
    assert answer.status_code == 422
    assert "Keep the reply under 5,000 characters" in _text(answer)
    assert "x" * 5_001 in answer.get_data(as_text=True) and "The oldest message" in _text(answer)
