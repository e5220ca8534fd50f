"""The parts of a foreign W3C annotation our columns do not hold: kept on import, written back.

Any conformant annotation can come in, but the model stores a kind, a Markdown body,
tags, one span and a creator's name. Whatever else it says (a motivation we have no
kind for, ``bodyValue``, bodies with a language or links, ``canonical``, ``rights``,
``audience``, terms of other vocabularies, more targets, its own time zone...) is kept
here as plain JSON, in ``Annotation.extra``, and put back on export, so the annotation
leaves as it came.

A kept part that stands for a field an editor can change is kept with that field's
value at import (its *fingerprint*) and is written back only while the field still has
it: a note whose text was edited is exported with its new text in our own form, never
with the stale original. Pure functions; no Flask, no SQLAlchemy.
"""

import copy
import re

# top-level terms the columns hold (or that are ours: every ``ar:`` term)
HELD = frozenset({"@context", "id", "@id", "type", "@type", "motivation", "created",
                  "modified", "creator", "body", "bodyValue", "target", "via"})
TARGET_HELD = frozenset({"source", "selector"})
TEXT_SELECTORS = frozenset({"TextQuoteSelector", "TextPositionSelector"})
# what is written back must still be conformant: times in RFC 3339, via as absolute IRIs
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def split(obj, parsed, standard, our_context):
    """Return what ``obj`` holds beyond ``parsed`` as a JSON dict, or None if nothing.

    ``standard`` is what export would write for the parsed fields: ``motivation``,
    ``body`` (the list of bodies, or None), ``creators`` (the creator forms we write)
    and ``created``/``modified`` (RFC 3339 strings). ``parsed`` carries ``via_more``
    (more ``via`` IRIs than the column holds) and ``target_parts`` from the target.
    """
    kept = {}
    context = _foreign_context(obj.get("@context"), our_context)
    if context:
        kept["context"] = context
    if "type" in obj and obj["type"] != "Annotation":
        kept["type"] = obj["type"]
    if "motivation" in obj and obj["motivation"] != standard["motivation"]:
        kept["motivation"] = {"value": obj["motivation"], "kind": parsed["kind"]}
    fingerprint = {"text": parsed["body"], "tags": parsed["tags"]}
    if "bodyValue" in obj:
        kept["body"] = {"key": "bodyValue", "value": obj["bodyValue"], **fingerprint}
    elif "body" in obj and obj["body"] != standard["body"]:
        kept["body"] = {"key": "body", "value": obj["body"], **fingerprint}
    if "creator" in obj and obj["creator"] not in standard["creators"]:
        name = (parsed["creator"] or {}).get("name") or ""
        kept["creator"] = {"value": obj["creator"], "name": name}
    for name in ("created", "modified"):
        value = obj.get(name)
        if isinstance(value, str) and value != standard[name] and RFC3339.fullmatch(value):
            kept[name] = {"value": value, "at": standard[name]}
    vias = [via for via in parsed.get("via_more") or () if ABSOLUTE_IRI.fullmatch(via)]
    if vias:
        kept["via"] = vias
    if parsed.get("target_parts"):
        kept["target"] = parsed["target_parts"]
    properties = {key: value for key, value in obj.items()
                  if key not in HELD and not key.startswith("ar:")}
    if properties:
        kept["properties"] = properties
    return kept or None


def _foreign_context(value, our_context):
    """Return the entries of a ``@context`` other than the W3C one and ours."""
    entries = value if isinstance(value, list) else [] if value is None else [value]
    foreign = []
    for entry in entries:
        if entry in our_context:
            continue
        if isinstance(entry, dict):
            entry = {k: v for k, v in entry.items()
                     if not any(isinstance(o, dict) and o.get(k) == v for o in our_context)}
            if not entry:
                continue
        foreign.append(entry)
    return foreign


def target_parts(targets, index, was_list):
    """Return the kept parts of a target list whose ``index``-th entry is our document.

    The other targets are kept whole, in their places; of ours, the properties and
    selectors we do not write (``type``, ``styleClass``, a RangeSelector...).
    """
    parts = {}
    others = [t for i, t in enumerate(targets) if i != index]
    if was_list:
        parts["list"] = {"index": index, "others": others}
    ours = targets[index]
    if isinstance(ours, dict):
        properties = {k: v for k, v in ours.items() if k not in TARGET_HELD}
        selectors = ours.get("selector")
        selectors = selectors if isinstance(selectors, list) else [selectors]
        other_selectors = [s for s in selectors if s is not None and not (
            isinstance(s, dict) and s.get("type") in TEXT_SELECTORS)]
        if properties:
            parts["properties"] = properties
        if other_selectors:
            parts["selectors"] = other_selectors
    return parts or None


def pin_span(kept, start, end):
    """Return ``kept`` with the span its target's own parts belong to (a copy), or as is.

    A target's extra selectors and properties describe the words it was placed on;
    once the note moves to other words they are not written back.
    """
    target = (kept or {}).get("target")
    if not target or not ({"properties", "selectors"} & set(target)):
        return kept
    kept = copy.deepcopy(kept)
    kept["target"]["span"] = [start, end]
    return kept


def merge(out, kept, now, our_context):
    """Write the kept parts back into ``out`` (an exported annotation); return ``out``.

    ``now`` holds the fields fingerprints are checked against: ``kind``, ``body``,
    ``tags``, ``creator_name``, ``has_user``, ``created``, ``modified`` (RFC 3339) and
    ``span`` ([start, end]). The column ``via`` must already be in ``out``.
    """
    if not kept:
        return out
    if "type" in kept:
        out["type"] = kept["type"]
    motivation = kept.get("motivation")
    if motivation and motivation["kind"] == now["kind"]:
        out["motivation"] = motivation["value"]
    body = kept.get("body")
    if body and body["text"] == now["body"] and body["tags"] == now["tags"]:
        out.pop("body", None)
        out[body["key"]] = body["value"]
    creator = kept.get("creator")
    if creator and not now["has_user"] and creator["name"] == now["creator_name"]:
        out["creator"] = creator["value"]
    for name in ("created", "modified"):
        if name in kept and kept[name]["at"] == now[name]:
            out[name] = kept[name]["value"]
    if kept.get("via"):
        vias = ([out["via"]] if out.get("via") else []) + list(kept["via"])
        out["via"] = vias[0] if len(vias) == 1 else vias
    if kept.get("target"):
        out["target"] = _target(out["target"], kept["target"], now["span"])
    for key, value in (kept.get("properties") or {}).items():
        out.setdefault(key, value)
    if kept.get("context"):
        return {"@context": list(our_context) + list(kept["context"]),
                **{k: v for k, v in out.items() if k != "@context"}}
    return out


def _target(ours, parts, span):
    """Return our target with its kept properties and selectors, among the kept targets."""
    if isinstance(ours, dict) and parts.get("span") == list(span):
        selector = ours.get("selector")
        selectors = (selector if isinstance(selector, list) else [selector]) + list(
            parts.get("selectors", []))
        ours = {**parts.get("properties", {}), "source": ours["source"],
                "selector": selectors[0] if len(selectors) == 1 else selectors}
    listed = parts.get("list")
    if listed is None:
        return ours
    targets = list(listed["others"])
    targets.insert(min(listed["index"], len(targets)), ours)
    return targets
