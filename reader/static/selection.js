// The reader's selection in the document text, in the server's units: the browser
// counts UTF-16 code units, the server code points (the data-doc-text contract).

/** The number of code points in ``text``. */
export function codePoints(text) {
  let n = 0;
  for (const _ of text) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

/** The selection inside ``root`` as code-point offsets, trimmed of outer whitespace:
 *  ``{start, end, exact, rect}``, or null when nothing inside ``root`` is selected. */
export function selectionSpan(root) {
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
