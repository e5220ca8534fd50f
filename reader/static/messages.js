// Reader page: words a reader selects in the text offer "Suggest a correction" and
// "Ask us to check this". Each is a link to the message form with the selection's
// place (code points, as the server counts) and its first words; the server checks
// both against the text. A note that opens gets the same two links for itself (reader.js);
// without JavaScript a note's Share page offers them.

const root = document.querySelector("[data-doc-text]");
const page = document.querySelector(".doc-page");
const QUOTE_IN_URL = 200; // code points of the selected words carried in the link

function codePoints(text) {
  let n = 0;
  for (const _ of text) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

/** The selection inside the text as code-point offsets, trimmed of outer whitespace. */
function selectionSpan() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0).cloneRange();
  if (!root.contains(range.commonAncestorContainer) && !range.intersectsNode(root)) return null;
  const whole = document.createRange();
  whole.selectNodeContents(root);
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) range.setStart(root, 0);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) range.setEnd(root, root.childNodes.length);
  const before = document.createRange();
  before.setStart(root, 0);
  before.setEnd(range.startContainer, range.startOffset);
  let exact = range.toString();
  const lead = exact.length - exact.trimStart().length;
  const prefix = before.toString() + exact.slice(0, lead);
  exact = exact.trim();
  if (!exact) return null;
  const start = codePoints(prefix);
  return { start, end: start + codePoints(exact), exact, rect: range.getBoundingClientRect() };
}

function formUrl(span, kind) {
  const params = new URLSearchParams({
    kind, start: String(span.start), end: String(span.end),
    exact: Array.from(span.exact).slice(0, QUOTE_IN_URL).join(""),
  });
  return `/docs/${encodeURIComponent(page.dataset.slug)}/messages/new?${params}`;
}

function makeBar() {
  const bar = document.createElement("div");
  bar.className = "ask-bar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Write to the editors about the selected words");
  bar.hidden = true;
  for (const [kind, label] of [["correction", "Suggest a correction"], ["check", "Ask us to check this"]]) {
    const link = document.createElement("a");
    link.dataset.kind = kind;
    link.textContent = label;
    bar.append(link);
  }
  // keep the selection when the bar is pressed
  bar.addEventListener("mousedown", (event) => event.preventDefault());
  document.body.append(bar);
  return bar;
}

function setUp() {
  const bar = makeBar();
  const show = () => {
    const span = selectionSpan();
    if (!span) { if (!bar.contains(document.activeElement)) bar.hidden = true; return; }
    for (const link of bar.querySelectorAll("a")) link.href = formUrl(span, link.dataset.kind);
    bar.hidden = false;
    if (window.matchMedia("(max-width: 640px)").matches) {
      bar.classList.add("is-docked"); // phones: along the bottom, clear of the system's menu
      bar.style.top = bar.style.left = "";
      return;
    }
    bar.classList.remove("is-docked");
    const width = bar.offsetWidth;
    bar.style.top = `${span.rect.bottom + window.scrollY + 8}px`;
    bar.style.left = `${Math.max(8, Math.min(span.rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8))}px`;
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(show, 120); };
  root.addEventListener("mouseup", later);
  root.addEventListener("touchend", later);
  document.addEventListener("selectionchange", later); // keyboards and touch handles
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !bar.hidden) { bar.hidden = true; }
  });
}

if (root && page) setUp();
