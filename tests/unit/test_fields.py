"""strip_invisible: direction controls and zero-width characters leave typed fields."""

import pytest

from reader.fields import INVISIBLE_RANGES, strip_invisible


@pytest.mark.parametrize("raw, clean", [
    ("\u202eevil.exe", "evil.exe"),  # right-to-left override
    ("\u202a\u202b\u202c\u202d\u202eA", "A"),  # embeddings, pop, overrides
    ("\u2066\u2067\u2068\u2069B", "B"),  # isolates
    ("N\u200bA\u200cT\u200dO", "NATO"),  # zero-width space, non-joiner, joiner
    ("\u200eL\u200fR", "LR"),  # left-to-right and right-to-left marks
    ("\ufeffBOM", "BOM"),
    ("word\u2060joiner", "wordjoiner"),
    ("soft\u00adhyphen", "softhyphen"),
    ("\u061cArabic mark", "Arabic mark"),
    ("nul\x00and\x07bell", "nulandbell"),
    ("keeps\ttabs\nand lines", "keeps\ttabs\nand lines"),
    ("Путин, 普京, بوتين", "Путин, 普京, بوتين"),  # letters of every script stay
    ("emoji 🦜 stays", "emoji 🦜 stays"),
    ("", ""),
])
def test_invisible_characters_are_removed(raw, clean):
    assert strip_invisible(raw) == clean


def test_every_listed_character_is_removed_and_its_neighbours_kept():
    for first, last in INVISIBLE_RANGES:
        for code in (first, last):
            assert strip_invisible(f"a{chr(code)}b") == "ab", hex(code)
    for code in (0x09, 0x0A, 0x0D, 0x20, 0x2010, 0x2065, 0x2070, 0xFEFE):
        assert strip_invisible(f"a{chr(code)}b") == f"a{chr(code)}b", hex(code)


@pytest.mark.parametrize("value", [None, 3, ["\u202e"]])
def test_values_that_are_not_text_are_left_to_validation(value):
    assert strip_invisible(value) == value
