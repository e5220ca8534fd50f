"""Adding documents from saved pages, PDFs, URLs and pasted text, through the editors' pages."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation, Document, Intake
from reader.services.annotations import create_annotation
from reader.views.editor import TEXT_FIELD_BYTES
from tests.pdfs import make_pdf, wrap

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
NEWS = (PAGES / "news_site.html").read_bytes()
CANONICAL = "https://www.dailyledger.example/world/2021/11/19/diplomats-long-winter"


def _token(client, path="/editor/docs/new"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _send(client, **fields):
    """Post the new-document form: ``file=(bytes, name)``, ``text=…``, ``url=…``."""
    data = {"csrf_token": _token(client)}
    if "file" in fields:
        raw, name = fields.pop("file")
        data["file"] = (io.BytesIO(raw), name)
    data.update(fields)
    return client.post("/editor/docs/new", data=data, content_type="multipart/form-data")


def _found(html, name):
    """The value of the input ``name`` on a page (unescaped as a browser would)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    value = tag and re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value and value.group(1).replace("&#34;", '"').replace("&quot;", '"') \
        .replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _confirm(client, location, **fields):
    """Post the confirm page with the details as found, changed by ``fields``."""
    html = client.get(location).get_data(as_text=True)
    data = {name: _found(html, name) or "" for name in (
        "title", "outlet", "original_outlet", "author", "published_on", "source_url", "language")}
    data.update(csrf_token=_token(client, location), **fields)
    return client.post(location, data=data)


def _documents():
    return db.session.scalars(select(Document).order_by(Document.id)).all()


def test_a_saved_page_shows_its_details_to_confirm_then_becomes_a_clean_document(editor_client):
    sent = _send(editor_client, file=(NEWS, "diplomats.html"))
    assert sent.status_code == 302
    page = editor_client.get(sent.headers["Location"]).get_data(as_text=True)
    for name, value in [("title", "Diplomats told to brace for a long winter with the West"),
                        ("outlet", "The Daily Ledger"), ("author", "Helen Marsh"),
                        ("published_on", "2021-11-19"), ("source_url", CANONICAL),
                        ("language", "en-GB")]:
        assert _found(page, name) == value, name
    assert "Red lines and bombers" in page and "Luxury watches" not in page
    assert not _documents()  # nothing is saved before the editor confirms
    saved = _confirm(editor_client, sent.headers["Location"], author="Helen Marsh (Moscow)")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        "/docs/diplomats-told-to-brace-for-a-long-winter-with-the-west")
    (document,) = _documents()
    assert (document.author, document.outlet, document.source_url, document.language,
            str(document.published_on)) == ("Helen Marsh (Moscow)", "The Daily Ledger",
                                             CANONICAL, "en-GB", "2021-11-19")
    assert "comments" not in document.text.lower() and "Advertisement" not in document.text
    (archived,) = db.session.scalars(select(Intake)).all()
    assert (archived.document_id, archived.revision, archived.content, archived.token) == (
        document.id, 1, NEWS, None)


def test_invisible_characters_leave_the_confirmed_details_but_never_the_text(editor_client):
    sent = _send(editor_client, file=(NEWS, "diplomats.html"))
    saved = _confirm(editor_client, sent.headers["Location"], outlet="The \u200bDaily Ledger",
                     original_outlet="\u202eSSAT", author="Helen\u2060 Marsh",
                     language="\u2066en-GB\u2069")
    assert saved.status_code == 302
    (document,) = _documents()
    assert (document.outlet, document.original_outlet, document.author, document.language) == (
        "The Daily Ledger", "SSAT", "Helen Marsh", "en-GB")


def test_the_document_page_header_names_the_article_outside_its_text(editor_client, client):
    sent = _send(editor_client, file=((PAGES / "wire_story.html").read_bytes(), "wire.html"))
    slug_url = _confirm(editor_client, sent.headers["Location"]).headers["Location"]
    html = editor_client.get(slug_url).get_data(as_text=True)
    header = html[html.index('<header class="doc-meta">'):html.index("data-doc-text")]
    for words in ('<h1 class="doc-title" lang="en-US">Kremlin says foreign policy concept being '
                  "updated to reflect new realities</h1>", "Global Wire Service", "By Anna Petrova",
                  'datetime="2022-02-14"', 'href="https://globalwire.example/world/europe/'
                  'kremlin-foreign-policy-concept-2022-02-14/"', "archived copy"):
        assert words in header, words
    text = html[html.index("data-doc-text"):]
    assert "Global Wire Service" not in text and text.count("Kremlin says foreign policy") == 0
    archived = re.search(r'href="(/editor/originals/\d+)"', header).group(1)
    assert editor_client.get(archived).data == (PAGES / "wire_story.html").read_bytes()
    editor_client.post("/logout", data={"csrf_token": _token(editor_client)})
    reader_page = client.get(slug_url).get_data(as_text=True)
    assert "archived copy" not in reader_page and "Global Wire Service" in reader_page
    assert client.get(archived).status_code == 302  # editors only: readers are asked to sign in


def test_a_headline_that_opens_the_text_is_the_pages_title_and_is_not_repeated(editor_client):
    sent = _send(editor_client, file=(NEWS, "diplomats.html"))
    slug_url = _confirm(editor_client, sent.headers["Location"]).headers["Location"]
    html = editor_client.get(slug_url).get_data(as_text=True)
    assert html.count("<h1") == 1 and 'class="doc-title"' not in html
    text = html[html.index("data-doc-text"):]
    assert re.search(r"<h1[^>]*>Diplomats told to brace for a long winter with the West</h1>", text)


def test_the_archived_original_is_served_inert(editor_client):
    hostile = NEWS.replace(b"</body>", b"<script>document.title='ran'</script>"
                           b"<img src=https://tracker.example/x.gif></body>")
    sent = _send(editor_client, file=(hostile, "page.html"))
    _confirm(editor_client, sent.headers["Location"])
    archived = db.session.scalars(select(Intake)).one()
    response = editor_client.get(f"/editor/originals/{archived.id}")
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy and "allow-scripts" not in policy
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.data == hostile  # kept byte for byte, made harmless by the headers


def test_a_pdf_becomes_a_document_and_its_archived_copy_is_a_download(editor_client):
    lines = ["The Concept of Foreign Policy", ""] + wrap(
        "The concept sets out the principles, priorities, aims and objectives of the foreign "
        "policy of the Russian Federation for the years ahead, as approved by the President.", 70)
    raw = make_pdf([lines, wrap("Second page of the concept, on partnership with Asia and "
                                "the Middle East, and on trade with every region.", 70)],
                   info={"Title": "The Concept of Foreign Policy", "Author": "Ministry of Foreign Affairs"},
                   footer="{page}")
    sent = _send(editor_client, file=(raw, "concept.pdf"))
    page = editor_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert _found(page, "author") == "Ministry of Foreign Affairs"
    _confirm(editor_client, sent.headers["Location"])
    (document,) = _documents()
    assert document.title == "The Concept of Foreign Policy"
    assert document.text.startswith("The Concept of Foreign Policy\n\nThe concept sets out")
    archived = db.session.scalars(select(Intake)).one()
    response = editor_client.get(f"/editor/originals/{archived.id}")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_scanned_pdf_is_refused_with_a_message_that_says_so(editor_client):
    response = _send(editor_client, file=(make_pdf([[], []], image_only=True), "scan.pdf"),
                     url="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "no text layer" in html and "scan" in html
    assert not db.session.scalars(select(Intake)).all()


def test_uploading_the_same_page_again_names_the_document_and_adds_no_copy(editor_client):
    first = _send(editor_client, file=(NEWS, "diplomats.html"))
    _confirm(editor_client, first.headers["Location"])
    again = _send(editor_client, file=(NEWS, "diplomats (1).html"))
    page = editor_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Already in the corpus as" in page and "the same text" in page
    assert "Add document" not in page
    forced = _confirm(editor_client, again.headers["Location"])  # a hand-made post
    assert forced.status_code == 200 and "Already in the corpus as" in forced.get_data(as_text=True)
    forced = _confirm(editor_client, again.headers["Location"], separate="1")
    assert forced.status_code == 200
    assert [d.slug for d in _documents()] == [
        "diplomats-told-to-brace-for-a-long-winter-with-the-west"]


def test_a_changed_article_at_the_same_address_becomes_a_new_revision(editor_client, editor):
    first = _send(editor_client, file=(NEWS, "diplomats.html"))
    _confirm(editor_client, first.headers["Location"])
    (document,) = _documents()
    start = document.text.index("strategic bombers")
    note = create_annotation(document, {"kind": "note", "body": "Which bombers?", "start": start,
                                        "end": start + len("strategic bombers")}, editor)
    db.session.commit()
    edited = NEWS.replace(b"Officials in Brussels declined to comment on the reported remarks.",
                          b"Officials in Brussels later said they had not been briefed.")
    again = _send(editor_client, file=(edited, "diplomats-updated.html"))
    page = editor_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "the same canonical URL" in page and "add this as a new revision" in page.lower()
    saved = _confirm(editor_client, again.headers["Location"], revise=str(document.id))
    assert saved.status_code == 302
    db.session.expire_all()
    (document,) = _documents()
    assert document.revision == 2 and "had not been briefed" in document.text
    note = db.session.get(Annotation, note.id)
    assert document.text[note.start:note.end] == "strategic bombers"
    assert [(i.revision, i.content == edited) for i in db.session.scalars(
        select(Intake).order_by(Intake.id))] == [(1, False), (2, True)]


def test_another_article_under_the_same_canonical_url_can_be_added_separately(editor_client):
    first = _send(editor_client, file=(NEWS, "diplomats.html"))
    _confirm(editor_client, first.headers["Location"])
    other = (PAGES / "wire_story.html").read_bytes().replace(
        b"https://globalwire.example/world/europe/kremlin-foreign-policy-concept-2022-02-14/",
        CANONICAL.encode())
    again = _send(editor_client, file=(other, "wire.html"))
    saved = _confirm(editor_client, again.headers["Location"], separate="1")
    assert saved.status_code == 302 and len(_documents()) == 2


def test_a_page_fetched_by_url_goes_on_as_an_upload(app, editor_client, page_server):
    app.config["FETCH_ALLOWED_HOSTS"] = ["127.0.0.1"]
    page_server.add("/world/story", (PAGES / "opinion_jsonld.html").read_bytes())
    sent = _send(editor_client, url=page_server.url("/world/story"))
    assert sent.status_code == 302
    intake = db.session.scalars(select(Intake)).one()
    assert intake.url == page_server.url("/world/story") and intake.kind == "html"
    _confirm(editor_client, sent.headers["Location"])
    (document,) = _documents()
    assert document.source_url == "https://meridianreview.example/opinion/isolation-wrong-word"
    assert document.author == "Dmitri Alexeyev" and document.outlet == "Meridian Review"


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1/admin", "loopback"),
    ("http://localhost/admin", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.0.0.8/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("file:///etc/passwd", "only http:// and https://"),
])
def test_addresses_inside_the_network_are_refused_with_the_form_kept(editor_client, url, words):
    response = _send(editor_client, url=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and words in html
    assert f'value="{url}"' in html  # the address is still in the form
    assert not db.session.scalars(select(Intake)).all()


def test_a_redirect_to_a_private_address_is_refused(app, editor_client, page_server):
    app.config["FETCH_ALLOWED_HOSTS"] = ["127.0.0.1"]
    page_server.redirect("/go", "http://10.20.30.40/internal")
    html = _send(editor_client, url=page_server.url("/go")).get_data(as_text=True)
    assert "10.20.30.40 is a private address" in html


def test_the_test_server_is_refused_when_no_setting_allows_it(editor_client, page_server):
    page_server.add("/story", NEWS)
    html = _send(editor_client, url=page_server.url("/story")).get_data(as_text=True)
    assert "loopback" in html and page_server.requests == []


def test_text_and_a_file_together_is_a_question(editor_client):
    response = _send(editor_client, text="Pasted title\n\nPasted body.\n",
                     file=(NEWS, "diplomats.html"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Which one should become the document?" in html
    assert "Pasted title" in html and "Diplomats told to brace" in html
    links = re.findall(r'href="(/editor/intake/[^"]+)"', html)
    assert len(links) == 2 and not _documents()
    _confirm(editor_client, links[0])
    assert [d.title for d in _documents()] == ["Pasted title"]


def test_a_file_over_the_limit_gets_the_form_back_saying_the_limit(app, editor_client):
    app.config["INTAKE_MAX_BYTES"] = 2048
    response = _send(editor_client, file=(b"x" * 3000, "long.txt"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "larger than the limit of 2 KB" in html
    assert "Add a document" in html
    # a body built in memory: the test client would spool a large one to a file it never closes
    boundary = "intake-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{_token(editor_client)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"longer.txt\"\r\n\r\n").encode() \
        + b"x" * (2 * 2048 + TEXT_FIELD_BYTES) + f"\r\n--{boundary}--\r\n".encode()
    far_over = editor_client.post("/editor/docs/new", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    html = far_over.get_data(as_text=True)
    assert far_over.status_code == 413 and "larger than the limit of 2 KB" in html
    assert "Add a document" in html


def test_pasted_text_is_confirmed_too_and_a_markdown_title_loses_its_hash(editor_client):
    sent = _send(editor_client, file=("# The concept, revised\n\nBody.\n".encode(), "c.md"))
    page = editor_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert _found(page, "title") == "The concept, revised"
    _confirm(editor_client, sent.headers["Location"])
    assert _documents()[0].title == "The concept, revised"
    assert not db.session.scalars(select(Intake)).all()  # a text file has no other original


def test_discarding_keeps_nothing(editor_client):
    sent = _send(editor_client, file=(NEWS, "diplomats.html"))
    response = _confirm(editor_client, sent.headers["Location"], discard="1")
    assert response.status_code == 302
    assert not db.session.scalars(select(Intake)).all() and not _documents()
    assert editor_client.get(sent.headers["Location"]).status_code == 404


def test_pending_intakes_are_bounded_per_editor(editor_client):
    for n in range(14):
        _send(editor_client, text=f"Text number {n}\n\nBody {n}.\n")
    assert db.session.scalar(select(func.count()).select_from(Intake)) == 10
