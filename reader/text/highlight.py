"""Overlapping annotation spans -> flat highlight runs -> the document's HTML.

``segment`` turns possibly overlapping and nested spans into flat, non-overlapping
runs, each listing every annotation over it; ``render_text`` lays those runs over the
document's structure. Offsets are code points of the canonical text.
"""

from dataclasses import dataclass
from html import escape

BLOCK_TAGS = {"title": "h1", "heading": "h2", "meta": "p", "paragraph": "p"}


@dataclass(frozen=True)
class Run:
    """``[start, end)`` is covered by exactly the annotations in ``ids`` (sorted)."""

    start: int
    end: int
    ids: tuple


def segment(spans):
    """Return the flat Runs covering the union of ``spans``, in text order.

    ``spans`` is an iterable of ``(id, start, end)``; empty spans are ignored.
    A sweep over the sorted boundaries: O(N log N) for N spans, plus the size of
    the output (a run lists every id over it).
    """
    events = []
    for ann_id, start, end in spans:
        if start < end:
            events.append((start, 1, ann_id))
            events.append((end, 0, ann_id))
    events.sort(key=lambda e: (e[0], e[1]))
    runs = []
    active = {}  # id -> how many of its spans are open (an id may come twice)
    pos = None
    i = 0
    while i < len(events):
        at = events[i][0]
        if active and pos is not None and at > pos:
            runs.append(Run(pos, at, tuple(sorted(active, key=_id_key))))
        while i < len(events) and events[i][0] == at:
            _, opening, ann_id = events[i]
            if opening:
                active[ann_id] = active.get(ann_id, 0) + 1
            else:
                active[ann_id] -= 1
                if not active[ann_id]:
                    del active[ann_id]
            i += 1
        pos = at
    return runs


def _id_key(ann_id):
    """Sort ids numerically when they are numbers."""
    return (0, ann_id, "") if isinstance(ann_id, int) else (1, 0, str(ann_id))


def _pieces(text, blocks):
    """Yield ``(kind, start, end)`` for every block and every gap between them."""
    pos = 0
    for block in blocks:
        if block.start > pos:
            yield "gap", pos, block.start
        yield block.kind, block.start, block.end
        pos = block.end
    if pos < len(text):
        yield "gap", pos, len(text)


def render_text(text, blocks, runs, kinds=None, footnotes=None, muted=frozenset()):
    """Return the HTML inside the ``data-doc-text`` element.

    Its textContent is ``text`` exactly. Blocks become h1/h2/p elements, gaps
    (newlines and blank lines) a ``span.gap``; ``data-block`` numbers the blocks and
    ``id="p-N"`` makes each one a link target; each run is cut at block edges into
    ``<mark data-annotations="...">`` elements. ``kinds`` maps id -> kind for the
    mark's classes (``hl hl-KIND``); a mark of one annotation not in it, neither muted
    nor on a gap, has no class at all (the page's script gives it its kind).
    ``footnotes`` maps id -> ``(end, number)``: the mark where that annotation ends gets
    the number in ``data-fn`` (an attribute, never text: print styles show it). A mark
    all of whose ids are in ``muted`` gets ``is-filtered``.
    """
    kinds = kinds or {}
    footnotes = footnotes or {}
    out = []
    r = 0
    index = 0
    for kind, start, end in _pieces(text, blocks):
        if kind == "gap":
            out.append('<span class="gap">')
        else:
            css = f' class="{kind}"' if kind == "meta" else ""
            out.append(f'<{BLOCK_TAGS[kind]}{css} id="p-{index}" data-block="{index}">')
            index += 1
        while r < len(runs) and runs[r].end <= start:
            r += 1
        pos = start
        k = r
        while k < len(runs) and runs[k].start < end:
            run = runs[k]
            lo, hi = max(run.start, start), min(run.end, end)
            if lo > pos:
                out.append(escape(text[pos:lo], quote=False))
            out.append(_mark(run, text[lo:hi], kinds, gap=kind == "gap",
                             numbers=[footnotes[i][1] for i in run.ids
                                      if i in footnotes and footnotes[i][0] == hi],
                             muted=muted))
            pos = hi
            k += 1
        if pos < end:
            out.append(escape(text[pos:end], quote=False))
        out.append("</span>" if kind == "gap" else f"</{BLOCK_TAGS[kind]}>")
    return "".join(out)


def _mark(run, content, kinds, gap, numbers=(), muted=frozenset()):
    """Return one ``<mark>`` for ``content`` covered by ``run``."""
    ids = " ".join(str(i) for i in run.ids)
    classes = sorted({f"hl-{kinds[i]}" for i in run.ids if i in kinds})
    if len(run.ids) > 1:
        classes.append("hl-multi")
    if gap:
        classes.append("hl-gap")
    if muted and all(i in muted for i in run.ids):
        classes.append("is-filtered")
    # a run of notes whose kinds are left to the page's script has no class at all
    css = f' class="{" ".join(["hl", *classes])}"' if classes else ""
    fn = f' data-fn="{" ".join(str(n) for n in numbers)}"' if numbers else ""
    return f'<mark{css}{fn} data-annotations="{ids}">{escape(content, quote=False)}</mark>'

