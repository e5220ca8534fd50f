// Editor page: select words, annotate them in a panel, edit, publish, delete, restore.
// Talks to the server in JSON with the CSRF token; the server re-renders the text and
// notes after each save, so highlights appear at once and match what readers get.

import { activate, layout } from "./reader.js";

const root = document.querySelector("[data-doc-text]");
const page = document.querySelector(".doc-page");
const slug = page.dataset.slug;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const button = document.getElementById("annotate-button");
const panel = document.getElementById("panel");
const form = document.getElementById("annotation-form");
const message = document.getElementById("panel-message");
const preview = document.getElementById("preview");
const sourceSearch = document.getElementById("source-search");
const sourceResults = document.getElementById("source-results");
const sourceChosen = document.getElementById("source-chosen");
const sourceNew = document.getElementById("source-new");
const sourceNewToggle = document.getElementById("source-new-toggle");

let pending = null; // {start, end, exact}: code points of the current selection
let editing = null; // {id, version, ...} when the panel edits a stored note
let reattaching = null; // id of an orphan to place on the next selection
let lastFocus = null;

// --- offsets: the browser counts UTF-16 code units, the server code points ---------

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
  let prefix = before.toString();
  let exact = range.toString();
  const lead = exact.length - exact.trimStart().length;
  prefix += exact.slice(0, lead);
  exact = exact.trim();
  if (!exact) return null;
  const start = codePoints(prefix);
  return { start, end: start + codePoints(exact), exact };
}

// --- requests -------------------------------------------------------------------

async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch { data = { detail: `The server answered ${response.status}.` }; }
  return { ok: response.ok, status: response.status, data };
}

/** Put the server's freshly rendered text and notes into the page. */
function refresh(data) {
  root.innerHTML = data.text_html;
  document.querySelector(".notes-slot").innerHTML = data.notes_html;
  document.querySelector(".whole-slot").innerHTML = data.whole_html;
  for (const [kind, n] of Object.entries(data.counts)) {
    const count = document.querySelector(`[data-count="${kind}"]`);
    if (count) count.textContent = n;
  }
  layout();
}

// --- the floating button --------------------------------------------------------

function showButton(viaKeyboard) {
  pending = selectionSpan();
  if (!pending || !panel.hidden) { button.hidden = true; return; }
  if (reattaching) { reattach(reattaching, pending); return; }
  const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
  button.hidden = false;
  button.style.top = `${rect.bottom + window.scrollY + 6}px`;
  button.style.left = `${Math.min(rect.right + window.scrollX, window.innerWidth - 140)}px`;
  if (viaKeyboard) button.focus({ preventScroll: true });
}

// --- the panel ------------------------------------------------------------------

function setKind(kind) {
  form.querySelector(`input[name="kind"][value="${kind}"]`).checked = true;
  for (const box of form.querySelectorAll(".kind-fields")) box.hidden = box.dataset.kind !== kind;
  document.getElementById("body-label").firstChild.textContent =
    kind === "factcheck" ? "Evidence " : kind === "context" ? "What the reader should know " : "Note ";
}

function clearErrors() {
  message.hidden = true;
  message.textContent = "";
  for (const p of form.querySelectorAll("[data-error-for]")) p.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showErrors(fields) {
  let first = null;
  for (const [field, text] of Object.entries(fields || {})) {
    const slot = form.querySelector(`[data-error-for="${field}"]`) || form.querySelector('[data-error-for="span"]');
    slot.textContent = text;
    const input = form.querySelector(`[name="${field}"]`);
    if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
  }
  if (first) first.focus();
}

function showMessage(text, actions = []) {
  message.hidden = false;
  message.textContent = text;
  for (const [label, handler] of actions) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", handler);
    message.append(" ", b);
  }
}

function chooseSource(source) {
  form.elements.source_id.value = source ? source.id : "";
  sourceChosen.hidden = !source;
  sourceChosen.textContent = source
    ? `Chosen: ${source.title}${source.speaker ? ` — ${source.speaker}` : ""}${source.occurred_on ? `, ${source.occurred_on}` : ""}`
    : "";
  sourceResults.replaceChildren();
  sourceSearch.setAttribute("aria-expanded", "false");
  if (source) toggleNewSource(false);
}

function toggleNewSource(open) {
  sourceNew.hidden = !open;
  sourceNewToggle.setAttribute("aria-expanded", String(open));
  sourceNewToggle.textContent = open ? "Pick an existing source instead" : "Create a new source";
  if (open) { chooseSource(null); sourceNew.querySelector("input").focus(); }
}

function openPanel({ title, quote, fields }) {
  lastFocus = document.activeElement;
  form.reset();
  clearErrors();
  chooseSource(fields.source || null);
  toggleNewSource(false);
  document.getElementById("panel-title").textContent = title;
  const quoteBox = document.getElementById("panel-quote");
  quoteBox.textContent = quote || "";
  quoteBox.hidden = !quote;
  setKind(fields.kind || "note");
  form.elements.body.value = fields.body || "";
  form.elements.tags.value = (fields.tags || []).join(", ");
  form.elements.relation.value = fields.relation || "";
  form.elements.verdict.value = fields.verdict || "";
  panel.hidden = false;
  button.hidden = true;
  updatePreview();
  form.querySelector('input[name="kind"]:checked').focus();
}

function closePanel() {
  panel.hidden = true;
  // a preview or source search still waiting would ask the server for a closed panel
  clearTimeout(previewTimer);
  clearTimeout(searchTimer);
  editing = null;
  pending = null;
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
}

function formData(status) {
  const kind = form.querySelector('input[name="kind"]:checked').value;
  const data = {
    kind,
    body: form.elements.body.value,
    tags: form.elements.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    status,
  };
  if (kind === "context") {
    data.relation = form.elements.relation.value || null;
    if (!sourceNew.hidden) {
      data.source = {};
      for (const input of sourceNew.querySelectorAll("input")) data.source[input.name.slice(7)] = input.value;
    } else {
      data.source_id = form.elements.source_id.value ? Number(form.elements.source_id.value) : null;
    }
  }
  if (kind === "factcheck") data.verdict = form.elements.verdict.value || null;
  return data;
}

async function save(status) {
  clearErrors();
  const data = formData(status);
  let result;
  if (editing) {
    data.version = editing.version;
    result = await send("PUT", `/editor/api/annotations/${editing.id}`, data);
  } else {
    Object.assign(data, pending ? { start: pending.start, end: pending.end, exact: pending.exact } : {});
    result = await send("POST", `/editor/api/docs/${encodeURIComponent(slug)}/annotations`, data);
  }
  handleResult(result, () => save(status));
}

function handleResult({ ok, status, data }, retry) {
  if (ok) {
    refresh(data);
    const id = data.annotation.id;
    closePanel();
    window.getSelection().removeAllRanges();
    activate([String(id)], { scroll: true, focus: true });
    return;
  }
  if (status === 422) {
    showMessage("Please check the highlighted fields.");
    showErrors(data.fields);
  } else if (status === 409) {
    editing = { ...editing, version: data.version };
    showMessage(`${data.detail} Your text is still here.`, [
      ["Load their version", () => { const f = data.current; editing = f; openPanel({ title: "Edit note", quote: f.exact, fields: f }); }],
      ["Save mine over it", retry],
    ]);
  } else if (status === 401) {
    showMessage("Your session has ended. Sign in again in another tab, then save: your text is kept here.");
  } else {
    showMessage(data.detail || `The server answered ${status}.`);
  }
}

let previewTimer = null;
function updatePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const { ok, data } = await send("POST", "/editor/api/preview", { body: form.elements.body.value });
    if (ok) preview.innerHTML = data.html; // sanitised on the server by the readers' renderer
  }, 200);
}

let searchTimer = null;
function searchSources() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = sourceSearch.value.trim();
    const response = await fetch(`/editor/api/sources?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
    const sources = response.ok ? await response.json() : [];
    sourceResults.replaceChildren(...sources.map((source, i) => {
      const li = document.createElement("li");
      li.role = "option";
      li.id = `source-option-${i}`;
      li.tabIndex = -1;
      li.textContent = `${source.title}${source.speaker ? ` — ${source.speaker}` : ""}${source.occurred_on ? ` (${source.occurred_on})` : ""}`;
      li.addEventListener("click", () => chooseSource(source));
      li.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); chooseSource(source); sourceSearch.focus(); }
        if (event.key === "ArrowDown") { event.preventDefault(); li.nextElementSibling?.focus(); }
        if (event.key === "ArrowUp") { event.preventDefault(); (li.previousElementSibling || sourceSearch).focus(); }
      });
      return li;
    }));
    sourceSearch.setAttribute("aria-expanded", String(sources.length > 0));
  }, 150);
}

// --- note actions -----------------------------------------------------------------

function versionOf(id) {
  return Number(document.getElementById(`a-${id}`)?.dataset.version);
}

async function startEdit(id) {
  const { ok, data } = await send("GET", `/editor/api/annotations/${id}`);
  if (!ok) { window.alert(data.detail); return; }
  editing = data;
  openPanel({ title: "Edit note", quote: data.exact, fields: data });
}

async function noteAction(action, id, version = versionOf(id)) {
  if (action === "delete" && !window.confirm("Delete this note? Readers will no longer see it; you can restore it from “Deleted notes”.")) return;
  const { ok, status, data } = await send("POST", `/editor/api/annotations/${id}/${action}`, { version });
  if (ok) {
    refresh(data);
    if (action === "delete") showUndo(id, data.annotation.version);
    else activate([String(id)], { focus: true });
  } else {
    window.alert(status === 409 ? `${data.detail} The page will reload to show the current note.` : data.detail);
    if (status === 409) window.location.reload();
  }
}

function showUndo(id, version) {
  const bar = document.createElement("div");
  bar.className = "undo-bar";
  bar.role = "status";
  bar.textContent = "Note deleted. ";
  const undo = document.createElement("button");
  undo.type = "button";
  undo.textContent = "Undo";
  undo.addEventListener("click", async () => { bar.remove(); await noteAction("restore", id, version); }); // its note is gone from the page, so pass the version
  bar.append(undo);
  document.body.append(bar);
  undo.focus();
  setTimeout(() => bar.remove(), 10000);
}

async function reattach(id, span) {
  reattaching = null;
  document.body.classList.remove("is-reattaching");
  const { ok, data } = await send("GET", `/editor/api/annotations/${id}`);
  if (!ok) return;
  editing = data;
  pending = span;
  const result = await send("PUT", `/editor/api/annotations/${id}`,
    { version: data.version, start: span.start, end: span.end, exact: span.exact });
  handleResult(result, () => reattach(id, span));
}

// --- wiring -------------------------------------------------------------------------

root.addEventListener("mouseup", () => setTimeout(() => showButton(false), 0));
document.addEventListener("keyup", (event) => {
  if (event.shiftKey && panel.hidden && root.contains(window.getSelection().anchorNode)) showButton(true);
});
document.addEventListener("selectionchange", () => {
  if (window.getSelection().isCollapsed && document.activeElement !== button) button.hidden = true;
});
button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
button.addEventListener("click", () => {
  if (!pending) return;
  editing = null;
  openPanel({ title: "New note", quote: pending.exact, fields: {} });
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    if (!panel.hidden) { event.preventDefault(); closePanel(); }
    button.hidden = true;
    reattaching = null;
    document.body.classList.remove("is-reattaching");
    return;
  }
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (!typing && panel.hidden && (event.key === "a" || event.key === "A") && !event.ctrlKey && !event.metaKey && !event.altKey) {
    pending = selectionSpan();
    if (pending) { event.preventDefault(); editing = null; openPanel({ title: "New note", quote: pending.exact, fields: {} }); }
  }
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  save(event.submitter?.dataset.status || "draft");
});
form.addEventListener("change", (event) => {
  if (event.target.name === "kind") setKind(event.target.value);
});
form.elements.body.addEventListener("input", updatePreview);
sourceSearch.addEventListener("input", searchSources);
sourceSearch.addEventListener("focus", searchSources);
sourceSearch.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown") { event.preventDefault(); sourceResults.firstElementChild?.focus(); }
});
sourceNewToggle.addEventListener("click", () => toggleNewSource(sourceNew.hidden));
for (const cancel of document.querySelectorAll('[data-panel="cancel"]')) cancel.addEventListener("click", closePanel);

document.addEventListener("click", (event) => {
  const control = event.target.closest("button[data-action]");
  if (!control) return;
  const { action, id } = control.dataset;
  if (action === "edit") startEdit(id);
  else if (action === "whole") { editing = null; pending = null; openPanel({ title: "Note on the whole document", quote: "", fields: {} }); }
  else if (action === "reattach") {
    reattaching = id;
    document.body.classList.add("is-reattaching");
    showMessageOnBar("Now select the words this note belongs to (Escape to stop).");
  } else noteAction(action, id);
});

function showMessageOnBar(text) {
  const hint = document.querySelector(".editor-bar .hint");
  if (hint) hint.textContent = text;
}
