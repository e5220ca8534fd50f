"""Annotations <-> W3C Web Annotation JSON-LD, both directions, without a web framework.

Export takes objects with the Annotation model's attributes (duck-typed) and plain
IRIs; import returns plain dicts for the services to check and store. What the W3C
vocabulary lacks goes under the ``ar:`` extension prefix declared in CONTEXT and
documented in docs/annotation-format.md.
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .config import MAX_ID
from .interchange import foreign
from .text.canonical import MAX_QUOTE_CONTEXT, trim_context

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
AR_NAMESPACE = "urn:annotated-reader:"
CONTEXT = [ANNO_CONTEXT, {"ar": AR_NAMESPACE}]
PROFILE = ANNO_CONTEXT
MEDIA_TYPE = f'application/ld+json; profile="{PROFILE}"'
MOTIVATION_OF_KIND = {"note": "commenting", "context": "describing", "factcheck": "assessing",
                      "reply": "replying"}
REPLY = "reply"  # an editors' comment: its target is the IRI of the note it answers
KIND_OF_MOTIVATION = {
    "commenting": "note", "describing": "context", "linking": "context",
    "identifying": "context", "assessing": "factcheck",
}
SOURCE_FIELDS = ("speaker", "title", "venue", "url", "language", "notes")
_DOC_PATH = re.compile(r"/docs/([^/?#]+)/?$")
_ANNOTATION_PATH = re.compile(r"/annotations/(\d+)/?$")
_SOURCE_PATH = re.compile(r"/sources/(\d+)/?$")


class W3CError(ValueError):
    """A JSON value is not an annotation this app can take, with the reason."""


def isoformat(moment):
    """Return an aware datetime as RFC 3339 in UTC (``2024-01-31T12:00:00Z``)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime writes such a year unpadded, as it always did
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat(timespec="seconds")[:-6] + "Z"  # "+00:00" as "Z"; far quicker


def doc_iri(base, slug):
    """Return the IRI of a document."""
    return f"{base}/docs/{slug}"


def annotation_iri(base, annotation_id):
    """Return the IRI of an annotation."""
    return f"{base}/annotations/{annotation_id}"


def source_iri(base, source_id):
    """Return the IRI of a source."""
    return f"{base}/sources/{source_id}"


# what row_to_jsonld reads of a stored annotation, in order: the model's columns, but
# ``created`` and ``modified`` already written as RFC 3339 (``isoformat``)
ROW_FIELDS = ("id", "kind", "body", "tags", "status", "start", "end", "exact", "prefix",
              "suffix", "orphan", "verdict", "relation", "creator_name", "via", "extra",
              "reply_to_id", "created", "modified")


def annotation_to_jsonld(annotation, base, slug, with_context=True):
    """Return one annotation as a W3C Annotation (a dict ready for ``json.dumps``).

    ``annotation`` needs the model's attributes; ``slug`` names its document. The
    parts of an imported annotation kept in ``extra`` are written back (see
    interchange/foreign.py).
    """
    row = (annotation.id, annotation.kind, annotation.body, annotation.tags, annotation.status,
           annotation.start, annotation.end, annotation.exact, annotation.prefix,
           annotation.suffix, annotation.orphan, annotation.verdict, annotation.relation,
           annotation.creator_name, annotation.via, getattr(annotation, "extra", None),
           getattr(annotation, "reply_to_id", None), isoformat(annotation.created_at),
           isoformat(annotation.modified_at))
    user, source = annotation.creator, annotation.source
    out = row_to_jsonld(row, base, doc_iri(base, slug),
                        None if user is None else user.public_name,
                        None if source is None else source_to_jsonld(source, base))
    if with_context and "@context" not in out:
        out = {"@context": CONTEXT, **out}
    return out


def row_to_jsonld(row, base, document_iri, user_name, source):
    """Return the W3C Annotation of a stored annotation given as plain values, without context.

    ``row`` holds ROW_FIELDS in order; ``user_name`` is the public name of the account
    that wrote it (None without one) and ``source`` what ``source_to_jsonld`` makes of
    its source (or None). A large export calls this once per row, so it works on the
    values alone, without helpers per field.
    """
    (annotation_id, kind, body, tags, status, start, end, exact, prefix, suffix, orphan,
     verdict, relation, creator_name, via, extra, reply_to_id, created, modified) = row
    motivation = MOTIVATION_OF_KIND[kind]
    out = {"id": f"{base}/annotations/{annotation_id}", "type": "Annotation",
           "motivation": motivation, "created": created, "modified": modified}
    # only the name readers see on the note: an editor's sign-in name is never published
    if user_name is not None:
        out["creator"] = {"type": "Person", "name": user_name}
    elif creator_name:
        out["creator"] = {"type": "Person", "name": creator_name}
    bodies = [{"type": "TextualBody", "value": body, "format": "text/markdown",
               "purpose": motivation}] if body else []
    if tags:
        bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in tags]
    if bodies:
        out["body"] = bodies
    if kind == REPLY:  # an editors' comment targets the note it answers
        out["target"] = f"{base}/annotations/{reply_to_id}"
        if via:
            out["via"] = via
        return out
    # the document IRI, with selectors when the note has a span (an orphan: its last quote)
    if start is not None:
        out["target"] = {"source": document_iri, "selector": [
            {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
            {"type": "TextPositionSelector", "start": start, "end": end}]}
    elif orphan:
        out["target"] = {"source": document_iri, "selector": {
            "type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}}
    else:
        out["target"] = document_iri
    if via:
        out["via"] = via
    out["ar:status"] = status
    if orphan:
        out["ar:orphan"] = True
    if verdict:
        out["ar:verdict"] = verdict
    if relation:
        out["ar:relation"] = relation
    if source is not None:
        out["ar:source"] = source
    if not extra:
        return out
    # the fields the kept parts of an imported annotation are checked against
    now = {"kind": kind, "body": body, "tags": list(tags or ()), "creator_name": creator_name,
           "has_user": user_name is not None, "created": created, "modified": modified,
           "span": [start, end]}
    return foreign.merge(out, extra, now, CONTEXT)


def standard_bodies(body, tags, motivation):
    """Return the bodies we write for a note's Markdown ``body`` and ``tags`` (maybe [])."""
    bodies = []
    if body:
        bodies.append({"type": "TextualBody", "value": body, "format": "text/markdown",
                       "purpose": motivation})
    bodies.extend({"type": "TextualBody", "value": tag, "purpose": "tagging"}
                  for tag in tags or ())
    return bodies


def source_to_jsonld(source, base):
    """Return a source record under the extension vocabulary."""
    out = {"id": source_iri(base, source.id), "type": "ar:Source"}
    for field in SOURCE_FIELDS:
        value = getattr(source, field)
        if value:
            out[f"ar:{field}"] = value
    if source.occurred_on:
        out["ar:date"] = source.occurred_on.isoformat()
    return out


def annotation_page(page_iri, items, collection, start_index=0, next_iri=None, prev_iri=None,
                    with_context=True):
    """Return an AnnotationPage; ``collection`` is the ``partOf`` object (id, label, total)."""
    page = {}
    if with_context:
        page["@context"] = CONTEXT
    page.update({"id": page_iri, "type": "AnnotationPage", "partOf": collection,
                 "startIndex": start_index})
    if next_iri:
        page["next"] = next_iri
    if prev_iri:
        page["prev"] = prev_iri
    page["items"] = items
    return page


def as_container(collection):
    """Return an AnnotationCollection as the protocol's container: a BasicContainer too."""
    return {"@context": [ANNO_CONTEXT, LDP_CONTEXT, *CONTEXT[1:]],
            **{k: v for k, v in collection.items() if k != "@context"},
            "type": ["BasicContainer", "AnnotationCollection"]}


def annotation_collection(collection_iri, label, total, first, last_iri=None):
    """Return an AnnotationCollection whose ``first`` is an embedded page or an IRI."""
    out = {"@context": CONTEXT, "id": collection_iri, "type": "AnnotationCollection",
           "label": label, "total": total}
    if total:
        out["first"] = first
        if last_iri:
            out["last"] = last_iri
    return out


# --- import ---------------------------------------------------------------------------

def iter_items(data):
    """Yield ``(index, item)`` for the annotations in a parsed JSON file.

    Accepts one Annotation, a list, an AnnotationPage or an AnnotationCollection
    (its embedded pages, following embedded ``next`` pages). Raises W3CError for
    anything else.
    """
    if isinstance(data, list):
        yield from enumerate(data)
        return
    if not isinstance(data, dict):
        raise W3CError("expected a JSON object or list of annotations")
    types = _types(data)
    if "Annotation" in types:
        yield 0, data
    elif "AnnotationPage" in types:
        yield from enumerate(_page_items(data))
    elif "AnnotationCollection" in types:
        index = 0
        page = data.get("first")
        while isinstance(page, dict):
            for item in _page_items(page):
                yield index, item
                index += 1
            page = page.get("next")
        total = data.get("total", 0)  # a foreign "total" may be anything: never compare blindly
        if isinstance(page, str) and (not isinstance(total, int) or total > index):
            raise W3CError(f"the collection links to a page it does not embed: {page}")
    else:
        raise W3CError("expected an Annotation, AnnotationPage or AnnotationCollection")


def _page_items(page):
    items = page.get("items", [])
    if not isinstance(items, list):
        raise W3CError("a page's items must be a list")
    return items


def _types(obj):
    value = obj.get("type", obj.get("@type", []))
    if isinstance(value, list):  # only strings name types; other JSON values are ignored
        return {v for v in value if isinstance(v, str)}
    return {value} if isinstance(value, str) else set()


def local_id(iri, base, pattern=_ANNOTATION_PATH):
    """Return the numeric id if ``iri`` is one of ours under ``base``, else None.

    Raises W3CError for one of ours whose number no database id can be.
    """
    if not isinstance(iri, str):
        return None
    parts, ours = urlsplit(iri), urlsplit(base)
    match = pattern.search(parts.path)
    if match and (parts.scheme, parts.netloc) == (ours.scheme, ours.netloc):
        number = int(match.group(1))
        if not 0 < number <= MAX_ID:
            raise W3CError(f"the id {iri[:80]} is out of range")
        return number
    return None


def parse_annotation(obj, base, hosts=None):
    """Return the plain fields of one W3C annotation, or raise W3CError with the reason.

    The result holds ``slug`` (from the target's ``/docs/<slug>`` path), ``local_id``
    (our id, when the ``id`` is one of ours under ``base``), ``iri``, the span
    (start/end/exact/prefix/suffix, each possibly None), every stored field, and
    ``extra``: what else the annotation says, kept to write it back (or None).
    With ``hosts`` (a set of ``host[:port]``), a document target on any other host
    is refused, as the HTTP API does; without, a target is matched by its path alone.
    """
    if not isinstance(obj, dict):
        raise W3CError("an annotation must be a JSON object")
    if "Annotation" not in _types(obj):
        raise W3CError('"type" must be "Annotation"')
    iri = obj.get("id")
    if iri is not None and not isinstance(iri, str):
        raise W3CError('"id" must be an IRI string')
    out = {"iri": iri, "local_id": local_id(iri, base), "reply_to": None}
    reply_to = _reply_target(obj) if "replying" in _motivations(obj) else None
    if reply_to is not None:
        out.update({"slug": None, "start": None, "end": None, "exact": None, "prefix": "",
                    "suffix": "", "kind": REPLY, "reply_to": reply_to,
                    "reply_to_local": local_id(reply_to, base)})
    else:
        out.update(_parse_target(obj.get("target"), hosts))
        out["kind"] = _parse_kind(obj)
    out.update(_parse_bodies(obj))
    out["status"] = obj.get("ar:status", "published")
    out["status_given"] = "ar:status" in obj
    out["verdict"] = obj.get("ar:verdict")
    out["relation"] = obj.get("ar:relation")
    out["source"] = _parse_source(obj.get("ar:source"), base)
    out["created"] = _parse_time(obj, "created")
    out["modified"] = _parse_time(obj, "modified") or out["created"]
    out["creator"] = _parse_creator(obj.get("creator"))
    out["via"], out["via_more"] = _parse_via(obj.get("via"), iri if out["local_id"] is None
                                             else None)
    if obj.get("ar:orphan") and out["start"] is not None:
        out["start"] = out["end"] = None  # an orphan has no position
    out["orphan"] = bool(obj.get("ar:orphan"))
    out["pending"] = _parse_pending(obj, base)
    if out["kind"] == REPLY:
        out["extra"] = None  # an editors' comment is kept in our own form
    else:
        motivation = MOTIVATION_OF_KIND[out["kind"]]
        standard = {
            "motivation": motivation,
            "body": standard_bodies(out["body"], out["tags"], motivation) or None,
            "creators": _creator_forms(out["creator"]),
            "created": isoformat(out["created"]) if out["created"] else None,
            "modified": isoformat(out["modified"]) if out["modified"] else None,
        }
        out["extra"] = foreign.split(obj, out, standard, CONTEXT)
    out.pop("target_parts", None)
    del out["via_more"]
    return out


def parse_correction(obj):
    """Return ``(kind, reason)`` from a write's ``ar:correction`` (both None without one).

    ``{"ar:kind": "correction" | "clarification", "ar:reason": "…"}`` marks a change to
    a published note for readers; ``{"ar:reason": "…"}`` alone says why a PUT takes a
    published note away from them. Raises W3CError for any other shape.
    """
    value = obj.get("ar:correction") if isinstance(obj, dict) else None
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise W3CError('ar:correction must be an object: {"ar:kind": "correction" or '
                       '"clarification", "ar:reason": "…"}')
    kind, reason = value.get("ar:kind"), value.get("ar:reason")
    if not all(v is None or isinstance(v, str) for v in (kind, reason)):
        raise W3CError("ar:correction: ar:kind and ar:reason must be strings")
    return kind, reason


def _parse_pending(obj, base):
    """Return the unapproved change under ``ar:pending`` (parsed like an annotation), or None."""
    pending = obj.get("ar:pending")
    if pending is None:
        return None
    if not isinstance(pending, dict):
        raise W3CError("ar:pending must be an annotation object")
    inner = {key: value for key, value in pending.items() if key != "ar:pending"}
    inner.setdefault("type", "Annotation")
    inner.setdefault("target", obj.get("target"))
    try:
        return parse_annotation(inner, base)
    except W3CError as exc:
        raise W3CError(f"ar:pending: {exc}") from None


def _parse_via(value, foreign_id):
    """Return ``(via, more)``: the IRI the ``via`` column keeps and the other ``via`` IRIs.

    A foreign ``id`` is what the column keeps (DESIGN: IDs), so every given ``via``
    is one more; else the first ``via`` is the column's.
    """
    vias = [value] if isinstance(value, str) else (
        [v for v in value if isinstance(v, str)] if isinstance(value, list) else [])
    if foreign_id:
        return foreign_id, vias
    return (vias[0] if vias else None), vias[1:]


def _creator_forms(creator):
    """Return the creator objects export writes for a parsed creator (with or without user)."""
    if creator is None:
        return [None]
    forms = [{"type": "Person", "name": creator["name"]}]
    if creator["nickname"]:
        forms.append({"type": "Person", "nickname": creator["nickname"], "name": creator["name"]})
    return forms


def _parse_target(target, hosts=None):
    """Return slug and selector fields of a target (IRI, object, or list of either).

    Of a list, exactly one target must be one of our documents; the others are kept
    (``target_parts``) to be written back. Raises W3CError naming what is refused.
    """
    was_list = isinstance(target, list)
    targets = target if was_list else [target]
    documents = []
    for index, candidate in enumerate(targets):
        slug = _target_slug(candidate)
        if hosts is not None:
            _check_host(candidate, hosts, refuse_any=slug is not None or len(targets) == 1)
        if slug is not None:
            documents.append(index)
    if not documents:
        if was_list:
            raise W3CError("no target is a document of this reader (…/docs/<slug>)")
        raise W3CError("the target must be a document IRI ending in /docs/<slug>")
    if len(documents) > 1:
        named = ", ".join(_source_of(targets[i])[:120] for i in documents)
        raise W3CError(f"{len(documents)} targets are documents here ({named}): a note "
                       "has one span, so send one annotation per target")
    index = documents[0]
    target = targets[index]
    span = {"slug": _target_slug(target), "start": None, "end": None, "exact": None,
            "prefix": "", "suffix": "",
            "target_parts": foreign.target_parts(targets, index, was_list)}
    if isinstance(target, str) or target.get("selector") is None:
        return span
    selectors = target["selector"]
    selectors = selectors if isinstance(selectors, list) else [selectors]
    found = False
    for selector in selectors:
        if not isinstance(selector, dict):
            continue
        kind = selector.get("type")
        if kind == "TextQuoteSelector":
            exact = selector.get("exact")
            if not isinstance(exact, str) or not exact:
                raise W3CError("TextQuoteSelector needs a non-empty string exact")
            span["exact"] = exact
            # only the context nearest the quote helps place it: a longer one is trimmed
            span["prefix"], span["suffix"] = trim_context(
                _string(selector.get("prefix", ""), "prefix"),
                _string(selector.get("suffix", ""), "suffix"), MAX_QUOTE_CONTEXT)
            found = True
        elif kind == "TextPositionSelector":
            start, end = selector.get("start"), selector.get("end")
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                       for v in (start, end)):
                raise W3CError("TextPositionSelector needs non-negative integer start and end")
            span["start"], span["end"] = start, end
            found = True
    if not found:
        raise W3CError("the target has no TextQuoteSelector or TextPositionSelector")
    return span


def _source_of(target):
    """Return a target's IRI (its ``source`` for an object), or ""."""
    source = target if isinstance(target, str) else (
        target.get("source") if isinstance(target, dict) else None)
    return source if isinstance(source, str) else ""


def host_of(url):
    """Return the ``host[:port]`` of ``url`` in lower case, without a default port."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port in (None, default) else f"{host}:{port}"


def _check_host(target, hosts, refuse_any):
    """Refuse a target on a host not in ``hosts``: a document elsewhere, or the only target."""
    source = _source_of(target)
    if not source or not refuse_any or not urlsplit(source).netloc:
        return
    host = host_of(source)
    if host not in hosts:
        raise W3CError(f"the target {source[:200]} is on another host ({host[:100]}): this "
                       f"server takes annotations on its own documents "
                       f"({', '.join(sorted(hosts))})")


def _target_slug(target):
    source = _source_of(target)
    if not source:
        return None
    match = _DOC_PATH.search(urlsplit(source).path)
    return match.group(1) if match else None


def _string(value, name):
    if not isinstance(value, str):
        raise W3CError(f"{name} must be a string")
    return value


def _motivations(obj):
    """Return the list of an annotation's motivations (maybe empty)."""
    motivation = obj.get("motivation")
    motivations = [motivation] if isinstance(motivation, str) else motivation or []
    if not isinstance(motivations, list):
        raise W3CError("motivation must be a string or a list")
    return motivations


def _reply_target(obj):
    """Return the IRI of the annotation a reply answers, or None if it targets none."""
    target = obj.get("target")
    for item in target if isinstance(target, list) else [target]:
        iri = item if isinstance(item, str) else (
            (item.get("source") or item.get("id")) if isinstance(item, dict) else None)
        if isinstance(iri, str) and _ANNOTATION_PATH.search(urlsplit(iri).path):
            return iri
    return None


def _parse_kind(obj):
    """Map the motivation(s) onto a kind; an annotation with none is a note."""
    for value in _motivations(obj):
        if isinstance(value, str) and value in KIND_OF_MOTIVATION:
            return KIND_OF_MOTIVATION[value]
    return "note"


def _parse_bodies(obj):
    """Return ``body`` (Markdown) and ``tags`` from ``body``/``bodyValue``.

    Textual values become the note's text, links (IRIs, resources with an ``id`` or a
    ``source``) Markdown links in it; the bodies as given are kept (foreign.py).
    """
    if "bodyValue" in obj:
        return {"body": _string(obj["bodyValue"], "bodyValue"), "tags": []}
    bodies = obj.get("body", [])
    bodies = bodies if isinstance(bodies, list) else [bodies]
    texts, tags = [], []
    for body in bodies:
        if isinstance(body, str):
            texts.append(f"<{body}>")
            continue
        if not isinstance(body, dict):
            raise W3CError("a body must be an object or an IRI")
        value = body.get("value")
        if body.get("purpose") == "tagging":
            tags.append(_string(value, "a tag's value"))
        elif value is not None:
            texts.append(_string(value, "a body's value"))
        elif isinstance(body.get("id"), str):  # a link: readers see it in the note
            texts.append(f"<{body['id']}>")
        elif isinstance(body.get("source"), str):  # a SpecificResource: a link too
            texts.append(f"<{body['source']}>")
    return {"body": "\n\n".join(texts), "tags": tags}


def _parse_source(value, base):
    """Return a source dict (with ``local_id`` when it is one of ours), or None."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise W3CError("ar:source must be an object")
    out = {field: value.get(f"ar:{field}", "") for field in SOURCE_FIELDS}
    out["occurred_on"] = value.get("ar:date") or None
    out["local_id"] = local_id(value.get("id"), base, _SOURCE_PATH)
    return out


def _parse_time(obj, name):
    value = obj.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise W3CError(f"{name} is not a date-time: {str(value)[:40]!r}") from None
    if moment.tzinfo is None:
        raise W3CError(f"{name} needs a time zone: {str(value)[:40]!r}")
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:
        raise W3CError(f"{name} is out of range: {str(value)[:40]!r}") from None


def _parse_creator(value):
    """Return ``{"nickname", "name"}`` of the first creator, or None."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return {"nickname": None, "name": value}
    if isinstance(value, dict):
        name = value.get("name") if isinstance(value.get("name"), str) else None
        nick = value.get("nickname") if isinstance(value.get("nickname"), str) else None
        return {"nickname": nick, "name": name or nick or ""}
    return None

