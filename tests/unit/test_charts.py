"""reader/charts.py: the density strip and the bar charts are safe, bounded SVG."""

import re
from xml.etree import ElementTree

from reader.charts import bar_chart, density_strip

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    return ElementTree.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def _href(ann_id):
    return f"/docs/x#a-{ann_id}"


def test_a_strip_puts_each_kind_in_its_lane_and_links_to_a_note():
    svg = density_strip(1000, [(1, "note", 0), (2, "context", 500), (3, "factcheck", 999)],
                        _href, bins=10, labels={"note": "Editorial note"})
    tree = _parse(svg)
    links = tree.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/docs/x#a-1", "/docs/x#a-2", "/docs/x#a-3"]
    cells = [(int(r.get("x")), int(r.get("y"))) for a in links for r in a.findall(f"{SVG}rect")]
    assert cells == [(0, 0), (5, 1), (9, 2)]
    assert links[0].get("aria-label") == "Editorial note at 0% of the text"
    assert "style=" not in svg


def test_a_strip_stays_small_for_many_notes():
    notes = [(i, ("note", "context", "factcheck")[i % 3], i) for i in range(10_000)]
    svg = density_strip(10_000, notes, _href, bins=80)
    assert len(_parse(svg).findall(f"{SVG}a")) <= 3 * 80
    assert 'aria-label="Editorial notes: ' in svg or "notes:" in svg


def test_a_strip_escapes_what_it_is_given():
    svg = density_strip(10, [(1, "note", 2)], lambda i: '/x?a=1&b="<>"', title='<b> & "t"',
                        labels={"note": "<i>"})
    _parse(svg)  # well-formed
    assert "<b>" not in svg and "<i>" not in svg and 'b="' not in svg


def test_a_strip_ignores_unknown_kinds_and_unplaced_notes():
    svg = density_strip(10, [(1, "other", 2), (2, "note", None)], _href)
    assert "<a " not in svg


def test_bar_chart_stacks_series_and_writes_totals():
    svg = bar_chart([("Doc <1>", "/docs/1", {"note": 2, "factcheck": 1}),
                     ("Doc 2", None, {"context": 3})],
                    title="Per document", series=[("note", "notes"), ("context", "contexts"),
                                                  ("factcheck", "fact checks")])
    tree = _parse(svg)
    assert tree.get("aria-label") == "Per document"
    bars = [r.get("class") for r in tree.iter(f"{SVG}rect")]
    assert bars == ["bar k-note", "bar k-factcheck", "bar k-context"]
    values = [t.text for t in tree.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["3", "3"]
    assert "Doc &lt;1&gt;" in svg and "style=" not in svg
    widths = [float(r.get("width")) for r in tree.iter(f"{SVG}rect")]
    assert abs(sum(widths[:2]) - widths[2]) < 0.2  # equal totals, equal lengths


def test_bar_chart_with_no_rows_is_empty_but_valid():
    assert re.fullmatch(r"<svg [^>]*></svg>", bar_chart([], title="Nothing"))
