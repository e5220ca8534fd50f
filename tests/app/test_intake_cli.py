"""The command line: saved pages and PDFs imported with their metadata; the seeds' metadata file."""

import json
import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from reader.extensions import db
from reader.models import Document, Intake
from tests.conftest import SEEDS
from tests.pdfs import make_pdf, wrap

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
METADATA = SEEDS / "metadata.json"


def _documents():
    return db.session.scalars(select(Document).order_by(Document.id)).all()


def test_docs_import_takes_a_saved_page_with_its_metadata_as_found(runner, tmp_path):
    page = tmp_path / "opinion.html"
    shutil.copy(PAGES / "opinion_jsonld.html", page)
    result = runner.invoke(args=["docs", "import", str(page)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created   why-isolation-is-the-wrong-word-for-russias-diplomacy")
    (document,) = _documents()
    assert (document.title, document.author, document.outlet, str(document.published_on),
            document.source_url, document.language) == (
        "Why \"isolation\" is the wrong word for Russia's diplomacy", "Dmitri Alexeyev",
        "Meridian Review", "2024-10-28",
        "https://meridianreview.example/opinion/isolation-wrong-word", "en")
    assert "42 comments" not in document.text and "What the guests wanted" in document.text
    (archived,) = db.session.scalars(select(Intake)).all()
    assert archived.content == page.read_bytes() and archived.document_id == document.id
    again = runner.invoke(args=["docs", "import", str(page)])
    assert again.output.startswith("unchanged") and len(_documents()) == 1


def test_the_same_page_under_another_name_is_never_a_second_document(runner, tmp_path):
    original = (PAGES / "news_site.html").read_bytes()
    (tmp_path / "a.html").write_bytes(original)
    runner.invoke(args=["docs", "import", str(tmp_path / "a.html")])
    (tmp_path / "copy.html").write_bytes(original)
    same = runner.invoke(args=["docs", "import", str(tmp_path / "copy.html")])
    assert same.exit_code == 0 and "unchanged" in same.output and "the same text as" in same.output
    (tmp_path / "updated.html").write_bytes(original.replace(
        b"declined to comment on the reported remarks", b"later denied the reported remarks"))
    skipped = runner.invoke(args=["docs", "import", str(tmp_path / "updated.html")])
    assert skipped.exit_code == 0 and "skipped" in skipped.output and "--revise" in skipped.output
    assert len(_documents()) == 1 and _documents()[0].revision == 1
    revised = runner.invoke(args=["docs", "import", "--revise", str(tmp_path / "updated.html")])
    assert revised.output.startswith("revised")
    (document,) = _documents()
    assert document.revision == 2 and "later denied" in document.text
    assert db.session.scalar(select(func.count()).select_from(Intake)) == 2


def test_docs_import_takes_a_pdf(runner, tmp_path):
    path = tmp_path / "speech.pdf"
    path.write_bytes(make_pdf([["Address to the Federal Assembly", ""] + wrap(
        "Colleagues, today we will talk about the most important questions of our development "
        "and of our place in the world, which concern every citizen of the country.", 70)],
        info={"Author": "Vladimir Putin"}, language="ru"))
    result = runner.invoke(args=["docs", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (document,) = _documents()
    assert (document.title, document.author, document.language) == (
        "Address to the Federal Assembly", "Vladimir Putin", "ru")


def test_a_scanned_pdf_is_named_with_the_reason(runner, tmp_path):
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[]], image_only=True))
    result = runner.invoke(args=["docs", "import", str(tmp_path / "scan.pdf")])
    assert result.exit_code == 1 and "scan.pdf: the PDF has no text layer" in result.output


def test_the_seeds_metadata_gives_their_real_titles_and_keeps_the_slugs(runner):
    result = runner.invoke(args=["docs", "import", "--metadata", str(METADATA), str(SEEDS)])
    assert result.exit_code == 0, result.output
    by_file = {d.source_file: d for d in _documents()}
    putin = by_file["004_3a30943cf18cda19.txt"]
    assert (putin.slug, putin.title, putin.author, putin.outlet, putin.original_outlet) == (
        "foreign-policy-blogs", "Russia and the Changing World", "Vladimir Putin",
        "Foreign Policy Blogs", "Moskovskiye Novosti")
    kremlin = by_file["002_babb521a0d9bcf18.txt"]
    assert kremlin.slug == "russia" and kremlin.title.startswith("Kremlin: Russia Finalising")
    for path in SEEDS.glob("*.txt"):  # byte for byte still
        assert by_file[path.name].text == path.read_bytes().decode("utf-8")


def test_an_existing_install_gets_the_metadata_and_keeps_slugs_and_editors_changes(runner):
    runner.invoke(args=["docs", "import", str(SEEDS)])
    slugs = sorted(d.slug for d in _documents())
    edited = db.session.scalars(select(Document).filter_by(slug="russia")).one()
    edited.title = "An editor's title"
    db.session.commit()
    result = runner.invoke(args=["docs", "import", "--metadata", str(METADATA), str(SEEDS)])
    assert result.exit_code == 0 and result.output.count("updated") == 5
    assert sorted(d.slug for d in _documents()) == slugs
    by_slug = {d.slug: d for d in _documents()}
    assert by_slug["foreign-policy-blogs"].title == "Russia and the Changing World"
    assert by_slug["russia"].title == "An editor's title" and by_slug["russia"].outlet == "Sputnik"
    assert by_slug["putins-insights-on-russian-foreign-policy-revealed"].outlet == "The 21st Century"
    again = runner.invoke(args=["docs", "import", "--metadata", str(METADATA), str(SEEDS)])
    assert again.output.count("unchanged") == 5


def test_a_bad_metadata_file_is_refused(runner, tmp_path):
    bad = tmp_path / "meta.json"
    bad.write_text(json.dumps(["not", "a", "map"]))
    result = runner.invoke(args=["docs", "import", "--metadata", str(bad), str(SEEDS)])
    assert result.exit_code == 1 and "expected {file name: {field: value}}" in result.output


def test_seed_004_page_shows_its_title_outlets_and_author(runner, client):
    runner.invoke(args=["docs", "import", "--metadata", str(METADATA), str(SEEDS)])
    html = client.get("/docs/foreign-policy-blogs").get_data(as_text=True)
    assert "<title>Russia and the Changing World · Annotated Reader</title>" in html
    header = html[html.index('<header class="doc-meta">'):html.index("data-doc-text")]
    for words in ("Foreign Policy Blogs", "first published by Moskovskiye Novosti",
                  "By Vladimir Putin"):
        assert words in header
    text = html[html.index("data-doc-text"):]
    assert re.search(r"<h1[^>]*>Russia and the Changing World</h1>", text)  # the text's own line
    assert html.count("<h1") == 1
    assert re.search(r'<p class="meta"[^>]*>Foreign Policy Blogs</p>', text)
