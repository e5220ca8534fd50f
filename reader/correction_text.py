"""What a correction changed in a note, in readers' words: plain values in, phrases out.

``before`` and ``after`` are a note's published fields (kind, body, tags, start, end,
exact, source_id, relation, verdict), each optionally with ``source_title``.
"""

from .config import KIND_LABELS, RELATION_LABELS, VERDICT_LABELS

# what a line on the note and an entry of /corrections begin with
HEADINGS = {"correction": "Corrected", "clarification": "Clarified", "withdrawal": "Withdrawn"}
LABELS = {"correction": "Correction", "clarification": "Clarification",
          "withdrawal": "Withdrawn"}


def _label(labels, value):
    return labels.get(value, value) if value else None


def _from_to(name, old, new):
    if old and new:
        return f"{name} changed from {old} to {new}"
    if new:
        return f"{name} set to {new}"
    return f"{name} removed (was {old})"


def describe_changes(before, after):
    """Return phrases naming what changed between two published versions of a note, in
    the order readers weigh them (verdict first); [] when nothing readers see changed."""
    before, after = before or {}, after or {}
    phrases = []

    def differs(*fields):
        return any(before.get(f) != after.get(f) for f in fields)

    if differs("kind"):
        phrases.append(_from_to("kind", _label(KIND_LABELS, before.get("kind")),
                                _label(KIND_LABELS, after.get("kind"))))
    if differs("verdict"):
        phrases.append(_from_to("verdict", _label(VERDICT_LABELS, before.get("verdict")),
                                _label(VERDICT_LABELS, after.get("verdict"))))
    if differs("source_id"):
        old = before.get("source_title") or (before.get("source_id") and "another source")
        new = after.get("source_title") or (after.get("source_id") and "another source")
        phrases.append(_from_to("source", f"“{old}”" if old else None,
                                f"“{new}”" if new else None))
    if differs("relation"):
        old = _label(RELATION_LABELS, before.get("relation"))
        new = _label(RELATION_LABELS, after.get("relation"))
        phrases.append(f"the words are now described as {new} (were {old})" if old and new
                       else _from_to("the words' relation to the source", old, new))
    if differs("start", "end", "exact"):
        phrases.append("the annotated words changed")
    if differs("body"):
        phrases.append("evidence rewritten" if after.get("kind") == "factcheck"
                       else "text rewritten")
    if differs("tags"):
        phrases.append("tags changed")
    return phrases


def summary(kind, before, after):
    """Return the sentence after the heading: what changed, or for a withdrawal "note
    withdrawn"."""
    if kind == "withdrawal":
        return "the note was withdrawn"
    phrases = describe_changes(before, after)
    return "; ".join(phrases) if phrases else "wording changed"
