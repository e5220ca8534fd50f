"""The pieces of a document page, rendered once for the page and again after an edit."""

from bisect import bisect_right

from flask import render_template
from markupsafe import Markup

from ..config import KINDS
from ..highlight import render_text, segment
from ..sanitize import render_markdown
from ..services.annotations import visible_annotations
from ..text import detect_structure


def document_parts(document, editor=False):
    """Return the HTML of the text, the margin notes and the whole-document notes, and counts.

    Readers get published notes; editors also drafts, and the orphans panel.
    """
    annotations = visible_annotations(document, include_drafts=editor)
    placed = [a for a in annotations if a.start is not None]
    blocks = detect_structure(document.text)
    runs = segment((a.id, a.start, a.end) for a in placed)
    block_starts = [b.start for b in blocks]

    def note(annotation, block=None):
        return {"annotation": annotation, "html": render_markdown(annotation.body),
                "block": block}

    notes = [note(a, max(bisect_right(block_starts, a.start) - 1, 0)) for a in placed]
    whole = [note(a) for a in annotations if a.is_whole_document]
    orphans = [note(a) for a in annotations if a.orphan]
    context = {"notes": notes, "whole": whole, "orphans": orphans, "editor": editor}
    return {
        # render_text escapes the text itself; the partials are autoescaped templates
        "text_html": Markup(render_text(document.text, blocks, runs,
                                        {a.id: a.kind for a in placed})),
        "notes_html": Markup(render_template("public/_notes.html", **context)),
        "whole_html": Markup(render_template("public/_whole.html", **context)),
        "counts": {kind: sum(1 for a in annotations if a.kind == kind and not a.orphan)
                   for kind in KINDS},
    }
