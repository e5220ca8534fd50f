// Reader page: place notes beside their words, show every note over a clicked
// highlight, and open the note a #a-ID permalink names.

const WIDE = window.matchMedia("(min-width: 1000px)");
const GAP = 10; // px between stacked notes

const page = document.querySelector(".doc-page");
const root = document.querySelector("[data-doc-text]");
const pane = document.querySelector(".notes");

function placedNotes() {
  return [...pane.querySelectorAll(".note[data-block]")];
}

export function noteFor(id) {
  return document.getElementById(`a-${id}`);
}

export function marksFor(id) {
  return [...root.querySelectorAll(`mark[data-annotations~="${CSS.escape(String(id))}"]`)];
}

function topWithin(element, container) {
  return element.getBoundingClientRect().top - container.getBoundingClientRect().top;
}

/** Wide screens: each note level with its first highlight, pushed down to avoid overlap;
 *  an active note sits exactly at its words and the others make room around it. */
function layoutWide(activeId) {
  const notes = placedNotes();
  const wanted = notes.map((note) => {
    const mark = marksFor(note.dataset.annotation)[0];
    return mark ? topWithin(mark, pane) : 0;
  });
  const heights = notes.map((note) => note.offsetHeight);
  const tops = new Array(notes.length);
  const pivot = notes.findIndex((note) => note.dataset.annotation === String(activeId));
  const first = pivot < 0 ? 0 : pivot;
  let floor = pivot < 0 ? 0 : wanted[pivot];
  for (let i = first; i < notes.length; i += 1) {
    tops[i] = Math.max(wanted[i], floor);
    floor = tops[i] + heights[i] + GAP;
  }
  let ceiling = pivot < 0 ? 0 : tops[pivot] - GAP;
  for (let i = first - 1; i >= 0; i -= 1) {
    tops[i] = Math.max(Math.min(wanted[i], ceiling - heights[i]), 0);
    ceiling = tops[i] - GAP;
  }
  // pushing notes up may have hit the top: settle downwards once more
  floor = 0;
  for (let i = 0; i < notes.length; i += 1) {
    tops[i] = Math.max(tops[i], floor);
    floor = tops[i] + heights[i] + GAP;
  }
  notes.forEach((note, i) => { note.style.top = `${tops[i]}px`; });
  pane.style.minHeight = `${floor}px`;
}

/** Narrow screens: each paragraph makes room below itself for its notes. */
function layoutNarrow() {
  const groups = new Map();
  for (const note of placedNotes()) {
    const list = groups.get(note.dataset.block) || [];
    list.push(note);
    groups.set(note.dataset.block, list);
  }
  for (const [block, notes] of groups) {
    const element = root.querySelector(`[data-block="${block}"]`);
    const height = notes.reduce((sum, note) => sum + note.offsetHeight + GAP, 0);
    if (element) element.style.marginBottom = `${height + 12}px`;
  }
  for (const [block, notes] of groups) {
    const element = root.querySelector(`[data-block="${block}"]`);
    if (!element) continue;
    let top = element.getBoundingClientRect().bottom - pane.getBoundingClientRect().top + 6;
    for (const note of notes) {
      note.style.top = `${top}px`;
      top += note.offsetHeight + GAP;
    }
  }
  pane.style.minHeight = "";
}

let activeId = null;

export function layout() {
  if (!pane || !root) return;
  document.documentElement.classList.add("js-layout");
  for (const element of root.querySelectorAll("[data-block]")) element.style.marginBottom = "";
  if (WIDE.matches) layoutWide(activeId);
  else layoutNarrow();
}

/** Mark these annotations' notes and highlights active; optionally bring them into view. */
export function activate(ids, { scroll = false, focus = false } = {}) {
  for (const element of document.querySelectorAll(".is-active")) element.classList.remove("is-active");
  const notes = ids.map(noteFor).filter(Boolean);
  for (const note of notes) note.classList.add("is-active");
  for (const id of ids) for (const mark of marksFor(id)) mark.classList.add("is-active");
  activeId = notes.length ? notes[0].dataset.annotation : null;
  layout();
  if (!notes.length) return;
  const target = WIDE.matches ? marksFor(activeId)[0] || notes[0] : notes[0];
  if (scroll) target.scrollIntoView({ block: "center", behavior: "instant" });
  // Wide screens: the notes above may push an active note below the fold; bring the
  // active notes into view (the first one wins when they do not all fit).
  if (WIDE.matches) {
    for (const note of [...notes].reverse()) note.scrollIntoView({ block: "nearest", behavior: "instant" });
  }
  if (focus) notes[0].focus({ preventScroll: true });
}

function openFromHash() {
  const match = /^#a-(\d+)$/.exec(window.location.hash);
  if (match && noteFor(match[1])) activate([match[1]], { scroll: true, focus: true });
}

function onMarkClick(event) {
  const mark = event.target.closest("mark[data-annotations]");
  if (!mark || window.getSelection().toString()) return;
  activate(mark.dataset.annotations.split(" "), { scroll: !WIDE.matches });
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

if (page && root && pane) {
  root.addEventListener("click", onMarkClick);
  window.addEventListener("hashchange", openFromHash);
  window.addEventListener("resize", debounce(layout, 100));
  WIDE.addEventListener("change", layout);
  layout();
  openFromHash();
  document.fonts?.ready.then(() => { layout(); });
}
