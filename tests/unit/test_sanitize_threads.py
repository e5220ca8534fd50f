"""The renderer is used from several server threads at once: results must not mix."""

from concurrent.futures import ThreadPoolExecutor

from reader.sanitize import render_markdown

SOURCES = [f"Note {i}: **bold {i}**, see https://example.com/{i} <script>x</script>\n\n- item {i}"
           for i in range(200)]


def test_concurrent_rendering_gives_the_same_html_as_serial():
    serial = [str(render_markdown(s)) for s in SOURCES]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = [str(html) for html in pool.map(render_markdown, SOURCES * 3)]
    assert parallel == serial * 3
