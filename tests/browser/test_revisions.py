"""Revising a seed text in the browser: notes follow their words; a lost one waits as an orphan.

The live server is shared, so the test works on its own copy of seed 000 (imported under
another title) rather than on the seed page other tests compare with the file.
"""

from reader.extensions import db
from reader.models import Annotation
from reader.services.annotations import create_annotation
from reader.services.documents import create_document
from reader.services.users import find_user
from tests.conftest import SEEDS

from .helpers import canonical_text, expect, marked_text, note, select_text, sign_in

SEED = "000_4407d142b209daaa.txt"
KEPT = "NATO troops have been"
TYPO = "high on Putin’s agenda"
LOST = "to stage some kind of conflict on our western borders"


def _copy_with_notes(live):
    text = canonical_text(SEEDS / SEED)
    with live.app.app_context():
        document = create_document(text, {"title": "Revision test: Putin’s insights (copy)"})
        author = find_user("eddie")  # a published note is changed by its author (or an admin)
        ids = {}
        for words in (KEPT, TYPO, LOST):
            start = text.index(words)
            ids[words] = str(create_annotation(document, {
                "kind": "note", "body": f"About {words}", "status": "published",
                "start": start, "end": start + len(words), "exact": words}, author).id)
        db.session.commit()
        return document.slug, text, ids


def test_revising_a_seed_text_moves_notes_and_orphans_can_be_reattached(page, live):
    slug, text, ids = _copy_with_notes(live)
    revised = (text.replace("President Vladimir Putin gave a keynote address",
                            "An editor's added paragraph.\n\nPresident Vladimir Putin gave a keynote address")
               .replace("high on Putin’s agenda", "high on Putin’s own agenda")
               .replace("not allow anyone\u00a0“to stage some kind of conflict on our western borders which we do not need.”",
                        "not allow anyone to start a conflict."))
    assert revised.count("\n") > text.count("\n")
    sign_in(page, then=f"/editor/docs/{slug}/text")
    page.locator("textarea[name=text]").fill(revised)
    page.locator("input[name=note]").fill("added a paragraph, fixed wording")
    page.get_by_role("button", name="Save a new revision").click()
    expect(page.locator(".flash")).to_contain_text("Revision 2 saved")

    # the untouched words keep their note; the edited phrase is found again
    assert marked_text(page, ids[KEPT]) == KEPT
    assert marked_text(page, ids[TYPO]) == "high on Putin’s own agenda"
    # the lost words: no highlight anywhere, the note waits among the orphans
    expect(page.locator(f'mark[data-annotations~="{ids[LOST]}"]')).to_have_count(0)
    orphan = page.locator(f".orphans #a-{ids[LOST]}")
    expect(orphan).to_be_visible()
    expect(orphan.locator(".badge-orphan")).to_have_text("Orphaned")

    # re-attach it to new words by selecting them
    orphan.get_by_role("button", name="Re-attach to selection").click()
    select_text(page, "not allow anyone to start a conflict")
    expect(page.locator(f".orphans #a-{ids[LOST]}")).to_have_count(0)
    assert marked_text(page, ids[LOST]) == "not allow anyone to start a conflict"
    with live.app.app_context():
        stored = db.session.get(Annotation, int(ids[LOST]))
        assert not stored.orphan and stored.exact == "not allow anyone to start a conflict"

    # readers see no orphan and every highlight on the words it was about
    page.context.clear_cookies()
    page.goto(f"/docs/{slug}")
    expect(note(page, ids[KEPT])).to_be_visible()
    expect(page.locator(".orphans")).to_have_count(0)

    # the two revisions side by side
    sign_in(page, then=f"/editor/docs/{slug}/revisions?from=1&to=2")
    expect(page.locator("table.side-by-side ins").first).to_be_visible()
    expect(page.locator("table.side-by-side")).to_contain_text("added paragraph")
