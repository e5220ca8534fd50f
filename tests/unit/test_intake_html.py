"""Saved pages: the article without boilerplate, paragraphs kept apart, metadata as the page states it."""

from pathlib import Path

import pytest

from reader.intake import IntakeError, read_file
from reader.intake.html import MAX_ELEMENTS, decode_html, extract_html, normalise_language

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"


def page(name):
    return (PAGES / name).read_bytes()


@pytest.mark.parametrize("name, meta", [
    ("news_site.html", {
        "title": "Diplomats told to brace for a long winter with the West",
        "author": "Helen Marsh", "outlet": "The Daily Ledger", "published_on": "2021-11-19",
        "source_url": "https://www.dailyledger.example/world/2021/11/19/diplomats-long-winter",
        "language": "en-GB"}),
    ("opinion_jsonld.html", {
        "title": "Why \"isolation\" is the wrong word for Russia's diplomacy",
        "author": "Dmitri Alexeyev", "outlet": "Meridian Review", "published_on": "2024-10-28",
        "source_url": "https://meridianreview.example/opinion/isolation-wrong-word",
        "language": "en"}),
    ("wire_story.html", {
        "title": "Kremlin says foreign policy concept being updated to reflect new realities",
        "author": "Anna Petrova", "outlet": "Global Wire Service", "published_on": "2022-02-14",
        "source_url": "https://globalwire.example/world/europe/kremlin-foreign-policy-concept-2022-02-14/",
        "language": "en-US"}),
    ("russian_page.html", {
        "title": "Россия и меняющийся мир", "author": "Иван Смирнов",
        "outlet": "Вестник международной политики", "published_on": "2012-02-27",
        "source_url": "https://vestnik.example/articles/rossiya-i-menyayushchiysya-mir",
        "language": "ru"}),
])
def test_metadata_comes_from_meta_tags_opengraph_and_json_ld(name, meta):
    found = read_file(name, page(name))
    assert found.kind == "html" and found.meta == meta


@pytest.mark.parametrize("name, kept, dropped", [
    ("news_site.html",
     ["Russia's foreign minister told a closed meeting of ambassadors on Thursday",
      "Red lines and bombers", "A turn to the East", "on the basis of international law"],
     ["Advertisement", "Luxury watches", "Share on Twitter", "Related stories",
      "Putin warns NATO over exercises", "frostbite77", "Join the discussion", "Most read",
      "Cookie settings", "Subscribe", "Bombers over the Black Sea", "All rights reserved",
      "trackPageView", "dataLayer"]),
    ("opinion_jsonld.html",
     ["made that word harder to defend", "What the guests wanted",
      "\"We are open to negotiations,\" the Russian president told reporters"],
     ["free articles left", "More from Opinion", "42 comments", "Finally someone says it",
      "Copy link", "Podcasts"]),
    ("wire_story.html",
     ["MOSCOW, Feb 14 (GWS) - The Kremlin said on Monday", "(Reporting by Anna Petrova"],
     ["Skip to main content", "Read Next", "Oil steadies", "quotes delayed", "Breakingviews"]),
    ("russian_page.html",
     ["Россия является частью большого мира.", "Экономика и дипломатия"],
     ["Реклама", "Комментарии", "Отличная статья", "Главная"]),
])
def test_the_article_is_kept_and_the_boilerplate_left_out(name, kept, dropped):
    text = read_file(name, page(name)).text
    for words in kept:
        assert words in text
    for words in dropped:
        assert words not in text


def test_paragraphs_and_headings_become_paragraphs_of_the_text():
    text = read_file("news_site.html", page("news_site.html")).text
    paragraphs = text.split("\n\n")
    assert "Red lines and bombers" in paragraphs and "A turn to the East" in paragraphs
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert paragraphs[-1].startswith("Officials in Brussels declined to comment")


def test_lists_quotes_line_breaks_and_tables_keep_their_pieces_apart():
    html = """<html><head><title>Points of the concept</title></head><body><article>
    <h1>Points of the concept</h1>
    <p>The new concept sets out the following priorities for the coming decade, in order.</p>
    <ul><li>Security of the borders</li><li>Trade with <b>Asia</b></li></ul>
    <ol><li>First point</li><li>Second point</li></ol>
    <blockquote><p>We will not be isolated,</p><p>the minister said.</p></blockquote>
    <p>Address line one<br>Address line two</p>
    <table><tr><td>Year</td><td>Trade</td></tr><tr><td>2021</td><td>140</td></tr></table>
    <p>These priorities were approved by the president after a long discussion in the council.</p>
    </article></body></html>""".encode()
    paragraphs = read_file("p.html", html).text.split("\n\n")
    for expected in ("• Security of the borders", "• Trade with Asia", "1. First point",
                     "2. Second point", "We will not be isolated,", "the minister said.",
                     "Address line one\nAddress line two", "Year | Trade", "2021 | 140"):
        assert expected in paragraphs


@pytest.mark.parametrize("raw, declared, expected", [
    pytest.param("<p>Привет</p>".encode("cp1251"), "windows-1251", "cp1251", id="server-charset"),
    pytest.param(b'<meta charset="koi8-r"><p>' + "Мир".encode("koi8-r"), "", "koi8-r",
                 id="meta-charset"),
    pytest.param(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "latin-1", "utf-8", id="bom-wins"),
    pytest.param("<p>café</p>".encode(), "", "utf-8", id="utf-8-by-default"),
    pytest.param("<p>café</p>".encode("cp1252"), "", "cp1252", id="windows-1252-last"),
    pytest.param(b'<meta charset="no-such-codec"><p>x</p>', "", "utf-8", id="unknown-charset"),
])
def test_pages_are_decoded_as_browsers_decode_them(raw, declared, expected):
    text, charset = decode_html(raw, declared)
    assert charset == expected and "\ufffd" not in text


def test_the_russian_page_in_windows_1251_reads_as_russian():
    found = read_file("russian_page.html", page("russian_page.html"))
    assert found.charset == "cp1251"
    assert "меняющийся" in found.meta["title"] and "\ufffd" not in found.text


@pytest.mark.parametrize("value, expected", [
    ("en_GB", "en-GB"), ("EN-gb", "en-GB"), ("ru", "ru"), ("en-US, fr", "en-US"),
    ("zh-Hant-TW", "zh-Hant-TW"), ("", ""), ("!!", ""),
])
def test_language_tags_are_normalised(value, expected):
    assert normalise_language(value) == expected


def test_canonical_link_wins_over_an_opengraph_url_with_tracking():
    found = read_file("opinion_jsonld.html", page("opinion_jsonld.html"))
    assert found.meta["source_url"] == "https://meridianreview.example/opinion/isolation-wrong-word"


def test_relative_canonical_link_resolves_against_the_fetched_address():
    html = (b'<html><head><link rel="canonical" href="/a/story"><title>T</title></head><body>'
            b"<article><p>" + b"A sentence about diplomacy and its many ways. " * 20
            + b"</p></article></body></html>")
    found = extract_html(html, url="https://news.example/a/story?utm_source=x")
    assert found.meta["source_url"] == "https://news.example/a/story"


def test_a_page_without_an_article_is_refused():
    with pytest.raises(IntakeError, match="no article text"):
        read_file("empty.html", b"<html><head><title>Nothing</title></head><body></body></html>")


def test_a_page_with_too_many_elements_is_refused_before_extraction():
    html = b"<html><body>" + b"<span>a</span>" * (MAX_ELEMENTS + 1) + b"</body></html>"
    with pytest.raises(IntakeError, match="elements; the limit is"):
        read_file("huge.html", html)


def test_deeply_nested_markup_does_not_break_extraction():
    paragraph = b"<p>" + b"Diplomats met in Moscow to discuss the treaty once again. " * 10 + b"</p>"
    html = b"<html><body>" + b"<div>" * 20_000 + paragraph * 5 + b"</div>" * 20_000 + b"</body></html>"
    try:
        found = read_file("deep.html", html)
    except IntakeError:  # refused with a reason is as good as read
        return
    assert "Diplomats met in Moscow" in found.text


def test_broken_json_ld_is_ignored():
    html = page("opinion_jsonld.html").replace(b'"@context"', b'{{{"@context"')
    found = read_file("o.html", html)
    assert found.meta["title"].startswith("Why") and found.meta["language"] == "en"


def test_md_title_has_no_leading_hash():
    found = read_file("notes.md", "# The concept, revised\n\nBody text here.\n".encode())
    assert found.kind == "text" and found.meta["title"] == "The concept, revised"


@pytest.mark.parametrize("name, raw, message", [
    ("photo.jpg", b"\xff\xd8\xff", "only .txt, .md, .html, .htm or .pdf"),
    ("fake.pdf", b"<html></html>", "not a PDF"),
])
def test_other_files_are_refused_with_a_reason(name, raw, message):
    with pytest.raises(IntakeError, match=message):
        read_file(name, raw)
