"""Hostile text everywhere a user can write it: none of it runs in Chromium, none survives
as markup in the pages (the Content-Security-Policy is the second line, not the first)."""

import re
from html.parser import HTMLParser

from reader.extensions import db
from reader.services.annotations import create_annotation
from reader.services.documents import create_document

from .helpers import expect, sign_in

VECTORS = [
    "<script>alert(1)</script>", "<SCRIPT>alert(2)</SCRIPT>", "<scr<script>ipt>alert(3)</script>",
    "<img src=x onerror=alert(4)>", "<IMG SRC=x OnErRoR=alert(5)>", "<svg onload=alert(6)>",
    "<svg><script>alert(7)</script></svg>", "<math><mtext><script>alert(8)</script>",
    "<body onload=alert(9)>", "<iframe src=javascript:alert(10)>", "<iframe srcdoc='<script>alert(11)</script>'>",
    "<a href=javascript:alert(12)>x</a>", "<a href=JaVaScRiPt:alert(13)>x</a>",
    "<a href='jav&#x61;script:alert(14)'>x</a>", "<a href='&#106;avascript:alert(15)'>x</a>",
    "<a href='data:text/html,<script>alert(16)</script>'>x</a>", "<a href=vbscript:alert(17)>x</a>",
    "[x](javascript:alert(18))", "[x](JAVASCRIPT:alert(19))", "[x](jav&#x61;script:alert(20))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgyMSk8L3NjcmlwdD4=)",
    "![x](javascript:alert(22))", '[x](https://ok.example "title" onmouseover=alert(23))',
    "<details open ontoggle=alert(24)>", "<input autofocus onfocus=alert(25)>",
    "<select autofocus onfocus=alert(26)>", "<textarea autofocus onfocus=alert(27)>",
    "<video><source onerror=alert(28)>", "<audio src=x onerror=alert(29)>",
    "<object data=javascript:alert(30)>", "<embed src=javascript:alert(31)>",
    "<form action=javascript:alert(32)><button>x</button></form>",
    "<style>@import 'javascript:alert(33)';</style>", "<div style=\"background:url(javascript:alert(34))\">",
    "<link rel=stylesheet href=javascript:alert(35)>", "<meta http-equiv=refresh content='0;url=javascript:alert(36)'>",
    "<base href=javascript:alert(37)//>", "<marquee onstart=alert(38)>", "<isindex action=javascript:alert(39)>",
    "\"><script>alert(40)</script>", "'><img src=x onerror=alert(41)>", "</mark><script>alert(42)</script>",
    "</textarea><script>alert(43)</script>", "<!--<script>alert(44)</script>-->",
    "<![CDATA[<script>alert(45)</script>]]>", "&lt;script&gt;alert(46)&lt;/script&gt;",
    "<svg><a xlink:href=javascript:alert(47)><text y=20>x</text></a></svg>",
    "<img src=\"x` `<script>alert(48)</script>\"` `>", "<a href=\"\x01javascript:alert(49)\">x</a>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(50)>\">",
    "javascript:alert(51)", "<a href=' javascript:alert(52)'>x</a>",
]
HOOK = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (...args) => { window.__xss.push([name, String(args[0])]); };
}
"""


def _plant(live):
    """A document whose title, outlet and notes (bodies, tags, sources) carry every vector."""
    text = "Hostile input test\n\n" + "".join(f"Sentence number {i} to annotate.\n\n"
                                           for i in range(len(VECTORS)))
    with live.app.app_context():
        document = create_document(text, {"title": "XSS " + VECTORS[0], "outlet": VECTORS[3],
                                          "author": VECTORS[5]})
        for i, vector in enumerate(VECTORS):
            words = f"Sentence number {i} "
            start = text.index(words)
            kind = ("note", "context", "factcheck")[i % 3]
            data = {"kind": kind, "body": f"Body {vector}", "status": "published",
                    "tags": [vector[:40]], "start": start, "end": start + len(words) - 1,
                    "exact": words[:-1]}
            if kind == "context":
                data.update(relation="paraphrase", source={
                    "title": f"Speech {vector}"[:300], "speaker": vector[:200],
                    "venue": vector[:300], "notes": vector})
            if kind == "factcheck":
                data["verdict"] = "false"
            create_annotation(document, data)
        db.session.commit()
        return document.slug


class _Markup(HTMLParser):
    """Collects the elements and attributes a browser would actually build."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "script" and dict(attrs).get("type") not in ("module", "application/json"):
            self.problems.append(f"script {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in URL_ATTRIBUTES and cleaned.startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"<{tag} {name}={value!r}>")


FORBIDDEN_TAGS = {"iframe", "object", "embed", "math", "base", "meta", "style", "link", "img",
                  "video", "audio", "source", "marquee", "isindex", "details", "textarea",
                  "select", "noscript", "body"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"}


def _no_live_markup(html):
    """The page's markup carries no script, handler or dangerous URL from the vectors."""
    parser = _Markup()
    parser.feed(html)
    allowed = {"<textarea>", "<select>", "<link>", "<meta>", "<body>", "<details>"}  # the app's own
    problems = [p for p in parser.problems if p not in allowed]
    assert not problems, problems


def test_no_vector_runs_or_survives(new_page, live):
    slug = _plant(live)
    assert len(VECTORS) >= 50
    paths = [f"/docs/{slug}", "/", "/stats", "/search?q=Body", "/search?q=" + VECTORS[0]]
    with live.app.app_context():
        from reader.models import Source
        sources = [s.id for s in db.session.scalars(db.select(Source).where(
            Source.title.like("Speech %")))]
    paths += [f"/sources/{sources[0]}", f"/docs/{slug}/annotations.json"]
    for signed_in in (False, True):
        page = new_page()
        page.add_init_script(HOOK)
        if signed_in:
            sign_in(page, then="/editor/deleted")
        for path in paths + (["/editor/deleted", f"/editor/docs/{slug}/edit"] if signed_in else []):
            response = page.goto(path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            if path.startswith(f"/docs/{slug}") and not path.endswith(".json"):
                page.locator("mark").first.click()
                expect(page.locator(".note.is-active").first).to_be_visible()
            assert page.evaluate("window.__xss") == [], (path, signed_in)
            if not path.endswith(".json"):
                _no_live_markup(page.content())
