"""The same article, however its address or spacing differs."""

import pytest

from reader.intake.identity import canonical_url, text_fingerprint, url_key


@pytest.mark.parametrize("url, expected", [
    ("https://News.Example/a/story?utm_source=tw&id=3#comments", "https://news.example/a/story?id=3"),
    ("http://news.example:80/a", "http://news.example/a"),
    ("https://news.example", "https://news.example/"),
    ("ftp://news.example/a", ""), ("javascript:alert(1)", ""), ("", ""), ("http://[::1", ""),
])
def test_canonical_url_drops_fragments_and_tracking(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("a, b", [
    ("https://www.news.example/a/story/", "http://news.example/a/story"),
    ("https://news.example/a?x=1&y=2", "https://news.example/a?y=2&x=1&fbclid=abc"),
    ("https://news.example/a#top", "https://NEWS.example/a"),
])
def test_addresses_of_one_page_share_a_key(a, b):
    assert url_key(a) == url_key(b) is not None


def test_addresses_of_different_pages_do_not():
    assert url_key("https://news.example/a") != url_key("https://news.example/b")
    assert url_key("") is None


def test_texts_with_the_same_words_share_a_fingerprint():
    assert text_fingerprint("Russia and the\nChanging World.") == \
        text_fingerprint("russia  AND the changing world")
    assert text_fingerprint("Russia and the world") != text_fingerprint("Russia and a world")
