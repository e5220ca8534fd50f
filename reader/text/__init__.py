"""The text core: canonical text and spans, highlight runs, re-anchoring, matching,
alignment of two reports, diffs and their marked views.

Pure modules: no Flask, no SQLAlchemy. Offsets are code points.
"""
