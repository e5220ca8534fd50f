"""Fetching a page or PDF by URL without letting the URL reach inside the network.

Every address a URL's host resolves to (and every redirect's) must be a public one:
loopback, private, link-local, shared, reserved and multicast addresses are refused,
unless the host is listed in ``allowed_hosts`` (for tests against a local server). The
connection goes to the very address that was checked, so a second DNS answer cannot
slip a private address in. A fetch is bounded in time, bytes, redirects and ports.
"""

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from . import IntakeError, size_words

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")
PORTS = (80, 443)  # of hosts not in allowed_hosts
USER_AGENT = "AnnotatedReader/1.0 (keeps an archived copy of pages its editors annotate)"
CHUNK = 64 * 1024


class FetchError(IntakeError):
    """The address was refused, or what it served cannot be taken; the message says which."""


@dataclass
class Fetched:
    """What an address served: the final URL after redirects, its media type and its bytes."""

    url: str
    media_type: str
    charset: str
    body: bytes


def fetch(url, *, allowed_hosts=(), timeout=10.0, max_bytes=16 * 1024 * 1024,
          max_redirects=3, resolve=None):
    """Return the Fetched page or PDF at ``url``; raise FetchError saying why not.

    ``resolve(host, port)`` returns the host's addresses (default: the system's
    resolver); tests pass their own to play a DNS answer.
    """
    resolve = resolve or _resolve
    allowed = {h.lower().strip("[]") for h in allowed_hosts}
    deadline = time.monotonic() + timeout
    for _ in range(max_redirects + 1):
        scheme, host, port, target = _parse(url, allowed)
        addresses = _addresses(host, port, allowed, resolve)
        if host not in allowed and port not in PORTS:
            raise FetchError(f"port {port} is refused (only 80 and 443)")
        response, connection = _request(scheme, host, port, target, addresses, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"the server answered {response.status} without saying where to")
                url = urljoin(url, location.strip())
                continue
            if response.status != 200:
                raise FetchError(f"the server answered {response.status} {response.reason}".strip())
            media_type, charset = _content_type(response.getheader("Content-Type", ""))
            if media_type not in ACCEPTED_TYPES:
                raise FetchError(f"the address serves {media_type or 'an unnamed type'}, "
                                 "not a web page or a PDF")
            body = _read(response, connection, deadline, max_bytes)
            return Fetched(url, media_type, charset, body)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(_network_message(exc)) from None
        finally:
            connection.close()
    raise FetchError(f"too many redirects (more than {max_redirects})")


def _parse(url, allowed):
    """Return ``(scheme, host, port, path?query)`` of an http(s) URL we may fetch."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise FetchError("not a valid address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http:// and https:// addresses can be fetched")
    if parts.username is not None or parts.password is not None:
        raise FetchError("addresses with a user name or password are refused")
    host = parts.hostname.lower()
    port = port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, target


def _resolve(host, port):
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"{host} is not a known host name") from None
    return [answer[4][0] for answer in answers]


def _addresses(host, port, allowed, resolve):
    """Return the host's addresses, all checked: refuse the host if any one is not public."""
    addresses = []
    for raw in resolve(host, port):
        address = ipaddress.ip_address(raw.split("%")[0])
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        if host not in allowed:
            refusal = _refusal(address)
            if refusal:
                shown = host if host == str(address) else f"{host} ({address})"
                raise FetchError(f"{shown} is {refusal}: only public addresses can be fetched")
        addresses.append(str(address))
    if not addresses:
        raise FetchError(f"{host} has no address")
    return addresses


def _refusal(address):
    """Say what kind of address ``address`` is if it is not a public one, else ""."""
    for test, words in (("is_unspecified", "an unspecified address"),
                        ("is_loopback", "a loopback address"),
                        ("is_link_local", "a link-local address"),
                        ("is_private", "a private address"), ("is_multicast", "a multicast address"),
                        ("is_reserved", "a reserved address")):
        if getattr(address, test):
            return words
    return "" if address.is_global else "not a public address"


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to one checked address, whatever the host name resolves to now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to one checked address; the certificate must name the host."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _request(scheme, host, port, target, addresses, deadline):
    """Send the GET to the first address that answers; return ``(response, connection)``."""
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    error = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        connection = kind(host, port, address, remaining)
        try:
            connection.request("GET", target, headers={
                "User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity",
                "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8",
            })
            return connection.getresponse(), connection
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            error = exc
    if error is None:
        raise FetchError("the server took too long to answer")
    raise FetchError(_network_message(error))


def _network_message(exc):
    if isinstance(exc, TimeoutError | socket.timeout):
        return "the server took too long to answer"
    if isinstance(exc, ssl.SSLError):
        return f"the secure connection failed ({exc.reason or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "the server refused the connection"
    return f"the server could not be reached ({type(exc).__name__})"


def _content_type(header):
    media_type, _, rest = header.partition(";")
    charset = ""
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _read(response, connection, deadline, max_bytes):
    """Read the body within the time left and ``max_bytes`` (decompressed, if gzipped)."""
    limit = size_words(max_bytes)
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the page is larger than the limit of {limit}")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise FetchError(f"the server sent the page encoded as {encoding}")
    gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    body = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("the server took too long to send the page")
        if connection.sock is not None:
            connection.sock.settimeout(remaining)
        chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
        if not chunk:
            break
        if gunzip is not None:
            try:
                chunk = gunzip.decompress(chunk, max_bytes + 1 - len(body))
            except zlib.error:
                raise FetchError("the server sent a damaged compressed page") from None
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"the page is larger than the limit of {limit}")
    return bytes(body)
