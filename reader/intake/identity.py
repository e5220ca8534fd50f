"""What makes two documents the same article: the key of a canonical URL, a text's fingerprint."""

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# query parameters that say how a reader arrived, never which article it is
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|"
                             r"yclid|_ga|ref|ref_src|cmpid|ocid|smid|share)$", re.IGNORECASE)
_WORDS = re.compile(r"\w+")


def canonical_url(url):
    """Return ``url`` tidied for keeping: fragment and tracking parameters dropped.

    Returns "" for anything but an absolute http(s) URL.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def url_key(url):
    """Return a short key equal for URLs of the same page (scheme, www., trailing slash aside).

    None for an empty or unusable URL.
    """
    url = canonical_url(url)
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return hashlib.sha256(f"{host}{path}?{query}".encode()).hexdigest()


def text_fingerprint(text):
    """Return a key equal for texts with the same words (case, spacing and punctuation aside)."""
    words = " ".join(_WORDS.findall(text.casefold()))
    return hashlib.sha256(words.encode()).hexdigest()
