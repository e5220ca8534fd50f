"""A document with thousands of notes: every published note is still in the page's HTML,
and each note adds a bounded number of bytes of markup to it."""

import re

from reader.extensions import db
from reader.models import Annotation
from reader.sanitize import render_markdown
from reader.services.documents import create_document
from tests.app.test_public import parse_page

KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "misleading", "false")
BODY = "Note {i}: the *statement* is [checked](https://example.org/{i})."
PLACEHOLDER = 987654321
# Markup a published note adds beyond its words and its body: its <mark> in the text
# (about 60 bytes), the note element with a head (the kind as permalink, a verdict for fact
# checks), two tags and a foot (author, the date as the link to its share page: about 50
# bytes), its share of the margin strip (bounded by the strip's bins: about 60 bytes a note
# at 1,000, nothing at 10,000) and of the groups of a hundred notes. Measured: 379 bytes at
# 1,000 notes with ids of up to four digits (503 before the head, foot and verdict lost
# their classes and wrappers, the date its <time> and the Share link went into the page's
# one copy of the links a note gets when it opens; 963 before the markup was first made
# lean). An id is written four times, so ids of six digits add 8; a second copy of the
# quoted words (a <blockquote>, 47 bytes here) does not fit. The readers' links to the
# editors are in the page once, not in each note (they cost 187 bytes a note there), and an
# editors' reply to readers costs only the notes that have one.
MARKUP_PER_NOTE = 400


def _heavy(n, title):
    """A document of n sentences with a published note on a word of each (none when n is 0)."""
    text = "".join(f"Sentence {i} says a statement about the talks. " for i in range(max(n, 1000)))
    document = create_document(text, {"title": title})
    db.session.commit()
    rendered = render_markdown(BODY.format(i=PLACEHOLDER))
    rows, pos = [], 0
    for i in range(n):
        pos = text.index("statement", pos)
        kind = KINDS[i % 3]
        rows.append({"document_id": document.id, "start": pos, "end": pos + 9,
                     "exact": "statement", "prefix": text[max(0, pos - 32):pos],
                     "suffix": text[pos + 9:pos + 41], "kind": kind,
                     "body": BODY.format(i=i), "tags": ["bench", f"t{i % 7}"],
                     "body_html": rendered.replace(str(PLACEHOLDER), str(i)),
                     "status": "published", "version": 1, "orphan": False,
                     "anchor_state": "unchanged", "creator_name": "Bench",
                     "verdict": VERDICTS[i % 3] if kind == "factcheck" else None})
        pos += 1
    if rows:
        db.session.execute(Annotation.__table__.insert(), rows)
        db.session.commit()
    return document


def test_each_note_adds_a_bounded_amount_of_markup(app, client):
    bare = _heavy(0, "Bare")
    heavy = _heavy(1_000, "Heavy")
    without = client.get(f"/docs/{bare.slug}").get_data(as_text=True)
    html = client.get(f"/docs/{heavy.slug}").get_data(as_text=True)
    bodies = sum(len(a.body_html.encode()) for a in db.session.query(Annotation))
    per_note = (len(html.encode()) - len(without.encode()) - bodies) / 1_000
    assert per_note < MARKUP_PER_NOTE, f"{per_note:.0f} bytes of markup a note"
    page = parse_page(html)
    assert "".join(page.text) == heavy.text and len(page.marks) == 1_000


def test_every_published_note_is_in_the_html_of_a_heavy_page(app, client):
    document = _heavy(2_000, "Heavy")
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    notes = dict(re.findall(r'<article class="note[^"]*" id="a-(\d+)"[^>]*>(.*?)</article>', html, re.S))
    annotations = db.session.query(Annotation).filter_by(document_id=document.id).all()
    assert len(annotations) == len(notes) == 2_000
    for a in annotations:
        assert f'<div class="note-body">{a.body_html}</div>' in notes[str(a.id)]
        assert re.search(rf'<mark [^>]*data-annotations="{a.id}"', html)
