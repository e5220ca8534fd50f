// Editor page: select words, annotate them in a panel, edit, publish, delete, restore;
// submit for review, approve, request changes; discuss a note in comments; merge after a
// conflict. Talks to the server in JSON with the CSRF token; the server re-renders the
// text and notes after each save, so highlights appear at once and match what readers get.

import { activate, layout } from "./reader.js";
import { selectionSpan } from "./selection.js";

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
const reviewKinds = new Set(JSON.parse(form.dataset.reviewKinds || "[]"));
const merge = document.getElementById("merge");
const mergeTheirs = document.getElementById("merge-theirs");
const mergeFields = document.getElementById("merge-fields");
const bodyBox = form.elements.body;
const bodyHome = bodyBox.nextElementSibling; // the body's error slot: the textarea goes back before it
const noteFormTemplate = document.getElementById("note-form-template");

let pending = null; // {start, end, exact}: code points of the current selection
let editing = null; // {id, version, ...} when the panel edits a stored note
let reattaching = null; // id of an orphan to place on the next selection
let lastFocus = null;

// --- offsets: the browser counts UTF-16 code units, the server code points ---------

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
  const open = [...document.querySelectorAll("details.discussion[open]")].map((d) => d.dataset.discussion);
  root.innerHTML = data.text_html;
  document.querySelector(".notes-slot").innerHTML = data.notes_html;
  document.querySelector(".whole-slot").innerHTML = data.whole_html;
  for (const id of open) openDiscussion(id);
  for (const [kind, n] of Object.entries(data.counts)) {
    const count = document.querySelector(`[data-count="${kind}"]`);
    if (count) count.textContent = n;
  }
  layout();
}

// --- the floating button --------------------------------------------------------

function showButton(viaKeyboard) {
  pending = selectionSpan(root);
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
  updateSaveButtons(kind);
}

/** Kinds under review are submitted, not published; a published one's edit is a change
 *  that waits for approval while readers keep the published words. */
function updateSaveButtons(kind) {
  const published = Boolean(editing && editing.published);
  const reviewed = reviewKinds.has(kind) || (published && reviewKinds.has(editing.kind));
  const change = published && reviewed;
  const draft = form.querySelector('button[type="submit"]:not(.primary)');
  const main = form.querySelector('button[type="submit"].primary');
  draft.textContent = change ? "Save change as draft" : "Save draft";
  main.dataset.status = reviewed ? "review" : "published";
  main.textContent = reviewed ? (change ? "Submit change for review" : "Submit for review") : "Save and publish";
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
  endMerge();
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
  // a change to a published note may be a correction or a clarification, with a reason
  const marked = fields.correction || {};
  document.getElementById("correction-fields").hidden = !(editing && editing.published);
  form.querySelector(`input[name="correction"][value="${marked.kind || ""}"]`).checked = true;
  form.elements.reason.value = marked.reason || "";
  panel.hidden = false;
  button.hidden = true;
  updatePreview();
  form.querySelector('input[name="kind"]:checked').focus();
}

function closePanel() {
  panel.hidden = true;
  endMerge();
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
  if (!document.getElementById("correction-fields").hidden) {
    data.correction = form.querySelector('input[name="correction"]:checked').value || null;
    data.reason = form.elements.reason.value;
  }
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
  handleResult(result);
}

function handleResult({ ok, status, data }) {
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
  } else if (status === 409 && data.current) {
    editing = { ...data.current, version: data.version };
    startMerge(data.current, data.detail);
  } else if (status === 401) {
    showMessage("Your session has ended. Sign in again in another tab, then save: your text is kept here.");
  } else {
    showMessage(data.detail || `The server answered ${status}.`);
  }
}

// --- a conflict: both texts side by side -------------------------------------------------

const FIELD_NAMES = { kind: "Kind", verdict: "Verdict", relation: "The words are", tags: "Tags", source_id: "Source" };

function fieldText(field, value) {
  if (Array.isArray(value)) return value.join(", ") || "—";
  if (value === null || value === undefined || value === "") return "—";
  if (field === "source_id") return String(value);
  const words = String(value).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Another editor saved first: keep this editor's text in the form, show theirs beside it,
 *  list their other fields that differ (each can be taken), and save against their version. */
function startMerge(current, detail) {
  merge.querySelector(".merge-mine").append(bodyBox);
  mergeTheirs.value = current.body || "";
  merge.dataset.showing = "theirs";
  document.getElementById("merge-theirs-label").textContent = "Their version";
  const mine = formData("draft");
  mergeFields.replaceChildren();
  for (const field of Object.keys(FIELD_NAMES)) {
    const theirs = field === "source_id" ? current.source_id : current[field];
    const ours = field === "source_id" ? (mine.source ? "new" : mine.source_id) : mine[field];
    if (fieldText(field, theirs) === fieldText(field, ours ?? null)) continue;
    if (field === "source_id" && mine.kind !== "context") continue;
    if ((field === "verdict" || field === "relation") && mine.kind !== current.kind) continue;
    const li = document.createElement("li");
    const label = field === "source_id" && current.source ? current.source.title : fieldText(field, theirs);
    li.textContent = `${FIELD_NAMES[field]}: theirs ${label}, yours ${field === "source_id" ? (mine.source ? "a new source" : fieldText(field, ours)) : fieldText(field, ours ?? null)}. `;
    const take = document.createElement("button");
    take.type = "button";
    take.textContent = "Use theirs";
    take.addEventListener("click", () => { takeTheirs(field, current); li.remove(); });
    li.append(take);
    mergeFields.append(li);
  }
  merge.hidden = false;
  panel.classList.add("is-merging");
  showMessage(`${detail} Your text stays in the form; theirs is beside it as “Their version”. Merge what you need into yours, then save: it is saved over their version.`);
  bodyBox.focus();
}

function takeTheirs(field, current) {
  if (field === "kind") setKind(current.kind);
  else if (field === "tags") form.elements.tags.value = (current.tags || []).join(", ");
  else if (field === "source_id") chooseSource(current.source || null);
  else form.elements[field].value = current[field] || "";
}

/** Swap the two texts (nothing is lost: the other stays beside the form). */
function swapTexts() {
  const inForm = bodyBox.value;
  bodyBox.value = mergeTheirs.value;
  mergeTheirs.value = inForm;
  merge.dataset.showing = merge.dataset.showing === "theirs" ? "mine" : "theirs";
  document.getElementById("merge-theirs-label").textContent =
    merge.dataset.showing === "theirs" ? "Their version" : "Your earlier text";
  updatePreview();
}

function endMerge() {
  if (merge.hidden) return;
  merge.hidden = true;
  bodyHome.before(bodyBox);
  panel.classList.remove("is-merging");
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

async function noteAction(action, id, version = versionOf(id), extra = {}) {
  if (action === "delete" && !extra.reason && !window.confirm("Delete this note? Readers will no longer see it; you can restore it from “Deleted notes”.")) return null;
  const { ok, status, data } = await send("POST", `/editor/api/annotations/${id}/${action}`, { version, ...extra });
  if (ok) {
    refresh(data);
    if (action === "delete") showUndo(id, data.annotation.version);
    else activate([String(id)], { focus: true });
    return null;
  }
  const stale = status === 409 && data.current;
  if (status === 422 && extra && Object.keys(extra).length) return data.detail; // shown in its form
  window.alert(stale ? `${data.detail} The page will reload to show the current note.` : data.detail);
  if (stale) window.location.reload();
  return null;
}

// --- small forms in a note: comment, reply, request changes, override -------------------

const NOTE_FORMS = {
  comment: { label: "Comment", hint: "(Markdown; @name tells an editor)", submit: "Post comment" },
  reply: { label: "Reply", hint: "(Markdown; @name tells an editor)", submit: "Post reply" },
  changes: { label: "What should change?", hint: "(sent back to draft; posted in the discussion)", submit: "Send back" },
  override: { label: "Why publish without review?", hint: "(kept in the note's history)", submit: "Publish without review" },
  unpublish: { label: "Why take it away from readers?", hint: "(one line; readers see it on the corrections page)", submit: "Unpublish with this reason" },
  delete: { label: "Why withdraw it?", hint: "(one line; readers see it on the corrections page; you can restore the note)", submit: "Delete with this reason" },
};

function openNoteForm(control, purpose, onSubmit) {
  for (const open of document.querySelectorAll(".note-form")) open.remove();
  const formBox = noteFormTemplate.content.firstElementChild.cloneNode(true);
  const words = NOTE_FORMS[purpose];
  formBox.querySelector("[data-form-label]").textContent = words.label;
  formBox.querySelector("[data-form-hint]").textContent = words.hint;
  formBox.querySelector("[data-form-submit]").textContent = words.submit;
  formBox.dataset.purpose = purpose;
  const text = formBox.querySelector("textarea");
  const error = formBox.querySelector(".error");
  formBox.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) { error.textContent = "Write something first."; text.focus(); return; }
    error.textContent = "";
    const problem = await onSubmit(text.value);
    if (problem && document.contains(formBox)) { error.textContent = problem; text.focus(); }
  });
  formBox.querySelector("[data-form-cancel]").addEventListener("click", () => { formBox.remove(); control.focus(); layout(); });
  control.after(formBox);
  layout();
  text.focus();
}

function openDiscussion(id) {
  for (const details of document.querySelectorAll(`details.discussion[data-discussion="${CSS.escape(String(id))}"]`)) details.open = true;
}

async function postComment(id, body, replyTo) {
  const { ok, status, data } = await send("POST", `/editor/api/annotations/${id}/comments`,
    replyTo ? { body, reply_to: Number(replyTo) } : { body });
  if (!ok) return status === 401 ? "Your session has ended: sign in again in another tab, then post." : data.detail;
  refresh(data);
  openDiscussion(id);
  activate([String(id)]);
  return null;
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
  handleResult(result);
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
    pending = selectionSpan(root);
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
document.getElementById("merge-swap").addEventListener("click", swapTexts);
// an opened or closed discussion changes a note's height: place the notes again
document.addEventListener("toggle", (event) => {
  if (event.target.matches?.("details.discussion")) layout();
}, true);
if (/^#c-\d+$/.test(window.location.hash)) {
  const comment = document.querySelector(window.location.hash);
  comment?.closest("details.discussion")?.setAttribute("open", "");
  comment?.scrollIntoView({ block: "center" });
}
for (const cancel of document.querySelectorAll('[data-panel="cancel"]')) cancel.addEventListener("click", closePanel);

document.addEventListener("click", (event) => {
  const control = event.target.closest("button[data-action]");
  if (!control) return;
  const { action, id } = control.dataset;
  if (action === "edit") startEdit(id);
  else if (action === "comment" || action === "reply") {
    openNoteForm(control, action, (text) => postComment(id, text, control.dataset.replyTo));
  } else if (action === "changes") {
    openNoteForm(control, "changes", (text) => noteAction("changes", id, versionOf(id), { comment: text }));
  } else if ((action === "unpublish" || action === "delete") && !control.closest(".note")?.classList.contains("is-draft")) {
    // a published note withdrawn: readers are told why
    openNoteForm(control, action, (text) => noteAction(action, id, versionOf(id), { reason: text }));
  } else if (action === "override") {
    openNoteForm(control, "override", (text) => noteAction("override", id, versionOf(id), { reason: text }));
  }
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
