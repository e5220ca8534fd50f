"""Security headers on every response, and pages the Content-Security-Policy can allow.

The policy forbids inline script and style: no template may carry a ``<script>`` with
code in it, a ``<style>`` element, a ``style=`` attribute or an ``on…=`` handler, and
neither may the pages the app renders from them.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reader.serving import CONTENT_SECURITY_POLICY
from tests.conftest import login

TEMPLATES = Path(__file__).resolve().parents[2] / "reader" / "templates"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class _InlineCode(HTMLParser):
    """Collect what a strict CSP blocks: inline scripts, styles and event handlers."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        for name, value in names.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and \
                    value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and names.get("type", "").strip().lower() != "application/json":
            # a JSON data block is never run (the reader page's table of compact notes)
            self._in_script = True
            if "src" not in names:
                self.found.append("<script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script> with code: {data.strip()[:40]!r}")


def inline_code(html):
    """Return what in ``html`` a CSP without 'unsafe-inline' would block."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("html, found", [
    ('<p style="color: red">x</p>', ["<p style=…>"]),
    ('<img src="x.png" onerror="alert(1)">', ["<img onerror=…>"]),
    ("<script>alert(1)</script>", ["<script> without src", "<script> with code: 'alert(1)'"]),
    ('<a href=" JavaScript:alert(1)">x</a>', ["<a href=javascript:…>"]),
    ("<style>p {}</style>", ["<style>"]),
    ('<script type="module" src="/static/reader.js"></script><p class="on">online</p>', []),
    ('<script type="application/json" id="notes-data">{"notes":[]}</script>', []),
    ('<script type="text/javascript">{"notes":[]}</script>',
     ["<script> without src", "<script> with code: '{\"notes\":[]}'"]),
])
def test_the_inline_code_finder_finds_what_csp_blocks(html, found):
    assert inline_code(html) == found


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_style_or_handlers(template):
    assert inline_code(template.read_text(encoding="utf-8")) == []


def test_the_policy_is_the_documented_one():
    assert CONTENT_SECURITY_POLICY == HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize("path, status", [
    ("/", 200),
    ("/annotations/", 200),
    ("/static/reader.css", 200),
    ("/healthz", 200),
    ("/no/such/page", 404),
    ("/docs/no-such-document", 404),
])
def test_every_response_has_the_security_headers(client, path, status):
    with client.get(path) as response:  # a static file is streamed: close it
        assert response.status_code == status
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, name


def test_a_write_refused_before_any_view_has_them_too(client):
    response = client.post("/login", data={"name": "x", "password": "y"})  # no CSRF token
    assert response.status_code == 400
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("who", ["reader", "editor", "admin"])
def test_rendered_pages_have_no_inline_code(seeded, client, editor, admin, who):
    if who != "reader":
        assert login(client, "eddie" if who == "editor" else "ada").status_code == 302
    pages = ["/", "/search?q=Lavrov", "/annotations/"]
    index = client.get("/").get_data(as_text=True)
    pages += sorted(set(_links(index, "/docs/")))[:2]
    document = client.get(pages[-1]).get_data(as_text=True)
    pages += sorted(set(_links(document, "/sources/")))[:1]
    assert [p.split("/")[1] for p in pages[-3:]] == ["docs", "docs", "sources"], pages
    pages += {"reader": ["/login"], "editor": ["/editor/deleted", "/account"],
              "admin": ["/account", "/admin/users", f"/admin/users/{editor.id}", "/admin/audit"]}[who]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            assert inline_code(response.get_data(as_text=True)) == [], path


def _links(html, prefix):
    """Return the paths of the links in ``html`` that start with ``prefix``."""
    return [m.split("#")[0] for m in re.findall(rf'href="({re.escape(prefix)}[^"?]+)"', html)]
