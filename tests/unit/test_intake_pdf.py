"""PDFs: the text layer as paragraphs, running heads and page numbers dropped, info as metadata."""

import pytest

from reader.intake import IntakeError, read_file
from reader.intake.pdf import MAX_PAGES, extract_pdf, join_pages
from tests.pdfs import make_pdf, wrap

OPENING = ("Russia is part of the greater world. We do not wish to and cannot isolate ourselves "
           "from it. However, we intend to be consistent in proceeding from our own interests.")
SECURITY = ("Global security can only be achieved through cooperation with Russia rather than by "
            "attempts to push it into the background or weaken its geopolitical position, and "
            "the international")
RUN_ON = ("community must act together on the basis of law, a well-known principle that nobody "
          "disputes in public.")
CLOSING = ("We are prepared to make great strides in our relations with partners, on the "
           "condition that they are guided by the principles of equal partnership.")


def _article():
    page_one = ["Russia and the Changing World", ""] + wrap(OPENING, 72) + wrap(SECURITY, 72)
    page_one[-1] = page_one[-1].replace("the international", "the inter-")
    page_two = wrap("national " + RUN_ON, 72) + wrap(CLOSING, 72)
    page_three = wrap("The main problem is that bilateral dialogue does not rest on solid economic "
                      "foundations, and trade falls far short of the potential of our economies.", 72)
    return make_pdf([page_one, page_two, page_three],
                    info={"Title": "Russia and the Changing World", "Author": "Vladimir Putin",
                          "CreationDate": "D:20120227090000+04'00'"},
                    header="MOSKOVSKIYE NOVOSTI - 27 February 2012", footer="Page {page} of 3",
                    language="en-US")


def test_a_pdf_becomes_paragraphs_with_its_metadata():
    found = read_file("putin.pdf", _article())
    assert found.kind == "pdf"
    assert found.meta == {"title": "Russia and the Changing World", "author": "Vladimir Putin",
                          "outlet": "", "published_on": "2012-02-27", "source_url": "",
                          "language": "en-US"}
    paragraphs = found.text.split("\n\n")
    assert paragraphs[0] == "Russia and the Changing World"
    assert paragraphs[1] == OPENING


def test_running_headers_and_page_numbers_are_dropped():
    text = read_file("putin.pdf", _article()).text
    assert "MOSKOVSKIYE" not in text and "Page " not in text and "of 3" not in text


def test_a_word_hyphenated_at_a_line_end_is_joined_across_the_page():
    text = read_file("putin.pdf", _article()).text
    assert "the international community must act together" in text
    assert "inter-" not in text and "well-known principle" in text


def test_lines_of_a_paragraph_are_joined_and_pages_are_separate_paragraphs():
    paragraphs = read_file("putin.pdf", _article()).text.split("\n\n")
    assert CLOSING in paragraphs
    assert paragraphs[-1].startswith("The main problem is that bilateral dialogue")


@pytest.mark.parametrize("lines, expected", [
    (["a well-", "known rule", "and a well-known one"], "a well-known rule and a well-known one"),
    (["inter-", "national law"], "international law"),
    (["the co\u00ad", "operation"], "the cooperation"),
    (["Soviet-", "American talks"], "Soviet-American talks"),  # next word capitalised: keep it
])
def test_hyphenation_at_line_ends(lines, expected):
    assert join_pages(["\n".join(lines)]) == expected


def test_a_page_number_found_on_one_page_only_is_kept():
    pages = ["Chapter one\nThe text of the first page goes on and on for a while longer.",
             "The second page has no number at all and says so in plain words here.\n7"]
    text = join_pages(pages)
    assert text.endswith("7") and text.startswith("Chapter one")


def test_a_scan_without_a_text_layer_is_refused_saying_so():
    with pytest.raises(IntakeError, match="no text layer .*scan"):
        read_file("scan.pdf", make_pdf([[], []], image_only=True))


def test_a_pdf_with_too_many_pages_is_refused_before_reading_them():
    with pytest.raises(IntakeError, match=f"the limit is {MAX_PAGES}"):
        extract_pdf(make_pdf([["x"]] * (MAX_PAGES + 1), compress=False))


@pytest.mark.parametrize("raw", [
    pytest.param(b"%PDF-1.4\n" + b"garbage " * 1000, id="garbage"),
    pytest.param(b"%PDF-1.4\n1 0 obj\n" + b"[" * 100_000 + b"\nendobj\ntrailer << /Root 1 0 R >>",
                 id="deep-nesting"),
    pytest.param(_article()[: len(_article()) // 2], id="truncated"),
])
def test_broken_and_hostile_pdfs_are_refused_with_a_reason(raw):
    try:
        found = extract_pdf(raw)
    except IntakeError as exc:
        assert "PDF" in str(exc)
    else:  # a damaged file pypdf could still read is fine, if it has text
        assert found.text.strip()


def test_a_file_name_as_title_gives_way_to_the_first_line():
    raw = make_pdf([wrap(OPENING, 72)], info={"Title": "Microsoft Word - draft3.docx"})
    assert read_file("x.pdf", raw).meta["title"] == wrap(OPENING, 72)[0]
