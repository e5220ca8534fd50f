"""Documents: import files, create, revise the text (re-anchoring annotations), edit metadata."""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import Annotation, Document, DocumentRevision, utcnow
from ..text.anchoring import Span, reanchor_all
from ..fields import strip_invisible
from ..intake import size_words
from ..text.canonical import TextError, detect_metadata, quote_selector
from . import ValidationError
from .annotations import record_reanchoring
from .sources import check_date, check_url

IMPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
# landings an editor should look at: onto changed words, or no words at all
CHECK_STATES = ("fuzzy", "orphaned")
SLUG_MAX = 80
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,3}")
METADATA_FIELDS = ("title", "outlet", "original_outlet", "author", "published_on", "source_url",
                   "language")


@dataclass
class ImportResult:
    """What ``docs import`` did with one file: created, revised, updated (its details),
    unchanged, skipped (the article is in the corpus already) or failed."""

    name: str
    action: str
    document: Document | None = None
    error: str = ""
    detail: str = ""


def slugify(title):
    """Return a URL slug for ``title``: lower-case ASCII words joined by hyphens."""
    title = re.sub(r"['’ʼ]", "", title)  # "Putin’s" -> "putins", not "putin-s"
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0]
    return slug or "document"


def unique_slug(title):
    """Return ``slugify(title)``, suffixed with -2, -3… if a document already has it."""
    base = slugify(title)
    taken = set(db.session.scalars(
        select(Document.slug).where(Document.slug.like(f"{base}%"))
    ))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def import_paths(paths, user=None, metadata=None, revise=False, max_bytes=16 * 1024 * 1024):
    """Import text files, saved pages and PDFs, and folders of them; return one ImportResult each.

    ``metadata`` maps file names to their details (see ``apply_metadata``); ``revise``
    lets a page already in the corpus under another file name become its new
    revision. Each file is written in its own savepoint, so a bad file is reported
    and the others still import. The caller commits.
    """
    from .intake import import_file  # intake builds on this module
    metadata = metadata or {}
    results = []
    for path in _expand(paths):
        try:
            if path.stat().st_size > max_bytes:
                raise TextError(f"larger than the limit of {size_words(max_bytes)}")
            raw = path.read_bytes()
        except OSError as exc:
            results.append(ImportResult(path.name, "failed", error=exc.strerror or str(exc)))
            continue
        except TextError as exc:
            results.append(ImportResult(path.name, "failed", error=str(exc)))
            continue
        try:
            with db.session.begin_nested():
                given = metadata.get(path.name)
                result = import_file(path.name, raw, user, max_bytes=max_bytes, metadata=given,
                                     revise=revise)
                action = result.action
                if given and action == "unchanged" and not result.detail and \
                        apply_metadata(result.document, given):
                    action = "updated"
            results.append(ImportResult(path.name, action, result.document, detail=result.detail))
        except (TextError, ValidationError) as exc:
            results.append(ImportResult(path.name, "failed", error=str(exc)))
    from .reports import record_matches  # matching builds on the whole corpus
    record_matches([r.document for r in results if r.action in ("created", "revised")])
    return results


def apply_metadata(document, given):
    """Give ``document`` the details ``given`` where its own are empty or as detected from
    its text (an editor's changes stay); the slug never changes. True if any changed."""
    detected = detect_metadata(document.revisions[0].text if document.revisions else document.text)
    current = {field: getattr(document, field) for field in METADATA_FIELDS}
    merged = dict(current)
    for field in METADATA_FIELDS:
        value = given.get(field)
        mine = current[field]
        if value and (not mine or mine == detected.get(field)):
            merged[field] = value
    clean = _clean_metadata(merged)
    changed = {field: value for field, value in clean.items() if value != current[field]}
    for field, value in changed.items():
        setattr(document, field, value)
    if changed:
        document.modified_at = utcnow()
    return bool(changed)


def _expand(paths):
    """Yield the files named by ``paths``, folders expanded to their .txt/.md files, sorted."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in IMPORT_SUFFIXES
                              and p.is_file())
        else:
            yield path


def create_document(text, meta=None, source_file=None, user=None, slug=None):
    """Add a document with canonical ``text``; metadata not given is detected from the text.

    ``slug``, if given and free, is used instead of one made from the title.
    """
    detected = detect_metadata(text)
    fields = _clean_metadata({**detected, **{k: v for k, v in (meta or {}).items() if v}})
    if not slug or slugify(slug) != slug or \
            db.session.scalars(select(Document.id).filter_by(slug=slug)).first() is not None:
        slug = unique_slug(fields["title"])
    document = Document(slug=slug, text=text, source_file=source_file, **fields)
    document.revisions.append(DocumentRevision(
        number=1, text=text, created_by_id=user.id if user else None, note="first version"
    ))
    db.session.add(document)
    db.session.flush()
    return document


def revise_text(document, text, user=None, note=""):
    """Make ``text`` the document's new revision and re-anchor its annotations.

    Every annotation with a span is mapped through the diff (exact where its words
    are untouched), else found again by its quote (tolerating small edits), else
    made an orphan that keeps its last quote. A note that lands on changed words or
    is orphaned is flagged for an editor to check, with an entry in its history.
    Returns ``{state: count}``.
    """
    old_text = document.text
    document.revision += 1
    document.text = text
    document.modified_at = utcnow()
    document.revisions.append(DocumentRevision(
        number=document.revision, text=text, created_by_id=user.id if user else None, note=note
    ))
    annotations = {a.id: a for a in db.session.scalars(select(Annotation).where(
        Annotation.document_id == document.id, Annotation.start.is_not(None)))}
    spans = [Span(a.id, a.start, a.end, a.exact, a.prefix, a.suffix)
             for a in annotations.values()]
    landed = {}
    flagged = []
    for landing in reanchor_all(old_text, text, spans):
        annotation = annotations[landing.id]
        before = (annotation.exact, (annotation.start, annotation.end))
        _apply_landing(annotation, landing, text)
        landed[landing.state] = landed.get(landing.state, 0) + 1
        if landing.state in CHECK_STATES:
            annotation.needs_check = True
            flagged.append((annotation, before))
    if flagged:
        db.session.flush()  # once for all: each moved note's version is now the new one
        for annotation, (old_exact, old_span) in flagged:
            record_reanchoring(annotation, old_exact, old_span, document.revision, user)
    return landed


def _apply_landing(annotation, landing, text):
    """Put one annotation where re-anchoring placed it, or make it an orphan."""
    annotation.anchor_state = landing.state
    annotation.anchor_score = landing.score
    if landing.state == "orphaned":
        annotation.start = annotation.end = None
        annotation.orphan = True
        return
    if (annotation.start, annotation.end) != (landing.start, landing.end) or \
            annotation.exact != text[landing.start:landing.end]:
        annotation.start, annotation.end = landing.start, landing.end
        annotation.exact, annotation.prefix, annotation.suffix = quote_selector(
            text, landing.start, landing.end)
    else:  # same words, same place: only the surrounding context may differ
        _, annotation.prefix, annotation.suffix = quote_selector(text, landing.start, landing.end)


def _clean_metadata(data):
    """Return checked document metadata or raise ValidationError.

    Invisible and direction-changing characters are removed from the title, outlets,
    author, URL and language (never from the text itself).
    """
    errors = {}
    title = " ".join(strip_invisible(data.get("title") or "").split())
    if not title:
        errors["title"] = "a document needs a title"
    clean = {
        "title": title[:300],
        "outlet": strip_invisible(data.get("outlet") or "").strip()[:200],
        "author": strip_invisible(data.get("author") or "").strip()[:200],
        "original_outlet": strip_invisible(data.get("original_outlet") or "").strip()[:200],
        "language": _check_language(data.get("language"), errors),
        "source_url": check_url(data.get("source_url"), "source_url", errors),
        "published_on": check_date(data.get("published_on"), "published_on", errors),
    }
    if errors:
        raise ValidationError(errors)
    return clean


def _check_language(value, errors):
    """Return a language tag (``en``, ``ru``, ``pt-BR``…) or "", else record an error."""
    value = strip_invisible(value or "").strip().replace("_", "-")
    if value and not LANGUAGE_TAG.fullmatch(value):
        errors["language"] = "a language tag such as en, ru or pt-BR"
    return value[:35]


def update_metadata(document, data):
    """Change a document's title, outlets, author, date, URL or language; the slug never changes."""
    current = {field: getattr(document, field) for field in METADATA_FIELDS}
    clean = _clean_metadata({**current, **{k: v for k, v in data.items() if k in current}})
    for field, value in clean.items():
        setattr(document, field, value)
    document.modified_at = utcnow()
