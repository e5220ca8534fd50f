// Reader page: words a reader selects in the text offer "Suggest a correction" and
// "Ask us to check this". Each is a link to the message form with the selection's
// place (code points, as the server counts) and its first words; the server checks
// both against the text. A note that opens gets the same two links for itself (reader.js);
// without JavaScript a note's Share page offers them.

import { selectionSpan } from "./selection.js";

const root = document.querySelector("[data-doc-text]");
const page = document.querySelector(".doc-page");
const QUOTE_IN_URL = 200; // code points of the selected words carried in the link

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
    const span = selectionSpan(root);
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
