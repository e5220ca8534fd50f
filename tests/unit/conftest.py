"""Shared helpers for the unit tests: the seed texts and a reader for document HTML."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reader.text.canonical import canonicalize

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _seed_path(number):
    """Return the seed file whose name starts with ``number`` (e.g. "000")."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path


@pytest.fixture(scope="session")
def seed_text():
    """Return a function giving the canonical text of a seed file by its number."""
    cache = {}

    def load(number):
        if number not in cache:
            cache[number] = canonicalize(_seed_path(number).read_bytes())
        return cache[number]

    return load


@dataclass
class DocHTML:
    """What a browser would make of ``render_text`` output, as far as the tests need."""

    text: str = ""
    # per character of ``text``: the ids of the <mark> around it, or None outside marks
    mark_ids: list = field(default_factory=list)
    tags: list = field(default_factory=list)  # (tag, attrs dict) in document order
    problems: list = field(default_factory=list)  # nested marks, unbalanced tags


class _DocReader(HTMLParser):
    """Collects text content, the marks over each character, and structural problems."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.result = DocHTML()
        self.chars = []
        self.stack = []
        self.mark = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.result.tags.append((tag, attrs))
        if tag == "mark":
            if self.mark is not None:
                self.result.problems.append(f"nested <mark> at character {len(self.chars)}")
            self.mark = tuple(attrs.get("data-annotations", "").split())
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.result.problems.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "mark":
            self.mark = None

    def handle_data(self, data):
        self.chars.extend(data)
        self.result.mark_ids.extend([self.mark] * len(data))

    def close(self):
        super().close()
        if self.stack:
            self.result.problems.append(f"unclosed tags {self.stack}")
        self.result.text = "".join(self.chars)


def read_doc_html(html):
    """Parse document HTML with the standard library parser into a DocHTML."""
    reader = _DocReader()
    reader.feed(html)
    reader.close()
    return reader.result


@pytest.fixture(scope="session")
def read_html():
    """Return ``read_doc_html`` (a session fixture, so hypothesis tests may use it)."""
    return read_doc_html
