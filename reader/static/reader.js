// Reader page: place notes beside their words, show every note over a clicked
// highlight, open the note a #a-ID permalink names, filter the notes, move between
// them with the keyboard, show a search hit (?hl=START-END), and on a phone open a
// tapped highlight's notes in a bottom sheet. Nothing here changes the text inside
// [data-doc-text]: only classes and attributes of the elements around it.

import "./share.js";

const WIDE = window.matchMedia("(min-width: 1000px)");
const PHONE = window.matchMedia("(max-width: 640px)");
const GAP = 10; // px between stacked notes
const FACETS = ["kind", "tag", "source", "verdict"];

const page = document.querySelector(".doc-page");
const root = document.querySelector("[data-doc-text]");
const pane = document.querySelector(".notes");
const filterForm = document.querySelector("[data-filter-form]");
const help = document.getElementById("keys-help");
const status = document.getElementById("reader-status");
const sheet = document.getElementById("note-sheet");

const KINDS = ["note", "context", "factcheck"];

/** A note's annotation id: its element id is ``a-ID`` (the page writes it nowhere else). */
export function idOf(note) {
  return note.id.slice(2);
}

function kindOf(note) {
  return KINDS.find((kind) => note.classList.contains(`note-${kind}`));
}

function shownNotes(scope = pane) {
  if (!scope) return [];
  // a floating note counts where its placeholder keeps its place in the column
  const found = [];
  for (const element of scope.querySelectorAll(".note:not([hidden]), .note-placeholder")) {
    if (element === placeholder) { if (floated && !floated.hidden) found.push(floated); }
    else if (element !== floated) found.push(element);
  }
  return found;
}

/** The notes beside the text (the pane holds no others), shown. */
function placedNotes() {
  return shownNotes(pane);
}

export function noteFor(id) {
  return document.getElementById(`a-${id}`);
}

/** Notes past the first hundred come as their element and body alone (parts.py: a page of
 *  10,000 notes stays under 3 MB); the table after them gives each its kind, verdict,
 *  tags, author and dates. Write each as the server writes the others (head, body, tags,
 *  foot), give its highlights their kinds and number the notes for print: once, before the
 *  first layout. */
function expandNotes() {
  const data = document.getElementById("notes-data");
  if (!data) return;
  const table = JSON.parse(data.textContent);
  data.remove();
  const element = (tag, text, className) => {
    const made = document.createElement(tag);
    if (text !== undefined) made.textContent = text;
    if (className) made.className = className;
    return made;
  };
  for (const [id, kind, verdict, person, created, edited, tags] of table.notes) {
    const note = noteFor(id);
    if (!note || note.classList.contains("note")) continue;
    const [name, label] = table.kinds[kind];
    note.className = `note note-${name}`;
    const head = element("header");
    const permalink = head.appendChild(element("a", label));
    permalink.href = `#a-${id}`;
    if (verdict >= 0) {
      note.dataset.verdict = table.verdicts[verdict][0];
      head.append(element("b", table.verdicts[verdict][1], "verdict"));
    } else if (name === "factcheck") {
      head.append(element("b", table.unjudged, "verdict"));
    }
    const body = element("div", undefined, "note-body");
    body.append(...note.childNodes);
    note.append(head, body);
    if (tags.length) {
      const list = note.appendChild(element("ul", undefined, "tags"));
      for (const tag of tags) list.append(element("li", table.tags[tag]));
    }
    const foot = note.appendChild(element("footer", person >= 0 ? `${table.people[person]} · ` : undefined));
    const date = foot.appendChild(element("a", table.dates[created]));
    date.href = `${table.share}${id}`;
    if (edited >= 0) foot.append(` · edited ${table.dates[edited]}`);
    for (const mark of marksFor(id)) mark.classList.add("hl", `hl-${name}`);
  }
  numberFootnotes();
}

/** id -> its marks in text order: one pass over the marks, again only once the text
 *  itself was replaced (an editor's save), never a selector per note or per click. */
let index = null;

function marksIndex() {
  if (index && index.first === root.firstChild) return index.marks;
  const marks = new Map();
  for (const mark of root.querySelectorAll("mark[data-annotations]")) {
    for (const id of mark.dataset.annotations.split(" ")) {
      const list = marks.get(id);
      if (list) list.push(mark);
      else marks.set(id, [mark]);
    }
  }
  index = { first: root.firstChild, marks };
  return marks;
}

export function marksFor(id) {
  return marksIndex().get(String(id)) || [];
}

/** A note's height as laid out, with its fraction: offsetHeight rounds, and a rounding
 *  a note adds up over a thousand notes to a visible distance from their words. */
function heightOf(note) {
  return note.getBoundingClientRect().height;
}

/** Focus a note; notes are made focusable only when needed (a page may hold thousands). */
function focusNote(note) {
  if (!note.hasAttribute("tabindex")) note.tabIndex = -1;
  note.focus({ preventScroll: true });
}

/** What the wide layout measured: each shown note, the top of its first highlight and its
 *  height. Measured once and kept while nothing changes size (a click only moves notes);
 *  a resize, a filter or new content measure again. */
let geometry = null;

function measureWide() {
  const notes = placedNotes();
  const marks = marksIndex();
  const paneTop = pane.getBoundingClientRect().top;
  // every read first, then every write: one layout for any number of notes
  const wanted = notes.map((note) => {
    const first = marks.get(idOf(note));
    return first ? first[0].getBoundingClientRect().top - paneTop : 0;
  });
  const heights = notes.map((note) => heightOf(note));
  return { notes, wanted, heights, at: new Map(notes.map((note, i) => [note, i])) };
}

/** Wide screens: each note level with its first highlight, pushed down to avoid overlap;
 *  an active note sits exactly at its words and the others make room around it. Where
 *  the notes above it are too many to make room (a heavily annotated text), the others
 *  stay where they are and the active note floats over them at its words. */
function layoutWide(activeId) {
  geometry ||= measureWide();
  const { notes, wanted, heights, at } = geometry;
  const open = activeId === null ? null : noteFor(activeId);
  const pivot = at.has(open) ? at.get(open) : -1;
  let tops = pivot < 0 ? null : stack(wanted, heights, pivot);
  let floating = -1;
  if (pivot >= 0 && Math.abs(tops[pivot] - wanted[pivot]) > 1) {
    tops = null;
    floating = pivot;
  }
  // the column with no note open, as a floating note leaves it: placed once, kept
  tops ||= (geometry.rest ||= stack(wanted, heights, -1));
  if (tops !== geometry.placed) {
    geometry.bottom = place(notes, tops, heights);
    geometry.placed = tops;
  }
  if (floating >= 0) float(notes[floating], wanted[floating], heights[floating]);
  else float(null);
  if (pane.style.minHeight !== `${geometry.bottom}px`) pane.style.minHeight = `${geometry.bottom}px`;
}

/** The tops of the notes: level with their words, pushed down to avoid overlap; the
 *  note at ``pivot`` (if any) exactly at its words, the others around it. */
function stack(wanted, heights, pivot) {
  const tops = new Array(wanted.length);
  const start = pivot < 0 ? 0 : pivot;
  let floor = pivot < 0 ? 0 : wanted[pivot];
  for (let i = start; i < wanted.length; i += 1) {
    tops[i] = Math.max(wanted[i], floor);
    floor = tops[i] + heights[i] + GAP;
  }
  let ceiling = pivot < 0 ? 0 : tops[pivot] - GAP;
  for (let i = start - 1; i >= 0; i -= 1) {
    tops[i] = Math.max(Math.min(wanted[i], ceiling - heights[i]), 0);
    ceiling = tops[i] - GAP;
  }
  // pushing notes up may have hit the top: settle downwards once more
  floor = 0;
  for (let i = 0; i < wanted.length; i += 1) {
    tops[i] = Math.max(tops[i], floor);
    floor = tops[i] + heights[i] + GAP;
  }
  return tops;
}

/** The one note shown away from its place in the column, at its words (or none). It is
 *  lifted out of its group of notes into a layer of its own over the column, and a
 *  placeholder of its size keeps its place there: no group of a hundred notes has to be
 *  drawn for it (a group brought back to be drawn costs its notes' style and pre-paint),
 *  and the column is not laid out again. It is moved by a transform, and goes back to its
 *  place when it stops floating. */
let floated = null;
const placeholder = document.createElement("div");
placeholder.className = "note-placeholder";
placeholder.setAttribute("aria-hidden", "true");
const lifted = document.createElement("div"); // the layer of the floating note
lifted.className = "note-float";

function float(note, top = 0, height = 0) {
  if (floated && floated !== note) land();
  if (!note) return;
  if (floated !== note) {
    if (lifted.parentElement !== pane) pane.append(lifted);
    note.before(placeholder);
    move(note, lifted, null);
    note.classList.add("is-floating");
    floated = note;
  }
  placeholder.style.marginTop = note.style.marginTop;
  placeholder.style.height = `${height}px`;
  note.style.transform = `translateY(${top}px)`;
}

/** The floating note back in its place in the column. */
function land() {
  const note = floated;
  floated = null;
  note.classList.remove("is-floating");
  note.style.transform = "";
  if (placeholder.isConnected) move(note, placeholder.parentElement, placeholder);
  else note.remove(); // the notes were rendered again (an editor's save): the new copy stays
  placeholder.remove();
}

/** Move an element, keeping the focus inside it (given back after the move). Not
 *  ``moveBefore``, which keeps the focus itself: Chromium's renderer crashed on it when a
 *  note that had floated was put back after an editor's save had rendered the notes again. */
function move(element, parent, before) {
  const focused = element.contains(document.activeElement) ? document.activeElement : null;
  parent.insertBefore(element, before);
  if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

/** Put each note at ``tops[i]`` px below the pane's top; return the bottom of the last.
 *  The notes stay in the normal flow, each pushed down by its top margin (the tops only
 *  grow): Chromium lays out thousands of absolutely positioned siblings in quadratic
 *  time, a column in linear. Only the margins that change are written (a click moves a
 *  few). */
const margins = new WeakMap(); // note -> the top margin last written
const sizes = new WeakMap(); // group of notes -> the size last written
let groups = []; // the groups of notes, found again when the notes are rendered again

function place(notes, tops, heights) {
  let floor = 0;
  let bottom = 0;
  const taken = new Map(); // group -> the height its shown notes take
  notes.forEach((note, i) => {
    const gap = Math.max(tops[i] - floor, 0);
    if (margins.get(note) !== gap) {
      note.style.marginTop = `${gap}px`;
      margins.set(note, gap);
    }
    floor += gap + heights[i];
    bottom = floor + GAP;
    const group = note === floated ? placeholder.parentElement : note.parentElement;
    taken.set(group, (taken.get(group) || 0) + gap + heights[i]);
  });
  // a group far from the screen is not drawn: it takes the size its notes would
  if (!groups[0]?.isConnected) groups = [...pane.querySelectorAll(".note-group")];
  for (const group of groups) {
    const size = taken.get(group) || 0;
    if (sizes.get(group) !== size) {
      group.style.containIntrinsicBlockSize = `${size}px`;
      sizes.set(group, size);
    }
  }
  return bottom;
}

/** Narrow screens: each paragraph makes room below itself for its notes. */
function layoutNarrow() {
  float(null);
  const marks = marksIndex();
  const groups = new Map(); // paragraph -> its notes (the paragraph of each one's first mark)
  for (const note of placedNotes()) {
    const first = marks.get(idOf(note));
    const block = first ? first[0].closest("[data-block]") : null;
    const list = groups.get(block) || [];
    list.push(note);
    groups.set(block, list);
  }
  const heights = new Map();
  for (const [block, notes] of groups) {
    heights.set(block, notes.map((note) => heightOf(note)));
  }
  for (const [block, list] of heights) {
    if (block) block.style.marginBottom = `${list.reduce((sum, h) => sum + h + GAP, 0) + 12}px`;
  }
  const paneTop = pane.getBoundingClientRect().top;
  const tops = new Map();
  for (const block of groups.keys()) {
    if (block) tops.set(block, block.getBoundingClientRect().bottom - paneTop + 6);
  }
  const placed = [];
  const wanted = [];
  const sizes = [];
  for (const [block, notes] of groups) {
    let top = tops.has(block) ? tops.get(block) : 0;
    notes.forEach((note, i) => {
      placed.push(note);
      wanted.push(top);
      sizes.push(heights.get(block)[i]);
      top += heights.get(block)[i] + GAP;
    });
  }
  place(placed, wanted, sizes);
  pane.style.minHeight = "";
}

let activeId = null;

/** Lay the notes out again, measuring everything (after a change of content or size). */
export function layout() {
  if (!pane || !root) return;
  document.documentElement.classList.add("js-layout");
  pane.classList.add("is-measuring"); // every group of notes drawn while they are measured
  float(null); // measured in its place
  geometry = null;
  for (const element of root.querySelectorAll("[data-block]")) {
    if (element.style.marginBottom) element.style.marginBottom = "";
  }
  if (WIDE.matches) layoutWide(activeId);
  else layoutNarrow();
  pane.classList.remove("is-measuring");
}

/** After a click: wide screens move the notes around the active one with what was
 *  measured; elsewhere the notes do not move. */
function arrange() {
  if (pane && root && WIDE.matches) layoutWide(activeId);
}

/** Before a click changes anything: has the text moved (a box opened above it) or this
 *  note grown since the notes were measured? Costs no layout when nothing changed. */
function checkGeometry(id, grown = []) {
  if (!geometry || !WIDE.matches) return;
  const note = noteFor(id);
  const i = note ? geometry.at.get(note) : undefined;
  const first = marksFor(id)[0];
  if (i === undefined || !first) return;
  const top = first.getBoundingClientRect().top - pane.getBoundingClientRect().top;
  // a note that has just been given its links grew: grewBy() measures it again
  const resized = !grown.includes(note) && Math.abs(heightOf(note) - geometry.heights[i]) > 0.5;
  if (Math.abs(top - geometry.wanted[i]) > 1 || resized) geometry = null;
}

function say(message) {
  if (status) status.textContent = message;
}

/** Phones: a copy of the active notes in a sheet over the lower part of the screen.
 *  The notes themselves stay where they are (short previews below their paragraphs). */
function openSheet(notes) {
  if (!PHONE.matches || !sheet) return;
  const copies = notes.map((note) => {
    const copy = note.cloneNode(true);
    copy.classList.remove("is-active");
    for (const element of [copy, ...copy.querySelectorAll("[id]")]) element.id = `sheet-${element.id}`;
    copy.removeAttribute("style");
    // the words it is about: the note in the margin leaves them to the text beside it
    const words = marksFor(idOf(note)).map((mark) => mark.textContent).join("");
    if (words && !copy.querySelector(".quote")) {
      const quote = document.createElement("blockquote");
      quote.className = "quote";
      quote.textContent = words.length > 160 ? `${words.slice(0, 157)}...` : words;
      copy.querySelector(":scope > header")?.after(quote);
    }
    return copy;
  });
  sheet.querySelector(".sheet-body").replaceChildren(...copies);
  sheet.querySelector(".sheet-title").textContent = notes.length > 1 ? `${notes.length} notes on these words` : "Note on these words";
  sheet.hidden = false;
  sheet.scrollTop = 0;
  document.body.classList.add("sheet-open");
}

function closeSheet() {
  if (!sheet || sheet.hidden) return false;
  sheet.hidden = true;
  sheet.querySelector(".sheet-body").replaceChildren();
  document.body.classList.remove("sheet-open");
  return true;
}

/** A note's Share link and the readers' links to the editors ("Suggest a correction",
 *  "Ask us to check this"): the page holds one copy, and a note gets its own when it opens
 *  or takes the focus, so a page of thousands of notes does not carry thousands of copies
 *  (without JavaScript the note's date leads to its share page, which has all three). */
const ask = document.getElementById("note-ask");

function offerAsk(note) {
  if (!ask || note.querySelector(".note-ask")) return false;
  const links = ask.content.firstElementChild.cloneNode(true);
  const share = links.querySelector("a[data-share]");
  if (share) share.href = `${ask.dataset.share}${idOf(note)}`;
  for (const link of links.querySelectorAll("a[data-kind]")) {
    const params = new URLSearchParams({ annotation: idOf(note) });
    if (link.dataset.kind !== "correction") params.set("kind", link.dataset.kind);
    link.href = `${ask.dataset.href}?${params}`;
  }
  note.append(links);
  return true;
}

/** Give these notes their links; what was measured follows the notes that grew.
 *  True when one grew. */
function offerAskIn(notes) {
  return grewBy(notes.filter(offerAsk));
}

/** What was measured follows these notes, which grew. True when there are any. */
function grewBy(grown) {
  if (!grown.length || !pane || !root) return grown.length > 0;
  if (WIDE.matches) {
    if (!geometry) return true;
    for (const note of grown) {
      const i = geometry.at.get(note);
      if (i !== undefined) geometry.heights[i] = heightOf(note);
    }
    geometry.rest = null;
  } else if (!PHONE.matches && grown.some((note) => pane.contains(note))) {
    layout(); // the paragraphs make room for the longer note
  }
  return true;
}

/** The notes and highlights marked active now (to clear them without a search). */
let active = [];

function clearActive() {
  for (const element of active) element.classList.remove("is-active");
  active = [];
}

/** Mark these annotations' notes and highlights active; optionally bring them into view.
 *  ``sheet: false`` keeps a phone's note in place under its paragraph (a permalink). */
export function activate(ids, { scroll = false, focus = false, sheet: useSheet = true } = {}) {
  const notes = ids.map(noteFor).filter((note) => note && !note.hidden);
  // every write that changes a size first (the links a note gets when it opens), then
  // the reads: one layout for the click
  const grown = notes.filter(offerAsk);
  if (ids.length) checkGeometry(ids[0], grown);
  grewBy(grown);
  clearActive();
  for (const note of notes) active.push(note);
  for (const id of ids) active.push(...marksFor(id));
  for (const element of active) element.classList.add("is-active");
  activeId = notes.length ? idOf(notes[0]) : null;
  arrange();
  if (!notes.length) { closeSheet(); return; }
  const mark = marksFor(activeId)[0];
  if (PHONE.matches && sheet && useSheet) {
    if (!sheet.contains(document.activeElement) && !returnFocus) returnFocus = document.activeElement;
    openSheet(notes);
    // the sheet covers the lower part: bring the words into the upper part
    if (mark) window.scrollBy({ top: mark.getBoundingClientRect().top - window.innerHeight * 0.2, behavior: "instant" });
    const copy = sheet.querySelector(".note");
    if (copy && (focus || PHONE.matches)) focusNote(copy);
    return;
  }
  const target = WIDE.matches ? mark || notes[0] : notes[0];
  if (scroll) target.scrollIntoView({ block: "center", behavior: "instant" });
  // Wide screens: the notes above may push an active note below the fold; bring the
  // active notes into view (the first one wins when they do not all fit).
  if (WIDE.matches) {
    for (const note of [...notes].reverse()) {
      if (note !== floated) note.scrollIntoView({ block: "nearest", behavior: "instant" });
    }
  }
  if (focus) focusNote(notes[0]);
}

let returnFocus = null;

/** Close the open note(s): no active note, no sheet; focus goes back where it came from. */
function deactivate() {
  const had = activeId !== null || (sheet && !sheet.hidden);
  const focusInNote = document.activeElement?.closest?.(".note");
  clearActive();
  const inSheet = focusInNote && sheet?.contains(focusInNote);
  const current = activeId ? noteFor(activeId) : null;
  activeId = null;
  closeSheet();
  arrange();
  if (focusInNote) {
    const back = returnFocus && document.contains(returnFocus) && returnFocus !== document.body
      ? returnFocus : (inSheet ? current : focusInNote);
    back?.focus({ preventScroll: true });
  }
  returnFocus = null;
  return had;
}

// --- a permalink's or a search hit's words in view, with room above them ----------------

let pinned = null; // re-applies the last permalink's or search hit's scroll

/** Scroll so that ``target``'s top sits ``offset()`` px below the top of the screen.
 *  The browser jumps to the element a #fragment names again while the page finishes
 *  loading, and fonts arriving move the text: ``target`` (that element) gets the same
 *  distance as its scroll-margin-top, and the scroll is made again when the fonts and
 *  the page have loaded, unless the reader has scrolled since. */
function pin(target, offset) {
  pinned = () => {
    layout();
    const margin = Math.round(offset());
    target.style.scrollMarginTop = `${margin}px`;
    window.scrollBy({ top: target.getBoundingClientRect().top - margin, behavior: "instant" });
  };
  pinned();
}

function unpin() {
  pinned = null;
}

/** Where a note's top belongs so that its first highlight has room above it and the
 *  note shows too: beside the words on wide screens, under their paragraph otherwise. */
function permalinkOffset(note, mark) {
  const room = window.innerHeight / 4;
  if (!mark) return room;
  const markTop = mark.getBoundingClientRect().top;
  const noteBox = note.getBoundingClientRect();
  const below = noteBox.top - markTop; // the note's top under the words' top
  const span = Math.max(noteBox.bottom, mark.getBoundingClientRect().bottom) - markTop;
  // as much room as fits with the note's end on screen, but never the words off the top
  const fit = Math.min(room, window.innerHeight - span - 16);
  const wordsAt = Math.max(fit, Math.min(24, room));
  // a paragraph taller than the screen between the words and the note: show the note's start
  return Math.min(wordsAt + below, window.innerHeight - 96);
}

function openFromHash() {
  const match = /^#a-(\d+)$/.exec(window.location.hash);
  const note = match && noteFor(match[1]);
  if (!note) return;
  activate([match[1]], { focus: true, sheet: false });
  if (note.hidden || !note.closest(".notes")) { note.scrollIntoView({ block: "center", behavior: "instant" }); return; }
  pin(note, () => permalinkOffset(note, marksFor(match[1])[0]));
}

function onMarkClick(event) {
  const mark = event.target.closest("mark[data-annotations]");
  if (window.getSelection().toString()) return;
  if (!mark || mark.classList.contains("is-filtered")) {
    if (sheet && !sheet.hidden) deactivate();
    return;
  }
  const ids = mark.dataset.annotations.split(" ").filter((id) => !noteFor(id)?.hidden);
  activate(ids, { scroll: !WIDE.matches && !PHONE.matches });
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// --- filters --------------------------------------------------------------------------

function chosenFilters() {
  const chosen = {};
  if (!filterForm) return chosen;
  for (const input of filterForm.querySelectorAll('input[type="checkbox"]:checked')) {
    (chosen[input.name] ||= new Set()).add(input.value);
  }
  return chosen;
}

function valuesOf(note, facet) {
  if (facet === "kind") return [kindOf(note)];
  if (facet === "tag") {
    // the filter keys: written when casefold differs from lower case, else the tags shown
    if (note.dataset.tags) return JSON.parse(note.dataset.tags);
    return [...note.querySelectorAll(":scope > .tags li")].map((li) => li.textContent.toLowerCase());
  }
  const value = note.dataset[facet];
  return value ? [value] : [];
}

/** The same rule as filters.py: any chosen value within a facet, every facet with a choice. */
function passes(note, chosen) {
  return Object.entries(chosen).every(([facet, values]) => valuesOf(note, facet).some((v) => values.has(v)));
}

/** Number the shown notes in text order and put each number on the mark where its words
 *  end (the notes number themselves with a CSS counter, as they are in text order). */
function numberFootnotes() {
  const numbers = new Map();
  for (const note of placedNotes()) numbers.set(idOf(note), numbers.size + 1);
  const last = new Map();
  for (const mark of root.querySelectorAll("mark[data-annotations]")) {
    delete mark.dataset.fn;
    for (const id of mark.dataset.annotations.split(" ")) if (numbers.has(id)) last.set(id, mark);
  }
  for (const [id, mark] of last) {
    mark.dataset.fn = mark.dataset.fn ? `${mark.dataset.fn} ${numbers.get(id)}` : String(numbers.get(id));
  }
}

/** Show the notes and highlights the filter form chooses; hide the others (never the text). */
function applyFilters({ updateUrl = true } = {}) {
  if (!filterForm || !pane) return;
  float(null); // every note in its place while the filters choose (layout() floats it again)
  const chosen = chosenFilters();
  const notes = [...document.querySelectorAll(".notes-slot .note, .whole-slot .note")];
  const shown = new Set();
  for (const note of notes) {
    const ok = passes(note, chosen);
    note.hidden = !ok;
    if (ok) shown.add(idOf(note));
  }
  for (const mark of root.querySelectorAll("mark[data-annotations]")) {
    mark.classList.toggle("is-filtered", !mark.dataset.annotations.split(" ").some((id) => shown.has(id)));
  }
  const empty = pane.querySelector(".no-notes");
  const placed = pane.querySelectorAll(".notes-slot .note").length;
  if (empty) {
    empty.hidden = pane.querySelector(".notes-slot .note:not([hidden])") !== null;
    empty.textContent = placed ? "No notes match the filters." : "No notes on this text yet.";
  }
  const filtering = Object.keys(chosen).length > 0;
  const count = document.querySelector("[data-filter-count]");
  if (count) count.textContent = filtering ? `${shown.size} of ${notes.length} shown` : "";
  if (activeId && !shown.has(activeId)) deactivate();
  numberFootnotes();
  if (updateUrl) {
    const params = new URLSearchParams(window.location.search);
    for (const facet of FACETS) params.delete(facet);
    for (const [facet, values] of Object.entries(chosen)) for (const v of values) params.append(facet, v);
    const query = params.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`);
    say(filtering ? `${shown.size} of ${notes.length} notes shown.` : `All ${notes.length} notes shown.`);
  }
  layout();
}

function setUpFilters() {
  if (!filterForm) return;
  filterForm.addEventListener("change", () => applyFilters());
  filterForm.addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
  filterForm.querySelector("[data-filter-clear]")?.addEventListener("click", (event) => {
    event.preventDefault();
    for (const input of filterForm.querySelectorAll('input[type="checkbox"]')) input.checked = false;
    applyFilters();
  });
  // an editor's save re-renders the notes: keep the reader's choice
  const slot = pane.querySelector(".notes-slot");
  if (slot) new MutationObserver(() => applyFilters({ updateUrl: false })).observe(slot, { childList: true });
}

// --- keyboard -----------------------------------------------------------------------

function navigableNotes() {
  return [...shownNotes(document.querySelector(".whole-slot")), ...shownNotes(pane)];
}

function currentIndex(notes) {
  let focused = document.activeElement?.closest?.(".note");
  if (focused && sheet?.contains(focused)) focused = null; // a copy: the note itself counts
  const current = focused || (activeId ? noteFor(activeId) : null);
  return current ? notes.indexOf(current) : -1;
}

function step(delta) {
  const notes = navigableNotes();
  if (!notes.length) { say("There are no notes to move to."); return; }
  const at = currentIndex(notes);
  const next = at < 0 ? (delta > 0 ? 0 : notes.length - 1) : Math.min(Math.max(at + delta, 0), notes.length - 1);
  if (at >= 0 && next === at) { say(delta > 0 ? "This is the last note." : "This is the first note."); return; }
  if (!returnFocus && !document.activeElement?.closest?.(".note")) returnFocus = document.activeElement;
  activate([idOf(notes[next])], { scroll: true, focus: true });
  const label = notes[next].querySelector(":scope > header > a")?.textContent.trim() || "Note";
  say(`${label}, note ${next + 1} of ${notes.length}.`);
}

/** Open a note: bring its words into view and flash them; the note keeps the focus. */
function openNote(note) {
  const id = idOf(note);
  activate([id], { scroll: true, focus: true });
  const marks = marksFor(id);
  if (marks.length) {
    marks[0].scrollIntoView({ block: PHONE.matches ? "start" : "center", behavior: "instant" });
    for (const mark of marks) {
      mark.classList.remove("is-flashing");
      void mark.offsetWidth; // restart the animation
      mark.classList.add("is-flashing");
    }
  }
}

function openHelp() {
  if (!help || help.open) return;
  help.showModal();
  help.querySelector("[data-keys-close]")?.focus();
}

function trapFocus(event) {
  if (event.key !== "Tab") return;
  const focusable = [...help.querySelectorAll("a[href], button, input, [tabindex]:not([tabindex='-1'])")];
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  else if (!help.contains(document.activeElement)) { event.preventDefault(); first.focus(); }
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (help?.open) return; // the dialog handles its own keys (Escape closes it)
  const panel = document.getElementById("panel");
  if (panel && !panel.hidden) return; // the editor's form is open: its keys
  if (event.key === "Escape") {
    if (deactivate()) say("Note closed.");
    return;
  }
  if (event.target.closest?.("input, textarea, select, [contenteditable]")) return; // typing
  if (event.key === "Enter") {
    // Enter on a note itself opens it; on a link or button inside it, it does what it does
    if (event.target.classList?.contains("note")) { event.preventDefault(); openNote(event.target); }
    return;
  }
  switch (event.key) {
    case "j": case "n": event.preventDefault(); step(1); break;
    case "k": case "p": event.preventDefault(); step(-1); break;
    case "o": {
      const notes = navigableNotes();
      const at = currentIndex(notes);
      if (at >= 0) { event.preventDefault(); openNote(notes[at]); }
      break;
    }
    case "?": event.preventDefault(); openHelp(); break;
    default: break;
  }
}

// --- a search hit: ?hl=START-END in code points ----------------------------------------

/** The UTF-16 offsets in the page of code points ``start`` and ``end`` of the text. */
function utf16Offsets(text, start, end) {
  let points = 0;
  let units = 0;
  let from = null;
  for (const char of text) {
    if (points === start) from = units;
    if (points === end) break;
    points += 1;
    units += char.length;
  }
  if (from === null && points === start) from = units;
  return from === null ? null : [from, units];
}

function rangeAt(from, to) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let pos = 0;
  let started = false;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.data.length;
    if (!started && from <= pos + length) { range.setStart(node, from - pos); started = true; }
    if (started && to <= pos + length) { range.setEnd(node, to - pos); return range; }
    pos += length;
  }
  return null;
}

function showSearchHit() {
  const match = /^(\d+)-(\d+)$/.exec(new URLSearchParams(window.location.search).get("hl") || "");
  if (!match || /^#a-/.test(window.location.hash)) return;
  const [start, end] = [Number(match[1]), Number(match[2])];
  const offsets = end > start ? utf16Offsets(root.textContent, start, end) : null;
  const range = offsets && rangeAt(...offsets);
  if (!range) return;
  if (window.CSS?.highlights && window.Highlight) {
    CSS.highlights.set("search-hit", new Highlight(range));
    setTimeout(() => CSS.highlights.delete("search-hit"), 6000);
  }
  // the link names the hit's paragraph (#p-N, for readers without JavaScript): the
  // browser's jump to it is kept a third of the screen above the words
  const paragraph = (/^#p-\d+$/.test(window.location.hash) && document.getElementById(window.location.hash.slice(1)))
    || range.startContainer.parentElement.closest("[data-block]") || root;
  pin(paragraph, () => window.innerHeight / 3 - (range.getBoundingClientRect().top - paragraph.getBoundingClientRect().top));
}

// --- wiring -----------------------------------------------------------------------------

if (page && root && pane) {
  document.documentElement.classList.add("js");
  expandNotes();
  root.addEventListener("click", onMarkClick);
  window.addEventListener("hashchange", openFromHash);
  window.addEventListener("resize", debounce(layout, 100));
  WIDE.addEventListener("change", layout);
  PHONE.addEventListener("change", () => { closeSheet(); layout(); });
  // phones: a tap on a note's short preview opens it whole in the sheet
  pane.addEventListener("click", (event) => {
    const preview = event.target.closest(".note");
    if (PHONE.matches && preview && !event.target.closest("a, button, summary, textarea, form")) activate([idOf(preview)]);
  });
  // a keyboard reader tabbing into a note finds the links to the editors after its Share
  page.addEventListener("focusin", (event) => {
    const note = event.target.closest?.(".note");
    if (note && offerAskIn([note])) arrange();
  });
  document.addEventListener("keydown", onKey);
  document.querySelector("[data-sheet-close]")?.addEventListener("click", () => deactivate());
  document.querySelector("[data-keys-help]")?.addEventListener("click", openHelp);
  help?.addEventListener("keydown", trapFocus);
  setUpFilters();
  layout();
  openFromHash();
  showSearchHit();
  document.fonts?.ready.then(() => { if (pinned) pinned(); else layout(); });
  window.addEventListener("load", () => pinned?.());
  // print numbers the notes in their order: the floating one goes back to its place
  window.addEventListener("beforeprint", () => float(null));
  window.addEventListener("afterprint", arrange);
  // the reader scrolls or acts: nothing is brought back into view any more
  for (const type of ["wheel", "touchstart", "keydown", "mousedown"]) window.addEventListener(type, unpin, { passive: true });
  performance.mark("reader-ready");
}
