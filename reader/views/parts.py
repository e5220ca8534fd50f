"""The pieces of a document page, rendered once for the page and again after an edit."""

import json

from flask import render_template, request
from jinja2.utils import htmlsafe_json_dumps
from flask_login import current_user
from markupsafe import Markup

from ..charts import density_strip
from ..config import KIND_LABELS, KINDS, NO_VERDICT_LABEL, VERDICT_LABELS, VERDICTS
from ..filters import facet_options, matches
from ..text.highlight import render_text, segment
from ..sanitize import render_markdown
from ..services.annotations import visible_annotations
from ..services.assignments import open_assignees_by_note
from ..services.corrections import note_corrections
from ..services.discussion import discussions
from ..services.messages import public_replies
from ..services.review import may_approve, needs_review, pending_view, review_state
from ..text.canonical import detect_structure


# what editors call the fields a pending change touches
FIELD_WORDS = {"kind": "kind", "body": "text", "tags": "tags", "start": "words", "end": "words",
               "exact": "words", "source_id": "source", "relation": "relation",
               "verdict": "verdict"}


# Notes in the margin written whole, in text order: the first group, what a reader sees on
# opening the page. Later plain notes are written as their body alone, and a table beside
# them gives the rest (see compact_table): a page of 10,000 notes stays under 3 MB.
FULL_NOTES = 100


def page_annotations(document, editor=False):
    """Return the annotations of ``document`` its page shows: published ones, and drafts to editors."""
    return visible_annotations(document, include_drafts=editor)


def document_parts(document, editor=False, filters=None, annotations=None):
    """Return the HTML of the text, the margin notes and the whole-document notes, and counts.

    Readers get published notes; editors also drafts, the orphans panel, who is asked
    to review each note and which notes to check after a text revision. Every
    note is in the HTML; those ``filters`` (see filters.py) leave out are ``hidden``
    and their highlights muted, so a script can show them again without a request.
    Shown notes are numbered in text order for print footnotes. One pass over the
    annotations plus a sort: linear in their number but for the log factor.

    On a reader's page the margin notes after the first ``FULL_NOTES`` that carry only a
    body, kind, verdict, tags, author and dates are *compact*: the HTML holds the element
    ``a-ID`` with the note's body, their highlights have no kind class or print number,
    and a JSON table (``compact_table``) gives reader.js the rest, which it writes as the
    template writes the others before the page is laid out. Readers without JavaScript
    see those notes' words without their head and foot.
    """
    if annotations is None:
        annotations = page_annotations(document, editor)
    filters = filters or {}
    shown = {a.id for a in annotations if matches(a, filters)}
    placed = [a for a in annotations if a.start is not None]
    blocks = detect_structure(document.text, document.title)
    runs = segment((a.id, a.start, a.end) for a in placed)
    assignees = open_assignees_by_note(document) if editor else {}
    numbers = {}
    for a in placed:
        if a.id in shown:
            numbers[a.id] = len(numbers) + 1
    threads = discussions(document) if editor else {}
    replies = public_replies(document)  # the editors' published answers to readers
    corrections = note_corrections(document)

    def note(annotation):
        found = {"annotation": annotation, "html": annotation.html,
                 "hidden": annotation.id not in shown, "tag_keys": _tag_keys(annotation.tags),
                 "corrections": corrections.get(annotation.id, ()),
                 "replies": replies.get(annotation.id, ()) if annotation.visible else ()}
        if editor:
            found.update(editor_extras(annotation, threads.get(annotation.id, [])))
            found["assignees"] = assignees.get(annotation.id, ())
        return found

    notes = [note(a) for a in placed]
    compact = [] if editor else [n for n in notes[FULL_NOTES:] if _plain(n)]
    for n in compact:
        n["compact"] = True
    far = {n["annotation"].id for n in compact}
    whole = [note(a) for a in annotations if a.is_whole_document]
    orphans = [note(a) for a in annotations if a.orphan]
    context = {"notes": notes, "whole": whole, "orphans": orphans, "editor": editor,
               "filtered": bool(filters), "compact": compact_table(compact) if compact else None}
    footnotes = {a.id: (a.end, numbers[a.id]) for a in placed
                 if a.id in numbers and a.id not in far}
    muted = frozenset(a.id for a in placed if a.id not in shown)
    return {
        # render_text escapes the text itself; the partials are autoescaped templates
        "text_html": Markup(render_text(document.text, blocks, runs,
                                        {a.id: a.kind for a in placed if a.id not in far},
                                        footnotes, muted)),
        "notes_html": Markup(render_template("public/_notes.html", **context)),
        "whole_html": Markup(render_template("public/_whole.html", **context)),
        "counts": {kind: sum(1 for a in annotations if a.kind == kind and not a.orphan)
                   for kind in KINDS},
    }


def _plain(note):
    """Whether a reader's note is written compact: nothing beyond what the table holds."""
    a = note["annotation"]
    return (a.status == "published" and not a.orphan and not a.source_id
            and not note["tag_keys"] and not note["corrections"] and not note["replies"])


def compact_table(notes):
    """Return what reader.js needs to write compact notes' head, tags and foot.

    ``notes``: one row each, ``[id, kind, verdict, author, created, edited, [tags]]``;
    kind and verdict index ``kinds`` and ``verdicts`` (-1: none), author, dates and tags
    index ``people``, ``dates`` and ``tags`` (-1: none, or not edited), so a name, a date
    or a tag a thousand notes share is written once. The labels and the share pages'
    address come with it, as JSON safe inside a ``<script>`` element (``<``, ``>``, ``&``
    and ``'`` escaped) and without spaces.
    """
    kinds = {kind: i for i, kind in enumerate(KINDS)}
    verdicts = {verdict: i for i, verdict in enumerate(VERDICTS)}
    people, dates, tags = {}, {}, {}

    def key(table, value):
        return table.setdefault(value, len(table))

    rows = []
    for n in notes:
        a = n["annotation"]
        author = a.byline
        created = a.created_at.strftime("%-d %b %Y")
        edited = a.modified_at.strftime("%-d %b %Y") if a.modified_at != a.created_at else None
        rows.append([a.id, kinds[a.kind], verdicts[a.verdict] if a.verdict else -1,
                     key(people, author) if author else -1, key(dates, created),
                     key(dates, edited) if edited else -1, [key(tags, t) for t in a.tags or ()]])
    table = {
        "share": f"{request.script_root}/a/",
        "kinds": [[kind, KIND_LABELS[kind]] for kind in KINDS],
        "verdicts": [[verdict, VERDICT_LABELS[verdict]] for verdict in VERDICTS],
        "unjudged": NO_VERDICT_LABEL,
        "people": list(people), "dates": list(dates), "tags": list(tags), "notes": rows,
    }
    return Markup(htmlsafe_json_dumps(table, dumps=json.dumps, separators=(",", ":"),
                                      ensure_ascii=False))


def _tag_keys(tags):
    """The tags' filter keys (as filters.py) when the page's script cannot derive them.

    reader.js lower-cases a tag as shown; only when that differs from ``casefold``
    (ß, final sigma, ...) does the note carry its keys.
    """
    if tags and any(t.casefold() != t.lower() for t in tags):
        return [t.casefold() for t in tags]
    return None


def editor_extras(annotation, comments):
    """Return what an editor's note shows beyond a reader's: review state, the pending
    change beside the published words, and the discussion (comments rendered safe).

    A pending change is rendered here, for editors only (linear in its body, which is
    bounded); readers never see one, and comments carry their stored HTML."""
    pending = pending_view(annotation) if annotation.pending else None
    return {
        "review": {
            "state": review_state(annotation), "reviewed": needs_review(annotation.kind),
            "may_review": may_approve(annotation, current_user),
            "changes_requested": annotation.changes_requested_at is not None,
            "pending": pending, "pending_html": render_markdown(pending.body) if pending else "",
            "pending_changed": sorted({FIELD_WORDS[f] for f in annotation.pending or ()}),
        },
        "comments": [{"comment": c, "html": c.annotation.html} for c in comments],
    }


def reader_tools(document, annotations, filters, editor=False):
    """Return what the page's tools need: the filter options, the margin strip, counts."""
    listed = [a for a in annotations if not a.orphan or editor]
    sources = {str(a.source_id): a.source.title for a in listed if a.source_id and a.source}
    labels = {"kind": KIND_LABELS, "verdict": {v: VERDICT_LABELS[v] for v in VERDICTS},
              "source": sources}
    strip = density_strip(len(document.text),
                          [(a.id, a.kind, a.start) for a in listed if a.start is not None],
                          lambda ann_id: f"#a-{ann_id}", bins=100, vertical=True,
                          labels=KIND_LABELS)
    return {
        "facets": facet_options(listed, filters, labels),
        "strip": Markup(strip),  # charts.py escapes every piece of text it writes
        "shown": sum(1 for a in listed if matches(a, filters)),
        "total": len(listed),
    }
