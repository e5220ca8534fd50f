"""The W3C Web Annotation Protocol at /annotations/: every status code path."""

import pytest
from sqlalchemy import select

from reader.extensions import db
from reader.models import Annotation
from reader.services.documents import create_document
from reader.services.users import issue_token
from reader.w3c import MEDIA_TYPE
from tests.conftest import csrf_token

TEXT = "A title\n\nThe spokesman said the claims were absurd.\n"
DOC = "http://localhost/docs/a-title"


@pytest.fixture
def doc(app):
    document = create_document(TEXT, {"title": "A title"})
    db.session.commit()
    return document


def _anno(exact="the claims", body="Which claims?", **extra):
    start = TEXT.index(exact)
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
            "body": {"type": "TextualBody", "value": body, "format": "text/markdown"},
            "target": {"source": DOC, "selector": [
                {"type": "TextQuoteSelector", "exact": exact},
                {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}]},
            **extra}


def _auth(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}


def _create(client, token, **kwargs):
    return client.post("/annotations/", json=_anno(**kwargs), headers=_auth(token))


def test_post_creates_with_location_etag_and_media_type(client, doc, token):
    response = _create(client, token)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == MEDIA_TYPE
    assert response.headers["Location"] == response.get_json()["id"]
    assert response.headers["ETag"]
    assert "Access-Control-Allow-Origin" not in response.headers  # writes are not CORS
    stored = db.session.scalars(select(Annotation)).one()
    assert (stored.status, stored.exact, stored.creator.name) == ("published", "the claims", "eddie")


def test_get_has_etag_last_modified_and_answers_304(client, doc, token):
    location = _create(client, token).headers["Location"]
    response = client.get(location)
    assert response.status_code == 200 and response.headers["Last-Modified"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert 'ldp#Resource>; rel="type"' in response.headers["Link"]
    again = client.get(location, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_put_needs_if_match_and_refuses_a_stale_etag(client, doc, token):
    created = _create(client, token)
    location, etag = created.headers["Location"], created.headers["ETag"]
    missing = client.put(location, json=_anno(body="edited"), headers=_auth(token))
    assert missing.status_code == 428
    ok = client.put(location, json=_anno(body="edited"), headers={**_auth(token), "If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["body"]["value"] == "edited"
    stale = client.put(location, json=_anno(body="lost"), headers={**_auth(token), "If-Match": etag})
    assert stale.status_code == 412
    assert stale.get_json()["error"] == "Precondition Failed"
    assert db.session.scalars(select(Annotation)).one().body == "edited"


def test_delete_is_soft_and_then_404(client, doc, token):
    created = _create(client, token)
    location = created.headers["Location"]
    assert client.delete(location, headers={**_auth(token), "If-Match": created.headers["ETag"]},
                         json={"ar:reason": "A duplicate."}).status_code == 204
    assert client.get(location).status_code == 404
    assert db.session.scalars(select(Annotation)).one().deleted_at is not None


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_writes_without_credentials_get_401(client, doc, token, method):
    location = _create(client, token).headers["Location"]
    url = "/annotations/" if method == "post" else location
    response = getattr(client, method)(url, json=_anno())
    assert response.status_code == 401
    assert set(response.get_json()) == {"error", "detail"}


def test_a_bad_token_gets_401(client, doc):
    response = client.post("/annotations/", json=_anno(), headers=_auth("not-a-token"))
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token(editor_client, doc):
    response = editor_client.post("/annotations/", json=_anno(),
                                  headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400
    token = csrf_token(editor_client, "/docs/a-title")
    ok = editor_client.post("/annotations/", json=_anno(),
                            headers={"Content-Type": "application/ld+json", "X-CSRFToken": token})
    assert ok.status_code == 201


@pytest.mark.parametrize("body, status, reason", [
    ("{not json", 400, "not valid JSON"),
    ('{"type": "Annotation", "target": "http://localhost/docs/nope"}', 422, "no document"),
    ('{"type": "Note"}', 422, "Annotation"),
    ('[1, 2]', 422, "JSON object"),
])
def test_malformed_bodies_get_a_reason(client, doc, token, body, status, reason):
    response = client.post("/annotations/", data=body, headers=_auth(token))
    assert response.status_code == status
    assert reason in response.get_json()["detail"]


def test_a_selector_that_matches_nothing_gets_422_and_writes_nothing(client, doc, token):
    data = _anno()
    data["target"]["selector"] = [{"type": "TextQuoteSelector", "exact": "not in the text"}]
    response = client.post("/annotations/", json=data, headers=_auth(token))
    assert response.status_code == 422 and "not in the document" in response.get_json()["detail"]
    assert db.session.scalars(select(Annotation)).first() is None


def test_wrong_media_type_gets_415_and_oversize_413(app, client, doc, token):
    response = client.post("/annotations/", data="x", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
    assert response.status_code == 415
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = client.post("/annotations/", json=_anno(body="x" * 5000), headers=_auth(token))
    assert big.status_code == 413


def test_container_filters_prefer_and_headers(client, doc, token, admin):
    _create(client, token, exact="the claims")
    check = _create(client, token, exact="spokesman", motivation="assessing",
                    **{"ar:verdict": "false"})
    assert check.get_json()["ar:status"] == "review"  # a fact check waits for its approval
    approval = client.post(check.headers["Location"] + "/approval",
                           headers={"Authorization": f"Bearer {issue_token(admin)}"})
    assert approval.status_code == 201
    tagged = _anno(exact="absurd")
    tagged["body"] = [tagged["body"], {"type": "TextualBody", "value": "50% odd_tag", "purpose": "tagging"}]
    client.post("/annotations/", json=tagged, headers=_auth(token))
    everything = client.get("/annotations/")
    assert everything.get_json()["total"] == 3
    assert "BasicContainer" in everything.headers["Link"] and "POST" in everything.headers["Allow"]
    assert client.get("/annotations/?kind=factcheck").get_json()["total"] == 1
    assert client.get("/annotations/?tag=50%25 odd_tag").get_json()["total"] == 1
    assert client.get("/annotations/?tag=odd").get_json()["total"] == 0
    assert client.get("/annotations/?doc=a-title").get_json()["total"] == 3
    assert client.get("/annotations/?doc=other").get_json()["total"] == 0
    iris = client.get("/annotations/", headers={
        "Prefer": 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'})
    assert all(isinstance(item, str) for item in iris.get_json()["first"]["items"])
    minimal = client.get("/annotations/", headers={
        "Prefer": 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'})
    assert isinstance(minimal.get_json()["first"], str)


def test_drafts_are_404_for_readers_and_visible_to_editors(client, doc, token):
    location = _create(client, token, **{"ar:status": "draft"}).headers["Location"]
    assert client.get(location).status_code == 404
    assert client.get(location, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/annotations/").get_json()["total"] == 0


def test_fact_checks_export_as_claimreview(client, doc, token, admin):
    check = _create(client, token, exact="the claims were absurd", body="No evidence was given.",
                    motivation="assessing", **{"ar:verdict": "misleading"})
    _create(client, token, exact="spokesman")  # a note: not a ClaimReview
    assert client.get("/docs/a-title/claimreview.json").get_json()["@graph"] == []  # unreviewed
    client.post(check.headers["Location"] + "/approval",
                headers={"Authorization": f"Bearer {issue_token(admin)}"})
    response = client.get("/docs/a-title/claimreview.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["@context"] == "https://schema.org"
    [review] = data["@graph"]
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "the claims were absurd"
    assert review["reviewRating"]["alternateName"] == "Misleading"
    assert review["reviewRating"]["ratingValue"] == 2
    assert review["url"].startswith("http://localhost/docs/a-title#a-")
    assert client.get("/docs/nope/claimreview.json").status_code == 404
