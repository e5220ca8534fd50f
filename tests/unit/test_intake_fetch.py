"""Fetching by URL: a local server stands in for the web; private addresses are refused."""

import gzip
import re

import pytest

from reader.intake.fetch import FetchError, fetch

PAGE = b"<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def _fetch(url, **kwargs):
    kwargs.setdefault("allowed_hosts", ["127.0.0.1"])
    kwargs.setdefault("timeout", 5)
    return fetch(url, **kwargs)


def test_a_page_is_fetched_with_its_type_and_charset(page_server):
    page_server.add("/story", PAGE, "text/html; charset=windows-1251")
    fetched = _fetch(page_server.url("/story"))
    assert (fetched.body, fetched.media_type, fetched.charset) == (PAGE, "text/html", "windows-1251")


def test_redirects_are_followed_a_few_times_and_no_more(page_server):
    page_server.add("/final", PAGE)
    page_server.redirect("/r1", "/final")
    page_server.redirect("/r2", page_server.url("/r1"))
    assert _fetch(page_server.url("/r2")).url == page_server.url("/final")
    for n in range(5):
        page_server.redirect(f"/loop{n}", f"/loop{n + 1}")
    with pytest.raises(FetchError, match="too many redirects"):
        _fetch(page_server.url("/loop0"), max_redirects=3)


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://10.1.2.3/", "10.1.2.3 is a private address"),
    ("http://192.168.0.1/", "a private address"),
    ("http://172.16.5.4/", "a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://[fe80::1]/", "a link-local address"),
    ("http://[fc00::1]/", "a private address"),
    ("http://[::ffff:127.0.0.1]/", "a loopback address"),
    ("http://0.0.0.0/", "an unspecified address"),
    ("http://100.64.0.1/", "not a public address"),
    ("http://2130706433/", "a loopback address"),  # 127.0.0.1 written as one number
    ("http://localhost/", "localhost (127.0.0.1) is a loopback address"),
    ("ftp://example.com/file", "only http:// and https://"),
    ("file:///etc/passwd", "only http:// and https://"),
    ("http://user:secret@example.com/", "user name or password"),
    ("http://93.184.216.34:22/", "port 22 is refused"),
    ("not a url", "only http:// and https://"),
])
def test_addresses_inside_the_network_are_refused_before_connecting(url, message):
    with pytest.raises(FetchError, match=re.escape(message)):
        fetch(url, timeout=2)


def test_a_dns_name_answering_with_a_private_address_is_refused():
    answers = {"news.example": ["93.184.216.34", "10.0.0.7"]}
    with pytest.raises(FetchError, match=r"news\.example \(10\.0\.0\.7\) is a private address"):
        fetch("http://news.example/story", resolve=lambda host, port: answers[host])


def test_a_redirect_to_a_private_address_is_refused(page_server):
    page_server.redirect("/hop", "http://169.254.169.254/latest/meta-data/")
    page_server.redirect("/hop-name", "http://localhost/admin")
    with pytest.raises(FetchError, match="link-local"):
        _fetch(page_server.url("/hop"))
    with pytest.raises(FetchError, match="loopback"):
        _fetch(page_server.url("/hop-name"))
    assert page_server.requests == ["/hop", "/hop-name"]


def test_the_local_server_itself_is_refused_unless_its_host_is_allowed(page_server):
    page_server.add("/story", PAGE)
    with pytest.raises(FetchError, match="loopback"):
        fetch(page_server.url("/story"), timeout=2)
    assert page_server.requests == []


@pytest.mark.parametrize("content_type", ["image/png", "application/json", ""])
def test_other_content_types_are_refused(page_server, content_type):
    page_server.add("/thing", b"\x89PNG", content_type)
    with pytest.raises(FetchError, match="not a web page or a PDF"):
        _fetch(page_server.url("/thing"))


def test_a_page_over_the_size_limit_is_refused_as_declared_or_as_read(page_server):
    page_server.add("/big", b"x" * 5000)
    page_server.add("/unsaid", b"x" * 5000, **{"Content-Length": ""})  # read until it closes
    for path in ("/big", "/unsaid"):
        with pytest.raises(FetchError, match="larger than the limit of 1000 bytes"):
            _fetch(page_server.url(path), max_bytes=1000)


def test_a_gzip_bomb_is_stopped_at_the_size_limit(page_server):
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    page_server.add("/bomb", bomb, "text/html", **{"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than the limit"):
        _fetch(page_server.url("/bomb"), max_bytes=100_000)
    page_server.add("/small", gzip.compress(PAGE), "text/html", **{"Content-Encoding": "gzip"})
    assert _fetch(page_server.url("/small")).body == PAGE


def test_an_error_status_is_reported(page_server):
    with pytest.raises(FetchError, match="404"):
        _fetch(page_server.url("/missing"))


def test_a_server_that_never_answers_times_out():
    import socket
    import threading
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        with pytest.raises(FetchError, match="took too long"):
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", allowed_hosts=["127.0.0.1"],
                  timeout=0.5)
    finally:
        thread.join(2)
        for connection, _ in accepted:
            connection.close()
        listener.close()
