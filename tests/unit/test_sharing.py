"""Share cards, oEmbed targets and sizes, the embed's iframe, the framing origins setting."""

import pytest

from reader.config import MAX_ID, embed_ancestors
from reader.sharing import (
    EMBED_HEIGHT, EMBED_WIDTH, Target, card_text, embed_size, iframe_html, oembed_target,
    plain_text, shorten,
)

HOSTS = {"reader.example", "127.0.0.1:5000"}


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, "short"),
    ("  many\n\tspaces   here ", 40, "many spaces here"),
    ("one two three four five six", 15, "one two three…"),
    ("x" * 50, 10, "x" * 9 + "…"),
    ("a\x00b\x1fc\x7fd", 10, "abcd"),
    ("ends with a quote “word” and more", 21, "ends with a quote…"),
])
def test_shorten_folds_spaces_and_cuts_at_a_word(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


def test_plain_text_drops_tags_and_decodes_entities():
    assert plain_text('<p>A <strong>bold</strong> claim &amp; a <a href="x">link</a></p>\n<p>Two</p>') \
        == "A bold claim & a link Two"


@pytest.mark.parametrize("limit", [200, 300])
def test_a_card_gives_the_quote_at_most_half_and_stays_within_its_limit(limit):
    text = card_text("word " * 200, "note " * 200, "False", limit=limit)
    assert len(text) <= limit
    assert text.startswith("False: “word word")
    quote = text[text.index("“"):text.index("”") + 1]
    assert len(quote) <= limit // 2
    assert "note note" in text


def test_a_card_without_quote_or_verdict_is_the_note_alone():
    assert card_text("", "Only the note.") == "Only the note."
    assert card_text("The words", "") == "“The words”"


@pytest.mark.parametrize("url, expected", [
    ("https://reader.example/docs/russia", Target("russia", None)),
    ("http://reader.example/docs/russia/", Target("russia", None)),
    ("http://reader.example:80/docs/russia/embed", Target("russia", None)),
    ("http://reader.example/docs/russia#a-18", Target("russia", 18)),
    ("http://reader.example/docs/russia?kind=note#a-18", Target("russia", 18)),
    ("http://reader.example/docs/caf%C3%A9", Target("café", None)),
    ("http://127.0.0.1:5000/a/7", Target(None, 7)),
    ("HTTP://READER.EXAMPLE/a/7/", Target(None, 7)),
    (f"http://reader.example/a/{MAX_ID}", Target(None, MAX_ID)),
    (f"http://reader.example/a/{MAX_ID + 1}", None),
    ("http://reader.example/docs/russia#a-0", Target("russia", None)),
    ("http://127.0.0.1:5001/a/7", None),  # another port: another host
    ("https://evil.example/docs/russia", None),
    ("https://reader.example.evil.example/docs/russia", None),
    ("https://user@evil.example/docs/russia", None),
    ("ftp://reader.example/docs/russia", None),
    ("javascript:alert(1)//reader.example/docs/russia", None),
    ("/docs/russia", None),
    ("http://reader.example/docs/russia/annotations.json", None),
    ("http://reader.example/docs/", None),
    ("http://reader.example/a/007x", None),
    ("http://reader.example/docs/%00", None),
    ("http://reader.example:99999/docs/russia", None),
    ("http://[::1/docs/russia", None),
    ("http://reader.example/docs/" + "x" * 3000, None),
    (None, None),
])
def test_oembed_answers_only_for_our_documents_and_notes(url, expected):
    assert oembed_target(url, HOSTS) == expected


@pytest.mark.parametrize("maxwidth, maxheight, expected", [
    (None, None, (EMBED_WIDTH, EMBED_HEIGHT)),
    ("", "", (EMBED_WIDTH, EMBED_HEIGHT)),
    ("400", None, (400, EMBED_HEIGHT)),
    ("5000", "300", (EMBED_WIDTH, 300)),
    ("1", "1", (1, 1)),
])
def test_an_embed_fits_within_the_bounds_asked_for(maxwidth, maxheight, expected):
    assert embed_size(maxwidth, maxheight) == expected


@pytest.mark.parametrize("maxwidth, maxheight", [
    ("0", None), ("-5", None), ("12.5", None), (None, "abc"), ("9" * 7, None), (" 400", None),
])
def test_a_bound_that_is_not_a_whole_number_of_pixels_is_refused(maxwidth, maxheight):
    with pytest.raises(ValueError, match="whole number"):
        embed_size(maxwidth, maxheight)


def test_the_iframe_escapes_what_it_is_given():
    html = iframe_html('https://r.example/docs/a/embed?x="><script>', 300, 200, 'A "title" <b>')
    assert "<script>" not in html
    assert 'src="https://r.example/docs/a/embed?x=&#34;&gt;&lt;script&gt;"' in html
    assert 'title="A &#34;title&#34; &lt;b&gt;"' in html
    assert 'width="300" height="200"' in html
    assert "sandbox=" in html


@pytest.mark.parametrize("value, expected", [
    (["'self'"], ("'self'",)),
    ("'self' https://news.example.org", ("'self'", "https://news.example.org")),
    ("https://a.example, https://b.example:8443/", ("https://a.example", "https://b.example:8443")),
    (["https://*.example.org", "http://localhost:*"], ("https://*.example.org", "http://localhost:*")),
    (["'none'"], ("'none'",)),
    ("*", ("*",)),
])
def test_the_framing_origins_setting_takes_origins(value, expected):
    assert embed_ancestors(value) == expected


@pytest.mark.parametrize("value", [
    "https://a.example; script-src *", "https://a.example/path", "a.example", "'unsafe-inline'",
    ["'none'", "https://a.example"], [], "", {"https://a.example": 1}, [1],
    "https://a.example\r\nX-Other: 1", "data:",
])
def test_the_framing_origins_setting_refuses_anything_else(value):
    with pytest.raises(ValueError, match="READER_EMBED_ANCESTORS"):
        embed_ancestors(value)
