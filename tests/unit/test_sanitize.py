"""reader/sanitize.py: Markdown notes become safe HTML, whatever an editor (or import) sends."""

import cProfile
import pstats
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from reader.sanitize import MAX_DEPTH, render_markdown, render_markdown_fully

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button",
    "textarea", "svg", "math", "img", "video", "audio", "source", "link", "meta", "base",
    "template", "noscript", "details",
}
SAFE_ATTRIBUTES = {"href", "title", "rel", "cite"}
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "cite", "action", "formaction", "data", "xlink:href", "poster"}
# What a browser ignores in a URL before it reads the scheme: leading C0 controls and
# spaces, and ASCII tab/newline anywhere.
_URL_NOISE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


class _Elements(HTMLParser):
    """Collects every start tag with its (unescaped) attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def _elements(html):
    parser = _Elements()
    parser.feed(str(html))
    parser.close()
    return parser.elements


def _scheme(url):
    """Return the scheme a browser would see in ``url`` (lower case), or None if relative."""
    url = _URL_NOISE.sub("", url).lstrip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


ATTACKS = [
    # script
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "> <script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<template><script>alert(1)</script></template>",
    "<textarea></textarea><script>alert(1)</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<p onclick=\"alert(1)\">click</p>",
    "*<b onmouseover=alert(1)>bold</b>*",
    "<abbr title=\"x\" onclick=\"alert(1)\">A</abbr>",
    "<a href=\"https://example.com\" onclick=\"alert(1)\">x</a>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<svg onload=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    # javascript:, data:, vbscript: in Markdown links and images
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x61;script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    # ... and in raw HTML
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"  javascript:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"jav&#x61;script:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"VBSCRIPT:msgbox(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "- <a href=\"vbscript:msgbox(1)\">x</a>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<img src=\"data:image/png;base64,AAAA\">",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<q cite=\"javascript:alert(1)\">q</q>",
    "<form action=\"javascript:alert(1)\"><button formaction=javascript:alert(1)>go</button>"
    "</form>",
    # bare text that looks like a link with a bad scheme
    "data:example.com/x.html",
    "see DATA:evil.example.com/x",
    "javascript:alert.com",
    "vbscript://evil.com",
    "feed:evil.example.com",
    # styles, plugins, metadata
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"position:fixed;top:0\">cover</p>",
    "<object data=\"evil.swf\"></object>",
    "<embed src=\"evil.swf\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"http://evil.example/x.css\">",
    # comments and attribute injection through a Markdown link title
    "<!--<script>alert(1)</script>-->",
    "<!-- --><img src=x onerror=alert(1)><!-- -->",
    "[x](http://example.com \"a\\\" onclick=\\\"alert(1)\")",
    "[x](http://example.com \"t\" onmouseover=alert(1) x=\"\")",
    "[x](https://example.com 'a\" onmouseover=\"alert(1)')",
]


@pytest.mark.parametrize("source", ATTACKS)
def test_hostile_markdown_becomes_harmless_html(source):
    html = str(render_markdown(source))
    assert "<script" not in html.lower()
    for tag, attrs in _elements(html):
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name in SAFE_ATTRIBUTES, html
            if name in URL_ATTRIBUTES and value is not None:
                assert _scheme(value) in SAFE_SCHEMES | {None}, html


def test_attack_table_is_large_enough():
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("source, fragment", [
    pytest.param("*em* and _em_", "<em>em</em> and <em>em</em>", id="emphasis"),
    pytest.param("**strong**", "<strong>strong</strong>", id="strong"),
    pytest.param("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>", id="bullets"),
    pytest.param("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>", id="numbers"),
    pytest.param("> quoted words", "<blockquote>\n<p>quoted words</p>\n</blockquote>",
                 id="blockquote"),
    pytest.param("`code <b>`", "<code>code &lt;b&gt;</code>", id="inline-code"),
    pytest.param("    indented()\n", "<pre><code>indented()\n</code></pre>", id="code-block"),
    pytest.param("line one\nline two", "line one<br>\nline two", id="newline-is-a-break"),
    pytest.param("a < b & c > d", "a &lt; b &amp; c &gt; d", id="text-escaped"),
    pytest.param("Putin’s “red lines” 𝔘😀", "Putin’s “red lines” 𝔘😀", id="unicode-kept"),
    pytest.param("`http://example.com`", "<code>http://example.com</code>",
                 id="no-links-in-code"),
])
def test_markdown_formatting_is_kept(source, fragment):
    assert fragment in render_markdown(source)


@pytest.mark.parametrize("source, href", [
    pytest.param("[site](https://example.com/a?b=1&c=2)", "https://example.com/a?b=1&c=2",
                 id="https"),
    pytest.param("[site](http://example.com/)", "http://example.com/", id="http"),
    pytest.param("[desk](mailto:desk@example.com)", "mailto:desk@example.com", id="mailto"),
    pytest.param("<a href=\"https://example.com/raw\">raw</a>", "https://example.com/raw",
                 id="raw-html-link"),
    pytest.param("see https://example.com/x for more", "https://example.com/x",
                 id="bare-url-linkified"),
    pytest.param("see www.example.org today", "http://www.example.org", id="bare-www"),
    pytest.param("<https://example.com/auto>", "https://example.com/auto", id="autolink"),
])
def test_links_keep_safe_hrefs_and_never_vouch(source, href):
    links = [dict(attrs) for tag, attrs in _elements(render_markdown(source)) if tag == "a"]
    assert [link["href"] for link in links] == [href]
    assert links[0]["rel"] == "nofollow"


@pytest.mark.parametrize("source", [None, ""])
def test_nothing_renders_as_nothing(source):
    assert render_markdown(source) == ""


def test_output_is_markup_so_templates_do_not_escape_it_again():
    assert isinstance(render_markdown("*x*"), Markup)


# --- hostile sizes: the work stays linear in the body ---------------------------------

MAX_BODY = 10_000  # services/annotations.py: the longest body a note may have


def _repeat(piece, size):
    return (piece * (size // len(piece) + 1))[:size]


# Each runs to the longest body: the runs that stalled Python-Markdown (`[`, `![`, `[a`),
# emphasis and code delimiters, containers nested as deep as the text allows, raw HTML
# left open (the HTML parser's work grows with how deep elements nest), entities, and
# bare links for the linkifier.
HOSTILE = {
    "brackets": "[", "image-brackets": "![", "bracket-text": "[a", "empty-links": "[](",
    "stars": "*", "underscores": "_", "backticks": "`", "star-text": "*a ", "tick-text": "`a",
    "nested-emphasis": "*a ", "quotes": ">", "quoted-lines": "> x\n", "angles": "<",
    "entities": "&#", "escapes": "\\[", "list-markers": "- ", "numbered": "1. ",
    "open-bold": "<b>", "open-lists": "<ul><li>", "open-quotes": "<blockquote>",
    "open-spans": "<b><i><s><q><em><strong><del><sub><sup>", "link-tags": "<a href=x>",
    "comments": "<!--", "bare-www": "www.a", "dotted": "a.b.", "urls": "http://x.y/(",
    "autolinks": "<http://", "emails": "a@b.c ", "ref-defs": "[a]: /b\n", "refs": "[a]\n",
    "newlines": "\n", "line-breaks": "a\n",
}
HOSTILE_BODIES = {name: _repeat(piece, MAX_BODY) for name, piece in HOSTILE.items()}
HOSTILE_BODIES["nested-emphasis"] = "*a " * 1700 + "a* " * 1600
HOSTILE_BODIES["nested-lists"] = "".join("  " * i + "- x\n" for i in range(40)) + "x" * 6000
HOSTILE_BODIES["nested-quotes"] = "> " * 40 + "deep " * 1900


class _Depth(HTMLParser):
    """The deepest nesting of elements in (well-formed, serialised) HTML."""

    VOID = {"br", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth -= 1


def _deepest(html):
    parser = _Depth()
    parser.feed(str(html))
    parser.close()
    return parser.deepest


def _python_calls(source):
    """Return how many Python functions rendering ``source`` calls: a count of its work."""
    render_markdown("warm up")  # the per-thread parser and cleaner are built once
    profile = cProfile.Profile()
    profile.enable()
    try:
        render_markdown(source)
    finally:
        profile.disable()
    return pstats.Stats(profile).total_calls


@pytest.mark.parametrize("piece", [pytest.param(piece, id=name) for name, piece in HOSTILE.items()])
def test_rendering_work_grows_linearly_with_a_hostile_body(piece):
    # twice the body, at most twice the work (and a little): no quadratic parser path
    half, full = _python_calls(_repeat(piece, 1_500)), _python_calls(_repeat(piece, 3_000))
    assert full <= 2.1 * half + 200, (half, full)


@pytest.mark.parametrize("source", [pytest.param(body, id=name)
                                    for name, body in HOSTILE_BODIES.items()])
def test_a_hostile_body_renders_small_and_shallow(source):
    html = render_markdown(source)
    assert len(html) <= 5 * len(source) + 100
    # the HTML parser inside bleach works in proportion to size times depth
    assert _deepest(html) <= MAX_DEPTH + 1


@pytest.mark.parametrize("source", [
    pytest.param("> " * (MAX_DEPTH + 8) + "the deep words", id="quotes"),
    pytest.param("".join("  " * i + "- item\n" for i in range(MAX_DEPTH + 8)) + "the deep words",
                 id="lists"),
    pytest.param("*a " * 60 + "the deep words" + " a*" * 60, id="emphasis"),
    pytest.param("<q>" * 300 + "the deep words", id="raw-html"),
])
def test_a_body_nested_too_deep_is_shown_as_its_plain_text(source):
    html = render_markdown(source)
    assert _deepest(html) == 1 and html.startswith("<p>")
    assert "the deep words" in html  # nothing is lost


def test_a_body_nested_within_bounds_keeps_its_markdown():
    html = render_markdown("> " * 5 + "*quoted* five deep")
    assert html.count("<blockquote>") == 5 and "<em>quoted</em>" in html


PLAIN_WORDS = st.text(st.sampled_from("aZé9 ,.;!?()-'\"&<>_*#:/\n"), min_size=1, max_size=40)


@given(st.one_of(PLAIN_WORDS, st.from_regex(r"[A-Za-zé][A-Za-zé0-9 ,.;!?()-]{0,30}",
                                            fullmatch=True)))
@settings(max_examples=400, deadline=None)
def test_plain_words_skip_the_parser_and_render_as_it_would(source):
    assert render_markdown(source) == render_markdown_fully(source)


@pytest.mark.parametrize("source", [
    "Note 12", "Émile said no (twice), then left!", "A claim - not a fact; really?",
    "See example.com", "e.g. this", "1. listed", "- listed", "# heading", "a *b*", "x  ",
    "Tom's", 'a "quote"', "a & b",
])
def test_the_shortcut_for_plain_words_renders_what_the_parser_does(source):
    assert render_markdown(source) == render_markdown_fully(source)
