"""Inline SVG pictures: where a document's notes fall, and bar charts for /stats.

Pure functions returning SVG markup (strings; every piece of text escaped here).
No style attributes anywhere: shapes carry CSS classes (``k-note``, ``k-context``,
``k-factcheck``…) that reader.css colours, light and dark, plus presentation
attributes where a value is data (``fill-opacity``).
"""

from html import escape

LANES = ("note", "context", "factcheck")


def _attr(value):
    return escape(str(value), quote=True)


def density_strip(length, annotations, href, *, bins=80, vertical=False, labels=None,
                  title="Where the notes fall in the text"):
    """Return an SVG strip of the text from start to end with a cell where notes fall.

    ``annotations`` are ``(id, kind, start)`` with ``start`` in code points of a text of
    ``length``; each kind has its own lane (so lanes, not only colours, tell kinds
    apart). Notes are counted into ``bins`` cells per lane, so the picture stays the
    same size for 10 or 10,000 notes; a cell links to ``href(id)`` of its first note
    and is the darker the more notes it holds. ``labels`` maps kind -> a readable name.
    """
    labels = labels or {}
    cells = {}
    for ann_id, kind, start in annotations:
        if kind not in LANES or start is None:
            continue
        at = min(bins - 1, max(0, start * bins // max(length, 1)))
        first, count = cells.get((kind, at), (ann_id, 0))
        cells[(kind, at)] = (first, count + 1)
    lanes = len(LANES)
    width, height = (lanes, bins) if vertical else (bins, lanes)
    out = [f'<svg class="strip strip-{"vertical" if vertical else "horizontal"}"'
           f' viewBox="0 0 {width} {height}" preserveAspectRatio="none"'
           f' role="group" aria-label="{_attr(title)}" focusable="false">',
           f'<rect class="strip-track" x="0" y="0" width="{width}" height="{height}"/>']
    for (kind, at), (first, count) in sorted(cells.items(), key=lambda c: (c[0][1], c[0][0])):
        lane = LANES.index(kind)
        x, y = (lane, at) if vertical else (at, lane)
        percent = round(100 * at / bins)
        name = labels.get(kind, kind)
        label = f"{name}{'s' if count > 1 and not name.endswith('s') else ''}: {count} at {percent}% of the text" \
            if count > 1 else f"{name} at {percent}% of the text"
        opacity = min(1.0, 0.55 + 0.15 * count)
        out.append(f'<a href="{_attr(href(first))}" aria-label="{_attr(label)}">'
                   f'<title>{escape(label)}</title>'
                   f'<rect class="k-{kind}" x="{x}" y="{y}" width="1" height="1"'
                   f' fill-opacity="{opacity:.2f}"/></a>')
    out.append("</svg>")
    return "".join(out)


ROW = 40  # height of one bar's row: its label above, the bar below
BAR = 14
LABEL_WIDTH = 400


def bar_chart(rows, *, title, series=None, width=LABEL_WIDTH):
    """Return a horizontal bar chart: one row per ``(label, href, values)``.

    ``values`` is a number, or ``{series key: number}`` for stacked bars whose keys
    ``series`` orders and names (``[(key, name)]``); each segment's class is
    ``k-<key>`` and it carries a <title>. The label is written above its bar (it may
    link to ``href``), the total after it, so the chart reads on a narrow phone.
    """
    series = series or [("value", "")]
    totals = [sum(v.values()) if isinstance(v, dict) else v for _, _, v in rows]
    top = max(totals, default=0) or 1
    bar_width = width - 40  # room for the total after the longest bar
    height = ROW * len(rows) + 4
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="group"'
           f' aria-label="{_attr(title)}">']
    for i, ((label, href, values), total) in enumerate(zip(rows, totals)):
        y = i * ROW
        text = f'<text class="chart-label" x="0" y="{y + 14}">{escape(_clip(label))}</text>'
        out.append(f'<a href="{_attr(href)}">{text}</a>' if href else text)
        x = 0.0
        parts = values if isinstance(values, dict) else {"value": values}
        for key, name in series:
            n = parts.get(key, 0)
            if not n:
                continue
            w = bar_width * n / top
            tip = f"{label}: {n} {name}".strip()
            out.append(f'<rect class="bar k-{_attr(key)}" x="{x:.1f}" y="{y + 20}"'
                       f' width="{max(w, 1):.1f}" height="{BAR}"><title>{escape(tip)}</title></rect>')
            x += w
        out.append(f'<text class="chart-value" x="{x + 6:.1f}" y="{y + 32}">{total}</text>')
    out.append("</svg>")
    return "".join(out)


def _clip(label, size=52):
    return label if len(label) <= size else label[:size - 1].rstrip() + "…"
