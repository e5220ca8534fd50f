"""Short text fields people type (titles, tags, source fields): invisible characters removed.

Direction overrides and isolates can make a title read differently from what it
holds (``"\u202eevil"`` shows as ``"live"``), and zero-width characters make two
tags or two sources that look the same differ. They are removed where such a field
enters the system. A document's canonical text is never cleaned: the text contract
keeps it exactly as given.
"""

# code points removed from fields, as (first, last) ranges
INVISIBLE_RANGES = (
    (0x0000, 0x0008),  # C0 controls (tab and newline are kept: they are whitespace)
    (0x000B, 0x000C),
    (0x000E, 0x001F),
    (0x007F, 0x009F),  # DEL and C1 controls
    (0x00AD, 0x00AD),  # soft hyphen
    (0x061C, 0x061C),  # Arabic letter mark
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    (0x202A, 0x202E),  # embeddings and overrides: LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x2064),  # word joiner and invisible operators
    (0x2066, 0x2069),  # isolates: LRI, RLI, FSI, PDI
    (0x206A, 0x206F),  # deprecated format characters
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFF9, 0xFFFB),  # interlinear annotation controls
)
_TABLE = {code: None for first, last in INVISIBLE_RANGES for code in range(first, last + 1)}


def strip_invisible(value):
    """Return ``value`` without the characters of ``INVISIBLE_RANGES``; non-text is returned as is."""
    if not isinstance(value, str):
        return value
    return value.translate(_TABLE)
