"""Filters on a document page: which notes to show, by kind, tag, source and verdict.

Pure functions over plain values and duck-typed annotations (``kind``, ``tags``,
``source_id``, ``verdict``). Within a facet the chosen values are alternatives; across
facets all must hold; a facet with nothing chosen does not filter. reader.js applies
the same rule in the page, so a filtered URL looks the same with or without scripts.
"""

from dataclasses import dataclass

FACETS = ("kind", "tag", "source", "verdict")
MAX_VALUES = 50  # per facet, from one URL
MAX_VALUE = 100  # characters


def parse_filters(args):
    """Return ``{facet: frozenset(values)}`` from query arguments (a MultiDict or a dict of lists).

    Facets without a value are left out, so an empty dict means "show everything".
    """
    filters = {}
    for facet in FACETS:
        values = args.getlist(facet) if hasattr(args, "getlist") else args.get(facet, [])
        if isinstance(values, str):
            values = [values]
        chosen = frozenset(_clean(facet, v) for v in values[:MAX_VALUES] if v and v.strip())
        if chosen:
            filters[facet] = chosen
    return filters


def _clean(facet, value):
    value = value.strip()[:MAX_VALUE]
    return value.casefold() if facet == "tag" else value


def values_of(annotation):
    """Return ``{facet: set(values)}`` of one annotation (tags casefolded)."""
    return {
        "kind": {annotation.kind},
        "tag": {t.casefold() for t in (annotation.tags or [])},
        "source": {str(annotation.source_id)} if annotation.source_id else set(),
        "verdict": {annotation.verdict} if annotation.verdict else set(),
    }


def matches(annotation, filters):
    """True when ``annotation`` passes every facet of ``filters``."""
    if not filters:
        return True
    values = values_of(annotation)
    return all(values[facet] & chosen for facet, chosen in filters.items())


@dataclass(frozen=True)
class Option:
    """One value a facet can take on a page: what the URL says, what a reader reads, how many."""

    value: str
    label: str
    count: int
    chosen: bool


def facet_options(annotations, filters, labels):
    """Return ``{facet: [Option]}`` for the values present among ``annotations``.

    ``labels`` maps facet -> {value: label} (kinds, verdicts, source titles); tags
    are their own label (as first written). Facets with no value are left out; an
    option stays listed while chosen, even if no annotation has it any more.
    """
    counts = {facet: {} for facet in FACETS}
    shown_as = {}
    for annotation in annotations:
        for facet, values in values_of(annotation).items():
            for value in values:
                counts[facet][value] = counts[facet].get(value, 0) + 1
        for tag in annotation.tags or []:
            shown_as.setdefault(tag.casefold(), tag)
    options = {}
    for facet in FACETS:
        for value in filters.get(facet, ()):
            counts[facet].setdefault(value, 0)
        names = labels.get(facet, {})
        if facet == "tag":
            names = shown_as
        order = list(names) if facet in ("kind", "verdict") else None
        items = sorted(counts[facet].items(), key=lambda item: (
            order.index(item[0]) if order and item[0] in order else len(order or ()),
            str(names.get(item[0], item[0])).casefold()))
        if items:
            options[facet] = [Option(value, str(names.get(value, value)), n,
                                     value in filters.get(facet, ()))
                              for value, n in items]
    return options
