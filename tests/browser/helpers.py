"""What the browser tests share: Playwright (if installed), signing in, selecting text."""

import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the fixtures skip (or fail on CI) with the reason
    expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PASSWORD = "correct horse battery"
EDITORS = {"eddie": "Eddie Editor", "frank": "Frank Factchecker"}
ADMINS = {"ada": "Ada Admin"}
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def browser_unavailable():
    """Return why the browser tests cannot run here, or None when they can."""
    if sync_playwright is None:
        return "Playwright for Python is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        return f"Chromium is missing at {CHROMIUM}" + (f" (found {found})" if found else "")
    return None


def canonical_text(path):
    """The canonical text of a file as the design defines it: BOM off, newlines as \\n."""
    text = Path(path).read_bytes().decode("utf-8")
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sign_in(page, name="eddie", then="/"):
    """Sign in through the /login form and land on ``then``."""
    page.goto(f"/login?next={quote(then)}")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then.split("#")[0]) + r"(#.*)?$"))
    header = page.locator("header.site")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header).to_contain_text({**EDITORS, **ADMINS}[name])


def sign_out(page):
    """Sign out with the header's button."""
    page.locator("header.site").get_by_role("button", name="Sign out").click()
    expect(page.locator("header.site").get_by_role("link", name="Editor sign-in")).to_be_visible()


_SELECT_JS = """
([needle, occurrence]) => {
  const root = document.querySelector("[data-doc-text]");
  const text = root.textContent;
  let at = -1;
  for (let i = 0; i <= occurrence; i += 1) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`not in the document text: ${JSON.stringify(needle)}`);
  }
  const end = at + needle.length;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let pos = 0;
  let start = null;
  let stop = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.data.length;
    if (!start && at < pos + length) start = [node, at - pos];
    if (!stop && end <= pos + length) { stop = [node, end - pos]; break; }
    pos += length;
  }
  const range = document.createRange();
  range.setStart(...start);
  range.setEnd(...stop);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  root.dispatchEvent(new MouseEvent("mouseup", { bubbles: true, cancelable: true, view: window }));
  return range.toString();
}
"""


def select_text(page, needle, occurrence=0):
    """Select ``needle`` (its first, or ``occurrence``-th, appearance) in the document text.

    The range may span several text nodes and elements, e.g. two paragraphs. Then a
    mouseup on the text, as when a reader finishes a drag.
    """
    selected = page.evaluate(_SELECT_JS, [needle, occurrence])
    assert selected == needle


def marked_text(page, annotation_id):
    """The text of every <mark> listing ``annotation_id``, joined in document order."""
    return page.evaluate(
        """(id) => [...document.querySelectorAll("[data-doc-text] mark[data-annotations]")]
             .filter((m) => m.dataset.annotations.split(" ").includes(String(id)))
             .map((m) => m.textContent).join("")""",
        str(annotation_id),
    )


def marks(page, annotation_id):
    """Locator of the marks listing ``annotation_id``."""
    return page.locator(f'[data-doc-text] mark[data-annotations~="{annotation_id}"]')


def note(page, annotation_id):
    """Locator of the note of ``annotation_id``."""
    return page.locator(f"#a-{annotation_id}")


def open_panel(page, phrase, via="button"):
    """Select ``phrase`` and open the annotation panel by its button or the "a" key."""
    select_text(page, phrase)
    button = page.locator("#annotate-button")
    expect(button).to_be_visible()
    if via == "button":
        button.click()
    else:
        page.keyboard.press("a")
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#panel-quote")).to_have_text(phrase)
    return panel


def saved_note_id(page, marker):
    """The id of the one note whose text contains ``marker``, once the panel has closed."""
    expect(page.locator("#panel")).to_be_hidden()
    found = page.locator(".notes .note", has_text=marker)
    expect(found).to_have_count(1)
    return found.get_attribute("id").removeprefix("a-")


def axe_unavailable():
    """Return why axe-core cannot run here (the test extra ships it), or None when it can."""
    try:
        import axe_playwright_python  # noqa: F401  (its package holds axe.min.js)
    except ImportError:
        return "axe-playwright-python is not installed (pip install -e '.[test]')"
    return None


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (from the installed package, never a CDN) on ``page``; return its violations.

    Only the given impacts count. Each is ``(rule id, impact, help, [targets])``.
    """
    from axe_playwright_python.base import AXE_FILE_PATH
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_FILE_PATH.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5])
            for v in result["violations"] if v["impact"] in impacts]


def wait_until(page, expression, timeout=10.0):
    """Poll a JavaScript expression from Python until it is truthy.

    Playwright's wait_for_function polls with eval inside the page, which the app's
    Content-Security-Policy (no 'unsafe-eval') refuses; page.evaluate is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)
