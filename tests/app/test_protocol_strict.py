"""The API refuses what it cannot keep honest (JSON 4xx, nothing changed), and the container
meets the W3C protocol's MUSTs: its type, ETag and 304, Content-Location, canonical kept."""

import pytest
from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from tests.app.test_json import validate

TEXT = ("A title\n\nThe spokesman said the claims were absurd. Later the spokesman "
        "said the claims were absurd again.\n")
DOC = "http://localhost/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _auth(token, **headers):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json", **headers}


def _anno(selector, source=DOC, **extra):
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "bodyValue": "Which claims?", "target": {"source": source, "selector": selector},
            **extra}


def _quote(exact, **context):
    return {"type": "TextQuoteSelector", "exact": exact, **context}


def _position(start, end):
    return {"type": "TextPositionSelector", "start": start, "end": end}


def _count():
    return db.session.scalar(select(func.count()).select_from(Annotation))


def _refused(response, status):
    """Assert a JSON error with ``status`` and that nothing was stored; return its detail."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "detail"}
    assert _count() == 0
    return response.get_json()["detail"]


def test_a_target_on_another_host_is_refused_naming_it(client, doc, token):
    response = client.post("/annotations/", headers=_auth(token), json=_anno(
        _quote("absurd", suffix=". Later"), source="https://reader.elsewhere.example/docs/a-title"))
    detail = _refused(response, 422)
    assert "https://reader.elsewhere.example/docs/a-title" in detail
    assert "reader.elsewhere.example" in detail and "localhost" in detail


def test_an_external_page_as_the_only_target_is_refused_naming_it(client, doc, token):
    response = client.post("/annotations/", headers=_auth(token),
                           json=_anno(None, source="https://news.example/story"))
    assert "https://news.example/story" in _refused(response, 422)


def test_base_url_and_listed_hosts_are_our_own(make_app, doc, token):
    app = make_app(BASE_URL="https://reader.example", OWN_HOSTS=["mirror.example:8443"])
    client = app.test_client()
    for source in ("https://reader.example/docs/a-title",
                   "http://mirror.example:8443/docs/a-title"):
        response = client.post("/annotations/", headers=_auth(token),
                               json=_anno(_quote("absurd", suffix=". Later"), source=source))
        assert response.status_code == 201, response.get_json()


def test_a_quote_that_disagrees_with_its_position_is_refused_showing_both(client, doc, token):
    start = TEXT.index("spokesman")
    response = client.post("/annotations/", headers=_auth(token),
                           json=_anno([_quote("the claims"), _position(start, start + 10)]))
    detail = _refused(response, 422)
    assert "'spokesman '" in detail and "'the claims'" in detail
    assert f"[{start}, {start + 10})" in detail


def test_an_ambiguous_quote_is_refused_with_the_count(client, doc, token):
    detail = _refused(client.post("/annotations/", headers=_auth(token),
                                  json=_anno(_quote("the claims were absurd"))), 422)
    assert "occurs 2 times" in detail
    # context that fits both equally does not choose either
    detail = _refused(client.post("/annotations/", headers=_auth(token), json=_anno(
        _quote("the claims were absurd", prefix="said "))), 422)
    assert "occurs 2 times" in detail and "fit 2 of them equally" in detail


@pytest.mark.parametrize("selector, words_at", [
    pytest.param(_quote("the claims were absurd", suffix=" again"), "absurd again",
                 id="suffix-chooses"),
    pytest.param([_quote("the claims were absurd"),
                  _position(TEXT.rindex("the claims"), TEXT.rindex("the claims") + 22)],
                 "absurd again", id="position-chooses"),
])
def test_context_or_position_chooses_among_repeated_words(client, doc, token, selector,
                                                          words_at):
    response = client.post("/annotations/", headers=_auth(token), json=_anno(selector))
    assert response.status_code == 201, response.get_json()
    stored = db.session.scalars(select(Annotation)).one()
    assert stored.start == TEXT.index(words_at) - len("the claims were ")


def _created(client, token):
    response = client.post("/annotations/", headers=_auth(token),
                           json=_anno(_quote("spokesman said the claims", suffix=" were absurd.")))
    assert response.status_code == 201
    return response.headers["Location"], response.headers["ETag"]


def test_delete_without_if_match_is_428_and_keeps_the_note(client, doc, token):
    location, _ = _created(client, token)
    response = client.delete(location, headers=_auth(token))
    assert response.status_code == 428 and "If-Match" in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).one().deleted_at is None


@pytest.mark.parametrize("if_match", ['"garbage"', '"99-1"', '"1-7"', 'W/"1-1"'])
def test_an_if_match_that_is_none_of_our_etags_is_412_saying_so(client, doc, token, if_match):
    location, etag = _created(client, token)
    response = client.delete(location, headers=_auth(token, **{"If-Match": if_match}))
    assert response.status_code == 412
    assert "none of this annotation's ETags" in response.get_json()["detail"]
    assert etag.strip('"') in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).one().deleted_at is None


def test_an_older_etag_of_ours_is_412_saying_it_changed(client, doc, token):
    location, etag = _created(client, token)
    client.put(location, headers=_auth(token, **{"If-Match": etag}),
               json=_anno(_quote("spokesman said the claims", suffix=" were absurd."),
                          bodyValue="edited"))
    response = client.delete(location, headers=_auth(token, **{"If-Match": etag}))
    assert response.status_code == 412 and "changed since" in response.get_json()["detail"]


@pytest.mark.parametrize("method, path, status", [
    ("patch", "/annotations/", 405),
    ("delete", "/annotations/", 405),
    ("patch", "/annotations/1", 405),
    ("get", "/annotations/abc", 404),
    ("get", "/annotations/1/history", 404),
    ("get", "/annotations/99999999999", 404),
])
def test_every_error_under_annotations_is_json(client, doc, token, method, path, status):
    response = getattr(client, method)(path, headers=_auth(token))
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "detail"}


def test_even_a_server_error_under_annotations_is_json(make_app, doc, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
    monkeypatch.setattr("reader.views.api.export_query", broken)
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    monkeypatch.setattr(app.logger, "disabled", True)  # the traceback it logs is expected
    response = app.test_client().get("/annotations/")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "Internal Server Error"


def test_other_pages_keep_their_html_errors(client, doc):
    response = client.get("/docs/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_the_container_is_a_basic_container_and_an_annotation_collection(client, doc, token,
                                                                        tmp_path):
    _created(client, token)
    client.post("/annotations/", headers=_auth(token), json=_anno(
        _quote("absurd again"), motivation="questioning", canonical="urn:x:1"))
    response = client.get("/annotations/")
    data = response.get_json()
    assert data["type"] == ["BasicContainer", "AnnotationCollection"]
    assert data["@context"][:2] == ["http://www.w3.org/ns/anno.jsonld",
                                    "http://www.w3.org/ns/ldp.jsonld"]
    # a document's collection is a plain collection, not a container
    assert client.get("/docs/a-title/annotations.json").get_json()["type"] == \
        "AnnotationCollection"
    path = tmp_path / "container.json"
    path.write_bytes(response.get_data())
    code, output = validate(path)
    assert code == 0, output


@pytest.mark.parametrize("method", ["get", "head"])
def test_the_container_has_an_etag_and_answers_304(client, doc, token, method):
    _created(client, token)
    first = getattr(client, method)("/annotations/")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = getattr(client, method)("/annotations/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    client.post("/annotations/", headers=_auth(token), json=_anno(_quote("absurd again")))
    changed = getattr(client, method)("/annotations/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_content_location_names_the_representation(client, doc, token):
    _created(client, token)
    assert client.get("/annotations/").headers["Content-Location"] == "http://localhost/annotations/"
    iris = client.get("/annotations/", headers={
        "Prefer": 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'})
    location = iris.headers["Content-Location"]
    assert location == "http://localhost/annotations/?iris=1" == iris.get_json()["id"]
    assert all(isinstance(item, str) for item in iris.get_json()["first"]["items"])
    # the named representation is served at its own IRI, with or without the header
    again = client.get(location)
    assert again.get_json()["first"]["items"] == iris.get_json()["first"]["items"]
    page = client.get("/annotations/?iris=1&page=0")
    assert page.headers["Content-Location"] == "http://localhost/annotations/?iris=1&page=0"
    assert client.get("/annotations/?iris=2").status_code == 400


def test_a_posted_canonical_is_kept_exactly(client, doc, token):
    canonical = "urn:uuid:dbfb1861-0ecf-41ad-be94-a584e5c4f1df"
    response = client.post("/annotations/", headers=_auth(token), json=_anno(
        _quote("absurd again"), canonical=canonical, id="http://other.example/anno/1"))
    assert response.status_code == 201
    assert response.get_json()["canonical"] == canonical
    assert client.get(response.headers["Location"]).get_json()["canonical"] == canonical
