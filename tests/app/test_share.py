"""Share pages /a/<ID>, the embed /docs/<slug>/embed, /oembed, and who may frame what."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from reader import create_app
from reader.extensions import db
from reader.models import Annotation, Document
from reader.services.annotations import create_annotation, delete_annotation
from reader.services.documents import create_document
from reader.sharing import CARD_LIMIT, TWITTER_LIMIT
from tests.app.test_headers import inline_code
from tests.app.test_public import parse_page
from tests.conftest import login

HOSTILE_BODY = ('He said "no" & <b>left</b> &lt;script&gt;alert(1)&lt;/script&gt; '
                "<script>alert(4)</script><img src=x onerror=alert(2)> " + "and went on. " * 60)
HOSTILE_TITLE = 'Talks "end" <script>alert(3)</script> & more'


class _Head(HTMLParser):
    """The page's meta and link tags, and every element name, as the browser reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta, self.links, self.tags, self.scripts = {}, [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "meta":
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self.scripts.append(attrs)


def _head(html):
    parser = _Head()
    parser.feed(html)
    return parser


def _document(text="A claim worth checking, and a second claim.\n", title="Test document"):
    document = create_document(text, {"title": title})
    db.session.commit()
    return document


def _note(document, phrase, status="published", body="The note.", **fields):
    start = document.text.index(phrase)
    annotation = create_annotation(document, {
        "kind": "note", "status": status, "body": body, "start": start,
        "end": start + len(phrase), "exact": phrase, **fields})
    db.session.commit()
    return annotation


# --- the share page --------------------------------------------------------------------

def test_a_share_page_shows_the_quote_the_note_and_the_way_to_it(app, client):
    document = _document()
    annotation = _note(document, "worth checking", kind="factcheck", verdict="false",
                       body="It is **not** worth it.")
    response = client.get(f"/a/{annotation.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    head = _head(html)
    assert head.meta["og:title"] == "Test document"
    assert head.meta["og:description"] == "False: “worth checking” It is not worth it."
    assert head.meta["og:url"] == f"http://localhost/a/{annotation.id}"
    assert head.meta["og:type"] == "article"
    assert head.meta["twitter:card"] == "summary"
    assert head.meta["twitter:description"] == head.meta["og:description"]
    assert {"rel": "canonical", "href": f"http://localhost/a/{annotation.id}"} in head.links
    assert "<blockquote" in html and "worth checking</p></blockquote>" in html
    assert "It is <strong>not</strong> worth it." in html
    assert re.search(rf'<a class="button primary" href="/docs/{document.slug}#a-{annotation.id}">'
                     r"Read it in place</a>", html)
    assert "http-equiv" not in html  # a real page, no refresh away from it
    # without JavaScript, readers reach the editors about the note from here
    form = f"/docs/{document.slug}/messages/new?annotation={annotation.id}"
    assert f'<a href="{form}">Suggest a correction</a>' in html
    assert f'<a href="{form}&amp;kind=check">Ask us to check this</a>' in html
    assert client.get(form.replace("?", "?kind=check&")).status_code == 200
    [discovery] = [link for link in head.links if link.get("type") == "application/json+oembed"]
    assert client.get(discovery["href"]).json["type"] == "rich"


def test_the_share_card_is_plain_escaped_text_within_its_bounds(app, client):
    document = _document(title=HOSTILE_TITLE)
    annotation = _note(document, "worth checking", body=HOSTILE_BODY)
    html = client.get(f"/a/{annotation.id}").get_data(as_text=True)
    head = _head(html)
    description = head.meta["og:description"]
    assert description.startswith('“worth checking” He said "no" & left <script>alert(1)</script>')
    assert len(description) <= CARD_LIMIT and description.endswith("…")
    assert len(head.meta["twitter:description"]) <= TWITTER_LIMIT
    assert head.meta["og:title"] == HOSTILE_TITLE
    # what the user wrote stays text: no element of theirs, no handler
    assert head.tags.count("script") == 1 and head.scripts[0]["src"].endswith("/share.js")
    assert "img" not in head.tags and not re.search(r"<[^>]+\son\w+=", html)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_a_note_on_the_whole_document_is_shared_without_a_quote(app, client):
    document = _document()
    annotation = create_annotation(document, {"kind": "context", "status": "published",
                                              "body": "About the whole text."})
    db.session.commit()
    html = client.get(f"/a/{annotation.id}").get_data(as_text=True)
    assert _head(html).meta["og:description"] == "About the whole text."
    assert "<blockquote" not in html and "A note on the whole document." in html
    assert f'href="/docs/{document.slug}#a-{annotation.id}">Read it in place' in html


@pytest.mark.parametrize("state", ["draft", "review", "deleted", "reply", "orphan", "missing",
                                   "too big"])
def test_readers_and_editors_get_no_share_page_for_what_readers_cannot_see(
        app, client, editor, state):
    document = _document()
    annotation = _note(document, "worth checking",
                       status="draft" if state == "draft" else "published")
    if state == "review":
        annotation.status = "review"
    elif state == "deleted":
        delete_annotation(annotation)
    elif state == "reply":
        annotation.reply_to_id = _note(document, "second claim").id
    elif state == "orphan":
        annotation.orphan, annotation.start, annotation.end = True, None, None
    db.session.commit()
    annotation_id = {"missing": annotation.id + 100, "too big": 2**31}.get(state, annotation.id)
    assert client.get(f"/a/{annotation_id}").status_code == 404
    login(client)
    assert client.get(f"/a/{annotation_id}").status_code == 404


def test_each_published_note_on_the_document_page_links_to_its_share_page(app, client, editor):
    document = _document()
    shown = _note(document, "worth checking")
    draft = _note(document, "second claim", status="draft")
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    # a reader's note: its date leads to its share page; its Share link (with the readers'
    # links to the editors) is in the page once, for reader.js to give a note that opens
    assert re.search(rf'<a href="/a/{shown.id}">\d+ \w+ \d{{4}}</a></footer>', html)
    assert f'href="/a/{shown.id}" data-share' not in html
    assert html.count('<template id="note-ask"') == 1
    assert '<a data-share>Share</a>' in html
    login(client)
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    assert f'href="/a/{shown.id}" data-share' in html
    assert 'id="note-ask"' not in html  # editors do not write to themselves
    assert f'href="/a/{draft.id}"' not in html  # a draft has nothing to share yet


def test_a_share_page_is_revalidated_until_the_note_or_its_document_changes(app, client):
    annotation = _note(_document(), "worth checking")
    first = client.get(f"/a/{annotation.id}")
    assert first.headers["ETag"]
    again = client.get(f"/a/{annotation.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    annotation.body = "Changed."
    db.session.commit()
    changed = client.get(f"/a/{annotation.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Changed." in changed.get_data(as_text=True)
    annotation.document.title = "A new title"
    db.session.commit()
    renamed = client.get(f"/a/{annotation.id}", headers={"If-None-Match": changed.headers["ETag"]})
    assert renamed.status_code == 200 and "A new title" in renamed.get_data(as_text=True)


def test_a_share_page_costs_the_same_few_statements_however_many_notes(app, client):
    document = _document("word " * 400 + "\n")
    target = _note(document, "word word")
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(f"/a/{target.id}")
        few = len(statements)
        for i in range(40):
            create_annotation(document, {"kind": "note", "status": "published", "body": "n",
                                         "start": i * 5, "end": i * 5 + 4, "exact": "word"})
        db.session.commit()
        statements.clear()
        client.get(f"/a/{target.id}")
        assert len(statements) == few
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- the embed -----------------------------------------------------------------------------

DENY = {"X-Frame-Options": "DENY"}


def _frame_headers(response):
    policy = dict(part.strip().split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split(";"))
    return policy["frame-ancestors"], response.headers.get("X-Frame-Options")


def test_the_embed_keeps_the_text_contract_with_the_readers_notes_only(seeded, client, editor):
    document = db.session.scalars(select(Document).order_by(Document.id)).first()
    draft = _note(document, document.text[40:60], status="draft", body="Secret draft.")
    page = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    response = client.get(f"/docs/{document.slug}/embed")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    embedded = parse_page(html)
    assert embedded.count == 1
    assert "".join(embedded.text) == document.text
    assert embedded.marks == parse_page(page).marks
    assert re.findall(r'id="a-(\d+)"', html) == re.findall(r'id="a-(\d+)"', page)
    assert f'<base href="/docs/{document.slug}" target="_blank">' in html
    assert 'class="site' not in html and "site-search" not in html  # compact chrome
    assert html.count('<template id="note-ask"') == 1  # the readers' links, once
    login(client)  # an editor sees what the publisher's readers see
    html = client.get(f"/docs/{document.slug}/embed").get_data(as_text=True)
    assert "Secret draft." not in html and f'id="a-{draft.id}"' not in html
    assert "csrf" not in html


def test_only_the_embed_may_be_framed_by_default_by_this_site_alone(seeded, client):
    annotation = db.session.scalars(select(Annotation).filter_by(status="published")
                                    .order_by(Annotation.id)).first()
    slug = annotation.document.slug
    assert _frame_headers(client.get(f"/docs/{slug}/embed")) == ("'self'", "SAMEORIGIN")
    for path in ("/", f"/docs/{slug}", f"/a/{annotation.id}", "/docs/nothing/embed",
                 f"/oembed?url=http://localhost/docs/{slug}", "/oembed", "/search?q=russia",
                 "/login", f"/annotations/{annotation.id}"):
        assert _frame_headers(client.get(path)) == ("'none'", "DENY"), path


def test_the_setting_names_the_origins_that_may_frame_the_embed(seeded, make_app):
    other = make_app(EMBED_ANCESTORS="https://news.example.org https://*.example.net")
    client = other.test_client()
    slug = db.session.scalars(select(Document.slug).order_by(Document.id)).first()
    first = client.get(f"/docs/{slug}/embed")
    assert _frame_headers(first) == ("https://news.example.org https://*.example.net", None)
    assert "base-uri 'self'" in first.headers["Content-Security-Policy"]
    # a browser revalidating keeps the 304's headers: they must let it frame too
    again = client.get(f"/docs/{slug}/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert _frame_headers(again) == ("https://news.example.org https://*.example.net", None)
    assert _frame_headers(client.get(f"/docs/{slug}")) == ("'none'", "DENY")
    refused = make_app(EMBED_ANCESTORS=["'none'"]).test_client().get(f"/docs/{slug}/embed")
    assert _frame_headers(refused) == ("'none'", "DENY")


@pytest.mark.parametrize("value", ["https://a.example; script-src *", "news.example.org", "[]"])
def test_an_origin_the_header_cannot_carry_stops_the_app_from_starting(app, value):
    with pytest.raises(ValueError, match="READER_EMBED_ANCESTORS"):
        create_app({**app.config, "SERVER_NAME": None, "EMBED_ANCESTORS":
                    [] if value == "[]" else value})


def test_an_unknown_document_has_no_embed(client):
    assert client.get("/docs/no-such-document/embed").status_code == 404


# --- oEmbed ---------------------------------------------------------------------------------

def _oembed(client, url, **params):
    return client.get("/oembed", query_string={"url": url, **params})


def _iframe_src(answer):
    return re.search(r'<iframe src="([^"]+)"', answer["html"]).group(1).replace("&amp;", "&")


def test_oembed_answers_for_a_document(app, client):
    document = _document(title='A "quoted" title')
    response = _oembed(client, f"http://localhost/docs/{document.slug}", format="json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    answer = response.json
    assert {k: answer[k] for k in ("version", "type", "title", "provider_name", "provider_url",
                                   "width", "height")} == {
        "version": "1.0", "type": "rich", "title": 'A "quoted" title',
        "provider_name": "Annotated Reader", "provider_url": "http://localhost/",
        "width": 640, "height": 720}
    assert _iframe_src(answer) == f"http://localhost/docs/{document.slug}/embed"
    assert 'title="A &#34;quoted&#34; title"' in answer["html"]
    assert 'width="640" height="720"' in answer["html"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(_iframe_src(answer)).status_code == 200


@pytest.mark.parametrize("form", ["share", "permalink", "embed"])
def test_oembed_for_a_note_frames_the_document_at_the_note(app, client, form):
    document = _document()
    annotation = _note(document, "worth checking")
    url = {"share": f"http://localhost/a/{annotation.id}",
           "permalink": f"http://localhost/docs/{document.slug}#a-{annotation.id}",
           "embed": f"http://localhost/docs/{document.slug}/embed#a-{annotation.id}"}[form]
    answer = _oembed(client, url).json
    assert _iframe_src(answer) == f"http://localhost/docs/{document.slug}/embed#a-{annotation.id}"
    assert answer["title"] == "Test document"


@pytest.mark.parametrize("maxwidth, maxheight, size", [
    ("480", None, (480, 720)), (None, "300", (640, 300)), ("2000", "2000", (640, 720)),
])
def test_oembed_keeps_within_maxwidth_and_maxheight(app, client, maxwidth, maxheight, size):
    document = _document()
    params = {k: v for k, v in (("maxwidth", maxwidth), ("maxheight", maxheight)) if v}
    answer = _oembed(client, f"http://localhost/docs/{document.slug}", **params).json
    assert (answer["width"], answer["height"]) == size
    assert f'width="{size[0]}" height="{size[1]}"' in answer["html"]


@pytest.mark.parametrize("case, status", [
    ("xml", 501), ("other format", 501), ("no url", 400), ("bad maxwidth", 400),
    ("unknown document", 404), ("other host", 404), ("other path", 404), ("draft note", 404),
    ("note on another document", 404), ("junk", 404), ("huge url", 404),
])
def test_oembed_refuses_what_it_cannot_answer(app, client, case, status):
    document = _document()
    draft = _note(document, "second claim", status="draft")
    shown = _note(_document(title="Another"), "worth checking")
    own = f"http://localhost/docs/{document.slug}"
    params = {
        "xml": {"url": own, "format": "xml"},
        "other format": {"url": own, "format": "yaml"},
        "no url": {},
        "bad maxwidth": {"url": own, "maxwidth": "wide"},
        "unknown document": {"url": "http://localhost/docs/no-such-document"},
        "other host": {"url": f"https://elsewhere.example/docs/{document.slug}"},
        "other path": {"url": "http://localhost/stats"},
        "draft note": {"url": f"http://localhost/a/{draft.id}"},
        "note on another document": {"url": f"{own}#a-{shown.id}"},
        "junk": {"url": "\x00%%%\uffff" * 50},
        "huge url": {"url": own + "/" * 100_000},
    }[case]
    response = client.get("/oembed", query_string=params)
    assert response.status_code == status
    assert response.json["error"]


def test_a_document_page_tells_consumers_where_its_oembed_is(app, client):
    document = _document()
    head = _head(client.get(f"/docs/{document.slug}").get_data(as_text=True))
    [link] = [link for link in head.links if link.get("type") == "application/json+oembed"]
    assert link["rel"] == "alternate" and link["title"] == "Test document"
    query = parse_qs(urlsplit(link["href"]).query)
    assert query == {"url": [f"http://localhost/docs/{document.slug}"], "format": ["json"]}
    assert client.get(link["href"]).json["title"] == "Test document"


def test_the_new_pages_carry_no_inline_code_the_policy_would_block(app, client):
    document = _document()
    annotation = _note(document, "worth checking", body="**Bold** [a link](https://example.org)")
    for path in (f"/a/{annotation.id}", f"/docs/{document.slug}/embed"):
        response = client.get(path)
        assert response.status_code == 200
        assert inline_code(response.get_data(as_text=True)) == [], path
