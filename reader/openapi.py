"""The OpenAPI 3.1 description of the api blueprint, as a plain dict (no Flask).

Served at ``/api/openapi.json``; ``tests/app/test_openapi.py`` runs schemathesis
against the app with it, so every status code, media type, header and body shape
written here is one the app really gives. Schemas of what the app writes are exact
enough to catch a change; schemas of what it reads are as loose as the import is
(docs/annotation-format.md).
"""

from importlib.metadata import PackageNotFoundError, version

from .config import KINDS, RELATIONS, STATUSES, VERDICTS
from .w3c import AR_NAMESPACE, MEDIA_TYPE

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: a larger one names nothing
JSON = "application/json"
JSONLD = "application/ld+json"
HTML = "text/html"
CSV = "text/csv"


def _ref(name, section="schemas"):
    return {"$ref": f"#/components/{section}/{name}"}


def _version():
    try:
        return version("annotated-reader")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"


# --- schemas --------------------------------------------------------------------------

IRI = {"type": "string", "format": "uri"}
CONTEXT = {"description": "JSON-LD context: the W3C anno context and the `ar:` extension prefix.",
           "anyOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]}

SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Every error of the API: the HTTP reason and what to do about it.",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
        "additionalProperties": False,
    },
    "TextQuoteSelector": {
        "type": "object",
        "required": ["type", "exact"],
        "properties": {
            "type": {"const": "TextQuoteSelector"},
            "exact": {"type": "string", "minLength": 1},
            "prefix": {"type": "string"},
            "suffix": {"type": "string"},
        },
    },
    "TextPositionSelector": {
        "type": "object",
        "description": "`start`/`end`: Unicode code points of the document's canonical text, "
                       "end exclusive.",
        "required": ["type", "start", "end"],
        "properties": {
            "type": {"const": "TextPositionSelector"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
        },
    },
    "Selector": {
        "description": "A text selector. Other W3C selectors are accepted and ignored, but a "
                       "target needs at least one of these two.",
        "anyOf": [_ref("TextQuoteSelector"), _ref("TextPositionSelector"),
                  {"type": "object", "required": ["type"],
                   "properties": {"type": {"type": "string"}}}],
    },
    "SpecificResource": {
        "type": "object",
        "description": "A span of a document: `source` is its IRI (`<base>/docs/<slug>` on "
                       "this server), placed by its TextPositionSelector, which must select "
                       "the words its TextQuoteSelector quotes; a quote alone must be found "
                       "once, or its prefix and suffix must tell which.",
        "required": ["source"],
        "properties": {
            "type": {"const": "SpecificResource"},
            "source": {"type": "string"},
            "selector": {"anyOf": [_ref("Selector"),
                                   {"type": "array", "items": _ref("Selector")}]},
        },
    },
    "TextualBody": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"const": "TextualBody"},
            "value": {"type": "string"},
            "format": {"type": "string"},
            "language": {"type": "string"},
            "purpose": {"type": "string", "description": "`tagging` makes it a tag; any "
                                                         "other body is the note's text"},
        },
    },
    "Person": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "name": {"type": "string", "description": "the name shown on the editor's notes"},
            "nickname": {"type": "string", "description": "never written; read on import "
                                                         "as an account's sign-in name"},
        },
    },
    "Source": {
        "type": "object",
        "description": "Where a quoted statement really comes from (extension term).",
        "required": ["id", "type"],
        "properties": {
            "id": IRI,
            "type": {"const": "ar:Source"},
            **{f"ar:{field}": {"type": "string"}
               for field in ("speaker", "title", "venue", "url", "language", "notes")},
            "ar:date": {"type": "string", "format": "date"},
        },
    },
    "SourceInput": {
        "type": "object",
        "description": "A source to cite: one of ours by `id` (it must exist: the server "
                       "chooses every new source's id; fields sent with it change the source, "
                       "kept in its history; a merged source's id names the source it was "
                       "merged into), else found by its fields or created. `ar:title` is "
                       "required to create one.",
        "properties": {
            "id": {"type": "string"},
            **{f"ar:{field}": {"type": "string"}
               for field in ("speaker", "title", "venue", "url", "language", "notes")},
            "ar:date": {"type": "string", "description": "YYYY-MM-DD"},
        },
    },
    "AnnotationInput": {
        "type": "object",
        "description": (
            "A W3C Web Annotation as the container accepts it: any conformant annotation "
            "whose target (or exactly one of whose targets) is a document of this server "
            "(its own host, BASE_URL's or one the OWN_HOSTS setting names). The "
            "motivation maps onto a kind (commenting: note; describing, linking, "
            "identifying: context; assessing: factcheck; anything else: a note that keeps "
            "its motivation). Without `ar:status` the annotation is published, except a kind "
            "under review (READER_REVIEW_KINDS, fact checks by default), which awaits review. "
            "With motivation `replying` and a target that is one of our annotations' IRIs it "
            "is an editors' comment on that note (readers never see it). What it says beyond "
            "our fields is kept and written back. `@context` is not checked."
        ),
        "required": ["type", "target"],
        "properties": {
            "@context": CONTEXT,
            "id": {"type": "string", "description": "a foreign IRI is kept as `via`"},
            "type": {"anyOf": [{"const": "Annotation"},
                               {"type": "array", "items": {"type": "string"},
                                "contains": {"const": "Annotation"}}]},
            "motivation": {"anyOf": [{"type": "string"},
                                     {"type": "array", "items": {"type": "string"}}]},
            "bodyValue": {"type": "string"},
            "body": {"anyOf": [
                {"type": "string", "description": "an IRI, kept as a link in the note"},
                _ref("TextualBody"),
                {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                      _ref("TextualBody")]}},
            ]},
            "target": {"anyOf": [
                {"type": "string", "description": "a document IRI: a note on the whole text"},
                _ref("SpecificResource"),
                {"type": "array", "minItems": 1,
                 "items": {"anyOf": [{"type": "string"}, _ref("SpecificResource")]}},
            ]},
            "creator": {"anyOf": [{"type": "string"}, _ref("Person"),
                                  {"type": "array", "items": _ref("Person")}]},
            "created": {"type": "string", "format": "date-time"},
            "modified": {"type": "string", "format": "date-time"},
            "via": {"type": "string"},
            "ar:status": {"enum": list(STATUSES)},
            "ar:verdict": {"enum": list(VERDICTS),
                           "description": "the fact check's finding; without it a fact "
                                          "check (assessing) has no verdict yet"},
            "ar:relation": {"enum": list(RELATIONS)},
            "ar:source": _ref("SourceInput"),
            "ar:orphan": {"type": "boolean"},
            "ar:correction": {
                "type": "object", "description": (
                    "PUT only, to a published note: marks the change for readers as a "
                    "`correction` or a `clarification` (`ar:kind`) with a one-line `ar:reason` "
                    "(at most 300 characters), shown on the note and on /corrections (for a "
                    "kind under review, once approved); without `ar:kind`, `ar:reason` says why "
                    "a PUT that takes a published note back to draft withdraws it (required "
                    "then). A typo fix sends none."),
                "properties": {"ar:kind": {"enum": ["correction", "clarification"]},
                               "ar:reason": {"type": "string", "maxLength": 300}}},
        },
        "example": {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "Annotation",
            "motivation": "commenting",
            "body": {"type": "TextualBody", "value": "Which claims?",
                     "format": "text/markdown"},
            "target": {"source": "http://127.0.0.1:5000/docs/russia", "selector": [
                {"type": "TextQuoteSelector", "exact": "Russia"},
                {"type": "TextPositionSelector", "start": 0, "end": 6}]},
        },
    },
    "Annotation": {
        "type": "object",
        "description": "A W3C Web Annotation as this reader writes it "
                       "(docs/annotation-format.md). `@context` only when it stands alone, or "
                       "when it came with terms of other vocabularies. What an annotation "
                       "from elsewhere said beyond our fields (another motivation, "
                       "`bodyValue`, bodies with a language or links, `canonical`, `rights`, "
                       "`audience`, other terms, more targets) is written back as it came, "
                       "while the fields it stands for are unchanged. An editors' comment "
                       "(motivation `replying`) targets the note's IRI and has no "
                       "`ar:status`; editors also get `ar:pending`, a change to a published "
                       "note that awaits approval.",
        "required": ["id", "type", "motivation", "created", "modified", "target"],
        "properties": {
            "@context": CONTEXT,
            "id": IRI,
            "type": {"anyOf": [{"const": "Annotation"},
                               {"type": "array", "contains": {"const": "Annotation"}}]},
            "motivation": {"anyOf": [{"type": "string"}, {"type": "array"}]},
            "created": {"type": "string", "format": "date-time"},
            "modified": {"type": "string", "format": "date-time"},
            "creator": {"anyOf": [_ref("Person"), {"type": "string"}, {"type": "array"}]},
            "body": {"anyOf": [
                {"type": "array", "minItems": 1, "items": {
                    "allOf": [_ref("TextualBody"), {"required": ["purpose"]}]},
                 "description": "ours: the note's Markdown, then one body per tag"},
                {"type": "string"}, {"type": "object"}, {"type": "array"}]},
            "bodyValue": {"type": "string"},
            "target": {"anyOf": [
                IRI,
                {"type": "object", "required": ["source", "selector"], "properties": {
                    "source": IRI,
                    "selector": {"anyOf": [
                        _ref("TextQuoteSelector"),
                        {"type": "array", "prefixItems": [_ref("TextQuoteSelector"),
                                                          _ref("TextPositionSelector")],
                         "minItems": 2}]},
                }},
                {"type": "array", "minItems": 1,
                 "description": "our document among the targets it came with"},
            ]},
            "via": {"anyOf": [{"type": "string"},
                              {"type": "array", "items": {"type": "string"}}]},
            "canonical": {"type": "string"},
            "ar:status": {"enum": list(STATUSES)},
            "ar:orphan": {"const": True},
            "ar:verdict": {"enum": list(VERDICTS)},
            "ar:relation": {"enum": list(RELATIONS)},
            "ar:source": _ref("Source"),
            "ar:pending": {"type": "object", "description": "editors only: the unapproved "
                           "change, as an annotation with its own `ar:status` (draft or "
                           "review)"},
        },
    },
    "Approval": {
        "type": "object",
        "description": "A review decision. Without a body: approve.",
        "properties": {
            "decision": {"enum": ["approve", "changes", "override"]},
            "comment": {"type": "string", "description": "what should change (changes)"},
            "reason": {"type": "string",
                       "description": "why it is published without review (override)"},
        },
    },
    "AnnotationPage": {
        "type": "object",
        "description": "One page of a collection. Standalone (`?page=N`) it has `@context`; "
                       "embedded as `first` it has not. Items are annotations, or their IRIs "
                       "when the client prefers contained IRIs.",
        "required": ["id", "type", "items"],
        "properties": {
            "@context": CONTEXT,
            "id": IRI,
            "type": {"const": "AnnotationPage"},
            "partOf": {"anyOf": [IRI, {"type": "object", "required": ["id"], "properties": {
                "id": IRI, "label": {"type": "string"},
                "total": {"type": "integer", "minimum": 0}}}]},
            "startIndex": {"type": "integer", "minimum": 0},
            "next": IRI,
            "prev": IRI,
            "items": {"type": "array", "items": {"anyOf": [_ref("Annotation"), IRI]}},
        },
    },
    "AnnotationCollection": {
        "type": "object",
        "description": "A paged collection: its first page embedded (or its IRI, for a "
                       "minimal container), the last page's IRI; neither when it is empty. "
                       "The container at /annotations/ is typed BasicContainer too.",
        "required": ["id", "type", "total"],
        "properties": {
            "@context": CONTEXT,
            "id": IRI,
            "type": {"anyOf": [{"const": "AnnotationCollection"},
                               {"const": ["BasicContainer", "AnnotationCollection"]}]},
            "label": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "first": {"anyOf": [_ref("AnnotationPage"), IRI]},
            "last": IRI,
        },
    },
    "ClaimReview": {
        "type": "object",
        "description": "One published fact check as schema.org ClaimReview. A fact check "
                       "with no verdict yet has no reviewRating; one without a text no "
                       "reviewBody.",
        "required": ["@type", "url", "datePublished", "dateModified", "author",
                     "claimReviewed", "itemReviewed"],
        "properties": {
            "@type": {"const": "ClaimReview"},
            "url": IRI,
            "datePublished": {"type": "string", "format": "date-time"},
            "dateModified": {"type": "string", "format": "date-time"},
            "author": {"type": "object", "required": ["@type", "name"]},
            "claimReviewed": {"type": "string"},
            "itemReviewed": {"type": "object", "required": ["@type", "appearance"],
                             "properties": {"@type": {"const": "Claim"}}},
            "reviewRating": {"type": "object", "required": ["@type", "alternateName"],
                             "properties": {
                                 "@type": {"const": "Rating"},
                                 "alternateName": {"type": "string"},
                                 "ratingValue": {"type": "integer", "minimum": 1,
                                                 "maximum": 5},
                                 "bestRating": {"const": 5},
                                 "worstRating": {"const": 1}}},
            "reviewBody": {"type": "string"},
        },
    },
    "ClaimReviewGraph": {
        "type": "object",
        "required": ["@context", "@graph"],
        "properties": {
            "@context": {"const": "https://schema.org"},
            "@graph": {"type": "array", "items": _ref("ClaimReview")},
        },
    },
    "OpenAPI": {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {"openapi": {"type": "string"}, "info": {"type": "object"},
                       "paths": {"type": "object"}},
    },
}


# --- parameters, headers, responses -----------------------------------------------------

def _query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _header(name, description, required=False, example=None):
    parameter = {"name": name, "in": "header", "required": required,
                 "schema": {"type": "string"}, "description": description}
    if example is not None:
        parameter["example"] = example
    return parameter


PARAMETERS = {
    "page": _query("page", {"type": "integer", "minimum": 0},
                   "Return AnnotationPage N (from 0) instead of the collection. 400 if not a "
                   "non-negative integer, 404 past the last page. The unfiltered container "
                   "finds any page by its number; a filtered one, or a document's collection, "
                   "finds by number alone only the pages within 1,024 annotations of either "
                   "end (400 with the numbers that work beyond): its `next` and `prev` links "
                   "carry `after` or `before` and reach every page."),
    "after": _query("after", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "With `page`: the page's notes are those just after this annotation id "
                    "(the last of the page before), as `next` links name it. 404 when "
                    "none is left after it."),
    "before": _query("before", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                     "With `page`: the page's notes are those just before this annotation "
                     "id (the first of the page after), as `prev` links name it. 404 when "
                     "none is left before it."),
    "doc": _query("doc", {"type": "string"}, "Only annotations on the document with this slug."),
    "kind": _query("kind", {"enum": list(KINDS)}, "Only annotations of this kind."),
    "tag": _query("tag", {"type": "string"}, "Only annotations with this tag (the whole tag, "
                                             "case-sensitive)."),
    "source": _query("source", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                     "Only annotations citing the source with this id. 400 if not an id."),
    "reason": _query("reason", {"type": "string", "maxLength": 300},
                     "Why a published note is withdrawn (or `{\"ar:reason\": …}` in a JSON "
                     "body): required to delete a published note, shown to readers on "
                     "/corrections."),
    "iris": _query("iris", {"enum": ["0", "1"]},
                   "1: the representation whose pages list annotation IRIs (as Prefer "
                   "`http://www.w3.org/ns/oa#PreferContainedIRIs` asks for); 0: annotations "
                   "embedded. It wins over Prefer; the response's Content-Location names it."),
    "Prefer": _header(
        "Prefer",
        "W3C Annotation Protocol container preference: `include` naming "
        "`http://www.w3.org/ns/ldp#PreferMinimalContainer` gives `first` as an IRI; "
        "`http://www.w3.org/ns/oa#PreferContainedIRIs` gives the items as IRIs.",
        example='return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'),
    "slug": {"name": "slug", "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
             "description": "The document's slug.", "example": "russia"},
    "annotation_id": {"name": "annotation_id", "in": "path", "required": True,
                      "schema": {"type": "integer", "minimum": 1},
                      "description": "The annotation's ID (the last segment of its IRI).",
                      "example": 16},
    "If-None-Match": _header("If-None-Match", "An ETag you hold: 304 if it is still current."),
    "If-Modified-Since": _header("If-Modified-Since", "An HTTP date: 304 if not modified since."),
    "If-Match": {**_header("If-Match", "The ETag the change is based on: 412 if the "
                                       "annotation changed since. `*` is any version."),
                 "examples": {"etag": {"summary": "an ETag from a GET", "value": '"16-1"'},
                              "any": {"summary": "whatever version is current", "value": "*"}}},
    "X-CSRFToken": _header("X-CSRFToken", "The page's CSRF token: required when a session "
                                          "cookie, not a bearer token, authenticates the write."),
}

HEADERS = {
    "ETag": {"description": "`\"<ID>-<version>\"`: send it back in If-Match to change it.",
             "required": True,
             "schema": {"type": "string", "pattern": '^"[0-9]+-[0-9]+"$'}},
    "RepresentationETag": {"description": "An entity tag of this representation: send it in "
                                          "If-None-Match for a 304 while it is current.",
                           "required": True, "schema": {"type": "string"}},
    "Content-Location": {"description": "The IRI of the representation returned (the "
                                        "collection, `?iris=1` for IRIs, or the page).",
                         "required": True, "schema": {"type": "string", "format": "uri"}},
    "Last-Modified": {"description": "When the annotation last changed.",
                      "schema": {"type": "string"}},
    "Location": {"description": "The new annotation's IRI.", "required": True,
                 "schema": {"type": "string", "format": "uri"}},
    "Link": {"description": "LDP interaction model (`rel=\"type\"`), and for the container "
                            "the protocol it is constrained by.",
             "schema": {"type": "string"}},
    "Allow": {"description": "The methods the resource takes.", "schema": {"type": "string"}},
    "Accept-Post": {"description": "The media type POST takes.", "schema": {"type": "string"}},
    "Vary": {"description": "Request headers the representation depends on.",
             "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"description": "Reads are open to every origin.",
                                    "required": True, "schema": {"const": "*"}},
}


def _error(description, html=False):
    """A response with the JSON error shape (and the site's HTML page when ``html``)."""
    content = {JSON: {"schema": _ref("Error")}}
    if html:
        content[HTML] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


RESPONSES = {
    "BadRequest": _error("The body is not JSON, a query parameter is malformed, or a "
                         "session-authenticated write lacks its CSRF token."),
    "Unauthorized": _error("No credentials, or a bad or revoked token (with an "
                           "Authorization header, the header alone counts)."),
    "Forbidden": _error("Signed in, but not allowed: a published note is changed only by its "
                        "author or an admin; a comment by its author only; nobody approves "
                        "their own change; only admins override."),
    "NotFound": _error("No such resource, or a draft or deleted annotation asked for by a "
                       "reader. Under /annotations/ every error is JSON, even for a path that "
                       "matches no route (e.g. a non-numeric ID); elsewhere such a path gets "
                       "the site's HTML page.", html=True),
    "Conflict": _error("An annotation imported from this foreign `id` (its `via`) exists "
                       "already, or (error `review required`) this kind is published only "
                       "once another editor approves it."),
    "PreconditionFailed": _error("If-Match names an older version, or none of the "
                                 "annotation's ETags: GET it again."),
    "PayloadTooLarge": _error("The body is larger than the server takes (4 MiB by default)."),
    "UnsupportedMediaType": _error("The body is not application/ld+json or application/json."),
    "Unprocessable": _error("JSON, but not an annotation this reader can take: the reason is "
                            "in `detail` (not an Annotation, no target document, a target on "
                            "another host, a quote not in the text, a position that "
                            "disagrees with its quote, a quote found more than once with "
                            "nothing to say which, a bad field)."),
    "PreconditionRequired": _error("PUT and DELETE need If-Match with the annotation's ETag."),
}


def _header_refs(names):
    """Map response header names onto their components (a collection's ETag is its own)."""
    return {("ETag" if name == "RepresentationETag" else name): _ref(name, "headers")
            for name in names}


def _jsonld(schema, description, headers=()):
    """A 200-style response with W3C JSON-LD content and the named headers."""
    return {"description": description, "headers": _header_refs(headers),
            "content": {MEDIA_TYPE: {"schema": schema}}}


def _headers_only(description, headers=()):
    return {"description": description, "headers": _header_refs(headers)}


def _responses(**codes):
    """Map keyword names like ``r404`` onto status codes; strings name a shared response."""
    return {name[1:]: (_ref(value, "responses") if isinstance(value, str) else value)
            for name, value in codes.items()}


READ = [{}, {"bearerAuth": []}, {"cookieAuth": []}]
WRITE = [{"bearerAuth": []}, {"cookieAuth": []}]
ANNOTATION_HEADERS = ("ETag", "Last-Modified", "Link", "Allow", "Vary")
COLLECTION_HEADERS = ("RepresentationETag", "Content-Location", "Access-Control-Allow-Origin")
CONTAINER_HEADERS = ("Link", "Allow", "Accept-Post", "Vary") + COLLECTION_HEADERS
COLLECTION_OR_PAGE = {"anyOf": [_ref("AnnotationCollection"), _ref("AnnotationPage")]}
WRITE_BODY = {"required": True, "description": "A W3C Web Annotation (JSON-LD).",
              "content": {JSONLD: {"schema": _ref("AnnotationInput")},
                          JSON: {"schema": _ref("AnnotationInput")}}}


def _params(*names):
    return [_ref(name, "parameters") for name in names]


def _paths():
    container_params = _params("page", "after", "before", "doc", "kind", "tag", "source",
                               "iris", "Prefer", "If-None-Match")
    item_read = {
        "parameters": _params("If-None-Match", "If-Modified-Since"),
        "security": READ,
    }
    return {
        "/annotations/": {
            "get": {
                "operationId": "listAnnotations", "tags": ["Annotations"],
                "summary": "The annotation container: published annotations, paged",
                "description": "An AnnotationCollection (typed BasicContainer too) with its "
                               "first page embedded, or with `page` one AnnotationPage. "
                               "Filters combine.",
                "parameters": container_params, "security": READ,
                "responses": _responses(
                    r200=_jsonld(COLLECTION_OR_PAGE, "The collection, or the page asked for.",
                                 CONTAINER_HEADERS),
                    r304=_headers_only("The representation has not changed since the ETag "
                                       "sent.", ("RepresentationETag",)),
                    r400="BadRequest", r404="NotFound"),
            },
            "head": {
                "operationId": "headAnnotations", "tags": ["Annotations"],
                "summary": "The container's headers", "parameters": container_params,
                "security": READ,
                "responses": _responses(
                    r200=_headers_only("As GET, without a body.", CONTAINER_HEADERS),
                    r304=_headers_only("As GET.", ("RepresentationETag",)),
                    r400=_headers_only("As GET."), r404=_headers_only("As GET.")),
            },
            "post": {
                "operationId": "createAnnotation", "tags": ["Annotations"],
                "summary": "Create an annotation",
                "description": "The span is placed on the target document's text. Any `id` "
                               "that is not one of ours is kept as `via`.",
                "parameters": _params("X-CSRFToken"), "security": WRITE,
                "requestBody": WRITE_BODY,
                "responses": _responses(
                    r201=_jsonld(_ref("Annotation"), "Created.",
                                 ("Location",) + ANNOTATION_HEADERS),
                    r400="BadRequest", r401="Unauthorized", r409="Conflict",
                    r413="PayloadTooLarge", r415="UnsupportedMediaType",
                    r422="Unprocessable"),
            },
        },
        "/annotations/{annotation_id}": {
            "parameters": _params("annotation_id"),
            "get": {
                "operationId": "getAnnotation", "tags": ["Annotations"],
                "summary": "One annotation",
                "description": "Drafts are visible to signed-in editors only.",
                **item_read,
                "responses": _responses(
                    r200=_jsonld(_ref("Annotation"), "The annotation.",
                                 ANNOTATION_HEADERS + ("Access-Control-Allow-Origin",)),
                    r304=_headers_only("Not modified since the ETag or date you sent.",
                                       ("ETag",)),
                    r404="NotFound", r412="PreconditionFailed"),
            },
            "head": {
                "operationId": "headAnnotation", "tags": ["Annotations"],
                "summary": "One annotation's headers", **item_read,
                "responses": _responses(
                    r200=_headers_only("As GET, without a body.", ANNOTATION_HEADERS),
                    r304=_headers_only("As GET.", ("ETag",)), r404=_headers_only("As GET."),
                    r412=_headers_only("As GET.")),
            },
            "put": {
                "operationId": "replaceAnnotation", "tags": ["Annotations"],
                "summary": "Replace an annotation",
                "description": "Optimistic locking: If-Match must carry the current ETag. "
                               "The annotation stays on its document.",
                "parameters": [{**PARAMETERS["If-Match"], "required": True},
                               *_params("X-CSRFToken")],
                "security": WRITE, "requestBody": WRITE_BODY,
                "responses": _responses(
                    r200=_jsonld(_ref("Annotation"), "Replaced (or, for a published note "
                                 "under review, its change kept pending: `ar:pending`).",
                                 ANNOTATION_HEADERS),
                    r400="BadRequest", r401="Unauthorized", r403="Forbidden", r404="NotFound",
                    r409="Conflict",
                    r412="PreconditionFailed", r413="PayloadTooLarge",
                    r415="UnsupportedMediaType", r422="Unprocessable",
                    r428="PreconditionRequired"),
            },
            "delete": {
                "operationId": "deleteAnnotation", "tags": ["Annotations"],
                "summary": "Delete an annotation (editors can restore it)",
                "description": "Optimistic locking: If-Match must carry the current ETag. "
                               "Deleting a published note withdraws it from readers: give "
                               "the reason they read (`reason`), else 422.",
                "parameters": [{**PARAMETERS["If-Match"], "required": True},
                               *_params("X-CSRFToken", "reason")],
                "security": WRITE,
                "responses": _responses(
                    r204={"description": "Deleted."}, r400="BadRequest",
                    r401="Unauthorized", r403="Forbidden", r404="NotFound",
                    r412="PreconditionFailed", r415="UnsupportedMediaType",
                    r422="Unprocessable", r428="PreconditionRequired"),
            },
        },
        "/annotations/{annotation_id}/approval": {
            "parameters": _params("annotation_id"),
            "post": {
                "operationId": "reviewAnnotation", "tags": ["Annotations"],
                "summary": "Approve (and publish) the change awaiting review, or send it back",
                "description": "By an editor other than the change's authors. `changes` "
                               "sends it back to draft with a comment; `override` (admins, "
                               "with a reason) publishes without review. If-Match, when "
                               "given, must name the version the reviewer read.",
                "parameters": _params("If-Match", "X-CSRFToken"), "security": WRITE,
                "requestBody": {"required": False, "content": {
                    JSON: {"schema": _ref("Approval")}, JSONLD: {"schema": _ref("Approval")}}},
                "responses": _responses(
                    r201=_jsonld(_ref("Annotation"), "Decided: the annotation as it now is.",
                                 ANNOTATION_HEADERS),
                    r400="BadRequest", r401="Unauthorized", r403="Forbidden",
                    r404="NotFound", r409=_error("Nothing awaits review."),
                    r412="PreconditionFailed", r413="PayloadTooLarge",
                    r415="UnsupportedMediaType", r422="Unprocessable"),
            },
        },
        "/docs/{slug}/annotations.json": {
            "parameters": _params("slug"),
            "get": {
                "operationId": "getDocumentAnnotations", "tags": ["Documents"],
                "summary": "A document's published annotations",
                "parameters": _params("page", "after", "before", "If-None-Match"),
                "security": READ,
                "responses": _responses(
                    r200=_jsonld(COLLECTION_OR_PAGE, "The collection, or the page asked for.",
                                 COLLECTION_HEADERS),
                    r304=_headers_only("Not changed since the ETag sent.",
                                       ("RepresentationETag",)),
                    r400="BadRequest", r404="NotFound"),
            },
        },
        "/docs/{slug}/annotations.csv": {
            "parameters": _params("slug"),
            "get": {
                "operationId": "getDocumentAnnotationsCsv", "tags": ["Documents"],
                "summary": "A document's published annotations as CSV, for spreadsheets",
                "description": "One row per note: document, quote, start, end, kind, verdict, "
                               "note, tags, source, author, status, created, modified, "
                               "permalink. UTF-8 with a byte-order mark; a cell that would "
                               "start with =, +, - or @ starts with an apostrophe.",
                "security": READ,
                "responses": _responses(
                    r200={"description": "The CSV file.",
                          "headers": _header_refs(("Access-Control-Allow-Origin",)),
                          "content": {CSV: {"schema": {"type": "string"}}}},
                    r404="NotFound"),
            },
        },
        "/docs/{slug}/claimreview.json": {
            "parameters": _params("slug"),
            "get": {
                "operationId": "getDocumentClaimReviews", "tags": ["Documents"],
                "summary": "A document's published fact checks as schema.org ClaimReview",
                "security": READ,
                "responses": _responses(
                    r200={"description": "A JSON-LD graph of ClaimReviews.",
                          "headers": {"Access-Control-Allow-Origin":
                                      _ref("Access-Control-Allow-Origin", "headers")},
                          "content": {JSONLD: {"schema": _ref("ClaimReviewGraph")}}},
                    r404="NotFound"),
            },
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenAPI", "tags": ["Meta"],
                "summary": "This description", "security": READ,
                "responses": _responses(r200={
                    "description": "OpenAPI 3.1.",
                    "headers": {"Access-Control-Allow-Origin":
                                _ref("Access-Control-Allow-Origin", "headers")},
                    "content": {JSON: {"schema": _ref("OpenAPI")}}}),
            },
        },
    }


def openapi_document(base):
    """Return the OpenAPI 3.1 description of the JSON API served under ``base``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Annotated Reader API",
            "version": _version(),
            "description": (
                "Annotations on news texts as W3C Web Annotation JSON-LD, through the W3C "
                "Web Annotation Protocol. Reads need no account and see published "
                "annotations only; writes need an editor's bearer token (or a signed-in "
                "session plus its CSRF token). Every error is `{\"error\", \"detail\"}`. "
                f"Extension terms use the prefix `ar:` = `{AR_NAMESPACE}`; the mapping is "
                "in docs/annotation-format.md."
            ),
        },
        "servers": [{"url": base}],
        "tags": [{"name": "Annotations", "description": "The W3C annotation container"},
                 {"name": "Documents", "description": "Per-document exports"},
                 {"name": "Meta"}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "responses": RESPONSES,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "An editor's API token (the account page, or "
                                              "`flask --app reader users token NAME`)."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                               "description": "A signed-in editor's session; writes also "
                                              "need the X-CSRFToken header."},
            },
        },
    }
