"""Moving annotations in and out: foreign W3C parts, Hypothesis exports, CSV, the corpus file.

Pure modules: plain values in, plain values out, no Flask and no SQLAlchemy.
"""
