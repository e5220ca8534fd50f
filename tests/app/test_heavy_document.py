"""A document with thousands of notes: every published note is still in the page's HTML,
and each note adds a bounded number of bytes of markup to it."""

import json
import re

from reader.extensions import db
from reader.models import Annotation
from reader.sanitize import render_markdown
from reader.services.documents import create_document
from reader.views.parts import FULL_NOTES
from tests.app.test_public import parse_page

KINDS = ("note", "context", "factcheck")
VERDICTS = ("accurate", "misleading", "false")
BODY = "Note {i}: the *statement* is [checked](https://example.org/{i})."
PLACEHOLDER = 987654321
# Markup a published note adds beyond its words and its body: its <mark> in the text
# (about 60 bytes), the note element with a head (the kind as permalink, a verdict for fact
# checks), two tags and a foot (author, the date as the link to its share page: about 50
# bytes) and its share of the groups of a hundred notes (the margin strip, bounded by its
# bins, is left out). Measured: 336 bytes on a page of 100 notes (379 with the strip's share
# at 1,000 notes, 503 before the head, foot and verdict lost
# their classes and wrappers, the date its <time> and the Share link went into the page's
# one copy of the links a note gets when it opens; 963 before the markup was first made
# lean). An id is written four times, so ids of six digits add 8; a second copy of the
# quoted words (a <blockquote>, 47 bytes here) does not fit. The readers' links to the
# editors are in the page once, not in each note (they cost 187 bytes a note there), and an
# editors' reply to readers costs only the notes that have one.
MARKUP_PER_NOTE = 400
# Past the first hundred a note is written compact (views/parts.py): its <mark> without a
# kind class or print number (38 bytes with a four-digit id), its element around the body
# (31) and its row in the page's table (about 25: indexes of its kind, verdict, author,
# dates and tags, each name, date and tag written once for the page). Measured: 91 bytes
# (and 336 for a whole note, on a page of 100).
# With bench/reader_page.py's bodies and text, 10,000 notes make a page of 2.7 MB.
MARKUP_PER_COMPACT_NOTE = 120


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


def _markup(client, document):
    """The bytes of the document's page beyond its text, its notes' bodies and the margin
    strip (at most three cells for each of its hundred bins, about 60 KB, however many
    notes), and the page."""
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    bodies = sum(len(a.body_html.encode())
                 for a in db.session.query(Annotation).filter_by(document_id=document.id))
    strip = re.search(r'<div class="strip-slot">.*?</svg>', html, re.S)
    strip = len(strip.group(0).encode()) if strip else 0
    return len(html.encode()) - len(document.text.encode()) - bodies - strip, html


def test_each_note_adds_a_bounded_amount_of_markup(app, client):
    bare, _ = _markup(client, _heavy(0, "Bare"))
    whole, html = _markup(client, _heavy(FULL_NOTES, "Whole"))
    per_note = (whole - bare) / FULL_NOTES
    assert per_note < MARKUP_PER_NOTE, f"{per_note:.0f} bytes of markup a note"
    assert "notes-data" not in html  # the first hundred are written whole
    heavy = _heavy(FULL_NOTES + 1_000, "Heavy")
    more, html = _markup(client, heavy)
    per_compact = (more - whole) / 1_000
    assert per_compact < MARKUP_PER_COMPACT_NOTE, f"{per_compact:.0f} bytes of markup a compact note"
    page = parse_page(html)
    assert "".join(page.text) == heavy.text and len(page.marks) == FULL_NOTES + 1_000


def test_every_published_note_is_in_the_html_of_a_heavy_page(app, client):
    document = _heavy(2_000, "Heavy")
    html = client.get(f"/docs/{document.slug}").get_data(as_text=True)
    notes = dict(re.findall(r'<article (?:class="note[^"]*" )?id="a-(\d+)"[^>]*>(.*?)</article>',
                            html, re.S))
    annotations = (db.session.query(Annotation).filter_by(document_id=document.id)
                   .order_by(Annotation.start).all())
    assert len(annotations) == len(notes) == 2_000
    table = re.search(r'<script type="application/json" id="notes-data">(.*?)</script>', html)
    table = json.loads(table.group(1))
    rows = {row[0]: row for row in table["notes"]}
    for i, a in enumerate(annotations):
        assert re.search(rf'<mark [^>]*data-annotations="{a.id}"', html)
        if i < FULL_NOTES:  # written whole
            assert f'<div class="note-body">{a.body_html}</div>' in notes[str(a.id)]
            assert a.id not in rows
            continue
        assert notes[str(a.id)] == a.body_html  # its words, and the table has the rest
        _id, kind, verdict, author, created, edited, tags = rows[a.id]
        assert table["kinds"][kind][0] == a.kind and table["people"][author] == "Bench"
        assert (table["verdicts"][verdict][0] if verdict >= 0 else None) == a.verdict
        assert [table["tags"][t] for t in tags] == a.tags
        assert table["dates"][created] == a.created_at.strftime("%-d %b %Y")
