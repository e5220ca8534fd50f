"""PDFs written by the tests themselves: text in Helvetica, one line per string, and metadata."""

import zlib

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
LEADING = 14


def _literal(text):
    """A PDF literal string of ``text`` in WinAnsi (Latin-1 here), with the specials escaped."""
    data = text.encode("cp1252")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(lines, header=None, footer=None):
    """A page's content stream: ``lines`` from the top margin down, a header and a footer."""
    ops = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    for line in lines:
        ops.append(_literal(line) + b" Tj T*") if line else ops.append(b"T*")
    ops.append(b"ET")
    for text, y in ((header, 805), (footer, 40)):
        if text:
            ops.append(b"BT /F1 9 Tf 72 %d Td " % y + _literal(text) + b" Tj ET")
    return b"\n".join(ops)


def make_pdf(pages, info=None, header=None, footer=None, language=None, compress=True,
             image_only=False):
    """Return the bytes of a PDF whose pages hold ``pages`` (each a list of lines).

    ``header``/``footer`` may hold ``{page}`` for the page number; ``info`` fills the
    information dictionary (Title, Author, CreationDate…); ``image_only`` draws a grey
    image and no text on each page, as a scanner does.
    """
    objects = []  # bodies; object n is objects[n - 1]

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_id = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for number, lines in enumerate(pages, 1):
        if image_only:
            pixels = bytes([128]) * (64 * 64)
            image = add(b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace "
                        b"/DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % len(pixels)
                        + pixels + b"\nendstream")
            stream = b"q 451 0 0 698 72 72 cm /Im1 Do Q"
            resources = b"<< /XObject << /Im1 %d 0 R >> >>" % image
        else:
            stream = _content(lines, header and header.format(page=number),
                              footer and footer.format(page=number))
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        if compress:
            stream = zlib.compress(stream)
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                          + stream + b"\nendstream")
        else:
            content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                        b"/Resources %s >>" % (pages_id, PAGE_WIDTH, PAGE_HEIGHT, content,
                                               resources)))
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    lang = b" /Lang " + _literal(language) if language else b""
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_id, lang)
    info_id = None
    if info:
        info_id = add(b"<< " + b" ".join(b"/%s %s" % (key.encode(), _literal(value))
                                         for key, value in info.items()) + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info_id:
        trailer += b" /Info %d 0 R" % info_id
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def wrap(paragraph, width=80):
    """Return ``paragraph`` broken into lines of at most ``width`` characters, as a typesetter would."""
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines
